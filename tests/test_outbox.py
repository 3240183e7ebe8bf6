"""Outbound messages go through a stored outbox: retried, never lost, never doubled."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import OutboxMessage
from tests.conftest import texts_to
from tests.helpers import building_room_of


async def test_a_failed_send_is_retried_with_backoff_and_sent_once(bot) -> None:
    room = building_room_of(bot, "r01")
    bot.gw.fail_next = 1
    await bot.say("帮助", sender="r01", room=room)
    assert texts_to(bot.gw.sent, room) == []
    with bot.sessions() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "pending" and row.attempts == 1 and row.not_before > bot.clock.now()
    await bot.app.outbox.drain()  # not due yet: nothing goes out early
    assert texts_to(bot.gw.sent, room) == []
    bot.clock.advance(seconds=10)
    await bot.app.outbox.drain()
    await bot.app.outbox.drain()
    assert len(texts_to(bot.gw.sent, room)) == 1


async def test_messages_wait_while_the_gateway_is_offline(bot) -> None:
    bot.gw.online = False
    await bot.say("帮助", sender="r01")
    assert bot.gw.sent == []
    bot.gw.online = True
    await bot.app.outbox.drain()
    assert len(texts_to(bot.gw.sent, "r01")) == 1


async def test_after_the_last_attempt_a_message_is_kept_as_failed(bot) -> None:
    bot.app.settings.outbox_max_attempts = 2
    bot.gw.fail_next = 5
    await bot.say("帮助", sender="r01")
    bot.clock.advance(minutes=5)
    await bot.app.outbox.drain()
    with bot.sessions() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "failed" and row.attempts == 2 and "simulated failure" in row.last_error
