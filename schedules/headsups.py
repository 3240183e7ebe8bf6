"""Heads-ups (待确认) left unanswered are reminded once, ``heads_up_remind_hours`` after they
were sent (``domain/headsups.remind_due``). A check of the standing sweep: it reads only the
clock and the database, so a run missed while the bot was down is made up by the next."""
from __future__ import annotations

from sqlalchemy.orm import Session

from domain import headsups
from kernel.clock import Clock
from kernel.config import Settings
from schedules.jobqueue import register_sweep
from storage.outbox import Speaker


def check(session: Session, clock: Clock, settings: Settings) -> int:
    return headsups.remind_due(session, Speaker(session, clock), clock, settings)


register_sweep("headsups", check)
