"""Logins in the console: the session cookie's key, CSRF tokens, and the guard on every page."""
from __future__ import annotations

import base64
import functools
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from aiohttp_session import AbstractStorage, get_session
from aiohttp_session import Session as WebSession

from kernel import texts as T

ROOT = "/console"
COOKIE = "lianhu_console"
SESSION_HOURS = 12
S = TypeVar("S")


def secret_key(data_dir: Path) -> bytes:
    """The cookie key, kept in the data folder (readable by the owner only)."""
    path = data_dir / "console.key"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(os.urandom(32))  # a Fernet key (what Fernet.generate_key makes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


class EncryptedCookies(AbstractStorage):
    """aiohttp-session's ``EncryptedCookieStorage`` (Fernet), made on the first request that
    reads or writes a session: importing cryptography is not paid before `lianhu run` answers."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(**params)
        self._key = key
        self._params = params
        self._storage: AbstractStorage | None = None

    def _made(self) -> AbstractStorage:
        if self._storage is None:
            from aiohttp_session.cookie_storage import EncryptedCookieStorage

            self._storage = EncryptedCookieStorage(self._key, **self._params)
        return self._storage

    async def load_session(self, request: web.Request) -> WebSession:
        return await self._made().load_session(request)

    async def save_session(self, request: web.Request, response: web.StreamResponse,
                           session: WebSession) -> None:
        await self._made().save_session(request, response, session)


def csrf_token(session: WebSession) -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: web.Request, session: WebSession) -> Mapping[str, Any]:
    """The posted form, when its CSRF token is the session's; otherwise 403."""
    form = await request.post()
    expected = session.get("csrf")
    given = form.get("csrf")
    if not isinstance(expected, str) or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise web.HTTPForbidden(text=T.CONSOLE_CSRF, content_type="text/plain")
    return form


def login_required(handler: Callable[[S, web.Request, WebSession, int], Awaitable[web.StreamResponse]]
                   ) -> Callable[[S, web.Request], Awaitable[web.StreamResponse]]:
    """Pages for people who logged in; POSTs also need the CSRF token."""
    @functools.wraps(handler)
    async def wrapped(self: S, request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        uid = session.get("uid")
        if not isinstance(uid, int) or time.time() - session.get("at", 0) > SESSION_HOURS * 3600:
            if request.method == "POST":
                raise web.HTTPForbidden(text=T.CONSOLE_CSRF, content_type="text/plain")
            raise web.HTTPFound(f"{ROOT}/login")
        if request.method == "POST":
            await check_csrf(request, session)
        return await handler(self, request, session, uid)
    return wrapped
