"""Many messages at once: handled together, in order within each conversation, none lost or
doubled when one of them fails, a redelivered id handled once."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from kernel import texts as T
from storage.models import InboundMessage, Ticket
from tests.conftest import texts_to
from tests.helpers import building_room_of

A_REPORTS = ["2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", "单元门禁坏了,刷卡没反应", "电梯坏了,停在三楼不动了"]
B_REPORTS = ["下水道堵了,污水往外冒", "楼道灯坏了,一楼到三楼都不亮", "暖气不热,屋里才十度,麻烦处理一下"]


@contextmanager
def held(bot) -> Iterator[tuple[threading.Event, threading.Event]]:  # type: ignore[no-untyped-def]
    """While a message saying "稍等" is classified, the bot waits until ``release`` is set
    (``entered`` tells the test it got there): what comes meanwhile waits its turn."""
    entered, release = threading.Event(), threading.Event()
    classifier = bot.app.classifier
    original = classifier.classify

    def classify(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "稍等" in text:
            entered.set()
            assert release.wait(30)
        return original(text, *args, **kwargs)

    classifier.classify = classify
    try:
        yield entered, release
    finally:
        release.set()
        del classifier.classify  # the class's own method again


async def while_held(bot, first, rest):  # type: ignore[no-untyped-def]
    """Hand over ``first`` (it says 稍等), then ``rest`` while it is being handled; returns what
    ``receive`` answered for each of ``rest``, once all are handled."""
    with held(bot) as (entered, release):
        head = asyncio.ensure_future(bot.app.receive(first))
        assert await asyncio.to_thread(entered.wait, 30)
        tasks = [asyncio.ensure_future(bot.app.receive(m)) for m in rest]
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in tasks)  # nothing overtakes the message in hand
        release.set()
        await head
        return await asyncio.gather(*tasks)


def commits(bot) -> list[int]:  # type: ignore[no-untyped-def]
    count = [0]
    event.listen(bot.app.engine, "commit", lambda *_: count.__setitem__(0, count[0] + 1))
    return count


async def test_two_conversations_are_handled_together_each_in_its_own_order(bot) -> None:
    room_a, room_b = building_room_of(bot, "r01"), building_room_of(bot, "r07")
    assert room_a != room_b
    gw = bot.gw
    first = gw.inbound("稍等,我看看", sender="r02", room=room_a)
    rest = []
    for a, b in zip(A_REPORTS, B_REPORTS):  # interleaved, as two busy groups would be
        rest += [gw.inbound(a, sender="r01", room=room_a), gw.inbound(b, sender="r07", room=room_b)]
    gw.online = False  # the outbox waits: what is counted is the handling
    count = commits(bot)
    ids = await while_held(bot, first, rest)
    assert all(i is not None for i in ids)
    # the six messages behind the one in hand were stored in one commit and handled in another
    assert count[0] == 2 + 2
    gw.online = True
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        numbers = {t.text: t.number for t in s.scalars(select(Ticket))}
    assert [numbers[t] for t in A_REPORTS] == sorted(numbers[t] for t in A_REPORTS)
    assert [numbers[t] for t in B_REPORTS] == sorted(numbers[t] for t in B_REPORTS)
    # each group hears its receipts in the order its residents wrote
    for room, reports in ((room_a, A_REPORTS), (room_b, B_REPORTS)):
        heard = [int(text.split("工单号 ")[1][:4]) for text in texts_to(gw.sent, room) if "工单号" in text]
        assert heard == [numbers[t] for t in reports]


async def test_one_failing_message_in_a_batch_loses_and_doubles_none_of_the_others(bot, monkeypatch) -> None:
    import handlers.residents as residents

    room = building_room_of(bot, "r01")
    create = residents.wf.create_ticket

    def breaks_on_lifts(*args, **kwargs):  # type: ignore[no-untyped-def]
        if "电梯" in kwargs["text"]:
            raise RuntimeError("disk on fire")
        return create(*args, **kwargs)

    monkeypatch.setattr(residents.wf, "create_ticket", breaks_on_lifts)
    gw = bot.gw
    senders = ["r01", "r02", "r03", "r04"]
    texts = [A_REPORTS[0], "电梯坏了,停在三楼不动了", B_REPORTS[0], "下雨了,大家收衣服"]
    rest = [gw.inbound(t, sender=s, room=room) for t, s in zip(texts, senders)]
    ids = await while_held(bot, gw.inbound("稍等", sender="r05", room=room), rest)
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        assert sorted(t.text for t in s.scalars(select(Ticket))) == sorted([A_REPORTS[0], B_REPORTS[0]])
        rows = {r.id: r for r in s.scalars(select(InboundMessage))}
        assert [rows[i].status for i in ids] == ["done", "failed", "done", "done"]
        assert [rows[i].attempts for i in ids] == [1, 1, 1, 1]
    heard = texts_to(gw.sent, room)
    assert heard.count(T.HANDLING_FAILED) == 1
    assert len([t for t in heard if "工单号" in t]) == 2  # one receipt each, none twice
    monkeypatch.undo()
    assert await bot.app.replay_unfinished() == 1  # the failed one is tried again on the next start
    with bot.sessions() as s:
        assert len(s.scalars(select(Ticket)).all()) == 3


async def test_a_message_id_given_twice_in_one_batch_and_again_later_is_handled_once(bot) -> None:
    room = building_room_of(bot, "r01")
    gw = bot.gw
    report = gw.inbound(A_REPORTS[0], sender="r01", room=room, message_id="wx-1")
    ids = await while_held(bot, gw.inbound("稍等", sender="r02", room=room), [report, report])
    assert ids[0] is not None and ids[1] is None
    assert await bot.app.receive(report) is None  # redelivered later
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        assert len(s.scalars(select(Ticket)).all()) == 1
    assert len([t for t in texts_to(gw.sent, room) if "工单号" in t]) == 1


async def test_tickets_of_a_batch_and_one_made_meanwhile_elsewhere_never_share_a_number(bot) -> None:
    """A batch counts its ticket numbers on from one look-up; a ticket made in between by
    someone else (the console, another process) is seen by the next batch."""
    from domain import tickets as wf
    from storage import repo
    from storage.outbox import Speaker

    room_a, room_b = building_room_of(bot, "r01"), building_room_of(bot, "r07")
    gw = bot.gw
    await while_held(bot, gw.inbound("稍等", sender="r02", room=room_a),
                     [gw.inbound(A_REPORTS[0], sender="r01", room=room_a),
                      gw.inbound(B_REPORTS[0], sender="r07", room=room_b)])
    with bot.sessions() as s:  # elsewhere, in a transaction of its own
        app = bot.app
        elsewhere = wf.create_ticket(s, Speaker(s, app.clock), app.clock, app.settings, building=None,
                                     household=None, reporter=repo.person_by_chat_id(s, "r03"),
                                     room_chat_id=None, text="小区南门的路灯不亮", category="other", urgent=False)
        s.commit()
        assert elsewhere.number == 1003
    await while_held(bot, gw.inbound("稍等", sender="r02", room=room_a),
                     [gw.inbound(A_REPORTS[1], sender="r01", room=room_a),
                      gw.inbound(B_REPORTS[1], sender="r07", room=room_b)])
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        numbers = {t.text: t.number for t in s.scalars(select(Ticket))}
    assert [numbers[t] for t in (A_REPORTS[0], B_REPORTS[0], "小区南门的路灯不亮", A_REPORTS[1], B_REPORTS[1])] \
        == [1001, 1002, 1003, 1004, 1005]
    receipts = [text for room in (room_a, room_b) for text in texts_to(gw.sent, room) if "工单号" in text]
    assert sorted(int(text.split("工单号 ")[1][:4]) for text in receipts) == [1001, 1002, 1004, 1005]


async def test_a_report_joined_repeated_and_split_off_in_one_batch(bot) -> None:
    """Within one batch the ticket's reporters are up to date: the second report joins the
    first, the same person again hears it is reported already, and 不是一个问题 splits it off."""
    room = building_room_of(bot, "r01")
    assert building_room_of(bot, "r02") == room
    gw = bot.gw
    rest = [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room),
            gw.inbound("电梯又坏了,停在三楼", sender="r02", room=room),
            gw.inbound("电梯还是坏的,停在三楼", sender="r02", room=room),
            gw.inbound("不是一个问题", sender="r02", room=room)]
    gw.online = False
    count = commits(bot)
    await while_held(bot, gw.inbound("稍等", sender="r03", room=room), rest)
    assert count[0] == 2 + 2  # handled as one batch (none failed and was handled again alone)
    gw.online = True
    await bot.app.outbox.drain()
    heard = texts_to(gw.sent, room)
    assert "工单号 1001" in heard[0]
    assert heard[1].startswith(T.MERGED_SAME.split("{")[0]) and "1001" in heard[1]
    assert heard[2].startswith(T.ALREADY_REPORTED.split("{")[0]) and "1001" in heard[2]
    assert "工单号 1002" in heard[3]
    with bot.sessions() as s:
        first = s.scalar(select(Ticket).where(Ticket.number == 1001))
        assert first is not None
        assert [r.person.chat_id for r in first.reporters] == ["r01"]
        assert [e.kind for e in first.events] == ["created", "assigned", "merged", "split"]


async def test_a_guide_entry_confirmed_in_a_batch_answers_the_next_question_of_that_batch(bot) -> None:
    """The guide's version is read once a batch, unless an entry changes in it."""
    from storage.models import GuideEntry, GuideStatus

    with bot.sessions() as s:
        entry = GuideEntry(community_id=None, key="charging-card", title="充电桩充电卡办理",
                           asks=["充电桩怎么办充电卡"], answer="在物业服务中心办理,带身份证,工本费20元",
                           materials=[], tags=[], private=False, origin="chat", status=GuideStatus.PENDING,
                           updated_at=bot.app.clock.now())
        s.add(entry)
        s.commit()
        k = entry.id
    room = building_room_of(bot, "r01")
    gw = bot.gw
    rest = [gw.inbound("居住证在哪里办,要什么材料", sender="r02", room=room),  # reads the guide's version
            gw.inbound(f"确认指南 {k}", sender="s1", room="room-staff"),
            gw.inbound("小区新装的充电桩怎么办充电卡", sender="r05", room=room)]
    await while_held(bot, gw.inbound("稍等", sender="r03", room=room), rest)
    await bot.app.outbox.drain()
    heard = texts_to(gw.sent, room)
    assert heard[0].startswith("【办事指南") and "居住证" in heard[0]
    assert heard[1].startswith(f"【办事指南 {k}】充电桩充电卡办理")


