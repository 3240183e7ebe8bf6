"""The console's pages: 工单 (list, filters, search), a ticket (timeline, 派单, reply), 统计.

Each page asks domain/console*.py, which scopes every query to what the viewer may see; each
action calls the same domain function as the chat command (派单 → domain.tickets.reassign,
回复反映人 → domain.tickets.progress), so the member and the group are told as if it were typed.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.web.charts import bar_chart, colour_chart, rates_chart
from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from bot.web.ticket_actions import ticket_extras
from domain import console as C
from domain import tickets as wf
from domain.reports.console import stats_page
from domain.reports.month import parse_month
from kernel import texts as T
from storage.models import Person
from storage.outbox import Speaker


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def query_from(params: Any) -> C.TicketQuery:
    status = params.get("status", "open")
    return C.TicketQuery(
        status=status if status in C.STATUS_FILTERS else "open",
        grid_id=_int(params.get("grid")), building_id=_int(params.get("building")),
        category=params.get("category", "") if params.get("category", "") in T.CATEGORY_NAMES else "",
        urgent=params.get("urgent") == "1", overdue=params.get("overdue") == "1",
        unrated=params.get("unrated") == "1", q=params.get("q", "")[:100])


class Pages:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.clock = console.host.clock

    # --- 工单 ------------------------------------------------------------------------------------

    @login_required
    async def tickets(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        query = query_from(request.query)

        def work(session: Session) -> dict[str, Any]:
            viewer = self.c.viewer(session, uid)
            rows, total = C.find_tickets(session, self.clock, viewer, query)
            return {"viewer": viewer, "rows": rows, "total": total, "query": query,
                    "grids": [(g.id, g.name) for g in C.grids(session, viewer)],
                    "buildings": [(b.id, b.name) for b in C.buildings(session, viewer)],
                    "statuses": [(k, label) for k, (label, _) in C.STATUS_FILTERS.items()],
                    "categories": [(k, v) for k, v in T.CATEGORY_NAMES.items() if k != "none"],
                    "page": "tickets"}
        context = await self.c.db(work)
        return self.c.render("tickets.html", request, websession, context)

    @login_required
    async def ticket(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        number = int(request.match_info["number"])
        flash, error = websession.pop("flash", ""), websession.pop("error", "")

        def work(session: Session) -> dict[str, Any] | None:
            viewer = self.c.viewer(session, uid)
            ticket = C.ticket_for(session, viewer, number)
            if ticket is None:
                return None
            view = C.ticket_view(session, self.clock, viewer, ticket)
            t = view.ticket
            person = session.get(Person, viewer.person_id)
            return {
                "viewer": viewer, "page": "tickets", "view": view, "number": t.number,
                "category": T.CATEGORY_NAMES.get(t.category, t.category),
                "status": T.STATUS_NAMES.get(t.status, t.status), "urgent": t.urgent, "is_open": t.is_open,
                "place": wf.place(t, True), "text": t.text, "created": self.clock.show(t.created_at),
                "assignee": f"{wf.role_name(t.assignee)}{t.assignee.name}" if t.assignee else "未指定",
                "resolution": t.resolution or "", "rating": T.RATING_NAMES.get(t.rating or 0, ""),
                "can_assign": C.may_assign(viewer) and t.is_open,
                "can_reply": person is not None and wf.can_act(person, t),
                "handlers": [(p.id, f"{p.name}({T.ROLE_NAMES.get(p.role, '')})", p.id == t.assignee_id)
                             for p in view.handlers],
                "flash": flash, "error": error, **ticket_extras(session, viewer, t)}
        context = await self.c.db(work)
        if context is None:
            return self.c.render("error.html", request, websession,
                                 {"message": T.CONSOLE_NO_TICKET.format(number=number), "page": "tickets"}, 404)
        return self.c.render("ticket.html", request, websession, context)

    async def _act(self, request: web.Request, websession: WebSession, uid: int,
                   act: Any) -> web.StreamResponse:
        """Run an action on a ticket in one transaction (outbox rows included), then wake the
        outbox and go back to the ticket's page with what happened."""
        number = int(request.match_info["number"])
        form = await request.post()

        def work(session: Session) -> tuple[str, str]:
            viewer = self.c.viewer(session, uid)
            ticket = C.ticket_for(session, viewer, number)
            actor = session.get(Person, viewer.person_id)
            if ticket is None or actor is None:
                return "", T.CONSOLE_NO_TICKET.format(number=number)
            result: tuple[str, str] = act(session, viewer, actor, ticket, form)
            return result
        flash, error = await self.c.db(work)
        self.c.host.wake()
        websession["flash" if flash else "error"] = flash or error
        raise web.HTTPFound(f"{ROOT}/tickets/{number}")

    @login_required
    async def assign(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        def act(session: Session, viewer: C.Viewer, actor: Person, ticket: Any, form: Any) -> tuple[str, str]:
            if not C.may_assign(viewer):
                return "", T.CONSOLE_NOT_ALLOWED
            if not ticket.is_open:
                return "", T.TICKET_CLOSED_ALREADY.format(number=ticket.number,
                                                          status=T.STATUS_NAMES[ticket.status], action="派单")
            target_id = _int(str(form.get("person", "")))
            target = next((p for p in C.assignable(session, viewer, ticket) if p.id == target_id), None)
            if target is None:
                return "", T.PERSON_UNKNOWN.format(name=form.get("person", ""))
            say = Speaker(session, self.clock)
            wf.reassign(session, say, self.clock, ticket, actor, target)
            # as if typed in the staff group: colleagues see who was sent
            say.staff_group(ticket.community_id, T.ASSIGNED_OK.format(
                number=ticket.number, role=wf.role_name(target), name=target.name))
            return T.CONSOLE_ASSIGNED.format(role=wf.role_name(target), name=target.name), ""
        return await self._act(request, websession, uid, act)

    @login_required
    async def reply(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        def act(session: Session, viewer: C.Viewer, actor: Person, ticket: Any, form: Any) -> tuple[str, str]:
            text = str(form.get("text", "")).strip()[:1000]
            if not wf.can_act(actor, ticket):
                return "", T.CONSOLE_NOT_ALLOWED
            if not text:
                return "", T.CONSOLE_REPLY_EMPTY
            if not ticket.is_open:
                return "", T.TICKET_CLOSED_ALREADY.format(number=ticket.number,
                                                          status=T.STATUS_NAMES[ticket.status], action="回复")
            wf.progress(session, Speaker(session, self.clock), self.clock, ticket, actor, text)
            return T.CONSOLE_REPLIED, ""
        return await self._act(request, websession, uid, act)

    # --- 统计 ------------------------------------------------------------------------------------

    @login_required
    async def stats(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        chosen = parse_month(request.query.get("month", "本月"), self.clock) or parse_month("本月", self.clock)
        assert chosen is not None
        year, month = chosen

        def work(session: Session) -> dict[str, Any]:
            viewer = self.c.viewer(session, uid)
            s = stats_page(session, self.clock, self.c.host.settings, viewer, year, month)
            labels = [r.label for r in s.rates]
            return {
                "viewer": viewer, "page": "stats", "s": s, "month_value": f"{year}-{month:02d}",
                "rates_chart": rates_chart(labels, [
                    ("response", "响应率", [r.response for r in s.rates]),
                    ("resolve", "解决率", [r.resolve for r in s.rates]),
                    ("satisfaction", "满意率", [r.satisfaction for r in s.rates])]),
                "category_chart": bar_chart("chart-categories", "诉求类别", s.categories),
                "colour_chart": colour_chart(s.colours),
                "visits_chart": bar_chart("chart-visits", "各网格走访户次", s.visits_by_grid),
                "pct": lambda v: T.NO_DATA if v is None else f"{v:.0%}"}
        context = await self.c.db(work)
        return self.c.render("stats.html", request, websession, context)


def filter_url(query: C.TicketQuery, **change: Any) -> str:
    params = {"status": query.status, "grid": query.grid_id or "", "building": query.building_id or "",
              "category": query.category, "urgent": "1" if query.urgent else "",
              "overdue": "1" if query.overdue else "", "unrated": "1" if query.unrated else "", "q": query.q}
    params.update(change)
    return f"{ROOT}/tickets?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})
