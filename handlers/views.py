"""Small ways of showing things that several routers share."""
from __future__ import annotations

from handlers.context import Ctx
from kernel import texts as T
from storage.models import Ticket


def ticket_line(ctx: Ctx, ticket: Ticket, private: bool) -> str:
    from domain.tickets import place

    return T.TICKET_LINE.format(
        number=ticket.number, status=T.STATUS_NAMES.get(ticket.status, ticket.status),
        category=T.CATEGORY_NAMES.get(ticket.category, ticket.category),
        place=place(ticket, private), when=ctx.clock.show(ticket.created_at)).rstrip()


def reply_out_of_building_group(ctx: Ctx, text: str) -> None:
    """Staff and member views (lists, points, figures) never go to a residents' group: there
    they are sent privately and the group hears only that."""
    if ctx.room is not None and ctx.room.building_id is not None and not ctx.msg.is_private:
        ctx.reply_private(text)
        ctx.reply(T.LEDGER_SENT_PRIVATELY)
        return
    ctx.reply(text)


def answer_privately(ctx: Ctx, text: str) -> None:
    """Addresses and names of others never go to a group: privately, and the group hears only
    that it was sent."""
    if ctx.msg.is_private:
        ctx.reply(text)
        return
    ctx.reply_private(text)
    ctx.reply(T.LEDGER_SENT_PRIVATELY)
