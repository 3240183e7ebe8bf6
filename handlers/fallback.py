"""What is left: pictures and voice, an @ the bot with chatter, unbound groups,
private messages the bot does not understand. Chatter in a group gets silence."""
from __future__ import annotations

from datetime import timedelta

from domain import tickets as wf
from handlers.context import Ctx
from handlers.router import (
    Router,
    in_building_group,
    in_unbound_group,
    mentions_bot,
    not_text,
    private,
)
from kernel import texts as T
from kernel.messages import Kind
from storage import repo

media_router = Router("media")
router = Router("fallback")


@media_router.message(not_text)
def media(ctx: Ctx) -> None:
    """A picture right after one's own report joins that ticket and goes to its handler;
    otherwise no ticket from a picture or a voice message, and a short answer only when
    someone expects one."""
    if ctx.msg.kind == Kind.IMAGE and ctx.msg.attachment:
        since = ctx.clock.now() - timedelta(minutes=ctx.settings.attach_window_minutes)
        ticket = repo.recent_report_by(ctx.session, ctx.person.id, since)
        if ticket is not None and ticket.is_open:
            wf.attach(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, ctx.msg.attachment)
            ctx.reply(T.ATTACHED.format(number=ticket.number))
            return
    if ctx.msg.is_private or ctx.msg.mentions_bot:
        ctx.reply(T.MEDIA_PRIVATE if ctx.msg.is_private else T.MEDIA_GROUP)


@router.message(in_unbound_group, mentions_bot)
def unbound_room(ctx: Ctx) -> None:
    ctx.reply(T.ROOM_NOT_BOUND)


@router.message(in_building_group, mentions_bot)
def mention_chatter(ctx: Ctx) -> None:
    ctx.reply(T.MENTION_CHATTER)


@router.message(private)
def private_unknown(ctx: Ctx) -> None:
    ctx.reply(T.EMPTY_TEXT if not ctx.text.strip() else T.PRIVATE_UNKNOWN)
