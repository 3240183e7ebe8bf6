"""Queries the handlers and jobs share. Each takes the caller's session."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from storage import ledger_cache
from storage.models import (
    Building,
    ChatRoom,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
    Role,
    RoomKind,
    Status,
    Ticket,
    TicketReporter,
)

FIRST_TICKET_NUMBER = 1001


# The queries of every message, built once: building a statement (and its cache key) costs
# about as much as running it on SQLite.
_PERSON_BY_CHAT_ID = select(Person).where(Person.chat_id == bindparam("chat_id"))
_ROOM_BY_CHAT_ID = select(ChatRoom).where(ChatRoom.chat_id == bindparam("chat_id"))
_LINKED_MEMBER = (select(Person).join(MemberLink, MemberLink.member_id == Person.id)
                  .where(MemberLink.household_id == bindparam("household_id")))
_STAFF_ROOM = (select(ChatRoom).where(ChatRoom.kind == RoomKind.STAFF,
                                      ChatRoom.community_id == bindparam("community_id"))
               .order_by(ChatRoom.id))
_MAX_TICKET_NUMBER = select(func.max(Ticket.number))


def person_by_chat_id(session: Session, chat_id: str) -> Person | None:
    return session.scalar(_PERSON_BY_CHAT_ID, {"chat_id": chat_id})


def people_named(session: Session, name: str) -> Sequence[Person]:
    return session.scalars(select(Person).where(Person.name == name).order_by(Person.id)).all()


def room_by_chat_id(session: Session, chat_id: str) -> ChatRoom | None:
    return session.scalar(_ROOM_BY_CHAT_ID, {"chat_id": chat_id})


def building_room(session: Session, building_id: int) -> ChatRoom | None:
    return session.scalar(select(ChatRoom).where(ChatRoom.building_id == building_id)
                          .order_by(ChatRoom.id))


def staff_room(session: Session, community_id: int | None) -> ChatRoom | None:
    if community_id is not None:
        return session.scalar(_STAFF_ROOM, {"community_id": community_id})
    q = select(ChatRoom).where(ChatRoom.kind == RoomKind.STAFF)
    if community_id is not None:
        q = q.where(ChatRoom.community_id == community_id)
    return session.scalar(q.order_by(ChatRoom.id))


def staff_room_chat_id(session: Session, community_id: int | None) -> str | None:
    """The chat id of ``staff_room``: from the inbox's ledger cache when it knows it."""
    cache = ledger_cache.of(session) if community_id is not None else None
    if cache is not None and community_id is not None:
        known = cache.staff_room(session, community_id)
        if known is not None:
            return known
    room = staff_room(session, community_id)
    if cache is not None and community_id is not None and room is not None:
        cache.found_staff_room(community_id, room.chat_id)
    return room.chat_id if room is not None else None


def staff_of(session: Session, community_id: int | None) -> Sequence[Person]:
    q = select(Person).where(Person.role.in_(Role.SUPERVISORS))
    if community_id is not None:
        q = q.where(Person.community_id == community_id)
    return session.scalars(q.order_by(Person.id)).all()


def community_of_building(session: Session, building: Building) -> Community:
    return building.grid.community


def buildings_named(session: Session, name: str) -> Sequence[Building]:
    name = name.strip()
    return session.scalars(
        select(Building).where((Building.name == name) | (Building.code == name)
                               | (Building.name == name + "号楼")).order_by(Building.id)).all()


def grid_named(session: Session, name: str) -> Grid | None:
    return session.scalar(select(Grid).where(Grid.name == name).order_by(Grid.id))


def household_at(session: Session, building_code: str, unit: str, room: str) -> Household | None:
    return session.scalar(
        select(Household).join(Building).where(
            Building.code == building_code, Household.unit == unit, Household.room == room))


