"""Real WeChat through a Wechaty puppet service (python-wechaty's gRPC client).

The gateway talks plain gRPC to ``WECHATY_PUPPET_SERVICE_ENDPOINT`` (host:port)
with ``WECHATY_PUPPET_SERVICE_TOKEN`` as the ``:authority``, using python-wechaty
0.10.7's puppet-service client (``wechaty_puppet_service.PuppetService`` and its
generated ``wechaty_grpc`` stub) for every call and payload.

It deliberately does not run the ``wechaty.Wechaty`` bot object on top of that
client: 0.10.7's Wechaty retries a lost connection only after a fixed 60 s and
then crashes in ``on_login`` ("Scheduler is already running"); it returns from
``start()`` silently on a wrong token and stops the event loop on an unreachable
endpoint; it only prints exceptions raised in ``on_message``; it binds a web
server to port 5000, writes ``.wechaty/job.db`` into the current directory, and
its Room/Contact objects are cached process-wide bound to the puppet that made
them (stale after a reconnect).  Instead this module owns the connection:

* connect = open the event stream, call ``Start``; ``connected`` is True once
  the account's ``login`` event arrived and the stream is up;
* a lost stream (service restarted, network) or a failed keep-alive ``Ding``
  marks the gateway disconnected and reconnects with capped exponential backoff
  (0.5 s, 1 s, 2 s, ... at most ``max_backoff``), handling ``login`` again;
* a rejected token (gRPC UNAUTHENTICATED) raises :class:`GatewayFatalError` at
  once; an endpoint never reached is retried (logged) for ``give_up_after``
  seconds, then :class:`GatewayFatalError`;
* sends while disconnected, or failing, raise :class:`SendError`: the app's
  outbox keeps the message and retries it after the reconnect.

Nothing outside ``bot/gateways`` imports wechaty; import this module only when
the wechaty gateway is chosen (it needs the ``wechaty`` extra).
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
from bot.gateways import wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import mimetypes  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import OrderedDict  # noqa: E402
from collections.abc import Awaitable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

import betterproto  # noqa: E402
from grpclib.client import Channel  # noqa: E402
from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError  # noqa: E402
from wechaty_grpc.wechaty import PuppetStub  # noqa: E402
from wechaty_grpc.wechaty.puppet import EventType, ImageType, MessageType  # noqa: E402
from wechaty_puppet import FileBox, PuppetOptions  # noqa: E402
from wechaty_puppet_service import PuppetService  # noqa: E402
from wechaty_puppet_service.utils import extract_host_and_port  # noqa: E402

from bot.driver.gateway import Gateway, GatewayFatalError, SendError  # noqa: E402
from kernel.messages import Inbound, Kind, Outbound  # noqa: E402

wechaty_compat.tame_loggers()

log = logging.getLogger("lianhu.gateway.wechaty")

T = TypeVar("T")

ENV_ENDPOINT = "WECHATY_PUPPET_SERVICE_ENDPOINT"
ENV_TOKEN = "WECHATY_PUPPET_SERVICE_TOKEN"

#: WeChat puts this (U+2005, four-per-em space) after each "@name" of a mention
AT_SEPARATOR = "\u2005"

_KINDS: dict[MessageType, Kind] = {
    MessageType.MESSAGE_TYPE_TEXT: Kind.TEXT,
    MessageType.MESSAGE_TYPE_IMAGE: Kind.IMAGE,
    MessageType.MESSAGE_TYPE_AUDIO: Kind.VOICE,
    MessageType.MESSAGE_TYPE_VIDEO: Kind.VIDEO,
    MessageType.MESSAGE_TYPE_ATTACHMENT: Kind.FILE,
    MessageType.MESSAGE_TYPE_EMOTICON: Kind.STICKER,
}

# what puppet services say when an account sends too much
_TOO_FREQUENT = re.compile(r"频繁|过快|too\s*(frequent|fast|many)|rate.?limit", re.I)

_RETRY_STATUS = (Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.CANCELLED)
_RETRYABLE = (OSError, TimeoutError, asyncio.TimeoutError, StreamTerminatedError, ProtocolError)

_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic"}
_MAX_DOWNLOAD = 20 * 1024 * 1024


class _Fatal(Exception):
    """Internal: the connection loop must stop with a GatewayFatalError."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, GRPCError):
        return f"gRPC {exc.status.name}: {exc.message or ''}".strip()
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timed out"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return f"{type(exc).__name__}: {text}"


@dataclass(eq=False, repr=False)
class _DownloadRequest(betterproto.Message):
    """wechaty.puppet.DownloadRequest (wechaty-grpc >= 0.29; not in 0.20's stub)."""

    id: str = betterproto.string_field(1)


