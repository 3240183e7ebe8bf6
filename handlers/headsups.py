"""Heads-ups (待确认): what the classifier was unsure of reached one person privately.

    转工单 K [类别]   it needs handling: a ticket, the usual receipt in the group @ the resident
    忽略 K           nothing to do
Both keep the message as a labelled example. Open heads-ups are listed under 我的工单
(``pending_lines``).
"""
from __future__ import annotations

from domain import headsups
from domain.classifier import REQUEST_CATEGORIES
from handlers.context import Ctx
from handlers.filters import HANDLERS
from handlers.router import Command, FilterResult, Reply, Router
from kernel import texts as T
from kernel.parsing import ticket_number
from storage.models import HeadsUp

router = Router("headsups")


def numbered(ctx: Ctx, word: str, rest: str) -> FilterResult:
    """A number follows (``number``, and the ``rest`` after it). Without one, a handler is asked
    for it and anyone else is left alone ("忽略" alone in a group is talk)."""
    number, after = ticket_number(rest)
    if number is None:
        if ctx.person.is_handler:
            raise Reply(T.NEED_NUMBER.format(example=T.EXAMPLES.get(word, f"{word} 12")))
        return None
    return {"number": number, "rest": after}


def open_heads_up(ctx: Ctx, number: int) -> FilterResult:
    """The open heads-up numbered ``number`` that the sender may decide: gives ``heads_up``."""
    item = ctx.session.get(HeadsUp, number)
    if item is None:
        raise Reply(T.HEADS_UP_UNKNOWN.format(id=number))
    if not headsups.can_decide(ctx.person, item):
        raise Reply(T.HEADS_UP_NOT_YOURS.format(id=number))
    if not item.is_open:
        raise Reply(T.HEADS_UP_DONE_ALREADY.format(id=number, status=headsups.status_text(item)))
    return {"heads_up": item}


def _categories() -> str:
    return "、".join(T.CATEGORY_NAMES[c] for c in REQUEST_CATEGORIES)


@router.message(Command("转工单"), numbered, HANDLERS, open_heads_up)
def to_ticket(ctx: Ctx, heads_up: HeadsUp, rest: str) -> None:
    category = None
    if rest.strip():
        category = T.category_code(rest.strip())
        if category is None or category not in REQUEST_CATEGORIES:
            ctx.reply(T.HEADS_UP_BAD_CATEGORY.format(given=rest.strip(), categories=_categories()))
            return
    ticket = headsups.to_ticket(ctx.session, ctx.say, ctx.clock, ctx.settings, heads_up, ctx.person,
                                category)
    ctx.reply(T.HEADS_UP_TICKETED.format(id=heads_up.id, number=ticket.number))


@router.message(Command("忽略"), numbered, HANDLERS, open_heads_up)
def ignore(ctx: Ctx, heads_up: HeadsUp) -> None:
    headsups.ignore(ctx.session, ctx.clock, heads_up, ctx.person)
    ctx.reply(T.HEADS_UP_IGNORED.format(id=heads_up.id))


def pending_lines(ctx: Ctx) -> list[str]:
    """For 我的工单: the sender's open heads-ups, with a head line (empty when none)."""
    items = headsups.open_for(ctx.session, ctx.person)
    if not items:
        return []
    return [T.HEADS_UP_LIST_HEAD.format(count=len(items))] + [headsups.line(h) for h in items]
