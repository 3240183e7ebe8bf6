"""A lone message's path (bot/inbox.py): the statements it needs and no more. The ledger's
version comes with the statement that stores the message; the sender and group a message read
from the ledger cache are kept again without a query; a batch's duplicate check reads a
building's open tickets once. Each test fails when its part of the path is broken."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from storage.models import OutboxMessage, Ticket
from tests.conftest import Harness, texts_to
from tests.helpers import building_room_of
from tests.test_ingest import while_held


@contextmanager
def statements(bot: Harness) -> Iterator[list[str]]:
    """The SQL the bot runs meanwhile, one line a statement (whitespace folded); an executemany
    (one execution a row of its parameters on PostgreSQL) is marked ``MANY ``."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(("MANY " if executemany else "") + " ".join(statement.split()))

    event.listen(bot.app.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(bot.app.engine, "before_cursor_execute", record)


LEDGER_TABLES = ("person", "household", "building", "grid", "community", "chat_room", "member_link")


def reads_ledger(statement: str) -> bool:
    words = statement.replace(",", " ").split()
    return statement.startswith("SELECT") and any(
        table in words[i + 1:i + 2] for i, w in enumerate(words) if w in ("FROM", "JOIN") for table in LEDGER_TABLES)


async def test_a_lone_message_needs_no_statement_of_its_own_for_the_ledger_version(bot: Harness) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("大家好", sender="r01", room=room)
    with statements(bot) as seen:
        sent = await bot.say("楼道灯坏了,黑咕隆咚的", sender="r01", room=room)
    assert any("工单号 1001" in t for t in texts_to(sent, room))
    assert not [s for s in seen if s.startswith("SELECT") and "FROM ledger_version" in s]
    assert [s for s in seen if s.startswith("INSERT INTO inbound_message") and "ledger_version" in s]


async def test_a_sender_and_group_kept_from_the_last_message_are_read_from_no_table(bot: Harness) -> None:
    """A newcomer's second and third reports in a building's group read nothing of the ledger:
    who they are, the group, its building, grid and the building's member, to whom their tickets
    go (kept again as they were after each message, with what a message loaded that was not kept
    before: the building's member, read by the first report)."""
    room = building_room_of(bot, "r01")
    await bot.say("大家好", sender="u9", room=room, name="新住户")
    await bot.say("楼道灯坏了,黑咕隆咚的", sender="u9", room=room, name="新住户")
    with statements(bot) as seen:
        await bot.say("电梯坏了,停在三楼不动", sender="u9", room=room, name="新住户")
        sent = await bot.say("单元门禁坏了,刷卡没反应", sender="u9", room=room, name="新住户")
    assert any("工单号 1003" in t for t in texts_to(sent, room))
    assert [s for s in seen if reads_ledger(s)] == []


async def test_a_lone_message_is_answered_as_soon_as_its_transaction_committed(bot: Harness) -> None:
    """Its sender has the message's id — its receipt committed in the outbox — once the batch's
    transaction committed, not after the worker thread has also put the session and connection
    away and kept the message's sender and group for the next ones (it does that meanwhile). A
    message handed over then waits for that (order kept) and finds them kept: it reads nothing of
    the ledger (fails when the answer waits for the thread's end, or what it keeps is lost)."""
    room = building_room_of(bot, "r01")
    gw = bot.gw
    inbox = bot.app.inbox
    await bot.say("大家好", sender="u9", room=room, name="新住户")
    await bot.app.lane.idle()  # its thread may still be keeping u9 after u9 was answered
    keeping, release = threading.Event(), threading.Event()
    keep = inbox._keep

    def held_keep(known):  # type: ignore[no-untyped-def]
        keeping.set()
        assert release.wait(30)
        keep(known)

    inbox._keep = held_keep  # type: ignore[method-assign]
    try:
        first = await asyncio.wait_for(
            bot.app.receive(gw.inbound("楼道灯坏了,黑咕隆咚的", sender="u9", room=room, name="新住户")), 20)
        assert first is not None
        assert await asyncio.to_thread(keeping.wait, 20)  # the thread keeps them now, not at the next message
        with bot.sessions() as s:  # answered while the thread still keeps: the receipt is committed
            assert any("工单号 1001" in t for t in s.scalars(
                select(OutboxMessage.text).where(OutboxMessage.cause_id == first)))
        second = asyncio.ensure_future(
            bot.app.receive(gw.inbound("电梯坏了,停在三楼不动", sender="u9", room=room, name="新住户")))
        await asyncio.sleep(0.05)
        assert not second.done()  # the next batch waits for the thread
        with statements(bot) as seen:
            release.set()
            assert await asyncio.wait_for(second, 20) is not None
    finally:
        release.set()
        del inbox._keep  # type: ignore[method-assign]
    assert [s for s in seen if reads_ledger(s)] == []
    await bot.app.outbox.drain()
    assert any("工单号 1002" in t for t in texts_to(gw.sent, room))


async def test_a_batch_reads_the_open_tickets_of_a_building_once(bot: Harness) -> None:
    room = building_room_of(bot, "r01")
    gw = bot.gw
    with statements(bot) as seen:
        await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                         [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room),
                          gw.inbound("楼道灯坏了,一楼到三楼都不亮", sender="r02", room=room),
                          gw.inbound("电梯又坏了,停在三楼", sender="r05", room=room)])
    reads = [s for s in seen if s.startswith("SELECT ticket.id") and "FROM ticket" in s]
    assert len(reads) == 1, reads
    with bot.sessions() as s:
        tickets = {t.number: t for t in s.scalars(select(Ticket))}
        assert sorted(tickets) == [1001, 1002]
        assert [r.person.chat_id for r in tickets[1001].reporters] == ["r01", "r05"]


