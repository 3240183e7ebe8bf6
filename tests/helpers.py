"""Looking things up in the demo community from tests."""
from __future__ import annotations

from sqlalchemy import select

from storage import repo
from storage.models import Person, Ticket


def person(bot, chat_id: str) -> Person:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        p = repo.person_by_chat_id(s, chat_id)
        assert p is not None, chat_id
        s.expunge(p)
        return p


def linked_member_of(bot, resident_chat_id: str) -> Person:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        resident = repo.person_by_chat_id(s, resident_chat_id)
        assert resident is not None and resident.household_id is not None
        member = repo.linked_member(s, resident.household_id)
        assert member is not None
        s.expunge(member)
        return member


def building_room_of(bot, resident_chat_id: str) -> str:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        resident = repo.person_by_chat_id(s, resident_chat_id)
        assert resident is not None and resident.household is not None
        room = repo.building_room(s, resident.household.building_id)
        assert room is not None
        return room.chat_id


def ticket(bot, number: int) -> Ticket:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        t = repo.ticket_by_number(s, number)
        assert t is not None
        # load what tests read, then detach
        _ = [(e.kind, e.note) for e in t.events], [r.person_id for r in t.reporters], t.assignee
        s.expunge_all()
        return t


def tickets(bot) -> list[Ticket]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        rows = list(s.scalars(select(Ticket).order_by(Ticket.number)))
        s.expunge_all()
        return rows


def grid_worker_for(bot, resident_chat_id: str) -> Person:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        resident = repo.person_by_chat_id(s, resident_chat_id)
        assert resident is not None and resident.household is not None
        worker = resident.household.building.grid.worker
        assert worker is not None
        s.expunge(worker)
        return worker


async def tick(bot, **delta: float):  # type: ignore[no-untyped-def]
    """Move the clock on, run the jobs that are due, deliver; returns what was sent."""
    bot.clock.advance(**delta)
    before = len(bot.gw.sent)
    await bot.app.jobs.run_due()
    await bot.app.outbox.drain()
    return bot.gw.sent[before:]
