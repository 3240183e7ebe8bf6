"""The ledger's rules, without any chat: colours and their history, visits and their
pace, wishes, and members' points.

Handlers and jobs call these with their own session; nothing here commits or sends.
Times are naive UTC as stored; "a day" and "a month" are the community's local ones.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import (
    Building,
    ChangeStatus,
    Colour,
    ColourChange,
    EventKind,
    Grid,
    Household,
    MemberLink,
    Person,
    Ticket,
    TicketEvent,
    Visit,
    Wish,
    WishStatus,
)

#: the strengths that fit each colour's duty (就近方便、双向选择)
DUTY_STRENGTHS = {
    Colour.BLUE: frozenset({"致富带富"}),
    Colour.YELLOW: frozenset({"调解沟通"}),
    Colour.ORANGE: frozenset({"时间充裕", "医护"}),
    Colour.GREEN: frozenset(),
}


def parse_colour(word: str) -> str | None:
    return T.colour_code(word)


def parse_strengths(text: str | None) -> set[str]:
    """'时间充裕,医护' (any of , , 、 or spaces between) → {'时间充裕', '医护'}."""
    raw = (text or "").replace(",", ",").replace("、", ",").replace(" ", ",")
    return {s.strip() for s in raw.split(",") if s.strip()}


# --- time ---------------------------------------------------------------------------------------

def month_bounds(clock: Clock, year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar month, as naive UTC."""
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return clock.to_utc(start), clock.to_utc(end)


def local_date(clock: Clock, moment: datetime) -> date:
    return clock.local(moment).date()


# --- colours -----------------------------------------------------------------------------------

def propose_colour(session: Session, clock: Clock, household: Household, to_colour: str, reason: str,
                   by: Person) -> tuple[ColourChange, list[ColourChange]]:
    """A pending change; an older pending one for the household is superseded (returned)."""
    older = list(session.scalars(select(ColourChange).where(
        ColourChange.household_id == household.id, ColourChange.status == ChangeStatus.PENDING)))
    for change in older:
        change.status = ChangeStatus.SUPERSEDED
        change.decided_at = clock.now()
    change = ColourChange(household=household, from_colour=household.colour, to_colour=to_colour,
                          reason=reason, status=ChangeStatus.PENDING, proposed_by=by,
                          proposed_at=clock.now())
    session.add(change)
    session.flush()
    return change, older


def confirm_colour(session: Session, clock: Clock, change: ColourChange, by: Person,
                   note: str | None = None) -> None:
    household = change.household
    change.from_colour = household.colour  # what it really was when it changed
    change.status = ChangeStatus.CONFIRMED
    change.decided_by = by
    change.decided_at = clock.now()
    change.decision_note = note or None
    household.colour = change.to_colour
    household.colour_reason = change.reason


def reject_colour(session: Session, clock: Clock, change: ColourChange, by: Person, note: str) -> None:
    change.status = ChangeStatus.REJECTED
    change.decided_by = by
    change.decided_at = clock.now()
    change.decision_note = note or None


def colour_history(session: Session, household_id: int) -> Sequence[ColourChange]:
    return session.scalars(select(ColourChange).where(
        ColourChange.household_id == household_id, ColourChange.status == ChangeStatus.CONFIRMED)
        .order_by(ColourChange.decided_at, ColourChange.id)).all()


def colours_as_of(session: Session, moment: datetime, household_ids: Iterable[int] | None = None
                  ) -> dict[int, str]:
    """Each household's colour at ``moment``: its colour now, with confirmed changes made
    since then undone."""
    q = select(Household.id, Household.colour)
    if household_ids is not None:
        q = q.where(Household.id.in_(list(household_ids)))
    colours = dict(session.execute(q).all())
    later = session.execute(
        select(ColourChange.household_id, ColourChange.from_colour).where(
            ColourChange.status == ChangeStatus.CONFIRMED, ColourChange.decided_at >= moment)
        .order_by(ColourChange.decided_at.desc(), ColourChange.id.desc())).all()
    for household_id, from_colour in later:  # newest first: the last one applied is the earliest
        if household_id in colours:
            colours[household_id] = from_colour
    return colours


# --- visits ------------------------------------------------------------------------------------

def visit_pace(settings: Settings, colour: str) -> int:
    return {Colour.ORANGE: settings.visit_days_orange, Colour.YELLOW: settings.visit_days_yellow,
            Colour.BLUE: settings.visit_days_blue}.get(colour, settings.visit_days_green)


def log_visit(session: Session, clock: Clock, household: Household, member: Person, kind: str,
              content: str, ticket: Ticket | None = None) -> Visit:
    visit = Visit(household=household, member=member, visited_at=clock.now(), kind=kind,
                  content=content, ticket=ticket)
    session.add(visit)
    session.flush()
    return visit


