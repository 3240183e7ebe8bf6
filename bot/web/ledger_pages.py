"""The console's 台账: buildings → households, members' links and load, visits due and overdue
by member and grid, 微心愿 (domain/ledger_view.py; colours only where access.may_list_colours)."""
from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from domain import ledger_view as L
from kernel import texts as T

TABS = {"buildings": "楼栋与住户", "members": "联户党员", "visits": "走访", "wishes": "微心愿"}


class LedgerPages:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROOT + "/ledger", self.page),
                web.get(ROOT + "/ledger/buildings/{id:\\d{1,9}}", self.building)]

    @login_required
    async def page(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        tab = request.query.get("tab", "buildings")
        tab = tab if tab in TABS else "buildings"
        settings = self.c.host.settings

        def work(session: Session) -> dict[str, Any]:
            viewer = self.c.viewer(session, uid)
            context: dict[str, Any] = {"viewer": viewer, "page": "ledger", "tab": tab, "tabs": TABS,
                                       "colours": L.shows_colours(viewer), "load_min": L.LOAD_MIN}
            if tab == "buildings":
                context["buildings"] = L.buildings(session, viewer)
            elif tab in ("members", "visits"):
                context["members"], context["grids"] = L.members(session, self.clock, settings, viewer)
            else:
                context["wishes"] = L.wishes(session, self.clock, viewer)
            return context
        context = await self.c.db(work)
        return self.c.render("ledger.html", request, websession, context)

    @login_required
    async def building(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        building_id = int(request.match_info["id"])

        def work(session: Session) -> dict[str, Any] | None:
            viewer = self.c.viewer(session, uid)
            found = L.building_households(session, self.clock, viewer, building_id)
            if found is None:
                return None
            name, households = found
            return {"viewer": viewer, "page": "ledger", "name": name, "households": households,
                    "colours": L.shows_colours(viewer)}
        context = await self.c.db(work)
        if context is None:
            return self.c.render("error.html", request, websession,
                                 {"message": T.LEDGER_NO_BUILDING, "page": "ledger"}, 404)
        return self.c.render("ledger_building.html", request, websession, context)
