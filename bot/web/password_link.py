"""The one-time link's page (设置密码, issue 13): ``/console/password/<token>``, where a staff
member or grid worker who asked the bot privately sets their console password.

The rules are domain/password_links.py (random token stored hashed, 30 minutes, once); this
page only shows the form, with the console's CSRF token, and says in Chinese why a link no
longer works. The token never leaves the page: no Referer, no cache."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from bot.driver.server import HttpServer
from bot.web.host import Shell
from bot.web.session import ROOT, check_csrf
from domain.accounts import MIN_PASSWORD
from domain.password_links import PATH, link_state, login_name, use_link
from kernel import texts as T
from storage.models import PasswordLink


class PasswordLinkPage:
    """A plugin of the app's HTTP server, beside the console (whose sessions and templates it uses)."""

    def __init__(self, console: Shell) -> None:
        self.c = console

    def setup(self, server: HttpServer) -> None:
        assert PATH.startswith(ROOT + "/")
        server.add_routes([web.get(PATH + "{token}", self.form), web.post(PATH + "{token}", self.submit)])

    async def form(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        intro, error = await self.c.db(self._intro, token)
        return await self._page(request, intro=intro, error=error, status=200 if intro else 410)

    async def submit(self, request: web.Request) -> web.StreamResponse:
        websession = await get_session(request)
        form = await check_csrf(request, websession)
        token = request.match_info["token"]
        user_login, error = await self.c.db(self._use, token, str(form.get("password", "")),
                                            str(form.get("again", "")))
        if user_login:
            return await self._page(request, done=T.PASSWORD_PAGE_DONE.format(login=user_login))
        intro, gone = await self.c.db(self._intro, token)
        return await self._page(request, intro=intro, error=error or gone, status=400 if intro else 410)

    # --- in a worker thread -------------------------------------------------------------------

    def _intro(self, session: Any, token: str) -> tuple[str, str]:
        link, error = link_state(session, self.c.host.clock, token)
        return (_intro(session, link), "") if link is not None else ("", error)

    def _use(self, session: Any, token: str, password: str, again: str) -> tuple[str, str]:
        user, error = use_link(session, self.c.host.clock, token, password, again)
        return (user.login, "") if user is not None else ("", error)

    async def _page(self, request: web.Request, *, intro: str = "", error: str = "", done: str = "",
                    status: int = 200) -> web.Response:
        websession = await get_session(request)
        response = self.c.render("password.html", request, websession,
                                 {"T": T, "intro": intro, "error": error, "done": done, "min": MIN_PASSWORD,
                                  "login": ""}, status=status)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _intro(session: Any, link: PasswordLink) -> str:
    person = link.person
    return T.PASSWORD_PAGE_INTRO.format(role=T.ROLE_NAMES.get(person.role, ""), name=person.name,
                                        login=login_name(session, person), min=MIN_PASSWORD)
