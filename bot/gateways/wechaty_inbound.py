"""Inbound: the ids the event stream announces, turned into neutral ``Inbound`` messages
(sender and group names, mentions of the bot, pictures) and delivered to the app in order,
one at a time.
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import re  # noqa: E402

from grpclib.exceptions import GRPCError  # noqa: E402

from bot.gateways.wechaty_files import _Files  # noqa: E402
from bot.gateways.wechaty_support import _KINDS, _RETRY_STATUS, _RETRYABLE, _describe, log  # noqa: E402
from kernel.messages import Inbound, Kind  # noqa: E402


class _Inbound(_Files):
    """Receiving: message ids in, ``Inbound`` messages out to the app."""

    async def _work(self) -> None:
        """Turn received message ids into Inbound messages, in order, one at a time. A message
        whose content could not be fetched because the puppet service went away stays pending
        (wechaty_journal.py) and is fetched after the next login; so does one the app could not
        take (its database failing)."""
        while True:
            message_id = await self._queue.get()
            try:
                if not self._journal.is_pending(message_id):
                    continue  # queued twice (an event and a retry after login): handed over already
                inbound = await self._build_inbound(message_id)
                if inbound is not None:
                    await self.deliver(inbound)
                self._journal.handed_over(message_id)
            except asyncio.CancelledError:
                raise
            except (GRPCError, *_RETRYABLE) as exc:
                if isinstance(exc, GRPCError) and exc.status not in _RETRY_STATUS:
                    log.exception("wechaty: message %s could not be read; dropped", message_id)
                    self._journal.handed_over(message_id)
                else:
                    log.warning("wechaty: message %s kept pending (%s): fetched after the reconnect",
                                message_id, _describe(exc))
            except Exception:
                log.exception("wechaty: message %s could not be handed to the bot; kept pending", message_id)
            finally:
                self._queue.task_done()

    async def _build_inbound(self, message_id: str) -> Inbound | None:
        # the connection may drop between the event and the payload: wait a while
        for attempt in range(3):
            try:
                return await self._inbound_once(message_id)
            except GRPCError as exc:
                if attempt == 2 or exc.status not in _RETRY_STATUS:
                    raise
                error = _describe(exc)
            except _RETRYABLE as exc:
                if attempt == 2:
                    raise
                error = _describe(exc)
            log.info("wechaty: reading message %s failed (%s); retrying", message_id, error)
            await self.wait_connected(self.connect_timeout)
        return None  # pragma: no cover

    async def _inbound_once(self, message_id: str) -> Inbound | None:
        payload = await self._rpc(self._puppet.message_payload(message_id))
        talker = payload.from_id or ""
        if talker and talker == self._self_id:  # the bot's own message, echoed back: noted, not delivered
            self._journal.echo(payload.room_id or payload.to_id or "", payload.text or "")
            return None
        room = payload.room_id or None
        kind = _KINDS.get(payload.type, Kind.OTHER)
        mentions = tuple(m for m in (payload.mention_ids or []) if m)
        text = payload.text or ""
        mentions_bot = bool(self._self_id and self._self_id in mentions)
        if room and not mentions_bot and self._self_name and kind == Kind.TEXT:
            # some puppets give no mention ids when "@name" was typed by hand
            mentions_bot = re.search(
                "@" + re.escape(self._self_name) + r"(?:[\u2005\s]|$)", text
            ) is not None
        sender_name = await self._sender_name(talker, room)
        room_name = await self._room_topic(room) if room else None
        attachment = None
        if kind == Kind.IMAGE:
            attachment = await self._save_image(message_id)
            text = ""  # puppets put the picture's XML here
        return Inbound(
            gateway=self.name,
            message_id=message_id,
            sender_id=talker,
            sender_name=sender_name,
            text=text,
            room=room,
            room_name=room_name,
            kind=kind,
            mentions=mentions,
            mentions_bot=mentions_bot,
            attachment=attachment,
        )