async def test_progress_in_the_batch_that_made_the_ticket_reaches_every_reporter(bot) -> None:
    """A ticket made and joined in a batch, and its handler's 进展 in the same batch: both
    reporters are @ed (the reporters written with the batch are read as if written at once),
    and the ticket's history is whole and in order."""
    from tests.helpers import linked_member_of

    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    gw = bot.gw
    rest = [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room),
            gw.inbound("电梯又坏了,停在三楼", sender="r02", room=room),
            gw.inbound("进展 1001 已联系电梯公司,下午来修", sender=member.chat_id or "")]
    gw.online = False
    await while_held(bot, gw.inbound("稍等", sender="r03", room=room), rest)
    gw.online = True
    await bot.app.outbox.drain()
    told = [m for m in gw.sent if m.conversation == room and "已联系电梯公司" in m.text]
    assert len(told) == 1 and told[0].text.startswith("工单 1001 有新进展")
    assert set(told[0].mentions) == {"r01", "r02"}
    with bot.sessions() as s:
        first = s.scalar(select(Ticket).where(Ticket.number == 1001))
        assert first is not None
        assert [r.person.chat_id for r in first.reporters] == ["r01", "r02"]
        assert [e.kind for e in first.events] == ["created", "assigned", "merged", "progress"]


async def test_a_ticket_resolved_in_a_batch_is_not_joined_by_a_later_report_of_that_batch(bot) -> None:
    """The batch's duplicate check follows what the batch does: once the member resolves the
    ticket, the same problem reported again in the same batch opens a new one."""
    from tests.helpers import linked_member_of

    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    gw = bot.gw
    rest = [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room),
            gw.inbound("电梯又坏了,停在三楼", sender="r02", room=room),
            gw.inbound("办结 1001 电梯公司已修好", sender=member.chat_id or ""),
            gw.inbound("电梯又坏了,还是停在三楼", sender="r05", room=room)]
    await while_held(bot, gw.inbound("稍等", sender="r03", room=room), rest)
    await bot.app.outbox.drain()
    heard = [t for t in texts_to(gw.sent, room) if "1001" in t or "1002" in t]
    assert "工单号 1001" in heard[0]
    assert heard[1].startswith(T.MERGED_SAME.split("{")[0]) and "1001" in heard[1]
    assert any("工单号 1002" in t for t in heard[2:])
    with bot.sessions() as s:
        tickets = {t.number: t for t in s.scalars(select(Ticket))}
        assert [r.person.chat_id for r in tickets[1001].reporters] == ["r01", "r02"]
        assert [r.person.chat_id for r in tickets[1002].reporters] == ["r05"]


