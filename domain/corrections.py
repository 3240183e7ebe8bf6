"""Corrections to a ticket's label, the same from chat (handlers/rules_admin.py: 改类 / 非诉求 /
办结 N 非诉求) and from the web console (bot/web/ticket_actions.py):

    recategorise(session, clock, ticket, actor, "sanitation")   # 改类 N 环境卫生
    close_not_request(session, say, clock, ticket, actor)        # 非诉求 N

The ticket's first message is kept as a LabelledExample (one per ticket, the last correction
wins, the first prediction stays), so `lianhu eval --db` and the console's 规则 page measure
the classifier on the community's own corrections. The callers check who may act
(domain/access.can_act) and answer the person.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import tickets as wf
from kernel import texts as T
from kernel.clock import Clock
from storage.models import EventKind, LabelledExample, Person, Status, Ticket
from storage.outbox import Speaker


def keep_example(session: Session, clock: Clock, ticket: Ticket, actor: Person, category: str,
                 urgent: bool) -> None:
    """One example per ticket: the last correction wins, the first prediction stays."""
    example = session.scalar(select(LabelledExample).where(LabelledExample.ticket_id == ticket.id))
    if example is None:
        example = LabelledExample(text=ticket.text, predicted=ticket.category, ticket_id=ticket.id)
        session.add(example)
    example.category = category
    example.urgent = urgent
    example.by_id = actor.id
    example.created_at = clock.now()


def recategorise(session: Session, clock: Clock, ticket: Ticket, actor: Person, code: str) -> str:
    """改类 to a request category (not "none", not the same one): returns the old category."""
    old = ticket.category
    keep_example(session, clock, ticket, actor, code, ticket.urgent)
    ticket.category = code
    wf.event(session, clock, ticket, EventKind.RECATEGORISED, actor,
             f"{T.CATEGORY_NAMES.get(old, old)}→{T.CATEGORY_NAMES[code]}")
    return old


def close_not_request(session: Session, say: Speaker, clock: Clock, ticket: Ticket, actor: Person) -> bool:
    """Close a ticket that was not a request: the reporters get a short, detail-free note in
    the group, the assignee (if someone else) is told to stop, and the message becomes an
    example labelled 非诉求. False (nothing done) when the ticket is no longer open."""
    if not ticket.is_open:
        return False
    old = ticket.category
    keep_example(session, clock, ticket, actor, "none", False)
    ticket.status = Status.CLOSED
    ticket.closed_at = clock.now()
    ticket.resolution = T.CATEGORY_NAMES["none"]
    wf.event(session, clock, ticket, EventKind.CLOSED, actor,
             f"{T.CATEGORY_NAMES['none']}(原为{T.CATEGORY_NAMES.get(old, old)})")
    wf.tell_reporters(say, ticket, T.NOT_REQUEST_GROUP.format(number=ticket.number))
    if ticket.assignee is not None and ticket.assignee.id != actor.id:
        say.person(ticket.assignee, T.NOT_REQUEST_ASSIGNEE.format(
            number=ticket.number, role=wf.role_name(actor), name=actor.name))
    return True
