"""A bare number from a resident can answer two questions: the rating of their finished ticket
(1 满意 2 基本满意 3 不满意) and an open 议事 in their building group. The most recent question
addressed to them wins — the 办结 notice or rating reminder of the ticket, or the 议事 posted in
the group — and the reply says what was counted and how to give the other answer:
``评价 N`` is always a rating, ``投票 N`` (or ``表态 N``) always a vote."""
from __future__ import annotations

from datetime import datetime

from domain import votes
from handlers.context import Ctx
from storage.models import Deliberation, Ticket


def rating_asked_at(ticket: Ticket) -> datetime | None:
    """When the reporter was last asked to rate: the 办结, or the later reminder."""
    asked = [e.created_at for e in ticket.events if e.kind == "reminded"]
    if ticket.resolved_at is not None:
        asked.append(ticket.resolved_at)
    return max(asked) if asked else None


def open_vote(ctx: Ctx, option: int) -> Deliberation | None:
    """The 议事 open in the message's group whose options include ``option``."""
    if ctx.msg.is_private or ctx.msg.room is None:
        return None
    d = votes.open_in_room(ctx.session, ctx.msg.room, ctx.clock.now())
    return d if d is not None and 1 <= option <= len(d.options) else None


def vote_is_newer(ctx: Ctx, ticket: Ticket, option: int) -> bool:
    """A bare ``option`` in this group answers the 议事 rather than the rating of ``ticket``."""
    d = open_vote(ctx, option)
    if d is None:
        return False
    asked = rating_asked_at(ticket)
    return asked is None or d.created_at > asked
