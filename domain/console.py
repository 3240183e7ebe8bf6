"""What the web console asks of the ledger (issue 13), scoped once for every query.

    viewer = viewer_of(session, user_id)       # who is looking: staff (their community) or a
    ticket_scope(viewer)                       # grid worker (their grid, never another's)
    find_tickets(session, clock, viewer, TicketQuery(status="open", q="3-2-502"))
    ticket_for(session, viewer, 1001)          # None when it is not theirs to see

Every console query goes through ``ticket_scope`` / ``building_scope``: a page cannot forget it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from domain import tickets as wf
from kernel import texts as T
from kernel.clock import Clock
from kernel.parsing import parse_address
from storage.models import (
    Building,
    ConsoleUser,
    EventKind,
    Grid,
    Household,
    Person,
    Role,
    Status,
    Ticket,
    TicketReporter,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Viewer:
    user_id: int
    person_id: int
    name: str
    role: str
    community_id: int | None
    grid_ids: tuple[int, ...] = ()  # a grid worker's grids

    @property
    def is_staff(self) -> bool:
        return self.role in Role.SUPERVISORS

    @property
    def role_name(self) -> str:
        return T.ROLE_NAMES.get(self.role, "")


def viewer_of(session: Session, user_id: int) -> Viewer | None:
    """The person behind a console login, or None (gone, or no longer staff / grid worker)."""
    user = session.get(ConsoleUser, user_id)
    if user is None:
        return None
    p = user.person
    if p.role in Role.SUPERVISORS:
        return Viewer(user.id, p.id, p.name, p.role, p.community_id)
    if p.role == Role.GRID_WORKER:
        grids = tuple(session.scalars(select(Grid.id).where(Grid.worker_id == p.id).order_by(Grid.id)))
        return Viewer(user.id, p.id, p.name, p.role, p.community_id, grids)
    return None


# --- the one scope ------------------------------------------------------------------------------

def building_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The buildings the viewer may see (a condition on Building.id)."""
    if viewer.is_staff:
        if viewer.community_id is None:
            return true()  # an administrator without a community: every community
        return Building.id.in_(select(Building.id).join(Grid).where(Grid.community_id == viewer.community_id))
    if viewer.grid_ids:
        return Building.id.in_(select(Building.id).where(Building.grid_id.in_(viewer.grid_ids)))
    return false()


def ticket_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The tickets the viewer may see (a condition on Ticket)."""
    if viewer.is_staff:
        return true() if viewer.community_id is None else Ticket.community_id == viewer.community_id
    if viewer.grid_ids:
        return Ticket.building_id.in_(select(Building.id).where(Building.grid_id.in_(viewer.grid_ids)))
    return false()


def grids(session: Session, viewer: Viewer) -> Sequence[Grid]:
    return session.scalars(select(Grid).join(Building).where(building_scope(viewer))
                           .group_by(Grid.id).order_by(Grid.id)).all()


def buildings(session: Session, viewer: Viewer) -> Sequence[Building]:
    return session.scalars(select(Building).where(building_scope(viewer)).order_by(Building.id)).all()


def building_ids(session: Session, viewer: Viewer) -> list[int]:
    return list(session.scalars(select(Building.id).where(building_scope(viewer))))


# --- tickets -----------------------------------------------------------------------------------

#: the status filter's choices: value → (label, statuses)
STATUS_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": ("未办结", Status.OPEN),
    "assigned": (T.STATUS_NAMES["assigned"], (Status.ASSIGNED,)),
    "accepted": (T.STATUS_NAMES["accepted"], (Status.ACCEPTED,)),
    "handed_up": (T.STATUS_NAMES["handed_up"], (Status.HANDED_UP,)),
    "returned": (T.STATUS_NAMES["returned"], (Status.RETURNED,)),
    "resolved": (T.STATUS_NAMES["resolved"], (Status.RESOLVED,)),
    "closed": (T.STATUS_NAMES["closed"], (Status.CLOSED,)),
    "all": ("全部", Status.ALL),
}


@dataclass
class TicketQuery:
    status: str = "open"
    grid_id: int | None = None
    building_id: int | None = None
    category: str = ""
    urgent: bool = False
    overdue: bool = False
    unrated: bool = False
    q: str = ""


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open, and past its acceptance deadline unaccepted or past its resolve deadline."""
    return and_(Ticket.status.in_(Status.OPEN), or_(
        and_(Ticket.accepted_at.is_(None), Ticket.accept_due < now),
        and_(Ticket.resolved_at.is_(None), Ticket.resolve_due < now)))


def _search(q: str) -> ColumnElement[bool]:
    """Text, number, resident's name or address (3-2-502)."""
    by_reporter = select(TicketReporter.ticket_id).join(Person, Person.id == TicketReporter.person_id)
    conds: list[ColumnElement[bool]] = [
        Ticket.text.contains(q),
        Ticket.id.in_(by_reporter.where(or_(Person.name.contains(q), TicketReporter.text.contains(q))))]
    digits = q.lstrip("#").strip()
    if digits.isdigit() and len(digits) <= 9:
        conds.append(Ticket.number == int(digits))
    address = parse_address(q)
    if address is not None:
        at = select(Household.id).join(Building).where(
            Building.code == address[0], Household.unit == address[1], Household.room == address[2])
        conds.append(Ticket.household_id.in_(at))
        conds.append(Ticket.id.in_(by_reporter.where(Person.household_id.in_(at))))
    return or_(*conds)