@dataclass(eq=False, repr=False)
class _DownloadResponse(betterproto.Message):
    chunk: bytes = betterproto.bytes_field(1)


_DOWNLOAD_ROUTE = "/wechaty.Puppet/Download"


def _file_box(path: Path) -> FileBox:
    """A base64 FileBox of a local file (FileBox.from_file, minus its deprecation noise)."""
    box = FileBox.from_base64(base64.b64encode(path.read_bytes()), name=path.name)
    box.mediaType = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return box


class _TTLCache:
    """A small dict whose entries expire (names and topics change, rarely)."""

    def __init__(self, ttl: float, size: int = 4096) -> None:
        self.ttl = ttl
        self.size = size
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()

    def get(self, key: Any) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        if time.monotonic() - item[0] > self.ttl:
            del self._data[key]
            return None
        return item[1]

    def put(self, key: Any, value: Any) -> None:
        self._data[key] = (time.monotonic(), value)
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def drop(self, match: Any) -> None:
        """Forget ``match`` and every tuple key starting with it."""
        for key in list(self._data):
            if key == match or (isinstance(key, tuple) and key and key[0] == match):
                del self._data[key]


class WechatyGateway(Gateway):
    """WeChat through a Wechaty puppet service. See the module docstring."""

    name = "wechaty"

    def __init__(
        self,
        endpoint: str,
        token: str,
        data_dir: Path,
        *,
        connect_timeout: float = 10.0,
        give_up_after: float = 60.0,
        login_timeout: float = 300.0,
        rpc_timeout: float = 15.0,
        initial_backoff: float = 0.5,
        max_backoff: float = 5.0,
        keepalive_interval: float = 20.0,
        cache_ttl: float = 600.0,
    ) -> None:
        super().__init__()
        endpoint = (endpoint or "").strip()
        token = (token or "").strip()
        if not endpoint:
            raise GatewayFatalError(
                f"未配置微信 puppet service 地址 / Wechaty gateway: no puppet service endpoint: "
                f"set {ENV_ENDPOINT}=host:port"
            )
        if not token:
            raise GatewayFatalError(
                f"未配置微信 puppet service 令牌 / Wechaty gateway: no puppet service token: "
                f"set {ENV_TOKEN}"
            )
        self.endpoint = endpoint
        self._host, self._port = extract_host_and_port(endpoint)
        self._token = token
        self.data_dir = Path(data_dir)
        self.attachments_dir = self.data_dir / "attachments" / "wechaty"
        # python-wechaty's own cache (only used if someone imports `wechaty`)
        wechaty_compat.apply(self.data_dir / "wechaty-cache")

        self.connect_timeout = connect_timeout
        self.give_up_after = give_up_after
        self.login_timeout = login_timeout
        self.rpc_timeout = rpc_timeout
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.keepalive_interval = keepalive_interval

        # python-wechaty's puppet-service client; its channel and stub are
        # replaced on every (re)connect
        quiet = logging.getLogger("PuppetService")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # its constructor logs the token in clear
        try:
            self._puppet = PuppetService(PuppetOptions(end_point=endpoint, token=token))
        finally:
            quiet.setLevel(level)

        self._channel: Channel | None = None
        self._stream_up = False
        self._self_id: str | None = None
        self._self_name: str | None = None
        self._logged_in = False

        self._names = _TTLCache(cache_ttl)  # contact id -> name
        self._rooms = _TTLCache(cache_ttl)  # room id -> topic
        self._aliases = _TTLCache(cache_ttl)  # (room id, contact id) -> room alias
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._partial: dict[Outbound, set[str]] = {}

        self._runner: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._fatal: GatewayFatalError | None = None
        self._fatal_event = asyncio.Event()
        self._changed = asyncio.Event()  # pulsed on every connect/disconnect
        self._stopping = False
        self._connects = 0  # logins seen (1 = first, 2+ = after reconnects)
        self._session_reached_login = False

    # ------------------------------------------------------------------ config

    @classmethod
    def from_env(cls, data_dir: Path, **kwargs: Any) -> WechatyGateway:
        """Endpoint and token from WECHATY_PUPPET_SERVICE_ENDPOINT / _TOKEN."""
        return cls(os.environ.get(ENV_ENDPOINT, ""), os.environ.get(ENV_TOKEN, ""), data_dir, **kwargs)

    # ------------------------------------------------------------------ state

    @property
    def connected(self) -> bool:
        return self._stream_up and self._logged_in and self._fatal is None and not self._stopping

    @property
    def self_id(self) -> str | None:
        """The bot's own WeChat contact id (after login)."""
        return self._self_id

    @property
    def self_name(self) -> str | None:
        return self._self_name

    @property
    def fatal_error(self) -> GatewayFatalError | None:
        return self._fatal

    @property
    def connects(self) -> int:
        """How many times a session reached login (the first connect counts)."""
        return self._connects

    async def wait_fatal(self) -> GatewayFatalError:
        """Wait until the gateway gives up for good (e.g. the token is revoked
        while running); the app should then exit non-zero with its message."""
        await self._fatal_event.wait()
        assert self._fatal is not None
        return self._fatal

    async def wait_connected(self, timeout: float) -> bool:
        """Wait until ``connected`` (True) or ``timeout`` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while not self.connected:
            if self._fatal is not None:
                raise self._fatal
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
            except (TimeoutError, asyncio.TimeoutError):
                pass
        return True

    def _pulse(self) -> None:
        self._changed.set()

    def _set_fatal(self, message: str) -> None:
        if self._fatal is None:
            self._fatal = GatewayFatalError(message)
            log.error("%s", message)
            self._fatal_event.set()
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(self._fatal)
            self._pulse()

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Connect and wait for the account's login.

        Raises GatewayFatalError on a rejected token, an endpoint that stayed
        unreachable for ``give_up_after`` seconds, or no login within
        ``login_timeout`` seconds.
        """
        if self._runner is not None:
            raise RuntimeError("WechatyGateway already started")
        self._stopping = False
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._worker = asyncio.create_task(self._work(), name="wechaty-inbound")
        self._runner = asyncio.create_task(self._run(), name="wechaty-connection")
        try:
            await self._ready
        except BaseException:
            await self.stop()
            raise
        log.info("wechaty: connected to %s, logged in as %s (%s)", self.endpoint, self._self_name, self._self_id)

    async def stop(self) -> None:
        """Disconnect; messages already received are handed over first (5 s at most)."""
        if self._worker is not None and self.connected and not self._queue.empty():
            try:
                await asyncio.wait_for(self._queue.join(), 5.0)
            except (TimeoutError, asyncio.TimeoutError):
                log.warning("wechaty: stopping with %d received message(s) not handed over", self._queue.qsize())
        self._stopping = True
        for task in (self._runner, self._worker):
            if task is not None and not task.done():
                task.cancel()
        for task in (self._runner, self._worker):
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self._runner = self._worker = None
        self._close_channel()
        self._stream_up = False
        self._pulse()

    def _close_channel(self) -> None:
        if self._channel is not None:
            try:
                self._channel.close()
            except Exception:  # pragma: no cover - closing a broken channel
                pass
            self._channel = None

    # ------------------------------------------------------- connection loop

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
            for task in tasks:
                try:
                    await task
                except BaseException:
                    pass

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

    async def _on_event(self, kind: int, payload: dict[str, Any]) -> None:
        if kind == EventType.EVENT_TYPE_MESSAGE:
            message_id = payload.get("messageId")
            if message_id and message_id not in self._seen:
                self._seen[message_id] = None
                while len(self._seen) > 4096:
                    self._seen.popitem(last=False)
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

    def _maybe_ready(self) -> None:
        if self.connected and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def _on_scan(self, payload: dict[str, Any]) -> None:
        qrcode_data = payload.get("qrcode") or ""
        log.warning(
            "wechaty: the WeChat account is not logged in (scan status %s). Scan this QR code "
            "with the bot's phone: %s", payload.get("status"), qrcode_data or "(no QR code yet)",
        )
        if qrcode_data:
            try:
                import io

                import qrcode  # shipped with wechaty-puppet

                qr = qrcode.QRCode(border=1)
                qr.add_data(qrcode_data)
                out = io.StringIO()
                qr.print_ascii(out=out)
                log.warning("wechaty: QR code\n%s", out.getvalue())
            except Exception:  # pragma: no cover - cosmetic
                pass

    # --------------------------------------------------------------- inbound

    async def _work(self) -> None:
        """Turn received message ids into Inbound messages, in order, one at a time."""
        while True:
            message_id = await self._queue.get()
            try:
                inbound = await self._build_inbound(message_id)
                if inbound is not None:
                    await self.deliver(inbound)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("wechaty: message %s could not be handed to the bot", message_id)
            finally:
                self._queue.task_done()

    async def _rpc(self, awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, self.rpc_timeout)

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
        if talker and talker == self._self_id:
            return None  # the bot's own message, echoed back
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

    async def _contact_name(self, contact_id: str) -> str:
        if not contact_id:
            return ""
        name = self._names.get(contact_id)
        if name is None:
            payload = await self._rpc(self._puppet.contact_payload(contact_id))
            name = payload.name or ""
            self._names.put(contact_id, name)
        return name

    async def _room_alias(self, room_id: str, contact_id: str) -> str:
        key = (room_id, contact_id)
        alias = self._aliases.get(key)
        if alias is None:
            try:
                member = await self._rpc(self._puppet.room_member_payload(room_id, contact_id))
                alias = member.room_alias or ""
            except GRPCError as exc:
                if exc.status in (Status.UNAVAILABLE, Status.UNAUTHENTICATED):
                    raise
                alias = ""  # not a member any more, or unsupported: use the name
            self._aliases.put(key, alias)
        return alias

    async def _sender_name(self, contact_id: str, room_id: str | None) -> str:
        """The name WeChat shows: the group nickname in a room, else the contact's name."""
        if room_id and contact_id:
            alias = await self._room_alias(room_id, contact_id)
            if alias:
                return alias
        return await self._contact_name(contact_id)

    async def _room_topic(self, room_id: str) -> str:
        topic = self._rooms.get(room_id)
        if topic is None:
            payload = await self._rpc(self._puppet.room_payload(room_id))
            topic = payload.topic or ""
            self._rooms.put(room_id, topic)
        return topic

    async def _save_image(self, message_id: str) -> str | None:
        """Store the picture of an image message in the data folder; its path, or None."""
        try:
            response = await self._rpc(
                self._puppet.puppet_stub.message_image(id=message_id, type=ImageType.IMAGE_TYPE_HD)
            )
            box = json.loads(response.filebox or "{}")
        except (GRPCError, ValueError, OSError, TimeoutError, asyncio.TimeoutError) as exc:
            log.warning("wechaty: could not fetch the picture of message %s: %s", message_id, _describe(exc))
            return None
        name = str(box.get("name") or "")
        box_type = box.get("boxType", box.get("type"))
        try:
            if box_type == 1:  # Base64
                data = base64.b64decode(box.get("base64") or "")
            elif box_type == 2:  # Url
                data = await self._download(str(box.get("remoteUrl") or box.get("url") or ""), box.get("headers"))
                name = name or str(box.get("remoteUrl") or "")
            elif box_type == 7 and box.get("uuid"):  # Uuid: servers send files > 20 KB so
                data = await self._download_uuid(str(box["uuid"]))
            else:
                # QRCode, Stream, ...: nothing a puppet service sends for a picture
                log.warning(
                    "wechaty: the picture of message %s came as a file box of type %s, which this "
                    "client cannot read; delivered without the file", message_id, box_type,
                )
                return None
        except Exception as exc:
            log.warning("wechaty: could not read the picture of message %s: %s", message_id, _describe(exc))
            return None
        if not data:
            return None
        ext = Path(name).suffix.lower()
        if ext not in _IMAGE_EXTENSIONS:
            mime = box.get("mimeType") or box.get("mediaType") or ""
            ext = mimetypes.guess_extension(str(mime)) or ".jpg"
            if ext not in _IMAGE_EXTENSIONS:
                ext = ".jpg"
        folder = self.attachments_dir / datetime.now().strftime("%Y-%m")
        safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", message_id)[:120] or "image"
        path = folder / f"{safe_id}{ext}"

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)
        return str(path)

    async def _download_uuid(self, uuid: str) -> bytes:
        """A UUID file box's bytes, through the service's Download stream (the
        0.10.7 client has no stub for it; the route and messages are defined here)."""
        stub = self._puppet.puppet_stub
        data = bytearray()

        async def pull() -> None:
            async for response in stub._unary_stream(_DOWNLOAD_ROUTE, _DownloadRequest(id=uuid), _DownloadResponse):
                data.extend(response.chunk)
                if len(data) > _MAX_DOWNLOAD:
                    raise ValueError("picture larger than 20 MB")

        await asyncio.wait_for(pull(), max(self.rpc_timeout, 30.0))
        return bytes(data)

    async def _download(self, url: str, headers: Any = None) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not a URL: {url[:60]!r}")
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=max(self.rpc_timeout, 30.0))
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url, headers=headers if isinstance(headers, dict) else None) as resp:
                resp.raise_for_status()
                data = await resp.content.read(_MAX_DOWNLOAD + 1)
        if len(data) > _MAX_DOWNLOAD:
            raise ValueError("picture larger than 20 MB")
        return data

    # -------------------------------------------------------------- outbound

    async def send(self, message: Outbound) -> None:
        """Send text (with @mentions in rooms) and/or a file; SendError if it did not go out.

        If a message with a file and a text fails halfway, the part that went
        out is remembered, so the outbox's retry sends only the rest.
        """
        if not self.connected:
            reason = self._fatal or ("logged out" if self._stream_up else "not connected")
            raise SendError(f"微信未连接 / wechaty: {reason}")
        done = self._partial.pop(message, set())
        conversation = message.conversation
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
