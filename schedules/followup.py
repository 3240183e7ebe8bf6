"""回访: after 办结, ask the reporters; close unanswered tickets as 未评价; a week later ask
whether a repair held.

* ``rating_reminder_hours`` (24) after 办结 with no rating: one reminder to the reporters.
* ``rating_close_hours`` (72) after 办结 with no rating: closed as 未评价 (rating stays
  None: counted apart from satisfied and unsatisfied), the assignee is told.
* ``revisit_days`` (7) after a solved ticket of ``revisit_categories`` (repair,
  utilities): "上周反映的…现在还好吗? 回复'又坏了 N'重新打开" to the reporters, once.

Like the deadline sweep, it reads only the clock and the database: idempotent, and a
run missed while the bot was down is made up by the next.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import tickets as wf
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from schedules.deadlines import timer
from schedules.jobqueue import register_sweep
from storage.models import Status, Ticket, TicketTimer
from storage.outbox import Speaker

#: a revisit is not sent for tickets solved longer ago than this (e.g. after long downtime)
REVISIT_WINDOW = timedelta(days=7)


def check(session: Session, clock: Clock, settings: Settings) -> int:
    """The sweep's check (``jobqueue.sweep``): rating reminders, 未评价 closes, revisits."""
    now = clock.now()
    say = Speaker(session, clock)
    steps = 0
    remind_after = timedelta(hours=settings.rating_reminder_hours)
    close_after = timedelta(hours=settings.rating_close_hours)
    waiting = session.scalars(select(Ticket).where(Ticket.status == Status.RESOLVED,
                                                  Ticket.resolved_at <= now - remind_after)
                              .order_by(Ticket.id)).all()
    for ticket in waiting:
        assert ticket.resolved_at is not None
        if now >= ticket.resolved_at + close_after:
            auto_close(session, say, clock, settings, ticket)
            steps += 1
            continue
        state = timer(session, clock, ticket, "rating", ticket.resolved_at)
        if state.reminded_at is None:
            wf.tell_reporters(say, ticket, T.RATING_REMINDER.format(number=ticket.number))
            wf.event(session, clock, ticket, "reminded", None, T.RATING_REMINDER_NOTE)
            state.reminded_at = state.updated_at = now
            steps += 1
    steps += revisits(session, say, clock, settings, now)
    return steps


def auto_close(session: Session, say: Speaker, clock: Clock, settings: Settings, ticket: Ticket) -> None:
    ticket.status = Status.CLOSED
    ticket.closed_at = clock.now()
    ticket.rating = None
    wf.event(session, clock, ticket, "closed", None, T.AUTO_CLOSED_NOTE)
    say.person(ticket.assignee, T.AUTO_CLOSED_PRIVATE.format(number=ticket.number,
                                                             hours=round(settings.rating_close_hours)))


def revisits(session: Session, say: Speaker, clock: Clock, settings: Settings, now: datetime) -> int:
    categories = list(settings.revisit_categories or [])
    if not categories:
        return 0
    latest = now - timedelta(days=settings.revisit_days)
    sent_already = select(TicketTimer.ticket_id).where(TicketTimer.phase == "revisit")
    due = session.scalars(select(Ticket).where(
        Ticket.status == Status.CLOSED, Ticket.category.in_(categories),
        Ticket.resolved_at <= latest, Ticket.resolved_at > latest - REVISIT_WINDOW,
        (Ticket.rating.is_(None)) | (Ticket.rating.in_((1, 2))),
        Ticket.id.not_in(sent_already)).order_by(Ticket.id)).all()
    for ticket in due:
        snippet = ticket.text.strip().replace("\n", " ")
        snippet = snippet[:20] + ("…" if len(snippet) > 20 else "")
        wf.tell_reporters(say, ticket, T.REVISIT.format(
            category=T.CATEGORY_NAMES.get(ticket.category, ticket.category), number=ticket.number,
            snippet=snippet))
        wf.event(session, clock, ticket, "reminded", None, T.REVISIT_NOTE)
        state = timer(session, clock, ticket, "revisit", ticket.resolved_at)
        state.reminded_at = state.updated_at = now
    return len(due)


register_sweep("followup", check)
