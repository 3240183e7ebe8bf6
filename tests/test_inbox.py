"""Nothing is lost: stored before handled, handled once, retried after a crash."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.gateways.testing import TestGateway
from storage.models import InboundMessage, OutboxMessage
from tests.conftest import texts_to
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
    assert await bot.say("楼道灯坏了", sender="r01", room=room) == []
    with bot.sessions() as s:
        row = s.scalar(select(InboundMessage))
        assert row.status == "failed" and "disk on fire" in row.error
        # nothing half-done: no outbox rows from the failed handling
        assert s.scalar(select(func.count(OutboxMessage.id))) == 0
    monkeypatch.undo()
    # the next message is handled as usual, and the failed one is retried on the next start
    sent = await bot.say("帮助", sender="r02")
    assert texts_to(sent, "r02")
    assert await bot.app.replay_unfinished() == 1
    assert len(tickets(bot)) == 1
