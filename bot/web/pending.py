"""The console's 待处理 page: what waits for a person (domain/pending.py), each with the buttons
of its chat command (转工单/忽略, 确认住户/不是, 确认绑定, 确认调色/驳回调色, 确认匹配)."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from domain import pending
from kernel import texts as T
from storage.outbox import Speaker

KINDS = ("headsup", "claim", "binding", "colour", "match")


class PendingPages:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROOT + "/pending", self.page),
                web.post(ROOT + "/pending/{kind:[a-z]+}/{number:\\d{1,9}}/{action:[a-z]+}", self.decide)]

    @login_required
    async def page(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        flash, error = websession.pop("flash", ""), websession.pop("error", "")

        def work(session: Session) -> dict[str, Any]:
            viewer = self.c.viewer(session, uid)
            return {"viewer": viewer, "page": "pending", "waiting": pending.waiting(session, self.clock, viewer),
                    "flash": flash, "error": error, "none": T.PENDING_NONE}
        context = await self.c.db(work)
        return self.c.render("pending.html", request, websession, context)

    @login_required
    async def decide(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        kind, action = request.match_info["kind"], request.match_info["action"]
        number = int(request.match_info["number"])
        form = await request.post()
        settings = self.c.host.settings

        def work(session: Session) -> tuple[str, str]:
            viewer = self.c.viewer(session, uid)
            if kind not in KINDS:
                return "", T.PENDING_GONE
            return pending.decide(session, Speaker(session, self.clock), self.clock, settings, viewer,
                                  kind, number, action, form)
        flash, error = await self.c.db(work)
        self.c.host.wake()
        websession["flash" if flash else "error"] = flash or error
        raise web.HTTPFound(f"{ROOT}/pending")