def linked_member(session: Session, household_id: int) -> Person | None:
    cache = ledger_cache.of(session)  # the inbox's: kept between messages (storage/ledger_cache.py)
    if cache is not None:
        found = cache.linked_member(session, household_id)
        if found is not ledger_cache.MISSING:
            return found  # type: ignore[return-value]
    member = session.scalar(_LINKED_MEMBER, {"household_id": household_id})
    if cache is not None:
        cache.found_member(household_id, member)
    return member


def kept_member(session: Session, household_id: int, person_id: int) -> Person | None:
    """Person ``person_id``, when the ledger cache knows them as the household's linked member (no
    SQL: the session's object, or a copy of their columns, as a lazy load of them would give);
    None when it does not know them so (then read them when used)."""
    cache = ledger_cache.of(session)
    if cache is None or not cache.knows_member(household_id, person_id):
        return None
    found = cache.linked_member(session, household_id)
    return found if isinstance(found, Person) and found.id == person_id else None


def ticket_by_number(session: Session, number: int) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number))


#: PostgreSQL advisory lock taken while a ticket number is chosen ("lhtick"): several processes
#: (one per WeChat account) never choose the same number
TICKET_NUMBER_LOCK = 0x6C687469636B


_NUMBER_KEY = "lianhu.last_ticket_number"


def next_ticket_number(session: Session) -> int:
    """The next ticket number. The first in a transaction reads max(number) (on PostgreSQL under
    an advisory lock held until the transaction ends, so other processes wait); the next ones
    in the same transaction count on from it: nobody else can take a number meanwhile (the lock,
    or SQLite's one writer), so a batch of tickets costs one query, not one each."""
    transaction = session.get_transaction()
    known = session.info.get(_NUMBER_KEY)
    if transaction is not None and known is not None and known[0] is transaction and transaction.is_active:
        number: int = known[1] + 1
    else:
        if session.get_bind().dialect.name == "postgresql":  # held until the ticket is committed
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TICKET_NUMBER_LOCK})
        current = session.scalar(_MAX_TICKET_NUMBER)
        number = FIRST_TICKET_NUMBER if current is None else current + 1
        transaction = session.get_transaction()  # the query began one if none was open
    session.info[_NUMBER_KEY] = (transaction, number)
    return number


def open_ticket_to_merge(session: Session, building_id: int, category: str,
                         since: datetime) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.building_id == building_id, Ticket.category == category,
                             Ticket.status.in_(Status.OPEN), Ticket.created_at >= since)
        .order_by(Ticket.created_at.desc()))


def tickets_reported_by(session: Session, person_id: int, limit: int = 10) -> Sequence[Ticket]:
    return session.scalars(
        select(Ticket).join(TicketReporter).where(TicketReporter.person_id == person_id)
        .order_by(Ticket.created_at.desc()).limit(limit)).all()


def recent_report_by(session: Session, person_id: int, since: datetime) -> Ticket | None:
    """The ticket this person reported (or joined) most recently, if after ``since``."""
    return session.scalar(
        select(Ticket).join(TicketReporter).where(TicketReporter.person_id == person_id,
                                                  TicketReporter.created_at >= since)
        .order_by(TicketReporter.created_at.desc()))


def awaiting_rating_for(session: Session, person_id: int) -> Ticket | None:
    """The most recent resolved ticket this person reported: their 1/2/3 answers it."""
    return session.scalar(
        select(Ticket).join(TicketReporter).where(TicketReporter.person_id == person_id,
                                                  Ticket.status == Status.RESOLVED)
        .order_by(Ticket.resolved_at.desc()))


def tickets_assigned_to(session: Session, person_id: int, statuses: Sequence[str]) -> Sequence[Ticket]:
    return session.scalars(
        select(Ticket).where(Ticket.assignee_id == person_id, Ticket.status.in_(statuses))
        .order_by(Ticket.number)).all()


def reporter_people(ticket: Ticket) -> list[Person]:
    return [r.person for r in ticket.reporters]