async def test_a_batch_finds_its_own_new_tickets_without_writing_them_for_another_buildings_read(
        bot: Harness) -> None:
    """A building's open tickets are read once a batch; the batch's own new tickets, held to be
    written together (storage/later.py), are taken from memory for that read, not written for it:
    a report in one building after a new ticket in another still writes every ticket at the end,
    in one statement, and each report joins the ticket of its own building (fails when the held
    tickets are not added to the read, or are added to another building's, or written for it)."""
    room_a, room_b = building_room_of(bot, "r01"), building_room_of(bot, "r07")
    assert room_a != room_b
    gw = bot.gw
    with statements(bot) as seen:
        await while_held(bot, gw.inbound("稍等", sender="r03", room=room_a),
                         [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room_a),
                          gw.inbound("电梯坏了,停在五楼不动了", sender="r07", room=room_b),
                          gw.inbound("电梯又坏了,停在三楼", sender="r02", room=room_a),
                          gw.inbound("电梯又坏了,停在五楼", sender="r08", room=room_b)])
    reads = [i for i, s in enumerate(seen) if s.startswith("SELECT ticket.id") and "FROM ticket" in s]
    inserts = [i for i, s in enumerate(seen) if s.startswith(("INSERT INTO ticket ", "MANY INSERT INTO ticket "))]
    assert len(reads) == 2 and len(inserts) == 1 and reads[-1] < inserts[0], (reads, inserts)
    with bot.sessions() as s:
        tickets = {t.number: t for t in s.scalars(select(Ticket))}
        assert sorted(tickets) == [1001, 1002]
        assert [r.person.chat_id for r in tickets[1001].reporters] == ["r01", "r02"]
        assert [r.person.chat_id for r in tickets[1002].reporters] == ["r07", "r08"]
        assert tickets[1001].room_chat_id == room_a and tickets[1002].room_chat_id == room_b


async def test_a_batch_is_marked_handled_by_one_statement(bot: Harness) -> None:
    """Every message of a batch is marked done (first attempt, the same moment) by one UPDATE,
    not an execution a message: a restart handles none of them again."""
    from storage.models import InboundMessage, InboxStatus

    room = building_room_of(bot, "r01")
    gw = bot.gw
    with statements(bot) as seen:
        await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                         [gw.inbound("今天天气不错", sender="r01", room=room),
                          gw.inbound("电梯坏了,停在三楼不动了", sender="r02", room=room),
                          gw.inbound("大家早上好", sender="r05", room=room)])
    marks = [s for s in seen if "UPDATE inbound_message" in s]
    assert len(marks) == 2 and not any(s.startswith("MANY") for s in marks), marks  # the lone one's, the batch's
    with bot.sessions() as s:
        rows = s.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [(r.status, r.attempts) for r in rows[-4:]] == [(InboxStatus.DONE, 1)] * 4
        assert len({r.handled_at for r in rows[-3:]}) == 1
    assert await bot.app.replay_unfinished() == 0