def ticket_select(viewer: Viewer, query: TicketQuery, now: datetime) -> Select[Any]:
    stmt = select(Ticket).where(ticket_scope(viewer))
    _, statuses = STATUS_FILTERS.get(query.status, STATUS_FILTERS["open"])
    stmt = stmt.where(Ticket.status.in_(statuses))
    if query.grid_id is not None:
        stmt = stmt.where(Ticket.building_id.in_(select(Building.id).where(Building.grid_id == query.grid_id)))
    if query.building_id is not None:
        stmt = stmt.where(Ticket.building_id == query.building_id)
    if query.category:
        stmt = stmt.where(Ticket.category == query.category)
    if query.urgent:
        stmt = stmt.where(Ticket.urgent.is_(True))
    if query.overdue:
        stmt = stmt.where(overdue_condition(now))
    if query.unrated:
        stmt = stmt.where(Ticket.status.in_((Status.RESOLVED, Status.CLOSED)), Ticket.rating.is_(None))
    if query.q.strip():
        stmt = stmt.where(_search(query.q.strip()))
    return stmt


@dataclass(frozen=True)
class TicketRow:
    number: int
    category: str
    status: str
    urgent: bool
    overdue: bool
    place: str
    created: str
    assignee: str
    reporters: int
    text: str
    rating: str


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    if not ticket.is_open:
        return False
    return bool((ticket.accepted_at is None and ticket.accept_due is not None and ticket.accept_due < now)
                or (ticket.resolved_at is None and ticket.resolve_due is not None and ticket.resolve_due < now))


def find_tickets(session: Session, clock: Clock, viewer: Viewer, query: TicketQuery,
                 limit: int = PAGE_SIZE) -> tuple[list[TicketRow], int]:
    """The matching tickets, newest first (at most ``limit``), and how many match in all."""
    now = clock.now()
    stmt = ticket_select(viewer, query, now)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows: Sequence[Ticket] = session.scalars(stmt.options(selectinload(Ticket.reporters), selectinload(Ticket.assignee),
                                        selectinload(Ticket.building), selectinload(Ticket.household))
                           .order_by(Ticket.urgent.desc(), Ticket.created_at.desc(), Ticket.id.desc())
                           .limit(limit)).all()
    return [_row(clock, t, now) for t in rows], int(total)


def _row(clock: Clock, t: Ticket, now: datetime) -> TicketRow:
    return TicketRow(
        number=t.number, category=T.CATEGORY_NAMES.get(t.category, t.category),
        status=T.STATUS_NAMES.get(t.status, t.status), urgent=t.urgent, overdue=is_overdue(t, now),
        place=wf.place(t, True), created=clock.show(t.created_at), assignee=t.assignee.name if t.assignee else "",
        reporters=len(t.reporters), text=t.text[:80], rating=T.RATING_NAMES.get(t.rating or 0, ""))


def ticket_for(session: Session, viewer: Viewer, number: int) -> Ticket | None:
    """The ticket with that number, if the viewer may see it."""
    return session.scalar(select(Ticket).where(Ticket.number == number, ticket_scope(viewer)))


def may_assign(viewer: Viewer) -> bool:
    """派单 is staff's, as in chat."""
    return viewer.is_staff


def assignable(session: Session, viewer: Viewer, ticket: Ticket) -> Sequence[Person]:
    """Who staff may 派单 to: the ticket's community's members, grid workers and staff."""
    return session.scalars(select(Person).where(Person.role.in_(Role.HANDLERS),
                                                Person.community_id == ticket.community_id)
                           .order_by(Person.role, Person.id)).all()


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    text: str
    state: str = ""  # deadlines: met / missed / pending


@dataclass
class TicketView:
    ticket: Ticket
    timeline: list[TimelineEntry]
    deadlines: list[TimelineEntry]
    reporters: list[str]
    overdue: bool
    household: str = ""  # colour and notes: staff only
    handlers: list[Person] = field(default_factory=list)


def _event_text(kind: str, actor: str, note: str | None) -> str:
    name = T.EVENT_NAMES.get(kind, kind)
    if kind == EventKind.CREATED:  # the note is the classifier's evidence: not for people
        return T.CONSOLE_EVENT_CREATED.format(actor=actor or "居民")
    if kind == EventKind.ASSIGNED:
        return T.CONSOLE_EVENT_ASSIGNED.format(actor=actor or "助手", target=note or "")
    text = f"{actor}{name}" if actor else name
    return f"{text}:{note}" if note else text


def ticket_view(session: Session, clock: Clock, viewer: Viewer, ticket: Ticket) -> TicketView:
    now = clock.now()
    timeline = [TimelineEntry(clock.show(e.created_at), _event_text(
        e.kind, e.actor.name if e.actor else "", None if e.kind == EventKind.ATTACHED else e.note))
        for e in ticket.events]
    deadlines = []
    for label, due, done in ((T.DEADLINE_ACCEPT, ticket.accept_due, ticket.accepted_at),
                             (T.DEADLINE_RESOLVE, ticket.resolve_due, ticket.resolved_at)):
        if due is None:
            continue
        if done is not None:
            word, state = (T.DEADLINE_MET, "met") if done <= due else (T.DEADLINE_MISSED, "missed")
        else:
            word, state = (T.DEADLINE_OVERDUE, "missed") if now > due else (T.DEADLINE_PENDING, "pending")
        deadlines.append(TimelineEntry(clock.show(due), f"{label}:{word}", state))
    reporters = [f"{r.person.name}({clock.show(r.created_at)}):{r.text[:200]}" for r in ticket.reporters]
    view = TicketView(ticket, timeline, deadlines, reporters, is_overdue(ticket, now))
    if viewer.is_staff:
        view.household = wf.household_line(ticket)
        view.handlers = list(assignable(session, viewer, ticket))
    return view
