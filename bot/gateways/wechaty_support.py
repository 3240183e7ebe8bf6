"""What the Wechaty gateway's modules share: the names of its settings, how WeChat marks
a mention, which errors are worth a retry, and two small helpers (see bot/gateways/wechaty.py).
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import OrderedDict  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

from grpclib.const import Status  # noqa: E402
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError  # noqa: E402
from wechaty_grpc.wechaty.puppet import MessageType  # noqa: E402

from kernel.messages import Kind  # noqa: E402

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


async def settle(tasks: list[asyncio.Task[Any]], seconds: float) -> set[asyncio.Task[Any]]:
    """Wait at most ``seconds`` for cancelled ``tasks`` to end (their failures retrieved, not
    reported at exit): those still running are given back. A stop never waits without a bound."""
    if not tasks:
        return set()
    done, late = await asyncio.wait(tasks, timeout=seconds)
    for task in done:
        if not task.cancelled():
            task.exception()
    return late


def _describe(exc: BaseException) -> str:
    if isinstance(exc, GRPCError):
        return f"gRPC {exc.status.name}: {exc.message or ''}".strip()
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timed out"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return f"{type(exc).__name__}: {text}"


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