async def test_a_kept_sender_comes_whole_into_the_transaction_that_uses_it(bot: Harness) -> None:
    """The sender the ledger cache gives a transaction comes with their home, building, grid and
    community all in that transaction (storage/ledger_cache.py ``_attach``): what is changed
    through any of them is written with it, what was not kept is read when used."""
    from storage.models import Person

    room = building_room_of(bot, "r01")
    await bot.say("大家好", sender="r01", room=room)
    await bot.say("大家早上好", sender="r01", room=room)  # r01 is kept when this batch began
    await bot.app.lane.idle()  # and kept again once it committed, by its thread, after r01 was answered
    cache = bot.app.inbox.cache
    with bot.sessions() as s:
        s.begin()
        cache.begin(s)
        person = cache.person(s, "r01")
        assert person is not None and person.household is not None
        building = person.household.building
        grid, community = building.grid, building.grid.community
        assert person.household in building.households  # not kept: read through the session
        building.name, grid.name, community.name = building.name + "甲", grid.name + "乙", community.name + "丙"
        s.commit()
    cache.ended()
    with bot.sessions() as s:
        again = s.scalar(select(Person).where(Person.chat_id == "r01"))
        assert again is not None and again.household is not None
        assert again.household.building.name.endswith("甲")
        assert again.household.building.grid.name.endswith("乙")
        assert again.household.building.grid.community.name.endswith("丙")


async def test_a_batch_writes_its_new_tickets_together_and_reads_them_back_when_asked(bot: Harness) -> None:
    """A batch holds its new tickets, each with the id it will have (SQLite: the largest + 1;
    PostgreSQL: reserved from the sequence), and writes them together; a message of the same batch
    that reads them (查询) finds them written."""
    room = building_room_of(bot, "r01")
    gw = bot.gw
    before = len(gw.sent)
    with statements(bot) as seen:
        await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                         [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room),
                          gw.inbound("楼道灯坏了,一楼到三楼都不亮", sender="r02", room=room),
                          gw.inbound("查询 1001", sender="r01", room=room),
                          gw.inbound("单元门禁坏了,刷卡没反应", sender="r04", room=room)])
    await bot.app.outbox.drain()
    said = texts_to(gw.sent[before:], room)
    assert any(t.startswith("工单 1001:") for t in said), said  # 查询 found the ticket of its batch
    assert not any("没有找到工单" in t for t in said), said
    inserts = [s for s in seen if s.startswith(("INSERT INTO ticket ", "MANY INSERT INTO ticket "))]
    with bot.sessions() as s:
        tickets = s.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [(t.id, t.number) for t in tickets] == [(1, 1001), (2, 1002), (3, 1003)]
        assert all(len(t.events) >= 1 and len(t.reporters) == 1 for t in tickets)
    assert len(inserts) == 2, inserts  # 1001 and 1002 before 查询 reads them; 1003 at the end


async def test_a_lone_report_inserts_its_ticket_at_once_without_reading_the_largest_id(bot: Harness) -> None:
    """One message alone: its ticket is inserted with RETURNING id, as before (reading the largest
    id to hold one ticket would cost a statement more than it saves)."""
    room = building_room_of(bot, "r01")
    await bot.say("大家好", sender="r01", room=room)
    with statements(bot) as seen:
        sent = await bot.say("楼道灯坏了,黑咕隆咚的", sender="r01", room=room)
    assert any("工单号 1001" in t for t in texts_to(sent, room))
    assert not [s for s in seen if "max(ticket.id)" in s]
    assert len([s for s in seen if s.startswith("INSERT INTO ticket ")]) == 1


async def test_a_joined_tickets_assignee_comes_with_the_buildings_read(bot: Harness) -> None:
    """A report that joins a ticket whose assignee nobody in the transaction has read yet tells
    that assignee (their chat, the ticket's number) without a statement of its own for them: the
    building's open tickets are read with each one's assignee (domain/open_tickets.py) by a batch.
    Fails when the assignee is read again (the lazy load's ``WHERE person.id = ``), or made from
    the wrong columns (the ping goes to another chat). (A lone report's statement reads no person:
    its sender, group and their member come from the ledger cache, and reading none of the ledger
    is what test_a_sender_and_group_kept_… asks.)"""
    from storage.models import OutboxMessage

    room = building_room_of(bot, "r01")
    gw = bot.gw
    await bot.say("电梯坏了,停在三楼不动了", sender="r01", room=room)
    with bot.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.assignee is not None and ticket.assignee.chat_id
        number, assignee_chat = ticket.number, ticket.assignee.chat_id
    await bot.app.lane.idle()  # (the thread keeps r01's batch after r01 was answered)
    bot.app.inbox.cache.forget()  # nobody kept: the assignee is in no session when the batch begins
    with statements(bot) as seen:
        await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                         [gw.inbound("电梯又坏了,停在三楼", sender="r05", room=room),
                          gw.inbound("今天天气不错", sender="r02", room=room)])
    _joined_without_reading_the_assignee(bot, seen, number, assignee_chat)


