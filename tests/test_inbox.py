"""Nothing is lost: stored before handled, handled once, retried after a crash."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel import texts as T
from storage.models import InboundMessage, OutboxMessage
from tests.conftest import BACKENDS, texts_to
from tests.helpers import building_room_of, tickets


async def test_a_redelivered_message_does_nothing_twice(bot) -> None:
    room = building_room_of(bot, "r01")
    msg = bot.gw.inbound("楼道灯坏了", sender="r01", room=room, message_id="wx-123")
    first = await bot.app.receive(msg)
    second = await bot.app.receive(msg)
    await bot.app.outbox.drain()
    assert first is not None and second is None
    assert len(tickets(bot)) == 1
    assert len(texts_to(bot.gw.sent, room)) == 1


async def test_a_message_stored_but_not_handled_is_handled_after_restart(bot, settings, classifier) -> None:
    room = building_room_of(bot, "r01")
    # the bot stops right after storing (e.g. killed): nothing was handled
    stored = bot.app.inbox.store(bot.gw.inbound("楼道灯坏了", sender="r01", room=room))
    assert stored is not None and tickets(bot) == []
    await bot.app.stop()

    gateway = TestGateway()
    app = App(settings, gateway, clock=bot.clock, classifier=classifier)
    await app.start()
    try:
        await app.outbox.drain()
        assert len(tickets(bot)) == 1
        assert "工单号 1001" in texts_to(gateway.sent, room)[0]
    finally:
        await app.stop()


async def test_a_failing_message_is_marked_and_does_not_stop_the_bot(bot, monkeypatch) -> None:
    room = building_room_of(bot, "r01")
    import handlers.residents as residents

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(residents.wf, "create_ticket", boom)
    sent = await bot.say("楼道灯坏了", sender="r01", room=room)
    assert [m.text for m in sent] == [T.HANDLING_FAILED]  # the sender is told, once
    with bot.sessions() as s:
        row = s.scalar(select(InboundMessage))
        assert row.status == "failed" and "disk on fire" in row.error
        # nothing half-done: no outbox rows from the failed handling, only the "出错了" line
        assert s.scalar(select(func.count(OutboxMessage.id))) == 1
    monkeypatch.undo()
    # the next message is handled as usual, and the failed one is retried on the next start
    sent = await bot.say("帮助", sender="r02")
    assert texts_to(sent, "r02")
    assert await bot.app.replay_unfinished() == 1
    assert len(tickets(bot)) == 1


async def test_a_message_that_keeps_failing_is_tried_three_times_then_set_aside(bot, monkeypatch) -> None:
    room = building_room_of(bot, "r01")
    import handlers.residents as residents

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("still broken")

    monkeypatch.setattr(residents.wf, "create_ticket", boom)
    sent = await bot.say("楼道灯坏了", sender="r01", room=room)
    assert texts_to(sent, room) == [T.HANDLING_FAILED]
    before = len(bot.gw.sent)
    assert await bot.app.replay_unfinished() == 1  # attempt 2
    assert await bot.app.replay_unfinished() == 1  # attempt 3
    assert await bot.app.replay_unfinished() == 0  # set aside: never again
    await bot.app.outbox.drain()
    assert bot.gw.sent[before:] == []  # "出错了" was said once, not at every attempt
    with bot.sessions() as s:
        row = s.scalar(select(InboundMessage))
        assert (row.status, row.attempts) == ("aside", 3)


async def test_an_emergency_that_fails_still_gets_advice_and_reaches_staff(bot, monkeypatch) -> None:
    room = building_room_of(bot, "r01")
    import handlers.residents as residents

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("broken")

    monkeypatch.setattr(residents.wf, "create_ticket", boom)
    sent = await bot.say("楼道里好大一股煤气味", sender="r01", room=room)
    group = texts_to(sent, room)
    assert len(group) == 1 and group[0].startswith("出错了,已记录") and "96777" in group[0]
    staff = [m for m in sent if m.conversation != room]
    assert staff and "煤气味" in staff[0].text and "处理出错" in staff[0].text


async def test_numbers_and_dates_too_large_get_a_clear_reply(bot) -> None:
    from tests.helpers import linked_member_of

    member = linked_member_of(bot, "r01")
    for text in ("认领 W99999999999999999999", "完成心愿 W99999999999999999999 已送到"):
        sent = await bot.say(text, sender=member.chat_id)
        assert texts_to(sent, member.chat_id) == [T.NUMBER_TOO_LARGE], text
    with bot.sessions() as s:  # answered, not failed: nothing waits to be retried
        assert set(s.scalars(select(InboundMessage.status))) == {"done"}
    assert await bot.app.replay_unfinished() == 0


async def test_a_ticket_number_too_large_is_answered_clearly(bot) -> None:
    sent = await bot.say("查询 99999999999999999999", sender="s1", room="room-staff")
    reply = texts_to(sent, "room-staff")
    assert len(reply) == 1 and ("范围" in reply[0] or "没有" in reply[0]), reply
    assert "写上工单号" not in reply[0]


async def test_a_date_in_year_9999_is_answered_clearly(bot) -> None:
    sent = await bot.say("新建宣传 测试\n对象:全部\n时间:每天 08:00\n起止:2026-12-01 至 9999-12-31\n内容:测试",
                         sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == [T.NUMBER_TOO_LARGE]


async def test_lianhu_doctor_lists_what_was_set_aside_and_can_retry_it(bot, db_url, monkeypatch, capsys) -> None:
    from bot.cli.main import main
    from storage.models import OutboxStatus

    room = building_room_of(bot, "r01")
    import handlers.residents as residents

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("still broken")

    assert main(["--database-url", db_url, "doctor"]) == 0
    assert "没有出错的消息" in capsys.readouterr().out
    monkeypatch.setattr(residents.wf, "create_ticket", boom)
    await bot.say("3单元电梯坏了", sender="r01", room=room)
    await bot.app.replay_unfinished()
    await bot.app.replay_unfinished()
    with bot.sessions() as s:
        s.add(OutboxMessage(conversation="room-9", is_room=True, text="停水通知", mentions=[], urgent=False,
                            status=OutboxStatus.FAILED, attempts=8, not_before=bot.clock.now(),
                            created_at=bot.clock.now(), last_error="room not found"))
        s.commit()
        inbound_id = s.scalar(select(InboundMessage.id))
    assert main(["--database-url", db_url, "doctor"]) == 0
    out = capsys.readouterr().out
    assert "3单元电梯坏了" in out and "已搁置" in out and "RuntimeError: still broken" in out
    assert "停水通知" in out and "room not found" in out
    monkeypatch.undo()
    assert main(["--database-url", db_url, "doctor", "--retry", str(inbound_id)]) == 0
    assert await bot.app.replay_unfinished() == 1
    assert len(tickets(bot)) == 1  # handled now that the fault is gone


def _receipts(bot, room: str) -> list[str]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        return [t for t in s.scalars(select(OutboxMessage.text).where(OutboxMessage.conversation == room))
                if "工单号" in t]


async def test_a_message_another_process_replayed_is_not_handled_again_by_the_batch_that_stored_it(
        bot, settings, classifier) -> None:
    """A second process starts on the database (it replays what is waiting) just after the first
    stored a message and before its batch handled it: the resident gets one ticket, one receipt."""
    room = building_room_of(bot, "r01")
    msg = bot.gw.inbound("3单元电梯坏了,关在里面出不来", sender="r01", room=room)
    [stored] = bot.app.inbox.store_many([msg])
    assert stored is not None
    other = App(settings, TestGateway(), clock=bot.clock, classifier=classifier)
    assert await other.replay_unfinished() == 1  # the other process handles it first
    assert len(tickets(bot)) == 1
    handled = bot.app.inbox.handle_new([(stored, msg)])  # then the batch that stored it
    assert handled.routes == [None]
    assert len(tickets(bot)) == 1
    assert len(_receipts(bot, room)) == 1


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b != "sqlite"], indirect=True)
async def test_a_process_starting_leaves_alone_a_message_another_is_handling(bot, settings, classifier) -> None:
    """PostgreSQL, several processes: while one holds a message (its batch's transaction is
    open), another one starting does not wait for it and does not handle it; the first one's
    handling is the only one."""
    room = building_room_of(bot, "r01")
    msg = bot.gw.inbound("楼道灯坏了好几天了", sender="r01", room=room)
    [stored] = bot.app.inbox.store_many([msg])
    assert stored is not None
    other = App(settings, TestGateway(), clock=bot.clock, classifier=classifier)
    with bot.app.engine.connect() as holder:  # what the first process's batch holds
        held = holder.execute(select(InboundMessage.id).where(InboundMessage.id == stored)
                              .with_for_update()).scalars().all()
        assert held == [stored]
        await asyncio.wait_for(other.replay_unfinished(), timeout=30)
        assert tickets(bot) == []
        holder.rollback()
    handled = bot.app.inbox.handle_new([(stored, msg)])
    assert handled.routes[0] is not None
    assert len(tickets(bot)) == 1
    assert len(_receipts(bot, room)) == 1
    assert await other.replay_unfinished() == 0
