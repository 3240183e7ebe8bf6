"""The Wechaty gateway's connection: connect, keep alive, reconnect with backoff, give up for
good on a rejected token or an endpoint never reached, and the events of the stream (login,
logout, a QR code to scan, messages, group changes). See bot/gateways/wechaty.py.
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from grpclib.client import Channel  # noqa: E402
from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError  # noqa: E402
from wechaty_grpc.wechaty import PuppetStub  # noqa: E402
from wechaty_grpc.wechaty.puppet import EventType  # noqa: E402

from bot.gateways.wechaty_state import _State  # noqa: E402
from bot.gateways.wechaty_support import ENV_TOKEN, _describe, _Fatal, log, settle  # noqa: E402

#: seconds a session's own tasks get to end after being cancelled (the channel is closed next)
TEARDOWN_SECONDS = 2.0


class _Connection(_State):
    """The connection loop of a :class:`WechatyGateway`."""

    def _close_channel(self) -> None:
        if self._channel is not None:
            try:
                self._channel.close()
            except Exception:  # pragma: no cover - closing a broken channel
                pass
            self._channel = None

    async def _run(self) -> None:
        attempt = 0
        down_since = time.monotonic()
        last_warned = 0.0
        while not self._stopping:
            try:
                await self._session()
                last_error = "the puppet service closed the event stream"
            except _Fatal as exc:
                self._set_fatal(str(exc))
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every other failure: retry
                last_error = _describe(exc)
            finally:
                self._stream_up = False
                self._close_channel()
                self._pulse()
            if self._stopping:
                return
            now = time.monotonic()
            if self._session_reached_login:
                attempt = 0
                down_since = now
                log.warning("wechaty: lost the connection to %s (%s); reconnecting", self.endpoint, last_error)
            attempt += 1
            down_for = now - down_since
            if self._connects == 0 and down_for >= self.give_up_after:
                self._set_fatal(
                    f"无法连接微信 puppet service {self.endpoint}（{attempt} 次尝试，{down_for:.0f} 秒）。"
                    f" / Wechaty gateway: cannot reach the puppet service at {self.endpoint} after "
                    f"{attempt} attempts in {down_for:.0f} s (last error: {last_error}). Is it running, "
                    f"and serving plain gRPC (WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER=true)?"
                )
                return
            delay = self.initial_backoff * (2 ** min(attempt - 1, 16)) * random.uniform(0.8, 1.2)
            delay = min(self.max_backoff, delay)
            if attempt <= 2 or now - last_warned >= 30:
                last_warned = now
                log.warning(
                    "wechaty: puppet service %s unreachable (%s); retry %d in %.1f s (down %.0f s%s)",
                    self.endpoint, last_error, attempt, delay, down_for,
                    f", giving up after {self.give_up_after:.0f} s" if self._connects == 0 else "",
                )
            else:
                log.info("wechaty: retry %d in %.1f s (%s)", attempt, delay, last_error)
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        """One connection: returns (or raises) when it ends."""
        self._session_reached_login = False
        self._logged_in = False
        channel = Channel(host=self._host, port=self._port)
        channel._authority = self._token  # the puppet service reads the token here
        self._channel = channel
        calls = PuppetStub(channel, timeout=self.rpc_timeout)
        self._puppet.channel = channel
        self._puppet._puppet_stub = calls
        events = PuppetStub(channel)  # no timeout: the event stream lasts

        tasks = [asyncio.create_task(self._read_events(events), name="wechaty-events")]
        try:
            try:
                await asyncio.wait_for(calls.start(), self.connect_timeout)
            except GRPCError as exc:
                self._check_auth(exc)
                raise
            self._stream_up = True
            self._maybe_ready()
            self._pulse()
            tasks.append(asyncio.create_task(self._keepalive(calls), name="wechaty-keepalive"))
            if self._connects == 0:
                tasks.append(asyncio.create_task(self._guard_login(), name="wechaty-login-guard"))
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # raises the failure that ended the session
        except GRPCError as exc:
            self._check_auth(exc)
            raise
        finally:
            self._stream_up = False
            for task in tasks:
                if not task.done():
                    task.cancel()
            # bounded: a stream read that waits on the channel ends when the channel closes (after
            # this), so waiting for it without a bound could wait forever (a stop that never ends)
            await settle(tasks, TEARDOWN_SECONDS)

    def _check_auth(self, exc: GRPCError) -> None:
        if exc.status in (Status.UNAUTHENTICATED, Status.PERMISSION_DENIED):
            detail = (exc.message or "").replace(self._token, "***")  # services echo it back
            raise _Fatal(
                f"微信 puppet service 拒绝了令牌，请检查 {ENV_TOKEN}。 / Wechaty gateway: the puppet "
                f"service at {self.endpoint} rejected the token ({exc.status.name}: {detail}). "
                f"Check {ENV_TOKEN}."
            ) from exc

    async def _guard_login(self) -> None:
        """At start-up: give up if the account does not log in in time."""
        await asyncio.sleep(self.login_timeout)
        if self._connects == 0:
            raise _Fatal(
                f"微信账号在 {self.login_timeout:.0f} 秒内未登录（请扫描日志中的二维码）。 / Wechaty gateway: "
                f"the WeChat account behind {self.endpoint} did not log in within "
                f"{self.login_timeout:.0f} s; scan the QR code shown in the log."
            )
        await asyncio.Event().wait()  # logged in: nothing more to guard

    async def _keepalive(self, calls: PuppetStub) -> None:
        """A Ding every ``keepalive_interval``: a silent dead connection ends the session."""
        while True:
            await asyncio.sleep(self.keepalive_interval)
            try:
                await asyncio.wait_for(calls.ding(data="lianhu"), self.rpc_timeout)
            except GRPCError as exc:
                self._check_auth(exc)
                if exc.status == Status.UNIMPLEMENTED:
                    return  # a service without Ding: rely on the stream alone
                raise ConnectionError(f"keep-alive failed: {_describe(exc)}") from exc
            except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
                raise ConnectionError(f"keep-alive failed: {_describe(exc)}") from exc

    async def _read_events(self, events: PuppetStub) -> None:
        async for response in events.event():
            if response is None:
                continue
            try:
                payload = json.loads(response.payload or "{}")
            except ValueError:
                payload = {}
            await self._on_event(int(response.type), payload)

    # ----------------------------------------------------------------- events

    async def _on_event(self, kind: int, payload: dict[str, Any]) -> None:
        if kind == EventType.EVENT_TYPE_MESSAGE:
            message_id = payload.get("messageId")
            if message_id and message_id not in self._seen:
                self._seen[message_id] = None
                while len(self._seen) > 4096:
                    self._seen.popitem(last=False)
                self._journal.arrived(message_id)  # pending until the app has it
                self._queue.put_nowait(message_id)
        elif kind == EventType.EVENT_TYPE_LOGIN:
            await self._on_login(str(payload.get("contactId") or ""))
        elif kind == EventType.EVENT_TYPE_LOGOUT:
            self._logged_in = False
            self._pulse()
            log.warning(
                "wechaty: the WeChat account %s logged out (%s); waiting for it to log in again",
                payload.get("contactId"), payload.get("data") or "no reason given",
            )
        elif kind == EventType.EVENT_TYPE_SCAN:
            self._on_scan(payload)
        elif kind in (EventType.EVENT_TYPE_ROOM_TOPIC, EventType.EVENT_TYPE_ROOM_JOIN, EventType.EVENT_TYPE_ROOM_LEAVE):
            room_id = payload.get("roomId")
            if room_id:
                self._rooms.drop(room_id)
                self._aliases.drop(room_id)
        elif kind == EventType.EVENT_TYPE_ERROR:
            log.warning("wechaty: the puppet service reported an error: %s", payload.get("data") or payload)
        else:
            log.debug("wechaty: event %s %s", kind, payload)

    async def _on_login(self, contact_id: str) -> None:
        if not contact_id:
            return
        if self._self_id and self._self_id != contact_id:
            log.warning("wechaty: a different WeChat account logged in: %s (was %s)", contact_id, self._self_id)
            self._self_name = None
        self._self_id = contact_id
        try:
            payload = await asyncio.wait_for(self._puppet.contact_payload(contact_id), self.rpc_timeout)
            self._self_name = payload.name or self._self_name
            self._names.put(contact_id, payload.name)
        except Exception as exc:
            log.warning("wechaty: could not read the bot's own name: %s", _describe(exc))
        self._logged_in = True
        self._session_reached_login = True
        self._connects += 1
        if self._connects > 1:
            log.warning("wechaty: reconnected to %s, logged in as %s (%s)", self.endpoint, self._self_name, contact_id)
        self._maybe_ready()
        self._pulse()
        # messages whose content could not be fetched before the connection (or the bot) went away
        again = self._journal.retry_after_login()
        if again:
            log.warning("wechaty: fetching %d message(s) left pending before the reconnect", len(again))
        for message_id in again:
            self._seen[message_id] = None
            self._queue.put_nowait(message_id)

    def _on_scan(self, payload: dict[str, Any]) -> None:
        qrcode_data = payload.get("qrcode") or ""
        log.warning(
            "wechaty: the WeChat account is not logged in (scan status %s). Scan this QR code "
            "with the bot's phone: %s", payload.get("status"), qrcode_data or "(no QR code yet)",
        )
        if qrcode_data:
            try:
                import importlib
                import io

                qrcode = importlib.import_module("qrcode")  # shipped with wechaty-puppet (untyped)
                qr = qrcode.QRCode(border=1)
                qr.add_data(qrcode_data)
                out = io.StringIO()
                qr.print_ascii(out=out)
                log.warning("wechaty: QR code\n%s", out.getvalue())
            except Exception:  # pragma: no cover - cosmetic
                pass
