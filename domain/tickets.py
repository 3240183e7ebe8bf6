"""The life of a ticket (接诉即办: 收集、转办、答复、回访).

Every change is a ticket event and tells the people who need to know: the reporter
in the group (no private details), the handler by private message. Handlers and
scheduled jobs both come through here.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from kernel.privacy import sensitive_kind
from domain import open_tickets
from storage import later, repo, rows
from storage.models import (
    Building,
    EventKind,
    Household,
    Person,
    Role,
    Status,
    Ticket,
    TicketEvent,
    TicketReporter,
)
from storage.outbox import Speaker

#: categories whose details stay out of the group (disputes, hardship, care)
PRIVATE_CATEGORIES = frozenset({"dispute", "care"})


# --- who and when ----------------------------------------------------------------------------

def choose_assignee(session: Session, building: Building | None,
                    household: Household | None) -> Person | None:
    """The member linked to the household; else the building's default member; else the
    grid worker; else the first staff member of the community."""
    if household is not None:
        member = repo.linked_member(session, household.id)
        if member is not None:
            return member
    if building is not None:
        if building.default_member is not None:
            return building.default_member
        if building.grid.worker is not None:
            return building.grid.worker
        staff = repo.staff_of(session, building.grid.community_id)
        if staff:
            return staff[0]
    return None


def grid_worker_of(ticket: Ticket) -> Person | None:
    return ticket.building.grid.worker if ticket.building is not None else None


def add_working_days(clock: Clock, start: datetime, days: int, holidays: list[str]) -> datetime:
    """``days`` working days after ``start`` (naive UTC), skipping weekends and holidays
    (ISO dates, local)."""
    local = clock.local(start)
    skip = set(holidays)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5 and local.date().isoformat() not in skip:
            added += 1
    return clock.to_utc(local)


def deadlines(settings: Settings, clock: Clock, urgent: bool, start: datetime,
              category: str | None = None) -> tuple[datetime, datetime]:
    """(accept_due, resolve_due): urgent or normal defaults, or the category's own
    (``category_deadlines``); working days skip weekends and ``holidays``."""
    from kernel.timing import deadline_spans

    accept, resolve = deadline_spans(settings, category, urgent)
    return (accept.after(clock, start, settings.holidays), resolve.after(clock, start, settings.holidays))


def deadline_summary(clock: Clock, ticket: Ticket, now: datetime) -> str:
    """接单时限 … (按时/超时/未到期) · 办结时限 … — for handlers and staff."""
    def one(label: str, due: datetime | None, done: datetime | None) -> str:
        if due is None:
            return ""
        if done is not None:
            state = T.DEADLINE_MET if done <= due else T.DEADLINE_MISSED
        else:
            state = T.DEADLINE_OVERDUE if now > due else T.DEADLINE_PENDING
        return T.DEADLINE_ITEM.format(label=label, due=clock.show(due), state=state)

    parts = [one(T.DEADLINE_ACCEPT, ticket.accept_due, ticket.accepted_at),
             one(T.DEADLINE_RESOLVE, ticket.resolve_due, ticket.resolved_at)]
    return " · ".join(p for p in parts if p)


def can_act(person: Person, ticket: Ticket) -> bool:
    """The assignee, the grid worker of the ticket's grid, and staff of its community (the rule
    is written once, in domain/access.py)."""
    from domain.access import can_act as rule

    return rule(person, ticket)


def role_name(person: Person | None) -> str:
    return T.ROLE_NAMES.get(person.role, "") if person is not None else ""


def place(ticket: Ticket, private: bool) -> str:
    if ticket.building is None:
        return "未知楼栋"
    if private and ticket.household is not None:
        h = ticket.household
        return f"{ticket.building.name}{h.unit}单元{h.room}({h.address})"
    return ticket.building.name


_REPORTED = (select(TicketReporter.id).where(TicketReporter.ticket_id == bindparam("ticket_id"),
                                             TicketReporter.person_id == bindparam("person_id")).limit(1))
_INSERT_EVENT = insert(TicketEvent.__table__)  # type: ignore[arg-type]  # a mapped class's table
_INSERT_REPORTER = open_tickets.INSERT_REPORTER


def event(session: Session, clock: Clock, ticket: Ticket, kind: str, actor: Person | None = None,
          note: str | None = None) -> None:
    """Record what happened to a ticket: a row written at once (nobody reads it back while the
    message is handled, so no ORM object is made); ``ticket.events`` is read again if loaded."""
    _write(session, ticket, "events", _INSERT_EVENT, [actor], lambda: {
        "ticket_id": ticket.id, "kind": kind, "actor_id": actor.id if actor is not None else None,
        "note": note, "created_at": clock.now()})


def add_reporter(session: Session, ticket: Ticket, person: Person, room_chat_id: str | None, text: str,
                 now: datetime) -> None:
    """``person`` reported ``ticket`` (written at once, as ``event``)."""
    _write(session, ticket, "reporters", _INSERT_REPORTER, [person], lambda: {
        "ticket_id": ticket.id, "person_id": person.id, "room_chat_id": room_chat_id, "text": text,
        "created_at": now})
    open_tickets.reported(session, ticket.id, person.id)  # the batch's duplicate check knows it


def _write(session: Session, ticket: Ticket, collection: str, stmt: Any, refers_to: list[Person | None],
           values: Callable[[], dict[str, Any]]) -> None:
    if ticket.id is None or any(p is not None and p.id is None for p in refers_to):
        session.flush()  # the rows it refers to need their ids
    later.insert(session, stmt, values())  # at once, or with the batch's others (storage/later.py)
    if collection in ticket.__dict__:  # loaded before: read again when next used
        session.expire(ticket, [collection])


# --- telling people ------------------------------------------------------------------------------

def tell_reporters(say: Speaker, ticket: Ticket, text: str) -> None:
    """In the group where each reporter reported, @ them; privately where there is no group."""
    by_room: dict[str | None, list[Person]] = {}
    for r in ticket.reporters:
        by_room.setdefault(r.room_chat_id, []).append(r.person)
    for room, people in by_room.items():
        if room:
            say.room(room, text, mentions=tuple(p.chat_id for p in people if p.chat_id))
        else:
            for p in people:
                say.person(p, text)


def summary(clock: Clock, ticket: Ticket) -> str:
    return (f"{T.CATEGORY_NAMES.get(ticket.category, ticket.category)} · {place(ticket, True)}\n"
            f"内容:{ticket.text[:500]}")


def household_line(ticket: Ticket) -> str:
    h = ticket.household
    if h is None:
        return ""
    colour = T.COLOUR_NAMES.get(h.colour, h.colour) if h.colour != "green" else ""
    notes = f" 备注:{h.notes}" if h.notes else ""
    if h.colour_reason and h.colour != "green":
        colour += f"({h.colour_reason})"
    if not colour and not notes:
        return ""
    return T.HOUSEHOLD_LINE.format(colour=colour, notes=notes)


URGENT_KINDS = (
    ("gas", re.compile(r"燃气|煤气|天然气|液化气|瓦斯")),
    ("fire", re.compile(r"着火|起火|失火|火灾|冒烟|浓烟|烟雾|火苗|明火|烧起来")),
    ("trapped", re.compile(r"困|关在电梯|卡在电梯")),
    ("electric", re.compile(r"打火|漏电|触电|电线|火花|短路|电箱|电表箱")),
    ("medical", re.compile(r"晕|倒地|摔|受伤|流血|昏迷|不省人事|抽搐|急救|120|心脏|叫不醒|没气")),
    ("water", re.compile(r"淹|漫|进水|冒水|涌|爆管|水管爆|爆裂")),
    ("police", re.compile(r"打人|打架|砍|刀|家暴|抢|偷|小偷|闯|威胁|报警|110|走失|不见了|找不到")),
)


def urgent_advice(settings: Settings, text: str) -> str:
    for kind, pattern in URGENT_KINDS:
        if pattern.search(text):
            return T.URGENT_ADVICE[kind].format(gas=settings.gas_emergency)
    return T.URGENT_ADVICE["general"]


# --- the lifecycle ---------------------------------------------------------------------------------

def create_ticket(session: Session, say: Speaker, clock: Clock, settings: Settings, *,
                  building: Building | None, household: Household | None, reporter: Person,
                  room_chat_id: str | None, text: str, category: str, urgent: bool,
                  evidence: str = "", subject: str | None = None,
                  summary: str | None = None) -> Ticket:
    now = clock.now()
    assignee = choose_assignee(session, building, household)
    accept_due, resolve_due = deadlines(settings, clock, urgent, now, category)
    ticket = _insert_ticket(session, dict(
        number=repo.next_ticket_number(session),
        community_id=building.grid.community_id if building is not None else reporter.community_id,
        room_chat_id=room_chat_id, category=category,
        urgent=urgent, status=Status.ASSIGNED, text=text, evidence=evidence,
        created_at=now, accept_due=accept_due, resolve_due=resolve_due,
        subject=subject[:100] if subject else None, summary=summary[:200] if summary else None),
        building=building, household=household, assignee=assignee, reporter=reporter)
    add_reporter(session, ticket, reporter, room_chat_id, text, now)
    event(session, clock, ticket, EventKind.CREATED, reporter, evidence or None)
    if assignee is not None:
        event(session, clock, ticket, EventKind.ASSIGNED, None, assignee.name)
    return ticket


_TICKET = Ticket.__table__
_INSERT_TICKET: rows.Inserter[Ticket] = rows.Inserter(Ticket, open_tickets.LINKS, held=True)


def _insert_ticket(session: Session, values: dict[str, Any], **links: Any) -> Ticket:
    """A new ticket written with one Core INSERT … RETURNING id (no unit of work, no read-back), or
    in a batch on SQLite held with the id it will have and written with the batch's other new
    tickets (storage/later.py), then put in the session as a loaded row with ``links`` (building, household, assignee,
    reporter) already set: the handlers read them without a query, and a later query of the same
    transaction (``duplicate_of``) finds this very object (storage/rows.py)."""
    ticket = _INSERT_TICKET(session, values, **links)
    open_tickets.opened(session, ticket)  # the batch's duplicate check knows it
    return ticket


def receipt(settings: Settings, ticket: Ticket) -> str:
    category = T.CATEGORY_NAMES.get(ticket.category, ticket.category)
    if ticket.assignee is None:
        text = T.RECEIPT_NO_HANDLER.format(category=category, number=ticket.number)
    else:
        if ticket.urgent:
            promise = T.PROMISE_URGENT.format(minutes=round(settings.urgent_accept_hours * 60))
        else:
            promise = T.PROMISE_NORMAL.format(hours=round(settings.normal_accept_hours))
        text = T.RECEIPT.format(category=category, number=ticket.number,
                                role=role_name(ticket.assignee), assignee=ticket.assignee.name,
                                promise=promise)
    if ticket.urgent:
        text = urgent_advice(settings, ticket.text) + "\n" + text + "\n" + T.URGENT_NOTICE
    return text


def notify_new(session: Session, say: Speaker, clock: Clock, ticket: Ticket,
               skip_assignee: bool = False) -> None:
    """The private ping to the assignee (unless ``skip_assignee``: they made the ticket
    themselves); for an urgent ticket also the grid worker and the staff group, at once."""
    category = T.CATEGORY_NAMES.get(ticket.category, ticket.category)
    reporter = ticket.reporter.name if ticket.reporter is not None else "居民"
    text = T.NEW_TICKET_PRIVATE.format(
        number=ticket.number, urgent=T.URGENT_MARK if ticket.urgent else "", category=category,
        place=place(ticket, True), reporter=reporter, text=ticket.text[:1000],
        household=household_line(ticket), accept_due=clock.show(ticket.accept_due))
    if not skip_assignee:
        say.person(ticket.assignee, text, urgent=ticket.urgent)
    if not ticket.urgent:
        return
    alert = T.URGENT_ALERT.format(number=ticket.number, category=category, place=place(ticket, True),
                                  text=ticket.text[:300],
                                  assignee=f"{role_name(ticket.assignee)}{ticket.assignee.name}"
                                  if ticket.assignee else "未指定")
    worker = grid_worker_of(ticket)
    if worker is not None and (ticket.assignee is None or worker.id != ticket.assignee.id):
        say.person(worker, alert, urgent=True)
    # the staff group is staff-only: it reads what happened and the building (access.py)
    say.staff_group(ticket.community_id, alert.replace(place(ticket, True), place(ticket, False)),
                    urgent=True)


def merge_into(session: Session, say: Speaker, clock: Clock, ticket: Ticket, reporter: Person,
               room_chat_id: str | None, text: str, reported: bool | None = None) -> bool:
    """Add a reporter to an open ticket; False if they had reported it already. ``reported``:
    whether the table held their report when ``duplicate_of`` found the ticket (None: not known)."""
    if reporter.id is not None and ticket.id is not None and "reporters" not in ticket.__dict__:
        # one small query, not a ticket's every reporter loaded (a busy ticket has dozens), or
        # none when duplicate_of read it; the rows held for the batch first (read, not written)
        if later.holds(session, _INSERT_REPORTER, ticket_id=ticket.id, person_id=reporter.id) or (
                reported if reported is not None else session.connection().execute(
                    _REPORTED, {"ticket_id": ticket.id, "person_id": reporter.id}).first() is not None):
            return False
    elif any(r.person_id == reporter.id for r in ticket.reporters):
        return False
    add_reporter(session, ticket, reporter, room_chat_id, text, clock.now())
    event(session, clock, ticket, EventKind.MERGED, reporter, text[:500])
    say.person(ticket.assignee, T.MERGED_PRIVATE.format(number=ticket.number, reporter=reporter.name,
                                                        text=text[:500]))
    return True


def accept(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person) -> None:
    ticket.status = Status.ACCEPTED
    if ticket.assignee_id != actor.id:
        ticket.assignee = actor
    if ticket.accepted_at is None:
        ticket.accepted_at = clock.now()
    event(session, clock, ticket, EventKind.ACCEPTED, actor)
    tell_reporters(say, ticket, T.ACCEPTED_GROUP.format(number=ticket.number, role=role_name(actor),
                                                        name=actor.name))


def progress(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
             note: str) -> bool:
    """Records a note and tells the reporters; True when the note went to them privately
    (it mentions something kernel.privacy.sensitive_kind finds) and the group got a neutral line."""
    if ticket.status == Status.ASSIGNED:  # reporting progress means it was taken on
        ticket.status = Status.ACCEPTED
        ticket.accepted_at = ticket.accepted_at or clock.now()
        ticket.assignee = ticket.assignee or actor
    event(session, clock, ticket, EventKind.PROGRESS, actor, note)
    private_note = T.PROGRESS_PRIVATE_NOTE.format(number=ticket.number, note=note)
    if ticket.category in PRIVATE_CATEGORIES:
        tell_privately(say, ticket, private_note, T.PROGRESS_GROUP_PRIVATE_CATEGORY.format(
            number=ticket.number, role=role_name(actor), name=actor.name))
        return True
    if sensitive_kind(note) is not None:  # hardship, health, a dispute, family, a household
        tell_privately(say, ticket, private_note, T.PROGRESS_GROUP_NEUTRAL.format(number=ticket.number))
        return True
    tell_reporters(say, ticket, T.PROGRESS_GROUP.format(number=ticket.number, note=note))
    return False


def resolve(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
            note: str) -> bool:
    """Closes a ticket and asks for a rating; True when the note went privately (see progress)."""
    now = clock.now()
    ticket.status = Status.RESOLVED
    ticket.resolved_at = now
    ticket.accepted_at = ticket.accepted_at or now
    ticket.resolution = note
    event(session, clock, ticket, EventKind.RESOLVED, actor, note)
    private = ticket.category in PRIVATE_CATEGORIES or sensitive_kind(note) is not None
    full = T.RESOLVED_GROUP.format(number=ticket.number, note=note)
    if private:  # the note holds something sensitive: the reporters read it privately
        tell_privately(say, ticket, T.RESOLVED_PRIVATE_NOTE.format(number=ticket.number, note=note),
                       T.RESOLVED_GROUP_PRIVATE_CATEGORY.format(number=ticket.number), roomless=full)
    else:
        tell_reporters(say, ticket, full)
    return private


def tell_privately(say: Speaker, ticket: Ticket, private: str, group: str,
                   roomless: str | None = None) -> None:
    """A sensitive note: each reporter reads it by private message; the groups they reported
    in get only the neutral line (once per group, @-mentioning them). A reporter who reported
    in no group gets ``roomless`` (or ``private``) and nothing else."""
    rooms: dict[str, list[str]] = {}
    for r in ticket.reporters:
        if r.room_chat_id:
            say.person(r.person, private)
            rooms.setdefault(r.room_chat_id, []).extend([r.person.chat_id] if r.person.chat_id else [])
        else:
            say.person(r.person, roomless or private)
    for room, mentions in rooms.items():
        say.room(room, group, mentions=tuple(mentions))


def hand_up_target(session: Session, ticket: Ticket, actor: Person) -> Person | None:
    """A member hands up to the grid worker; a grid worker (or anyone without one) to staff."""
    worker = grid_worker_of(ticket)
    if actor.role == Role.MEMBER and worker is not None and worker.id != actor.id:
        return worker
    staff = [p for p in repo.staff_of(session, ticket.community_id) if p.id != actor.id]
    return staff[0] if staff else None


def hand_up(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
            reason: str) -> Person | None:
    target = hand_up_target(session, ticket, actor)
    if target is None:
        return None
    ticket.assignee = target
    ticket.status = Status.HANDED_UP
    event(session, clock, ticket, EventKind.HANDED_UP, actor, f"{target.name}:{reason}")
    say.person(target, T.HANDED_UP_PRIVATE.format(number=ticket.number, from_name=actor.name,
                                                  reason=reason, summary=summary(clock, ticket)))
    if target.is_supervisor:
        say.staff_group(ticket.community_id,
                        T.HANDED_UP_PRIVATE.format(number=ticket.number, from_name=actor.name,
                                                   reason=reason,
                                                   summary=_staff_summary(ticket)))
    tell_reporters(say, ticket, T.HANDED_UP_GROUP.format(number=ticket.number, role=role_name(target)))
    return target


def return_ticket(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
                  reason: str) -> None:
    ticket.status = Status.RETURNED
    event(session, clock, ticket, EventKind.RETURNED, actor, reason)
    say.staff_group(ticket.community_id, T.RETURNED_STAFF.format(
        number=ticket.number, name=actor.name, reason=reason, summary=_staff_summary(ticket)))


def reassign(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
             target: Person) -> None:
    ticket.assignee = target
    ticket.status = Status.ASSIGNED
    event(session, clock, ticket, EventKind.ASSIGNED, actor, target.name)
    notify_new(session, say, clock, ticket)


def rate(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
         rating: int) -> bool:
    """Store the reporter's own answer; the first reporter's answer closes (1, 2) or reopens (3)
    the ticket and is its rating. A co-reporter's answer counts in the figures but decides
    nothing alone: their 不满意 goes to the handler. True when the answer decided."""
    from domain.access import is_first_reporter
    from storage.models import TicketRating

    own = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id,
                                                    TicketRating.person_id == actor.id))
    if own is None:
        session.add(TicketRating(ticket=ticket, person=actor, value=rating, created_at=clock.now()))
    else:
        own.value = rating
        own.created_at = clock.now()
    if not is_first_reporter(actor, ticket):
        event(session, clock, ticket, EventKind.RATED, actor, T.RATING_NAMES[rating])
        if rating == 3:
            text = T.RATED_CO_PRIVATE.format(number=ticket.number, name=actor.name)
            say.person(ticket.assignee, text)
        session.flush()
        return False
    _decide(session, say, clock, ticket, actor, rating)
    return True


def _decide(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
            rating: int) -> None:
    ticket.rating = rating
    event(session, clock, ticket, EventKind.RATED, actor, T.RATING_NAMES[rating])
    if rating in (1, 2):
        ticket.status = Status.CLOSED
        ticket.closed_at = clock.now()
        event(session, clock, ticket, EventKind.CLOSED, actor)
        return
    reopen(session, say, clock, ticket, actor, T.RATING_NAMES[rating])


def _staff_summary(ticket: Ticket) -> str:
    from domain.access import staff_group_summary

    return staff_group_summary(ticket)


def reopen(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person | None,
           note: str, private_text: str | None = None) -> None:
    ticket.status = Status.ACCEPTED
    if ticket.resolve_due is not None and ticket.created_at is not None:
        # handled again: a fresh resolve deadline of the same length (the ladder starts over)
        ticket.resolve_due = max(ticket.resolve_due, clock.now() + (ticket.resolve_due - ticket.created_at))
    ticket.resolved_at = None
    ticket.closed_at = None
    event(session, clock, ticket, EventKind.REOPENED, actor, note)
    text = private_text or T.REOPENED_PRIVATE.format(number=ticket.number)
    say.person(ticket.assignee, text)
    worker = grid_worker_of(ticket)
    if worker is not None and (ticket.assignee is None or worker.id != ticket.assignee.id):
        say.person(worker, text)


def attach(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person,
           path: str) -> None:
    """A reporter's picture joins the ticket and goes to whoever handles it."""
    event(session, clock, ticket, EventKind.ATTACHED, actor, path)
    say.person(ticket.assignee, T.ATTACHED_PRIVATE.format(number=ticket.number, reporter=actor.name),
               attachment=path)


