"""The deadline sweep reads the open tickets as rows and walks only those a ladder may move (a
district has thousands open, swept every minute). At every moment it must do exactly what
walking every open ticket does: the same messages, ticket events, timers and escalation levels."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from schedules import deadlines
from storage.models import OutboxMessage, Status, Ticket, TicketEvent, TicketTimer
from storage.outbox import Speaker
from tests.helpers import building_room_of, linked_member_of


def walk_every_open_ticket(session, clock, settings) -> int:  # type: ignore[no-untyped-def]
    """The sweep as it was: every open ticket loaded and both its ladders walked."""
    now = clock.now()
    say = Speaker(session, clock)
    steps = 0
    for ticket in session.scalars(select(Ticket).where(Ticket.status.in_(Status.OPEN)).order_by(Ticket.id)).all():
        if ticket.accepted_at is None and ticket.accept_due is not None:
            steps += deadlines.ladder(session, say, clock, settings, ticket, "accept", ticket.accept_due, now)
        if ticket.resolved_at is None and ticket.resolve_due is not None:
            steps += deadlines.ladder(session, say, clock, settings, ticket, "resolve", ticket.resolve_due, now)
    return steps


def effects(bot, check) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """What one sweep with ``check`` would write now (rolled back afterwards)."""
    with bot.sessions() as s:
        last_out = s.scalar(select(func.max(OutboxMessage.id))) or 0
        last_event = s.scalar(select(func.max(TicketEvent.id))) or 0
        steps = check(s, bot.app.clock, bot.app.settings)
        s.flush()
        out = [(o.conversation, o.is_room, o.text, o.urgent, o.not_before) for o in
               s.scalars(select(OutboxMessage).where(OutboxMessage.id > last_out).order_by(OutboxMessage.id))]
        events = [(e.ticket_id, e.kind, e.note, e.created_at) for e in
                  s.scalars(select(TicketEvent).where(TicketEvent.id > last_event).order_by(TicketEvent.id))]
        timers = [(t.ticket_id, t.phase, t.due, t.reminded_at, t.level, t.updated_at) for t in
                  s.scalars(select(TicketTimer).order_by(TicketTimer.ticket_id, TicketTimer.phase))]
        levels = list(s.execute(select(Ticket.id, Ticket.escalation_level).order_by(Ticket.id)))
        s.rollback()
    return steps, out, events, timers, levels


async def test_the_sweep_does_what_walking_every_open_ticket_does(bot) -> None:
    bot.app.settings.category_deadlines = {"sanitation": "2h/1d"}
    said = [("r01", "2单元楼道灯坏了好几天了,晚上上楼黑漆漆的"), ("r03", "楼道里好大一股煤气味,是不是哪家漏气了!"),
            ("r24", "单元门禁坏了,刷卡没反应"), ("r02", "楼下垃圾堆了好几天没人清理,臭死了")]
    for sender, text in said:
        await bot.say(text, sender=sender, room=building_room_of(bot, sender))
    await bot.say("接单 1001", sender=linked_member_of(bot, "r01").chat_id)  # its resolve ladder only
    steps_seen, top_seen = 0, 0
    for delta in ([{"minutes": 20}, {"minutes": 5}, {"minutes": 6}, {"minutes": 15}, {"minutes": 30},
                   {"hours": 2}, {"hours": 22}, {"hours": 25}, {"days": 2}, {"days": 3}, {"minutes": 1}]):
        bot.clock.advance(**delta)
        now = effects(bot, deadlines.check)
        assert now == effects(bot, walk_every_open_ticket), delta
        steps_seen += now[0]
        top_seen += sum(1 for t in now[3] if t[4] == 2 and t[5] == bot.app.clock.now())
        await bot.app.jobs.run_due()
        await bot.app.outbox.drain()
    assert steps_seen >= 8  # reminders and both escalations of several tickets happened on the way
    assert top_seen >= 4  # ladders at the top were marked as looked at, as walking them does