async def test_a_lone_report_joining_a_ticket_tells_its_assignee_kept_as_a_households_member(bot: Harness) -> None:
    """A lone report joining a ticket tells its assignee — the linked member of the household that
    opened it, whom the ledger cache kept when the ticket was made — without a statement for them
    (domain/tickets.py ``_links``): fails when the assignee is read again (the lazy load's
    ``WHERE person.id = ``), or the copy is another person (the ping goes to another chat)."""
    room = building_room_of(bot, "r01")
    await bot.say("电梯坏了,停在三楼不动了", sender="r01", room=room)
    with bot.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.assignee is not None and ticket.assignee.chat_id and ticket.household_id
        number, assignee_chat = ticket.number, ticket.assignee.chat_id
    await bot.say("大家好", sender="r05", room=room)
    with statements(bot) as seen:
        await bot.say("电梯又坏了,停在三楼", sender="r05", room=room)
    _joined_without_reading_the_assignee(bot, seen, number, assignee_chat)


async def test_a_report_matching_two_tickets_of_the_same_moment_joins_the_first_opened(bot: Harness) -> None:
    """Two open tickets of one building with the same subject, opened at the same moment (the
    tests' clock stands still): a report joins the first opened (the lower id), in a batch of two
    (from what the batch read, no second read of the building) and alone (the database's order) —
    whatever order the rows lie in the table (the first opened is changed last, so on PostgreSQL
    its row comes last). Fails when the batch takes the other, or asks the database again."""
    from sqlalchemy import update

    room = building_room_of(bot, "r01")
    gw = bot.gw
    await bot.say("电梯坏了,停在三楼不动了", sender="r01", room=room)
    await bot.say("楼道灯坏了,一楼到三楼都不亮", sender="r02", room=room)
    with bot.sessions() as s:
        first, second = s.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert first.created_at == second.created_at and first.number == 1001
        s.execute(update(Ticket).where(Ticket.id == second.id).values(
            category=first.category, subject=first.subject, summary=first.summary))
        s.execute(update(Ticket).where(Ticket.id == first.id).values(text=first.text + "。"))
        s.commit()
    with statements(bot) as seen:
        await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                         [gw.inbound("今天天气不错", sender="r02", room=room),
                          gw.inbound("电梯又坏了,停在三楼", sender="r05", room=room)])
    reads = [s for s in seen if s.startswith("SELECT ticket.id") and "FROM ticket" in s]
    assert len(reads) == 1, reads
    alone = await bot.say("电梯又坏了,还停在三楼", sender="r06", room=room)
    assert any("1001" in t for t in texts_to(alone, room)), texts_to(alone, room)
    with bot.sessions() as s:
        by_number = {t.number: t for t in s.scalars(select(Ticket))}
        assert sorted(by_number) == [1001, 1002]
        assert [r.person.chat_id for r in by_number[1001].reporters] == ["r01", "r05", "r06"]
        assert [r.person.chat_id for r in by_number[1002].reporters] == ["r02"]


def _joined_without_reading_the_assignee(bot: Harness, seen: list[str], number: int, assignee_chat: str) -> None:
    """r05's report joined r01's ticket, its assignee told once, and no statement read them."""
    lazy = [s for s in seen if "FROM person WHERE person.id = " in s]
    assert lazy == [], lazy
    with bot.sessions() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert [r.person.chat_id for r in ticket.reporters] == ["r01", "r05"]
        pings = [m.text for m in s.scalars(select(OutboxMessage).where(OutboxMessage.conversation == assignee_chat))
                 if f"工单 {number} 又有一位居民反映" in m.text]
        assert len(pings) == 1, pings