def last_visits(session: Session, before: datetime | None = None,
                household_ids: Iterable[int] | None = None) -> dict[int, datetime]:
    q = select(Visit.household_id, func.max(Visit.visited_at))
    if before is not None:
        q = q.where(Visit.visited_at < before)
    if household_ids is not None:
        q = q.where(Visit.household_id.in_(list(household_ids)))
    return dict(session.execute(q.group_by(Visit.household_id)).all())


@dataclass(frozen=True)
class Due:
    household_id: int
    address: str
    colour: str
    member_id: int
    grid_id: int
    last_visit: datetime | None
    due_date: date
    overdue_days: int  # > 0 overdue, else due within the week

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def visits_due(session: Session, clock: Clock, settings: Settings, today: date, *, within_days: int = 7,
               member_id: int | None = None, community_id: int | None = None,
               overdue_only: bool = False, colours: dict[int, str] | None = None) -> list[Due]:
    """Linked households whose next visit falls before ``today + within_days`` (or is overdue).

    A household's next visit is due its colour's pace after the last visit (by anyone), or
    after the day it was linked when it was never visited. ``colours`` overrides households'
    colours (a report on a past month uses the colours of then)."""
    cutoff = clock.to_utc(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    q = (select(Household.id, Household.unit, Household.room, Household.colour, Building.code,
                Building.grid_id, MemberLink.member_id, MemberLink.created_at)
         .join(MemberLink, MemberLink.household_id == Household.id)
         .join(Building, Building.id == Household.building_id))
    if member_id is not None:
        q = q.where(MemberLink.member_id == member_id)
    if community_id is not None:
        q = q.join(Grid, Grid.id == Building.grid_id).where(Grid.community_id == community_id)
    rows = session.execute(q).all()
    last_q = select(Visit.household_id, func.max(Visit.visited_at)).where(Visit.visited_at < cutoff)
    if community_id is not None:  # only the community's households, not the district's
        last_q = last_q.where(Visit.household_id.in_(
            select(Household.id).join(Building, Building.id == Household.building_id)
            .join(Grid, Grid.id == Building.grid_id).where(Grid.community_id == community_id)))
    if member_id is not None:
        last_q = last_q.where(Visit.household_id.in_(
            select(MemberLink.household_id).where(MemberLink.member_id == member_id)))
    last = dict(session.execute(last_q.group_by(Visit.household_id)).all())
    horizon = today + timedelta(days=within_days)
    out = []
    for hid, unit, room, colour, code, grid_id, mid, linked_at in rows:
        if colours is not None:
            colour = colours.get(hid, colour)
        seen = last.get(hid)
        since = local_date(clock, seen if seen is not None else linked_at)
        due_date = since + timedelta(days=visit_pace(settings, colour))
        overdue_days = (today - due_date).days
        if overdue_only and overdue_days <= 0:
            continue
        if due_date >= horizon:
            continue
        out.append(Due(hid, f"{code}-{unit}-{room}", colour, mid, grid_id, seen, due_date, overdue_days))
    out.sort(key=lambda d: (-d.overdue_days, d.address))
    return out


# --- wishes ------------------------------------------------------------------------------------

def parse_wish_code(text: str) -> tuple[int | None, str]:
    """'W12 送到了' → (12, '送到了'); 'w12', '12', '#12' too."""
    t = text.strip()
    head, _, rest = t.partition(" ")
    digits = head.lstrip("#").lstrip("Ww").rstrip("号")
    if not digits.isdigit():
        return None, t
    return int(digits), rest.strip()


def open_wishes(session: Session, community_id: int | None, limit: int = 30) -> Sequence[Wish]:
    q = select(Wish).where(Wish.status.in_((WishStatus.OPEN, WishStatus.CLAIMED)))
    if community_id is not None:
        q = q.where(Wish.community_id == community_id)
    return session.scalars(q.order_by(Wish.status != WishStatus.OPEN, Wish.id).limit(limit)).all()


# --- points ------------------------------------------------------------------------------------

@dataclass
class Points:
    accepted_in_time: int = 0
    resolved_in_time: int = 0
    satisfied: int = 0
    visits: int = 0  # one per household per local day
    wishes: int = 0
    total: int = 0

    def add_up(self, settings: Settings) -> Points:
        self.total = (self.accepted_in_time * settings.points_accept_in_time
                      + self.resolved_in_time * settings.points_resolve_in_time
                      + self.satisfied * settings.points_satisfied
                      + self.visits * settings.points_visit
                      + self.wishes * settings.points_wish)
        return self


def _first_actor(session: Session, ticket_ids: list[int], kinds: tuple[str, ...],
                 last: bool = False) -> dict[int, int | None]:
    if not ticket_ids:
        return {}
    out: dict[int, int | None] = {}
    for start in range(0, len(ticket_ids), 5000):
        chunk = ticket_ids[start:start + 5000]
        rows = session.execute(select(TicketEvent.ticket_id, TicketEvent.actor_id).where(
            TicketEvent.ticket_id.in_(chunk), TicketEvent.kind.in_(kinds))
            .order_by(TicketEvent.id)).all()
        for tid, actor in rows:
            if last or tid not in out:
                out[tid] = actor
    return out


def member_points(session: Session, clock: Clock, settings: Settings, start: datetime | None,
                  end: datetime | None, member_ids: Iterable[int] | None = None) -> dict[int, Points]:
    """Points earned in [start, end) by each member (None: since the beginning / until now).

    * a ticket accepted in time: to whoever took it on first (接单, or a first 进展/办结);
    * a ticket resolved in time, and a 满意/基本满意 rating: to whoever resolved it last;
    * a visit: one per household per local day, to the visiting member;
    * a wish fulfilled: to the member who claimed it."""
    lo = start or datetime(1900, 1, 1)
    hi = end or datetime(9999, 1, 1)
    acc: dict[int, Points] = defaultdict(Points)

    accepted = session.execute(select(Ticket.id).where(
        Ticket.accepted_at >= lo, Ticket.accepted_at < hi, Ticket.accept_due.is_not(None),
        Ticket.accepted_at <= Ticket.accept_due)).scalars().all()
    for actor in _first_actor(session, list(accepted),
                              (EventKind.ACCEPTED, EventKind.PROGRESS, EventKind.RESOLVED)).values():
        if actor is not None:
            acc[actor].accepted_in_time += 1

    resolved = session.execute(select(Ticket.id).where(
        Ticket.resolved_at >= lo, Ticket.resolved_at < hi, Ticket.resolve_due.is_not(None),
        Ticket.resolved_at <= Ticket.resolve_due)).scalars().all()
    for actor in _first_actor(session, list(resolved), (EventKind.RESOLVED,), last=True).values():
        if actor is not None:
            acc[actor].resolved_in_time += 1

    satisfied = session.execute(select(Ticket.id).where(
        Ticket.closed_at >= lo, Ticket.closed_at < hi, Ticket.rating.in_((1, 2)))).scalars().all()
    for actor in _first_actor(session, list(satisfied), (EventKind.RESOLVED,), last=True).values():
        if actor is not None:
            acc[actor].satisfied += 1

    days: set[tuple[int, int, date]] = set()
    for mid, hid, at in session.execute(select(Visit.member_id, Visit.household_id, Visit.visited_at)
                                        .where(Visit.visited_at >= lo, Visit.visited_at < hi)):
        days.add((mid, hid, local_date(clock, at)))
    for mid, _, _ in days:
        acc[mid].visits += 1

    for claimer, count in session.execute(select(Wish.claimed_by_id, func.count(Wish.id)).where(
            Wish.status == WishStatus.DONE, Wish.done_at >= lo, Wish.done_at < hi,
            Wish.claimed_by_id.is_not(None)).group_by(Wish.claimed_by_id)):
        if claimer is not None:  # the query leaves none out; the column may be empty
            acc[claimer].wishes += int(count)

    wanted = None if member_ids is None else set(member_ids)
    result = {}
    for mid, p in acc.items():
        if wanted is None or mid in wanted:
            result[mid] = p.add_up(settings)
    for mid in wanted or ():
        result.setdefault(mid, Points())
    return result


# --- the household's record (一户一档) ---------------------------------------------------------

def recent_visits(session: Session, household_id: int, limit: int = 5) -> Sequence[Visit]:
    return session.scalars(select(Visit).where(Visit.household_id == household_id)
                           .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(limit)).all()


def due_list_text(clock: Clock, dues: list[Due]) -> str:
    overdue = [d for d in dues if d.overdue]
    soon = [d for d in dues if not d.overdue]
    lines = [T.DUE_HEAD.format(count=len(dues), overdue=len(overdue))]
    for d in overdue[:40]:
        lines.append(T.DUE_LINE_OVERDUE.format(address=d.address, colour=T.COLOUR_SHORT[d.colour],
                                               days=d.overdue_days, last=_last(clock, d)))
    for d in soon[:40]:
        lines.append(T.DUE_LINE.format(address=d.address, colour=T.COLOUR_SHORT[d.colour],
                                       due=d.due_date.strftime("%m-%d"), last=_last(clock, d)))
    if len(dues) > 80:
        lines.append(T.DUE_MORE.format(count=len(dues) - 80))
    lines.append(T.DUE_FOOT)
    return "\n".join(lines)


def _last(clock: Clock, d: Due) -> str:
    return clock.show(d.last_visit, "%m-%d") if d.last_visit else T.DUE_NEVER
