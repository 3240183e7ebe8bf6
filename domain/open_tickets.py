"""The open tickets a batch has looked at, by building: the duplicate check asks the database once a
building a batch, not once a report.

The inbox handles a batch of messages in one transaction (bot/inbox.py) and calls ``keep``. The
first report of a building reads that building's open tickets with who reported each (one
statement; the batch's own new tickets, held to be written together at the end (storage/later.py),
are not written for it but taken from memory, filtered as the statement filters); the batch then
keeps the list current itself: a ticket it opens is added
(``opened``), a reporter it adds is added (``reported``). What it cannot follow makes it forget
(and the check asks the database, as without a batch): a ticket changed in the session in a way
the check reads (status, building, category, household, subject, created_at), a ticket or a
report deleted, any ORM statement other than a plain SELECT naming those tables. A report whose
subject matches two tickets opened at the same moment joins the first opened (the lowest id), as
the database's statement orders them (domain/tickets.py ``duplicate_of``).
Outside a batch, and for a lone message, nothing is kept: ``duplicate_of`` reads the table each
time.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, event, func, insert, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import identity_key

from storage import later, rows
from storage.models import Person, Status, Ticket, TicketReporter

_KEY = "lianhu.open_tickets"
_TICKET = Ticket.__table__
_REPORTER = TicketReporter.__table__
_TABLES = frozenset({_TICKET, _REPORTER})
#: a report's row (written by domain/tickets.py, held with the batch's others: storage/later.py)
INSERT_REPORTER = insert(_REPORTER)  # type: ignore[arg-type]  # a mapped class's table
#: what the duplicate check reads of a ticket: a change of one of these in the session forgets all
_READ = frozenset({"status", "building_id", "building", "category", "household_id", "household",
                   "subject", "created_at"})

#: a ticket's assignee, read with it (``links``: no lazy load of it when a report joins the ticket)
_ASSIGNEE = Person.__table__.alias("assignee")
#: the assignee's columns, each labelled ``assigned_`` and its name, in the order of ``Person``'s
ASSIGNEE_COLUMNS = tuple(column.label(f"assigned_{column.key}") for column in _ASSIGNEE.columns)
#: the tickets with their assignee's row (NULLs: none)
WITH_ASSIGNEE = _TICKET.outerjoin(_ASSIGNEE, _ASSIGNEE.c.id == _TICKET.c.assignee_id)

#: a building's open tickets that name a subject (one that names none is nobody's duplicate), each
#: with who reported it ("3,17,20"; NULL: nobody yet) and its assignee's row (NULLs: none)
_OPEN_WITH_REPORTERS = (
    select(*_TICKET.columns, select(func.aggregate_strings(cast(_REPORTER.c.person_id, String), ","))
           .where(_REPORTER.c.ticket_id == _TICKET.c.id).scalar_subquery(),
           *ASSIGNEE_COLUMNS)
    .select_from(WITH_ASSIGNEE)
    .where(and_(_TICKET.c.building_id == bindparam("building_id"), _TICKET.c.subject.is_not(None),
                rows.one_of(_TICKET.c.status, Status.OPEN, "open"),
                _TICKET.c.created_at >= bindparam("since"))))

#: the same, when the batch's held new tickets are taken from memory (``OpenTickets._read``)
_OPEN_HELD_KNOWN = _OPEN_WITH_REPORTERS.execution_options(**{later.HELD_KNOWN: True})
_OPEN_STATUSES = frozenset((*Status.OPEN, "open"))

#: where each of the ticket's columns is in a row of ``_OPEN_WITH_REPORTERS`` (the reporters last)
_NAMES = tuple(c.key for c in _TICKET.columns)
_AT = {name: i for i, name in enumerate(_NAMES)}
_ID = _AT["id"]
#: then who reported it, then the assignee's columns
_REPORTERS = len(_NAMES)
_PERSON_NAMES = tuple(c.key for c in _ASSIGNEE.columns)
_ASSIGNEE_AT = _REPORTERS + 1
#: a ticket's many-to-one links by their foreign keys: a ticket made from a row gets those the
#: session holds at once (``rows.present``), as their lazy loads would find them
LINKS = {"building": "building_id", "household": "household_id", "assignee": "assignee_id",
         "reporter": "reporter_id"}


class _Open:
    """One open ticket as the batch knows it: its row as read (or the session's object, once made)
    and the people who reported it (in the table, or written by this batch)."""

    __slots__ = ("row", "ticket", "reporters")

    def __init__(self, row: Any, ticket: Ticket | None) -> None:
        self.row = row
        self.ticket = ticket  # held here: the session's map would let an unchanged one go
        self.reporters: set[int] = set()

    def value(self, name: str) -> Any:
        return getattr(self.ticket, name) if self.ticket is not None else self.row[_AT[name]]


class OpenTickets:
    """What one transaction knows: building id → since when it was read, its open tickets by
    category (every category in one statement: a busy building's reports are of several)."""

    def __init__(self, transaction: Any) -> None:
        self.transaction = transaction
        self.keys: dict[int, tuple[datetime, dict[str, list[_Open]]]] = {}
        self.by_id: dict[int, _Open] = {}
        #: the tickets this transaction opened (``opened``), kept through ``forget``: a building's
        #: read takes those still held (not written: storage/later.py) from here
        self.made: dict[int, Ticket] = {}

    def tickets(self, session: Session, building_id: int, category: str, since: datetime) -> list[_Open]:
        known = self.keys.get(building_id)
        if known is None or known[0] > since:
            known = self.keys[building_id] = (since, self._read(session, building_id, since))
        return known[1].get(category, [])

    def duplicate(self, session: Session, since: datetime, building_id: int, category: str, subject: str,
                  person_id: int | None, household_id: int | None) -> tuple[Ticket | None, bool | None]:
        """``duplicate_of`` from what the batch keeps: (the ticket or None, whether ``person_id``
        reported it); of tickets of the same moment that match, the first opened (the lowest id:
        the order of ``duplicate_of``'s statement). ``household_id``: the household's tickets only
        (hardship, disputes, care)."""
        from domain.classifier.subjects import same_subject

        best: _Open | None = None
        latest: datetime | None = None
        for entry in self.tickets(session, building_id, category, since):
            if entry.value("status") not in Status.OPEN or entry.value("created_at") < since:
                continue
            if household_id is not None and entry.value("household_id") != household_id:
                continue
            if not same_subject(entry.value("subject"), subject):
                continue
            created = entry.value("created_at")
            # the latest; of tickets of the same moment, the first opened (the lowest id)
            if best is None or latest is None or created > latest or (
                    created == latest and entry.value("id") < best.value("id")):
                best, latest = entry, created
        if best is None:
            return None, None
        return loaded_ticket(session, best), person_id in best.reporters if person_id is not None else None

    def _read(self, session: Session, building_id: int, since: datetime) -> dict[str, list[_Open]]:
        found: dict[int, _Open] = {}
        # the batch's new tickets not written yet: from memory, not written out for this read
        unwritten = [self.made.get(ticket_id) for ticket_id in later.held_ids(session, _TICKET)]
        from_memory = all(ticket is not None for ticket in unwritten)
        for row in session.connection().execute(_OPEN_WITH_REPORTERS if not from_memory else _OPEN_HELD_KNOWN, {
                "building_id": building_id, "since": since}).all():
            ticket_id, reporters = row[_ID], row[_REPORTERS]
            entry = self.by_id.get(ticket_id)
            if entry is None or entry.ticket is None:
                entry = _Open(row, None)
            found[ticket_id] = entry
            if reporters:
                entry.reporters.update(map(int, reporters.split(",")))
        if from_memory:
            for ticket in unwritten:  # what the statement's WHERE would have kept of them
                assert ticket is not None
                if (ticket.building_id == building_id and ticket.subject is not None
                        and ticket.status in _OPEN_STATUSES and ticket.created_at >= since):
                    entry = self.by_id.get(ticket.id)
                    if entry is None or entry.ticket is None:
                        entry = _Open(None, ticket)
                    found[ticket.id] = entry
        for held in later.held(session, INSERT_REPORTER):  # held, written with the batch's others
            entry = found.get(held["ticket_id"])
            if entry is not None:
                entry.reporters.add(held["person_id"])
        self.by_id.update(found)
        by_category: dict[str, list[_Open]] = {}
        for entry in found.values():
            by_category.setdefault(entry.value("category"), []).append(entry)
        return by_category


def keep(session: Session) -> None:
    """From now until the session's transaction ends, the duplicate check keeps what it read."""
    session.info[_KEY] = OpenTickets(session.get_transaction())


def of(session: Session) -> OpenTickets | None:
    """What this transaction keeps, when it keeps and nothing it cannot follow happened."""
    kept: OpenTickets | None = session.info.get(_KEY)
    if kept is None:
        return None
    transaction = session.get_transaction()
    if transaction is None or kept.transaction is not transaction or not transaction.is_active:
        session.info.pop(_KEY, None)  # kept for a transaction that ended
        return None
    if _changed(session):
        forget(session)
        return None
    return kept


def forget(session: Session) -> None:
    """Start again: the next check reads the table (the batch still keeps from then on)."""
    kept: OpenTickets | None = session.info.get(_KEY)
    if kept is not None:
        kept.keys.clear()
        kept.by_id.clear()


def opened(session: Session, ticket: Ticket) -> None:
    """A ticket this transaction just wrote (with no reporter yet)."""
    kept: OpenTickets | None = session.info.get(_KEY)
    if kept is None:
        return
    kept.made[ticket.id] = ticket
    if ticket.building_id is None:
        return
    known = kept.keys.get(ticket.building_id)
    entry = kept.by_id[ticket.id] = _Open(None, ticket)  # held: the batch's next handlers find it
    if known is not None and ticket.subject is not None:  # without a subject, nobody's duplicate
        known[1].setdefault(ticket.category, []).append(entry)


def reported(session: Session, ticket_id: int, person_id: int) -> None:
    """A reporter row this transaction wrote (or holds to write)."""
    kept: OpenTickets | None = session.info.get(_KEY)
    if kept is not None:
        entry = kept.by_id.get(ticket_id)
        if entry is not None:
            entry.reporters.add(person_id)


def loaded_ticket(session: Session, entry: _Open) -> Ticket:
    """The session's ticket of ``entry`` (made from its row the first time)."""
    if entry.ticket is None:
        known = session.identity_map.get(identity_key(Ticket, entry.row[_ID]))
        if known is None:
            values = dict(zip(_NAMES, entry.row))
            known = rows.loaded(session, Ticket, values, **links(session, values, entry.row[_ASSIGNEE_AT:]))
        entry.ticket = known
    return entry.ticket


def links(session: Session, values: dict[str, Any], assignee: Sequence[Any]) -> dict[str, Any]:
    """The links of a ticket made from its row (``values``) read with its assignee's
    (``assignee``: the values of ``ASSIGNEE_COLUMNS``): those the session holds, loaded and alive
    (``rows.present``), and the assignee made from its columns, as its lazy load would have read
    it (every column, its own links left to be read when used), when the session has no object of
    that person at all — one it holds (expired, deleted) is left to the lazy load, as before."""
    found = rows.present(session, Ticket, LINKS, values)
    if "assignee" not in found:
        person = dict(zip(_PERSON_NAMES, assignee))
        if person["id"] is not None and session.identity_map.get(identity_key(Person, person["id"])) is None:
            found["assignee"] = rows.loaded(session, Person, person)
    return found


def _changed(session: Session) -> bool:
    """Something the kept lists cannot follow is pending in the session: a ticket changed in what
    the check reads, a new or deleted ticket or report. (The states the session's ``dirty``, ``new``
    and ``deleted`` are made of, read where they are: those build a set of objects each time, and
    this is asked at every report and every flush of a batch.)"""
    for state in session.identity_map._modified:  # ``dirty``, and the deleted ones among them
        if issubclass(state.class_, Ticket) and not _READ.isdisjoint(state.committed_state):
            return True
    for states in (session._new, session._deleted):
        for state in states:
            if issubclass(state.class_, _FOLLOWED):
                return True
    return False


_FOLLOWED = (Ticket, TicketReporter)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, context: Any, instances: Any) -> None:
    if _KEY in session.info and _changed(session):
        forget(session)


@event.listens_for(Session, "do_orm_execute")
def _before_execute(state: ORMExecuteState) -> None:
    if _KEY in state.session.info and not state.is_select and not _TABLES.isdisjoint(
            later.tables_of(state.statement)):
        forget(state.session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    forget(session)
