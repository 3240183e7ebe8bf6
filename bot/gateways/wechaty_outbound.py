"""Outbound: text with WeChat mentions ("@name" + U+2005) and files, sent through the puppet
service; failures become ``SendError`` (``too_frequent`` when WeChat says to slow down), and
a message half sent is finished, not repeated, on the outbox's retry.
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
from collections.abc import Awaitable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError  # noqa: E402

from bot.driver.gateway import SendError  # noqa: E402
from bot.gateways.wechaty_files import _file_box  # noqa: E402
from bot.gateways.wechaty_state import _State  # noqa: E402
from bot.gateways.wechaty_support import AT_SEPARATOR, _TOO_FREQUENT, _describe  # noqa: E402
from kernel.messages import Outbound  # noqa: E402


class _Outbound(_State):
    """Sending: ``Outbound`` messages to WeChat."""

    async def send(self, message: Outbound) -> None:
        """Send text (with @mentions in rooms) and/or a file; SendError if it did not go out.

        If a message with a file and a text fails halfway, the part that went
        out is remembered, so the outbox's retry sends only the rest.
        """
        if not self.connected:
            reason = self._fatal or ("logged out" if self._stream_up else "not connected")
            raise SendError(f"微信未连接 / wechaty: {reason}")
        if await self._already_sent(message):
            return
        done = self._partial.pop(message, set())
        conversation = message.conversation
        if message.id is not None:
            self._journal.sending(message.id, conversation, message.text)
        try:
            if message.attachment and "file" not in done:
                path = Path(message.attachment)
                if not path.is_file():
                    raise SendError(f"wechaty: attachment not found: {path}", permanent=True)
                box = await asyncio.to_thread(_file_box, path)
                await self._send_call(self._puppet.message_send_file(conversation, box))
                done.add("file")
            if message.text and "text" not in done:
                text, mention_ids = await self._compose(message)
                await self._send_call(self._puppet.message_send_text(conversation, text, mention_ids))
                done.add("text")
        except SendError as exc:
            if done and not exc.permanent:
                self._partial[message] = done
            raise
        if message.id is not None:
            self._journal.sent(message.id, conversation, message.text)

    async def _already_sent(self, message: Outbound) -> bool:
        """After a kill -9: whether this outbox message already went out. Yes if the puppet
        service took it before the bot died (the journal says so), or if a send was under way
        and WeChat handed the bot's own copy back (an echo), waiting ``echo_wait`` for a late one."""
        if message.id is None:
            return False
        journal = self._journal
        if journal.was_sent(message.id, message.conversation, message.text):
            return True
        began = journal.interrupted(message.id, message.conversation, message.text)
        if began is None or not message.text:
            return False
        deadline = asyncio.get_running_loop().time() + self.echo_wait
        while True:
            if journal.echoed_since(message.conversation, message.text, began):
                journal.sent(message.id, message.conversation, message.text)
                return True
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.1)

    async def _compose(self, message: Outbound) -> tuple[str, list[str]]:
        """Prefix "@name" + U+2005 for each mention, as WeChat renders mentions."""
        text = message.text
        if not message.is_room or not message.mentions:
            return text, []
        prefix = []
        try:
            for contact_id in message.mentions:
                name = await self._room_alias(message.conversation, contact_id) or await self._contact_name(contact_id)
                name = name or contact_id
                if f"@{name}" not in text:
                    prefix.append(f"@{name}{AT_SEPARATOR}")
        except Exception as exc:
            raise self._send_error(exc) from exc
        return "".join(prefix) + text, list(message.mentions)

    async def _send_call(self, awaitable: Awaitable[Any]) -> None:
        try:
            await self._rpc(awaitable)
        except SendError:
            raise
        except Exception as exc:
            raise self._send_error(exc) from exc

    def _send_error(self, exc: BaseException) -> SendError:
        detail = _describe(exc)
        if isinstance(exc, GRPCError):
            too_frequent = exc.status == Status.RESOURCE_EXHAUSTED or bool(_TOO_FREQUENT.search(exc.message or ""))
            return SendError(f"wechaty: send failed: {detail}", too_frequent=too_frequent)
        return SendError(f"wechaty: send failed: {detail}")