async def test_a_ticket_closed_elsewhere_between_batches_is_not_joined_by_the_next_batch(bot) -> None:
    """What one batch read of the open tickets is not kept for the next: a ticket closed in the
    console meanwhile is not joined."""
    from storage.models import Status

    room = building_room_of(bot, "r01")
    gw = bot.gw
    await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                     [gw.inbound("电梯坏了,停在三楼不动了", sender="r01", room=room),
                      gw.inbound("电梯又坏了,停在三楼", sender="r02", room=room)])
    with bot.sessions() as s:  # elsewhere, in a transaction of its own
        ticket = s.scalar(select(Ticket).where(Ticket.number == 1001))
        assert ticket is not None and len(ticket.reporters) == 2
        ticket.status = Status.CLOSED
        s.commit()
    await while_held(bot, gw.inbound("稍等", sender="r03", room=room),
                     [gw.inbound("电梯还是坏的,停在三楼", sender="r05", room=room)])
    await bot.app.outbox.drain()
    assert any("工单号 1002" in t for t in texts_to(gw.sent, room))
    with bot.sessions() as s:
        assert s.scalar(select(Ticket).where(Ticket.number == 1002)) is not None


async def test_a_batch_is_stored_and_committed_before_it_is_handled(bot) -> None:  # type: ignore[no-untyped-def]
    """The messages of a batch are stored, committed (another connection sees them, new) before
    any of them is handled; on PostgreSQL the store is one statement in autocommit — its own
    transaction, no BEGIN and COMMIT round trips — and the handling is one transaction again
    (fails if the store's statement is left uncommitted, or the handling runs in autocommit:
    its writes would no longer be one transaction)."""
    from sqlalchemy import create_engine

    from storage.models import InboxStatus

    room = building_room_of(bot, "r01")
    gw = bot.gw
    engine = bot.app.engine
    autocommit: dict[str, list[bool]] = {"store": [], "handling": []}

    def record(conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if engine.dialect.name == "postgresql":
            key = "store" if statement.startswith("INSERT INTO inbound_message") else "handling"
            autocommit[key].append(conn.connection.dbapi_connection.autocommit)

    other = create_engine(engine.url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with held(bot) as (entered, release):
            head = asyncio.ensure_future(bot.app.receive(gw.inbound("稍等", sender="r03", room=room)))
            assert await asyncio.to_thread(entered.wait, 30)
            with other.connect() as conn:  # the message in hand: stored and committed already
                rows = conn.execute(select(InboundMessage.text, InboundMessage.status)).all()
            assert [tuple(r) for r in rows][-1] == ("稍等", InboxStatus.NEW)
            release.set()
            await head
        await bot.say("电梯坏了,停在三楼不动了", sender="r01", room=room)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        other.dispose()
    if engine.dialect.name == "postgresql":
        assert autocommit["store"] and all(autocommit["store"])
        assert autocommit["handling"] and not any(autocommit["handling"])
    with bot.sessions() as s:
        assert s.scalars(select(Ticket.number)).all() == [1001]


async def test_a_batch_is_stored_and_handled_on_one_connection_of_the_pool(bot) -> None:  # type: ignore[no-untyped-def]
    """``Inbox.ingest`` checks one connection out of the pool for the store and the handling (on
    PostgreSQL one ping a batch, not two), the store committed first, the handling one transaction
    after it on the same connection — and the replies are there (fails when the store or the
    handling checks out a connection of its own)."""
    room = building_room_of(bot, "r01")
    gw = bot.gw
    engine = bot.app.engine
    checkouts: list[object] = []
    used: set[int] = set()

    def checkout(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        checkouts.append(dbapi_connection)

    def record(conn, *_args) -> None:  # type: ignore[no-untyped-def]
        used.add(id(conn.connection.dbapi_connection))

    msgs = [gw.inbound(A_REPORTS[0], sender="r01", room=room), gw.inbound(B_REPORTS[0], sender="r02", room=room),
            gw.inbound("下雨了,大家收衣服", sender="r03", room=room)]
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "before_cursor_execute", record)
    try:
        got = await asyncio.to_thread(bot.app.inbox.ingest, msgs)
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "before_cursor_execute", record)
    assert len(checkouts) == 1 and used == {id(checkouts[0])}
    assert all(i is not None for i in got.ids)
    with bot.sessions() as s:
        assert sorted(t.text for t in s.scalars(select(Ticket))) == sorted([A_REPORTS[0], B_REPORTS[0]])
        assert {r.status for r in s.scalars(select(InboundMessage))} == {"done"}
    await bot.app.outbox.drain()
    assert len([t for t in texts_to(gw.sent, room) if "工单号" in t]) == 2


async def test_a_batch_whose_last_writes_fail_at_the_database_keeps_nothing_and_is_handled_one_by_one(bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The batch's last writes and its COMMIT go to PostgreSQL together (answered at the commit):
    a row the database refuses there (an outbox row of no stored message) fails the batch at its
    commit — nothing of it kept, the connection fit for the next — and each message is handled
    again on its own: one ticket and one receipt each, every message done once, nobody told
    出错了 (a guard of the promise: the same on both databases)."""
    import bot.inbox as inbox_module
    from storage.models import InboxStatus, OutboxMessage

    room = building_room_of(bot, "r01")
    gw = bot.gw
    original = inbox_module.write_held
    broke: list[bool] = []

    def refused_once(session, rows):  # type: ignore[no-untyped-def]
        several = len(rows) > 1  # the batch of the two reports, not the message held before it
        original(session, rows)
        if several and not broke:
            broke.append(True)
            session.connection().execute(OutboxMessage.__table__.insert().inline(), [dict(  # type: ignore[attr-defined]
                conversation=room, is_room=True, text="?", mentions=[], urgent=False, status="pending",
                attempts=0, not_before=bot.clock.now(), created_at=bot.clock.now(), cause_id=10 ** 6)])

    monkeypatch.setattr(inbox_module, "write_held", refused_once)
    rest = [gw.inbound(A_REPORTS[0], sender="r01", room=room), gw.inbound(B_REPORTS[0], sender="r02", room=room)]
    ids = await while_held(bot, gw.inbound("稍等", sender="r05", room=room), rest)
    assert broke and all(i is not None for i in ids)
    await bot.say(A_REPORTS[1], sender="r03", room=room)  # the next batch, on a healthy connection
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        assert sorted(t.text for t in s.scalars(select(Ticket))) == sorted([A_REPORTS[0], B_REPORTS[0], A_REPORTS[1]])
        rows = list(s.scalars(select(InboundMessage)))
        assert {r.status for r in rows} == {InboxStatus.DONE} and {r.attempts for r in rows} == {1}
        assert s.scalar(select(OutboxMessage).where(OutboxMessage.cause_id == 10 ** 6)) is None
    heard = texts_to(gw.sent, room)
    assert T.HANDLING_FAILED not in heard
    assert len([t for t in heard if "工单号" in t]) == 3
