"""Make python-wechaty 0.10.7 importable on today's Python and libraries.

This is the ONE place that patches python-wechaty's environment; only the Wechaty
gateway imports it, and it must be imported before any ``wechaty*`` module.

PyPI ``wechaty`` 0.10.7 (with wechaty-puppet 0.4.23, wechaty-puppet-service 0.8.10,
wechaty-grpc 0.20.19) was written for Python 3.7-3.9 and fails to import today:

1. pyee >= 9 moved ``AsyncIOEventEmitter`` from ``pyee`` to ``pyee.asyncio``;
   wechaty, wechaty-puppet and wechaty-puppet-service all do
   ``from pyee import AsyncIOEventEmitter``.  We put the class back on ``pyee``.
2. urllib3 >= 2 dropped ``urllib3.get_host`` (used only by
   ``wechaty/user/url_link.py``).  We provide an equivalent.
3. Python >= 3.11 dataclasses reject mutable (unhashable) defaults, and
   ``WechatyOptions.puppet_options`` defaults to ``PuppetOptions()``, an
   ``eq=True`` dataclass without ``__hash__``.  We give ``PuppetOptions`` an
   identity ``__hash__`` before ``wechaty`` is imported.
4. Python 3.13 removed ``telnetlib``; ``wechaty_puppet_service.utils`` and
   ``wechaty.plugin`` import ``telnetlib.Telnet`` (to probe a TCP port).  When the
   module is missing we register a minimal stand-in that only opens and closes a
   TCP connection (all either of them does with it).

Also: ``wechaty`` evaluates ``config.cache_dir`` at import time, which creates
``.wechaty/`` in the current directory (and later ``job.db`` in it).  The
``CACHE_DIR`` environment variable moves it; :func:`apply` sets it (if unset) to a
folder the caller chooses, before anything from ``wechaty`` is imported.

Supported: CPython 3.11, 3.12 and 3.13 -- the gateway tests
(tests/test_wechaty_gateway.py, against the official Node puppet service) pass on
3.11.7, 3.12.1 and 3.13.0 with pyee 13 and 16, urllib3 2.x, grpclib 0.4.9.
"""
from __future__ import annotations

import os
import socket
import sys
import types
from pathlib import Path

_applied = False


def _patch_pyee() -> None:
    import pyee

    if not hasattr(pyee, "AsyncIOEventEmitter"):
        from pyee.asyncio import AsyncIOEventEmitter

        pyee.AsyncIOEventEmitter = AsyncIOEventEmitter  # type: ignore[attr-defined]


def _get_host(url: str) -> tuple[str, str | None, int | None]:
    """urllib3 1.x ``get_host``: (scheme, host, port) of a URL."""
    from urllib3.util import parse_url

    parsed = parse_url(url)
    return parsed.scheme or "http", parsed.hostname, parsed.port


def _patch_urllib3() -> None:
    import urllib3

    if not hasattr(urllib3, "get_host"):
        urllib3.get_host = _get_host  # type: ignore[attr-defined]


def _patch_puppet_options() -> None:
    from wechaty_puppet.schemas.puppet import PuppetOptions

    if PuppetOptions.__hash__ is None:
        PuppetOptions.__hash__ = object.__hash__


class _Telnet:
    """The part of ``telnetlib.Telnet`` python-wechaty uses: probe host:port."""

    def __init__(self, host: str | None = None, port: int = 0, timeout: float = 10.0) -> None:
        self.sock: socket.socket | None = None
        if host is not None:
            self.open(host, port, timeout)

    def open(self, host: str, port: int = 0, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __del__(self) -> None:
        self.close()


def _patch_telnetlib() -> None:
    try:
        import telnetlib  # noqa: F401  (present up to Python 3.12)
    except ImportError:
        module = types.ModuleType("telnetlib")
        module.Telnet = _Telnet  # type: ignore[attr-defined]
        sys.modules["telnetlib"] = module


def apply(cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Apply every patch (idempotent). Call before importing any wechaty module.

    ``cache_dir``: where python-wechaty may write its cache (``CACHE_DIR``);
    only taken if ``CACHE_DIR`` is not set already.
    """
    global _applied
    if cache_dir is not None and not os.environ.get("CACHE_DIR"):
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        os.environ["CACHE_DIR"] = str(cache_dir)
    if _applied:
        return
    import warnings

    with warnings.catch_warnings():
        # betterproto 1.x / wechaty import-time deprecation noise
        warnings.simplefilter("ignore", DeprecationWarning)
        _patch_telnetlib()
        _patch_pyee()
        _patch_urllib3()
        _patch_puppet_options()
    _applied = True


#: loggers python-wechaty creates with their own stderr handler at INFO
_WECHATY_LOGGERS = (
    "PuppetService", "WechatyPuppetServiceConfig", "FileBox", "WechatyPuppet",
    "WechatyPuppet.Schema.Base", "WechatyPuppet.Schemas.Event", "Wechaty", "Accessory",
    "Config", "Contact", "ContactSelf", "Favorite", "FriendShip", "Image", "Message",
    "MiniProgram", "Room", "RoomInvitation", "Tag", "UrlLink", "wechaty.plugin",
)


def tame_loggers(level: int = 30) -> None:
    """Route python-wechaty's chatty loggers into the app's logging, at WARNING.

    They print to stderr at INFO by default (including, in places, the token).
    Call after importing the wechaty modules in use.
    """
    import logging

    for name in _WECHATY_LOGGERS:
        if name in logging.Logger.manager.loggerDict:
            logger = logging.getLogger(name)
            logger.handlers = []
            logger.propagate = True
            logger.setLevel(level)
    # FileBox calls the deprecated Logger.warn (a DeprecationWarning each time)
    # to say that `mimeType` is deprecated: keep it to errors
    file_box = logging.getLogger("FileBox")
    file_box.warn = file_box.warning  # type: ignore[method-assign]
    file_box.setLevel(max(level, logging.ERROR))
