"""三级督办: deadline reminders and the escalation ladder, checked every minute.

For each open ticket, two ladders: acceptance (until someone 接单) and resolution
(until 办结). On each ladder, in order:

1. a reminder to the assignee when ``reminder_lead_fraction`` of the span is left;
2. at the deadline: the grid worker is told privately (skipped when the grid worker is
   the assignee or there is none), and the assignee hears it was reported;
3. ``escalation_step_fraction`` of the span later (15 min to 24 h): the staff group.

Each step is a ticket event (REMINDED / ESCALATED) and happens once: where a ladder
stands is kept in ``ticket_timer``. The sweep only looks at the clock and the database,
so a sweep missed while the bot was down is simply made up by the next one (the one
``sweep`` of schedules/jobqueue.py runs ``check`` every ``deadline_check_seconds``).
Non-urgent messages obey quiet hours (the outbox holds them till morning); urgent don't.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain import tickets as wf
from domain.access import staff_group_summary
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from schedules.jobqueue import register_sweep
from storage.models import Status, Ticket, TicketTimer
from storage.outbox import Speaker

log = logging.getLogger(__name__)

MIN_STEP = timedelta(minutes=15)
MAX_STEP = timedelta(hours=24)


def timer(session: Session, clock: Clock, ticket: Ticket, phase: str, due: datetime | None) -> TicketTimer:
    """The ladder state of one phase; reset when the deadline it was kept for has moved."""
    row = session.scalar(select(TicketTimer).where(TicketTimer.ticket_id == ticket.id,
                                                   TicketTimer.phase == phase))
    if row is None:
        row = TicketTimer(ticket_id=ticket.id, phase=phase, due=due, level=0, updated_at=clock.now())
        session.add(row)
    elif row.due != due:
        row.due, row.reminded_at, row.level, row.updated_at = due, None, 0, clock.now()
    return row


def step_after(span: timedelta, settings: Settings) -> timedelta:
    return min(MAX_STEP, max(MIN_STEP, span * settings.escalation_step_fraction))


#: tickets loaded (as ORM objects) and walked at a time; flushed after each lot, so the ones
#: done can be let go
LOT = 200


def check(session: Session, clock: Clock, settings: Settings) -> int:
    """The sweep's check (``jobqueue.sweep``): walk every open ticket's ladders. Returns how
    many steps were taken.

    Every minute, over every open ticket of a district (thousands): so the tickets are first
    read as plain rows (ids, deadlines, timers), and only those a ladder might move are loaded
    and walked, a lot at a time. A ladder already at its last step only has its timer's
    ``updated_at`` moved (one statement for all); one far from its deadline is not touched."""
    now = clock.now()
    say = Speaker(session, clock)
    walk, touch = _triage(session, settings, now)
    if touch:
        for i in range(0, len(touch), 500):
            session.execute(update(TicketTimer).where(TicketTimer.id.in_(touch[i:i + 500])).values(updated_at=now),
                            execution_options={"synchronize_session": False})
    steps = 0
    for i in range(0, len(walk), LOT):
        tickets = session.scalars(select(Ticket).where(Ticket.id.in_(walk[i:i + LOT])).order_by(Ticket.id)).all()
        for ticket in tickets:
            if ticket.accepted_at is None and ticket.accept_due is not None:
                steps += ladder(session, say, clock, settings, ticket, "accept", ticket.accept_due, now)
            if ticket.resolved_at is None and ticket.resolve_due is not None:
                steps += ladder(session, say, clock, settings, ticket, "resolve", ticket.resolve_due, now)
        session.flush()
        del tickets
    return steps


def _triage(session: Session, settings: Settings, now: datetime) -> tuple[list[int], list[int]]:
    """The open tickets a ladder might move (ids, in order), and the timers of ladders that
    can only be marked as looked at (``ladder`` would change nothing else)."""
    rows = session.execute(select(Ticket.id, Ticket.created_at, Ticket.escalation_level, Ticket.accepted_at,
                                  Ticket.accept_due, Ticket.resolved_at, Ticket.resolve_due)
                           .where(Ticket.status.in_(Status.OPEN)).order_by(Ticket.id))  # a row at a time
    near: list[tuple[int, int | None, list[tuple[str, datetime]]]] = []
    for tid, created, level, accepted_at, accept_due, resolved_at, resolve_due in rows:
        phases = [(phase, due) for phase, done, due in (("accept", accepted_at, accept_due),
                                                         ("resolve", resolved_at, resolve_due))
                  if done is None and due is not None and not _far(created, due, now, settings)]
        if phases:
            near.append((tid, level, phases))
    timers: dict[tuple[int, str], tuple[int, datetime | None, datetime | None, int]] = {}
    ids = [tid for tid, _, _ in near]
    for i in range(0, len(ids), 500):
        for tid, phase, timer_id, due, reminded_at, level in session.execute(
                select(TicketTimer.ticket_id, TicketTimer.phase, TicketTimer.id, TicketTimer.due,
                       TicketTimer.reminded_at, TicketTimer.level)
                .where(TicketTimer.ticket_id.in_(ids[i:i + 500]), TicketTimer.phase.in_(("accept", "resolve")))):
            timers[tid, phase] = (timer_id, due, reminded_at, level)
    walk: list[int] = []
    touch: list[int] = []
    for tid, ticket_level, phases in near:
        marks: list[int] = []
        for phase, due in phases:
            state = timers.get((tid, phase))
            if state is None or state[1] != due:
                break  # no timer yet, or its deadline moved: the ladder starts (again)
            timer_id, _, reminded_at, level = state
            if now < due:
                if reminded_at is None and level == 0:
                    break  # the reminder is due
            elif level >= 2 and (ticket_level or 0) >= level:
                marks.append(timer_id)  # at the top: only looked at
            else:
                break
        else:
            touch.extend(marks)
            continue
        walk.append(tid)
    return walk, touch


def _far(created: datetime, due: datetime, now: datetime, settings: Settings) -> bool:
    """The ladder has nothing to do yet (no timer row for the many tickets far from their deadline)."""
    span = max(due - created, timedelta(minutes=1))
    return now < due - span * settings.reminder_lead_fraction


def ladder(session: Session, say: Speaker, clock: Clock, settings: Settings, ticket: Ticket,
           phase: str, due: datetime, now: datetime) -> int:
    if _far(ticket.created_at, due, now, settings):
        return 0  # nothing to do yet: no timer row for the many tickets far from their deadline
    span = max(due - ticket.created_at, timedelta(minutes=1))
    state = timer(session, clock, ticket, phase, due)
    steps = 0
    if now < due:
        if state.reminded_at is None and state.level == 0:
            remind(session, say, clock, ticket, phase, due)
            state.reminded_at = now
            state.updated_at = now
            steps += 1
        return steps
    worker = wf.grid_worker_of(ticket)
    has_worker_step = worker is not None and worker.id != ticket.assignee_id
    target = 2 if now >= due + step_after(span, settings) or not has_worker_step else 1
    while state.level < target:
        state.level += 1
        if state.level == 1 and not has_worker_step:
            continue
        escalate(session, say, clock, ticket, phase, due, state.level)
        steps += 1
    state.updated_at = now
    ticket.escalation_level = max(ticket.escalation_level or 0, state.level)
    return steps


def _assignee_line(ticket: Ticket) -> str:
    if ticket.assignee is None:
        return "未指定"
    return f"{wf.role_name(ticket.assignee)}{ticket.assignee.name}"


def remind(session: Session, say: Speaker, clock: Clock, ticket: Ticket, phase: str, due: datetime) -> None:
    template = T.REMIND_ACCEPT if phase == "accept" else T.REMIND_RESOLVE
    text = template.format(number=ticket.number, category=T.CATEGORY_NAMES.get(ticket.category, ticket.category),
                           place=wf.place(ticket, True), due=clock.show(due))
    say.person(ticket.assignee, text, urgent=ticket.urgent)
    wf.event(session, clock, ticket, "reminded", None, T.REMIND_NOTE.format(what=T.TIMER_WHAT[phase]))


def escalate(session: Session, say: Speaker, clock: Clock, ticket: Ticket, phase: str, due: datetime,
             level: int) -> None:
    what = T.TIMER_WHAT[phase]
    common = dict(number=ticket.number, what=what, due=clock.show(due), assignee=_assignee_line(ticket))
    if level == 1:
        worker = wf.grid_worker_of(ticket)
        say.person(worker, T.ESCALATE_WORKER.format(summary=wf.summary(clock, ticket), **common),
                   urgent=ticket.urgent)
        name = worker.name if worker is not None else ""
    else:
        # the staff group is staff-only: what happened and the building, never the household's
        # colour or notes (domain/access.py)
        summary = staff_group_summary(ticket)
        say.staff_group(ticket.community_id, T.ESCALATE_STAFF.format(summary=summary, **common),
                        urgent=ticket.urgent)
        name = ""
    to = T.ESCALATE_TO[level]
    if ticket.assignee is not None:
        say.person(ticket.assignee, T.ESCALATE_ASSIGNEE.format(number=ticket.number, what=what,
                                                               due=clock.show(due), to=to),
                   urgent=ticket.urgent)
    wf.event(session, clock, ticket, "escalated", None, T.ESCALATE_NOTE.format(what=what, to=to, name=name))
    log.info("ticket %s: %s deadline missed, escalated to level %d", ticket.number, phase, level)


register_sweep("deadlines", check)
