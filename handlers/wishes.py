"""微心愿: a resident posts `心愿 内容` (in the group or privately); members and staff list
open wishes (`心愿单`), a member claims one (`认领 W12`) and marks it done
(`完成心愿 W12 说明`); the resident is told each time, where they posted it."""
from __future__ import annotations

from domain import ledger
from domain import tickets as wf
from handlers.context import Ctx
from handlers.filters import HANDLERS, community_id, private_only
from handlers.router import Command, FilterResult, Reply, Router
from handlers.views import reply_out_of_building_group
from kernel import texts as T
from storage import repo
from storage.models import Wish, WishStatus
from storage.outbox import Speaker

router = Router("wishes")


def tell_resident(say: Speaker, wish: Wish, text: str) -> None:
    """Where the wish was posted: @ the resident in that group, else privately."""
    if wish.room_chat_id:
        say.room(wish.room_chat_id, text, mentions=(wish.resident.chat_id,) if wish.resident.chat_id else ())
    else:
        say.person(wish.resident, text)


@router.message(Command("心愿"))
def post(ctx: Ctx, rest: str) -> None:
    content = rest.strip()
    if not content:
        if ctx.person.is_handler:
            list_wishes(ctx)
        else:
            ctx.reply(T.WISH_USAGE)
        return
    building = ctx.room.building if ctx.room is not None and ctx.room.building is not None else None
    household = ctx.person.household
    if building is None and household is not None:
        building = household.building
    if household is not None and building is not None and household.building_id != building.id:
        household = None
    if building is None:
        ctx.reply(T.WISH_WHERE)
        return
    wish = Wish(community_id=building.grid.community_id, building=building, household=household,
                resident=ctx.person, room_chat_id=None if ctx.msg.is_private else ctx.msg.room,
                text=content[:1000], status=WishStatus.OPEN, created_at=ctx.clock.now())
    ctx.session.add(wish)
    ctx.session.flush()
    ctx.reply(T.WISH_RECEIVED.format(code=wish.code))
    member = repo.linked_member(ctx.session, household.id) if household is not None else None
    member = member or building.default_member or building.grid.worker
    place = f"{building.name}" + (f" {household.unit}单元{household.room}" if household else "")
    notice = T.WISH_NEW_PRIVATE.format(code=wish.code, place=place, name=ctx.person.name,
                                       text=wish.text[:300])
    if member is not None and member.id != ctx.person.id:
        ctx.say.person(member, notice)


@router.message(Command("心愿单"), HANDLERS)
def list_wishes(ctx: Ctx) -> None:
    wishes = ledger.open_wishes(ctx.session, community_id(ctx))
    if not wishes:
        ctx.reply(T.WISH_LIST_NONE)
        return
    lines = [T.WISH_LIST_HEAD.format(count=len(wishes))]
    for w in wishes:
        lines.append(T.WISH_LINE.format(
            code=w.code, status=T.WISH_STATUS_NAMES[w.status],
            place=w.building.name if w.building else "", text=w.text[:40],
            who=f"({w.claimed_by.name})" if w.claimed_by else "", when=ctx.clock.show(w.created_at)))
    lines.append(T.WISH_LIST_FOOT)
    reply_out_of_building_group(ctx, "\n".join(lines))


def wish_arg(ctx: Ctx, word: str, rest: str) -> FilterResult:
    """The wish a command names: gives ``wish`` and the ``rest`` after its code."""
    number, after = ledger.parse_wish_code(rest)
    if number is None:
        raise Reply(T.WISH_NEED_CODE.format(word=word))
    wish = ctx.session.get(Wish, number)
    if wish is None:
        raise Reply(T.WISH_NO_SUCH.format(code=f"W{number}"))
    return {"wish": wish, "rest": after}


@router.message(Command("认领"), HANDLERS, private_only, wish_arg)
def claim(ctx: Ctx, wish: Wish) -> None:
    if wish.status != WishStatus.OPEN:
        who = wish.claimed_by.name if wish.claimed_by else ""
        ctx.reply(T.WISH_TAKEN.format(code=wish.code, status=T.WISH_STATUS_NAMES[wish.status], who=who))
        return
    wish.status = WishStatus.CLAIMED
    wish.claimed_by = ctx.person
    wish.claimed_at = ctx.clock.now()
    ctx.reply(T.WISH_CLAIMED_OK.format(code=wish.code, text=wish.text[:100]))
    tell_resident(ctx.say, wish, T.WISH_CLAIMED_RESIDENT.format(
        code=wish.code, role=wf.role_name(ctx.person), name=ctx.person.name))


@router.message(Command("完成心愿"), HANDLERS, private_only, wish_arg)
def done(ctx: Ctx, wish: Wish, rest: str) -> None:
    note = rest
    if wish.status == WishStatus.DONE:
        ctx.reply(T.WISH_DONE_ALREADY.format(code=wish.code))
        return
    if wish.status == WishStatus.CLAIMED and wish.claimed_by_id != ctx.person.id \
            and not ctx.person.is_supervisor:
        ctx.reply(T.WISH_NOT_YOURS.format(code=wish.code, who=wish.claimed_by.name if wish.claimed_by else ""))
        return
    now = ctx.clock.now()
    if wish.status == WishStatus.OPEN:  # claimed and fulfilled in one go
        wish.claimed_by = ctx.person
        wish.claimed_at = now
    wish.status = WishStatus.DONE
    wish.done_at = now
    wish.done_note = note or None
    ctx.reply(T.WISH_DONE_OK.format(code=wish.code))
    who = wish.claimed_by or ctx.person
    tell_resident(ctx.say, wish, T.WISH_DONE_RESIDENT.format(code=wish.code, role=wf.role_name(who),
                                                             name=who.name))
