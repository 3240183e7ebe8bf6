"""The Wechaty gateway's state: its settings, the connection's state and the names it has
looked up (contacts, group nicknames, group topics). The connection, inbound and outbound
parts (wechaty_connection.py, wechaty_inbound.py, wechaty_outbound.py) build on it.
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
from collections import OrderedDict  # noqa: E402
from collections.abc import Awaitable  # noqa: E402
from pathlib import Path  # noqa: E402

from grpclib.client import Channel  # noqa: E402
from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError  # noqa: E402
from wechaty_puppet import PuppetOptions  # noqa: E402
from wechaty_puppet_service import PuppetService  # noqa: E402
from wechaty_puppet_service.utils import extract_host_and_port  # noqa: E402

from bot.driver.gateway import Gateway, GatewayFatalError  # noqa: E402
from bot.gateways.wechaty_journal import Journal  # noqa: E402
from bot.gateways.wechaty_support import ENV_ENDPOINT, ENV_TOKEN, T, _TTLCache, log  # noqa: E402
from kernel.messages import Outbound  # noqa: E402


class _State(Gateway):
    """Settings, connection state and the name caches of a :class:`WechatyGateway`."""

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
        #: pending message ids, sends in flight and the bot's own echoes, kept across a lost
        #: connection and a kill -9 (wechaty_journal.py)
        self._journal = Journal(self.data_dir / "wechaty-journal.json")
        self.echo_wait = 3.0  # seconds to wait for a late echo of a send the bot died during

        self._runner: asyncio.Task[None] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._fatal: GatewayFatalError | None = None
        self._fatal_event = asyncio.Event()
        self._changed = asyncio.Event()  # pulsed on every connect/disconnect
        self._stopping = False
        self._connects = 0  # logins seen (1 = first, 2+ = after reconnects)
        self._session_reached_login = False

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

    def _maybe_ready(self) -> None:
        if self.connected and self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    # ------------------------------------------------------------------ names

    async def _rpc(self, awaitable: Awaitable[T]) -> T:
        return await asyncio.wait_for(awaitable, self.rpc_timeout)

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