# --- merging only the same problem (issue 10 §3) ---------------------------------------------------

#: categories that go by household: a report of one household never joins another's ticket
HOUSEHOLD_CATEGORIES = PRIVATE_CATEGORIES


def problem_name(ticket: Ticket) -> str:
    """The ticket's problem in a few words, as a building group may read it: its summary, else
    its subject, else its category's name (only the category for disputes, hardship and care)."""
    category = T.CATEGORY_NAMES.get(ticket.category, ticket.category)
    if ticket.category in PRIVATE_CATEGORIES:
        return category
    return ticket.summary or ticket.subject or category


#: built once (building a statement costs about as much as running it); read as plain rows, not
#: ORM objects: only the duplicate, if any, becomes the session's ticket (storage/rows.py ``loaded``)
_REPORTER = TicketReporter.__table__
_OPEN_OF_BUILDING = (
    select(*_TICKET.columns, exists().where(  # whether the reporter reported it already
        _REPORTER.c.ticket_id == _TICKET.c.id, _REPORTER.c.person_id == bindparam("person_id")).label("reported"))
    .where(_TICKET.c.building_id == bindparam("building_id"),
                                   _TICKET.c.category == bindparam("category"),
                                   rows.one_of(_TICKET.c.status, Status.OPEN, "open"),
                                   _TICKET.c.created_at >= bindparam("since"))
    .order_by(_TICKET.c.created_at.desc(), _TICKET.c.id))  # the latest; of the same moment, the first opened


