"""What the bot is unsure of goes to a person, and danger is never silenced (issue 10 §1–2).

* A heads-up (待确认 K): a building-group message the classifier was unsure of. Nothing is said
  in the group; the household's linked member (else the building's member, else the grid worker)
  gets the text and who said it, and answers ``转工单 K`` (a ticket, with the usual receipt in the
  group @ the resident) or ``忽略 K``. Both answers keep the message as a labelled example (the
  ticket's category, or ``none``). An unanswered heads-up is listed in 我的工单 and reminded once
  (``schedules/headsups.py``).
* The safety net: when the danger net fires, the member, the grid worker and the staff group are
  told privately at once (urgent outbox rows: never held by quiet hours or pacing), whatever
  the tier, and also when the report joined an existing ticket.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import tickets as wf
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import (
    Building,
    HeadsUp,
    HeadsUpStatus,
    Household,
    LabelledExample,
    Person,
    Ticket,
)
from storage import rows
from storage.outbox import Speaker

#: how much of a message a heads-up, an alert or a list line quotes
QUOTE = 300
LINE_QUOTE = 40


def _building_name(building: Building | None) -> str:
    return building.name if building is not None else "未知楼栋"


def _reporter_name(person: Person) -> str:
    address = f"({person.household.address})" if person.household is not None else ""
    return f"{person.name}{address}"


def danger_name(danger: str | None) -> str:
    return T.DANGER_NAMES.get(danger or "", "可能有人身危险")


def danger_alert(session: Session, say: Speaker, *, building: Building | None,
                 household: Household | None, reporter: Person, text: str, danger: str | None,
                 ticket: Ticket | None = None, heads_up: HeadsUp | None = None,
                 told: Iterable[int] = ()) -> list[Person]:
    """Tell the member, the grid worker and the staff group privately, at once, that someone
    may be in danger: the text and the building. ``told``: people already told (by the heads-up
    or the new-ticket ping) are not told twice. Returns the people told by private message."""
    if ticket is not None:
        where = T.DANGER_WHERE_TICKET.format(number=ticket.number,
                                             status=T.STATUS_NAMES.get(ticket.status, ticket.status))
    elif heads_up is not None:
        where = T.DANGER_WHERE_HEADS_UP.format(id=heads_up.id)
    else:
        where = ""
    alert = T.DANGER_ALERT.format(danger=danger_name(danger), building=_building_name(building),
                                  reporter=_reporter_name(reporter), text=text[:QUOTE], where=where)
    skip = set(told)
    people: list[Person] = []
    member = ticket.assignee if ticket is not None and ticket.assignee is not None else (
        wf.choose_assignee(session, building, household))
    worker = building.grid.worker if building is not None else None
    for person in (member, worker):
        if person is not None and person.id not in skip and person.id not in {p.id for p in people}:
            if say.person(person, alert, urgent=True) is not None:
                people.append(person)
    community_id = building.grid.community_id if building is not None else reporter.community_id
    say.staff_group(community_id, alert, urgent=True)
    return people


# --- heads-ups -------------------------------------------------------------------------------------

#: a heads-up is one Core insert, put in the session as loaded (storage/rows.py); on SQLite, in a
#: batch of several messages, held with the id it will have and written with the batch's others
#: (storage/later.py ``insert_numbered``: one writer at a time there). Not on PostgreSQL: a batch
#: gives back the ids it reserved and did not use, which is safe only when every writer of the
#: table takes one lock first (tickets: the ticket-number lock), and a lone heads-up takes none
_INSERT_HEADS_UP: rows.Inserter[HeadsUp] = rows.Inserter(HeadsUp, {
    "building": "building_id", "household": "household_id", "reporter": "reporter_id",
    "recipient": "recipient_id"}, held=True, held_on=frozenset({"sqlite"}))


def create(session: Session, say: Speaker, clock: Clock, *, building: Building | None,
           household: Household | None, reporter: Person, room_chat_id: str | None, text: str,
           category: str, alert: bool, danger: str | None, subject: str | None,
           summary: str | None, inbound_id: int | None) -> HeadsUp:
    """Store a heads-up and send it, privately, to the person who should look."""
    recipient = wf.choose_assignee(session, building, household)
    heads_up = _INSERT_HEADS_UP(session, dict(
        community_id=building.grid.community_id if building is not None else reporter.community_id,
        room_chat_id=room_chat_id, inbound_id=inbound_id, text=text, category=category, alert=alert,
        danger=danger[:30] if danger else None,
        subject=subject[:100] if subject else None, summary=summary[:200] if summary else None,
        status=HeadsUpStatus.OPEN, created_at=clock.now()),
        building=building, household=household, reporter=reporter, recipient=recipient)
    say.person(recipient, T.HEADS_UP.format(
        alert=T.HEADS_UP_ALERT_MARK if alert else "", id=heads_up.id,
        building=_building_name(building), reporter=_reporter_name(reporter),
        said=T.HEADS_UP_SAID[room_chat_id is not None], text=text[:QUOTE],
        category=T.CATEGORY_NAMES.get(guess(category), category)), urgent=alert)
    return heads_up


def guess(category: str) -> str:
    """The category a heads-up becomes a ticket of when nobody names one."""
    return "other" if category == "none" else category


def can_decide(person: Person, heads_up: HeadsUp) -> bool:
    """Its recipient, the building's grid worker, and staff."""
    if person.is_supervisor or heads_up.recipient_id == person.id:
        return True
    building = heads_up.building
    return building is not None and building.grid.worker_id == person.id


