"""The ticket page's 转办, 改类 and 非诉求: the same domain events as the chat commands
(handlers/members.py 转办 → domain.tickets.hand_up; handlers/rules_admin.py 改类 / 非诉求 →
domain/corrections.py), so the member, the grid worker and the group are told exactly as if it
were typed, and a correction is kept as a labelled example for `lianhu eval --db`.

Who may: the ticket's handlers (domain/access.can_act: its assignee, its grid's worker, staff of
its community), as in chat; a closed ticket cannot be handed up or corrected again.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp_session import Session as WebSession
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from domain import console as C
from domain import corrections
from domain import tickets as wf
from domain.classifier.rules import REQUEST_CATEGORIES
from kernel import texts as T
from storage.models import EventKind, Person, Ticket, TicketEvent
from storage.outbox import Speaker

#: the ticket page's way to run an action (bot/web/pages.py Pages._act): CSRF, the viewer,
#: the ticket in scope, one unit of work, then back to the ticket with the message
Act = Callable[..., Awaitable[web.StreamResponse]]


def category_choices() -> list[tuple[str, str]]:
    """The categories a ticket can be changed to (改类), 非诉求 last."""
    return [(c, T.CATEGORY_NAMES[c]) for c in (*REQUEST_CATEGORIES, "none")]


def ticket_extras(session: Session, viewer: C.Viewer, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page shows for these actions: the categories, and the photos."""
    return {"category_code": ticket.category, "categories": category_choices(),
            "photos": [(e.id, e.actor.name if e.actor else "") for e in ticket.events
                       if e.kind == EventKind.ATTACHED and e.note]}


def _closed(ticket: Ticket, action: str) -> tuple[str, str]:
    return "", T.TICKET_CLOSED_ALREADY.format(number=ticket.number, status=T.STATUS_NAMES[ticket.status],
                                              action=action)


class TicketActions:
    def __init__(self, console: Shell, act: Act) -> None:
        self.c = console
        self.act = act
        self.clock = console.host.clock

    def routes(self) -> list[web.RouteDef]:
        n = ROOT + "/tickets/{number:\\d+}"
        return [web.post(n + "/hand-up", self.hand_up), web.post(n + "/recategorise", self.recategorise),
                web.post(n + "/not-request", self.not_request),
                web.get(n + "/photos/{event:\\d+}", self.photo)]

    @login_required
    async def hand_up(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        """转办 N 原因: a member hands up to the grid worker, a grid worker or staff to staff."""
        def act(session: Session, viewer: C.Viewer, actor: Person, ticket: Ticket, form: Any) -> tuple[str, str]:
            reason = str(form.get("reason", "")).strip()[:500]
            if not wf.can_act(actor, ticket):
                return "", T.CONSOLE_NOT_ALLOWED
            if not ticket.is_open:
                return _closed(ticket, "转办")
            if not reason:
                return "", T.CONSOLE_REASON_EMPTY
            target = wf.hand_up(session, Speaker(session, self.clock), self.clock, ticket, actor, reason)
            if target is None:
                return "", T.HANDED_UP_NOBODY.format(number=ticket.number)
            return T.CONSOLE_HANDED_UP.format(role=wf.role_name(target), name=target.name), ""
        return await self.act(request, websession, uid, act)

    @login_required
    async def recategorise(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        """改类 N 类别 (改类 N 非诉求 closes it, as in chat)."""
        def act(session: Session, viewer: C.Viewer, actor: Person, ticket: Ticket, form: Any) -> tuple[str, str]:
            code = str(form.get("category", ""))
            if not wf.can_act(actor, ticket):
                return "", T.CONSOLE_NOT_ALLOWED
            if code not in dict(category_choices()):
                return "", T.CONSOLE_CATEGORY_UNKNOWN
            if code == "none":
                return self._not_request(session, actor, ticket)
            if code == ticket.category:
                return "", T.RECATEGORISE_SAME.format(number=ticket.number, category=T.CATEGORY_NAMES[code])
            old = corrections.recategorise(session, self.clock, ticket, actor, code)
            return T.RECATEGORISED_OK.format(number=ticket.number, old=T.CATEGORY_NAMES.get(old, old),
                                             new=T.CATEGORY_NAMES[code]), ""
        return await self.act(request, websession, uid, act)

    @login_required
    async def not_request(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        """非诉求 N: closed, the reporters told in a detail-free line, kept as an example."""
        def act(session: Session, viewer: C.Viewer, actor: Person, ticket: Ticket, form: Any) -> tuple[str, str]:
            if not wf.can_act(actor, ticket):
                return "", T.CONSOLE_NOT_ALLOWED
            return self._not_request(session, actor, ticket)
        return await self.act(request, websession, uid, act)

    def _not_request(self, session: Session, actor: Person, ticket: Ticket) -> tuple[str, str]:
        if not corrections.close_not_request(session, Speaker(session, self.clock), self.clock, ticket, actor):
            return _closed(ticket, "按非诉求关闭")
        return T.NOT_REQUEST_OK.format(number=ticket.number), ""

    # --- photos -----------------------------------------------------------------------------------

    @login_required
    async def photo(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        """A picture a reporter sent (an ATTACHED event: the gateway stored the file in the data
        folder), only to those who may see the ticket, and only from inside the data folder."""
        number, event_id = int(request.match_info["number"]), int(request.match_info["event"])

        def work(session: Session) -> str | None:
            viewer = self.c.viewer(session, uid)
            ticket = C.ticket_for(session, viewer, number)
            event = session.get(TicketEvent, event_id)
            if ticket is None or event is None or event.ticket_id != ticket.id or event.kind != EventKind.ATTACHED:
                return None
            return event.note
        stored = await self.c.db(work)
        path = self._inside_data(stored)
        mime = mimetypes.guess_type(path.name)[0] if path is not None else None
        if path is None or not path.is_file() or not (mime or "").startswith("image/"):
            raise web.HTTPNotFound(text=T.CONSOLE_NO_PHOTO, content_type="text/plain")
        return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600",
                                               "Content-Type": mime or "application/octet-stream",
                                               "X-Content-Type-Options": "nosniff"})

    def _inside_data(self, stored: str | None) -> Path | None:
        if not stored:
            return None
        root = self.c.host.settings.data_dir.resolve()
        path = Path(stored)
        path = (path if path.is_absolute() else root / path).resolve()
        return path if path.is_relative_to(root) else None