@dataclass(frozen=True)
class Duplicate:
    ticket: Ticket
    #: whether the table held ``reporter``'s report of it when it was found (for ``merge_into``;
    #: the rows the batch holds back are not in it); None: not known (no reporter's id)
    reported: bool | None


def duplicate_of(session: Session, since: datetime, *, building: Building | None,
                 household: Household | None, category: str,
                 subject: str | None, reporter: Person | None = None) -> Duplicate | None:
    """The open ticket a report truly duplicates: same building, same category, the same subject
    (object or place; a report that names none never merges), reported since ``since``. Hardship,
    disputes and care go by household. An urgent report duplicates a non-urgent ticket only when
    the subjects are the same (the caller then upgrades it); otherwise it opens its own. Of
    tickets opened at the same moment, the first opened (the lowest id). Read in the same
    statement: whether ``reporter`` reported it already."""
    from domain.classifier.subjects import same_subject

    if building is None or subject is None:
        return None
    person_id = reporter.id if reporter is not None else None
    kept = open_tickets.of(session)
    if kept is not None and building.id is not None:
        by_household = None  # every household's tickets; else this household's only (-1: none)
        if category in HOUSEHOLD_CATEGORIES:
            by_household = household.id if household is not None else -1
        ticket, reported = kept.duplicate(session, since, building.id, category, subject, person_id,
                                          household_id=by_household)
        return Duplicate(ticket, reported) if ticket is not None else None
    if session.autoflush:
        session.flush()  # what a query would do first (nothing when nothing changed)
    found_rows = session.connection().execute(_OPEN_OF_BUILDING, {
        "building_id": building.id, "category": category, "since": since, "person_id": person_id}).mappings().all()
    for row in found_rows:
        known = session.identity_map.get(identity_key(Ticket, row["id"]))  # its values, as a query's
        if category in HOUSEHOLD_CATEGORIES and (household is None or (
                known.household_id if known is not None else row["household_id"]) != household.id):
            continue
        if same_subject(known.subject if known is not None else row["subject"], subject):
            values = dict(row)
            reported = bool(values.pop("reported")) if person_id is not None else None
            ticket = known if known is not None else rows.loaded(session, Ticket, values, **_links(session, values))
            return Duplicate(ticket, reported)
    return None


