"""What is left: pictures and voice, an @ the bot with chatter, unbound groups,
private messages the bot does not understand. Chatter in a group gets silence."""
from __future__ import annotations

from handlers import texts as T
from handlers.context import Ctx
from handlers.router import (
    Router,
    in_building_group,
    in_unbound_group,
    mentions_bot,
    not_text,
    private,
)

media_router = Router("media")
router = Router("fallback")


@media_router.message(not_text)
def media(ctx: Ctx) -> None:
    """No ticket from a picture or a voice message; a short answer when someone expects one."""
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