def _example(session: Session, clock: Clock, heads_up: HeadsUp, category: str, urgent: bool,
             actor: Person, ticket: Ticket | None) -> None:
    session.add(LabelledExample(text=heads_up.text, category=category, urgent=urgent,
                                predicted=heads_up.category,
                                ticket_id=ticket.id if ticket is not None else None,
                                by_id=actor.id, created_at=clock.now()))


def to_ticket(session: Session, say: Speaker, clock: Clock, settings: Settings, heads_up: HeadsUp,
              actor: Person, category: str | None = None) -> Ticket:
    """转工单 K: the ticket, the usual receipt where the resident said it (@ them), the ping to
    the assignee (unless that is who decided), and the message kept as a labelled example."""
    reporter = heads_up.reporter
    ticket = wf.create_ticket(
        session, say, clock, settings, building=heads_up.building, household=heads_up.household,
        reporter=reporter, room_chat_id=heads_up.room_chat_id, text=heads_up.text,
        category=category or guess(heads_up.category), urgent=heads_up.alert,
        evidence=f"待确认 {heads_up.id}:{actor.name}转工单", subject=heads_up.subject,
        summary=heads_up.summary)
    receipt = wf.receipt(settings, ticket)
    if heads_up.room_chat_id:
        say.room(heads_up.room_chat_id, receipt,
                 mentions=(reporter.chat_id,) if reporter.chat_id else (), urgent=ticket.urgent)
    else:
        say.person(reporter, receipt, urgent=ticket.urgent)
    wf.notify_new(session, say, clock, ticket,
                  skip_assignee=ticket.assignee is not None and ticket.assignee.id == actor.id)
    _decide(clock, heads_up, actor, HeadsUpStatus.TICKETED)
    heads_up.ticket = ticket
    _example(session, clock, heads_up, ticket.category, ticket.urgent, actor, ticket)
    return ticket


def ignore(session: Session, clock: Clock, heads_up: HeadsUp, actor: Person) -> None:
    """忽略 K: closed; the message is kept as a labelled example of chatter."""
    _decide(clock, heads_up, actor, HeadsUpStatus.IGNORED)
    _example(session, clock, heads_up, "none", False, actor, None)


def _decide(clock: Clock, heads_up: HeadsUp, actor: Person, status: str) -> None:
    heads_up.status = status
    heads_up.decided_at = clock.now()
    heads_up.decided_by_id = actor.id


def status_text(heads_up: HeadsUp) -> str:
    template = T.HEADS_UP_STATUS_NAMES.get(heads_up.status, heads_up.status)
    return template.format(number=heads_up.ticket.number if heads_up.ticket is not None else "")


def open_for(session: Session, person: Person) -> Sequence[HeadsUp]:
    """The open heads-ups waiting for ``person`` (their own; staff also see those nobody got)."""
    q = select(HeadsUp).where(HeadsUp.status == HeadsUpStatus.OPEN)
    if person.is_supervisor:
        q = q.where((HeadsUp.recipient_id == person.id) | (HeadsUp.recipient_id.is_(None)))
    else:
        q = q.where(HeadsUp.recipient_id == person.id)
    return session.scalars(q.order_by(HeadsUp.id)).all()


def line(heads_up: HeadsUp) -> str:
    text = heads_up.text.strip().replace("\n", " ")
    text = text[:LINE_QUOTE] + ("…" if len(text) > LINE_QUOTE else "")
    return T.HEADS_UP_LINE.format(id=heads_up.id, building=_building_name(heads_up.building),
                                  reporter=heads_up.reporter.name, text=text)


def remind_due(session: Session, say: Speaker, clock: Clock, settings: Settings,
               now: datetime | None = None) -> int:
    """Remind, once, every open heads-up unanswered for ``heads_up_remind_hours``."""
    from datetime import timedelta

    now = now or clock.now()
    cutoff = now - timedelta(hours=settings.heads_up_remind_hours)
    due = session.scalars(select(HeadsUp).where(
        HeadsUp.status == HeadsUpStatus.OPEN, HeadsUp.reminded_at.is_(None),
        HeadsUp.created_at <= cutoff).order_by(HeadsUp.id)).all()
    for heads_up in due:
        text = heads_up.text.strip().replace("\n", " ")[:LINE_QUOTE * 2]
        say.person(heads_up.recipient, T.HEADS_UP_REMINDER.format(
            id=heads_up.id, reporter=heads_up.reporter.name, text=text), urgent=heads_up.alert)
        heads_up.reminded_at = now
    return len(due)
