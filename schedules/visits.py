"""Monday's visit reminders: every member gets, privately, the households they look after
that are due for a visit this week or overdue (by the colour's pace in the settings).

    send_visit_due_lists(ctx)   # the standing job "visits.due_lists", at the `visit_reminders`
                                # setting (每周一 08:00); tests call it with a FrozenClock

Runs once a day at most: the messages carry the batch ``visits-due:<local date>``, and a
second run on the same day (a restart) sends nothing.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import func, select

from domain import ledger
from domain.ledger import due_list_text
from schedules.jobqueue import JobContext, job
from storage.models import OutboxMessage, Person
from storage.outbox import Speaker

log = logging.getLogger(__name__)


@job("visits.due_lists", cron="setting:visit_reminders")
def send_visit_due_lists(ctx: JobContext) -> int:
    """Queue each member's due list; returns how many members were sent one."""
    clock, settings = ctx.clock, ctx.settings
    today = clock.local().date()
    batch = f"visits-due:{today.isoformat()}"
    with ctx.sessions() as session:
        if session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.batch == batch)):
            log.info("visit reminders for %s were sent already", today)
            return 0
        by_member: dict[int, list[ledger.Due]] = defaultdict(list)
        for due in ledger.visits_due(session, clock, settings, today):
            by_member[due.member_id].append(due)
        say = Speaker(session, clock, batch=batch)
        people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(by_member))))} \
            if by_member else {}
        sent = 0
        for member_id, dues in sorted(by_member.items()):
            if say.person(people.get(member_id), due_list_text(clock, dues)) is not None:
                sent += 1
        session.commit()
    ctx.wake()
    log.info("visit reminders: %d members", sent)
    return sent

