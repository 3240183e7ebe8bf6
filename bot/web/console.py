"""The console plugin: routes at /console/ on the app's HTTP server, logins and sessions.

Sessions live in an encrypted cookie (aiohttp-session with cryptography's Fernet; the key is
``data_dir/console.key``, made on first start). Every form carries a CSRF token kept in the
session; a POST without the right one is refused. Logins: domain/accounts.py (argon2, lockout).
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from aiohttp_session import Session as WebSession
from aiohttp_session import get_session, new_session
from aiohttp_session import setup as session_setup
from sqlalchemy.orm import Session

from bot.driver.server import HttpServer
from bot.web.guide_page import GuidePages
from bot.web.guide_page import routes as guide_routes
from bot.web.host import Host
from bot.web.ledger_pages import LedgerPages
from bot.web.live import Live
from bot.web.notices_page import NoticePages
from bot.web.pages import Pages
from bot.web.pending import PendingPages
from bot.web.rules_page import RulesPage
from bot.web.session import (
    COOKIE,
    ROOT,
    SESSION_HOURS,
    EncryptedCookies,
    check_csrf,
    csrf_token,
    login_required,
    secret_key,
)
from bot.web.ticket_actions import TicketActions
from bot.web.transfer import Transfer
from domain.accounts import check_login, demo_login_name, ensure_demo_login
from domain.console import Viewer, viewer_of
from kernel import texts as T

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).with_name("templates")
R = TypeVar("R")


class Console:
    """The web console as a plugin of the app's HTTP server."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.server: HttpServer | None = None
        self._env: Any = None  # the template engine, made at the first page (``_templates``)

    # --- plugin ---------------------------------------------------------------------------

    def setup(self, server: HttpServer) -> None:
        self.server = server
        key = secret_key(self.host.settings.data_dir)
        server.configure(self._configure(key))
        p = Pages(self)
        live = Live(self)
        server.configure(live.configure)
        server.add_routes([
            web.get(ROOT, self.home), web.get(ROOT + "/", self.home),
            web.get(ROOT + "/login", self.login_page), web.post(ROOT + "/login", self.login),
            web.post(ROOT + "/logout", self.logout),
            web.get(ROOT + "/tickets", p.tickets), web.get(ROOT + "/tickets/{number:\\d+}", p.ticket),
            web.post(ROOT + "/tickets/{number:\\d+}/assign", p.assign),
            web.post(ROOT + "/tickets/{number:\\d+}/reply", p.reply),
            web.get(ROOT + "/stats", p.stats),
            *guide_routes(GuidePages(self)),
            *TicketActions(self, p._act).routes(), *live.routes(), *RulesPage(self).routes(),
            *Transfer(self).routes(),
        ])
        server.add_routes(PendingPages(self).routes() + LedgerPages(self).routes() + NoticePages(self).routes())

    def _configure(self, key: bytes) -> Callable[[web.Application], None]:
        def configure(app: web.Application) -> None:
            session_setup(app, EncryptedCookies(key.decode(), cookie_name=COOKIE, httponly=True,
                                                samesite="Lax", max_age=SESSION_HOURS * 3600, path=ROOT))
        return configure

    def _templates(self) -> Any:
        """The template engine, made at the first page rendered, not at start: jinja2 holds
        ~4 MB of code a bot keeps for nothing while nobody opens the console (bench/README.md,
        eleventh round). Made on the event loop (no race), kept here: a started aiohttp
        application's state is not to be changed. The pages need no aiohttp_jinja2 helper (the
        package is no longer a dependency); the live updates' texts are the engine's globals."""
        if self._env is None:
            import jinja2

            self._env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
            self._env.globals.update(Live.TEMPLATE_GLOBALS)
        return self._env

    def prepare(self) -> None:
        """Once the database is ready: the demo community's staff login."""
        with self.host.sessions() as session:
            ensure_demo_login(session, self.host.clock)
            session.commit()

    def welcome(self) -> str | None:
        if self.server is None or not self.server.started:
            return None
        with self.host.sessions() as session:
            name = demo_login_name(session)
        if name is None:
            return f"  网页控制台:{self.server.url}console/\n"
        from domain.accounts import DEMO_PASSWORD

        return T.CONSOLE_WELCOME.format(url=self.server.url, name=name, password=DEMO_PASSWORD)

    # --- the database, off the event loop --------------------------------------------------

    async def db(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(session, *args)`` in a worker thread and commit."""
        def run() -> R:
            with self.host.sessions() as session:
                result = fn(session, *args)
                session.commit()
                return result
        return await asyncio.to_thread(run)

    def viewer(self, session: Session, uid: int) -> Viewer:
        viewer = viewer_of(session, uid)
        if viewer is None:  # the login was removed, or the person is no longer staff
            raise web.HTTPFound(f"{ROOT}/login")
        return viewer

    def render(self, name: str, request: web.Request, websession: WebSession, context: dict[str, Any],
               status: int = 200) -> web.Response:
        context = {"csrf": csrf_token(websession), "root": ROOT, **context}
        html = self._templates().get_template(name).render(context)
        response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
        response.headers["Cache-Control"] = "no-store"
        return response

    # --- pages ---------------------------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{ROOT}/tickets")

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        return self.render("login.html", request, session, {"error": "", "login": ""})

    async def login(self, request: web.Request) -> web.StreamResponse:
        session = await get_session(request)
        form = await check_csrf(request, session)
        login, password = str(form.get("login", "")).strip(), str(form.get("password", ""))
        result = await self.db(check_login, self.host.clock, login, password)
        if not result.ok:
            return self.render("login.html", request, session, {"error": result.error, "login": login},
                               status=401)
        fresh = await new_session(request)  # a new session on login: no fixation
        fresh["uid"] = result.user_id
        fresh["at"] = int(time.time())
        fresh["csrf"] = secrets.token_urlsafe(32)
        raise web.HTTPFound(f"{ROOT}/tickets")

    @login_required
    async def logout(self, request: web.Request, session: WebSession, uid: int) -> web.StreamResponse:
        session.invalidate()
        raise web.HTTPFound(f"{ROOT}/login")