def _links(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """A ticket row's links the session holds (``rows.present``); its assignee also when the ledger
    cache knows them as the linked member of the ticket's household (who it is assigned to when it
    has one): no SELECT of them when the ticket's handling tells them (a join, a danger alert)."""
    found = rows.present(session, Ticket, open_tickets.LINKS, values)
    if "assignee" not in found and values["assignee_id"] is not None and values["household_id"] is not None:
        member = repo.kept_member(session, values["household_id"], values["assignee_id"])
        if member is not None:
            found["assignee"] = member
    return found


def upgrade_to_urgent(session: Session, say: Speaker, clock: Clock, settings: Settings,
                      ticket: Ticket, reporter: Person, text: str) -> None:
    """A report shows an open ticket's problem is urgent: urgent deadlines from now (the
    deadline ladders start again) and the assignee, grid worker and staff group told at once."""
    now = clock.now()
    ticket.urgent = True
    accept_due, resolve_due = deadlines(settings, clock, True, now, ticket.category)
    if ticket.accepted_at is None:
        ticket.accept_due = min(accept_due, ticket.accept_due) if ticket.accept_due else accept_due
    ticket.resolve_due = min(resolve_due, ticket.resolve_due) if ticket.resolve_due else resolve_due
    event(session, clock, ticket, EventKind.UPGRADED, reporter, text[:500])
    say.person(ticket.assignee, T.MERGED_UPGRADED_PRIVATE.format(
        number=ticket.number, reporter=reporter.name, text=text[:500],
        accept_due=clock.show(ticket.accept_due)), urgent=True)
    category = T.CATEGORY_NAMES.get(ticket.category, ticket.category)
    alert = T.URGENT_ALERT.format(number=ticket.number, category=category, place=place(ticket, True),
                                  text=text[:300],
                                  assignee=f"{role_name(ticket.assignee)}{ticket.assignee.name}"
                                  if ticket.assignee else "未指定")
    worker = grid_worker_of(ticket)
    if worker is not None and (ticket.assignee is None or worker.id != ticket.assignee.id):
        say.person(worker, alert, urgent=True)
    say.staff_group(ticket.community_id, alert, urgent=True)


def merged_report_of(session: Session, person: Person, since: datetime) -> TicketReporter | None:
    """The latest report of ``person`` since ``since`` that joined someone else's ticket."""
    return session.scalar(
        select(TicketReporter).join(Ticket, TicketReporter.ticket_id == Ticket.id)
        .where(TicketReporter.person_id == person.id, TicketReporter.created_at >= since,
               Ticket.reporter_id != person.id)
        .order_by(TicketReporter.created_at.desc(), TicketReporter.id.desc()))


def split_report(session: Session, say: Speaker, clock: Clock, settings: Settings,
                 joined: TicketReporter, *, category: str, urgent: bool,
                 subject: str | None, summary: str | None) -> Ticket:
    """不是一个问题: the reporter's merged report leaves the ticket and becomes its own."""
    old, person = joined.ticket, joined.person
    building = old.building
    household = person.household if (person.household is not None and building is not None
                                     and person.household.building_id == building.id) else None
    text, room_chat_id = joined.text, joined.room_chat_id
    session.delete(joined)
    session.flush()
    ticket = create_ticket(session, say, clock, settings, building=building, household=household,
                           reporter=person, room_chat_id=room_chat_id, text=text, category=category,
                           urgent=urgent, subject=subject, summary=summary)
    event(session, clock, old, EventKind.SPLIT, person,
          T.SPLIT_NOTE.format(name=person.name, new=ticket.number))
    say.person(old.assignee, T.SPLIT_PRIVATE.format(number=old.number, name=person.name,
                                                    new=ticket.number))
    session.refresh(old, ["reporters"])
    return ticket
