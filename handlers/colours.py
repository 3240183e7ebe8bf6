"""四色工作法 by message: a member proposes a household's colour (调色), staff confirm
(确认调色) or reject (驳回调色); 档案 shows a household's record.

A colour and its reason are private: they go only to the linked member and to staff,
always by private message. In a group these commands are refused with a hint.
"""
from __future__ import annotations

from sqlalchemy import select

from domain import decisions, ledger
from domain.access import may_see_colour
from handlers.context import Ctx
from handlers.filters import HANDLERS, STAFF, HouseholdArg, private_only
from handlers.router import Command, FilterResult, Reply, Router
from handlers.views import answer_privately
from kernel import texts as T
from kernel.parsing import ticket_number
from storage import repo
from storage.models import ChangeStatus, ColourChange, Household

router = Router("colours")


def colour_name(colour: str) -> str:
    return T.COLOUR_NAMES.get(colour, colour)


may_see = may_see_colour  # the one rule: domain/access.py


def address_and_more(ctx: Ctx, rest: str) -> bool:
    """调色 needs an address and a colour at least."""
    if len(rest.split(maxsplit=1)) < 2:
        raise Reply(T.COLOUR_USAGE)
    return True


@router.message(Command("调色"), HANDLERS, private_only, address_and_more, HouseholdArg(T.COLOUR_USAGE))
def propose(ctx: Ctx, household: Household, rest: str) -> None:
    colour_word, _, reason = rest.partition(" ")
    colour = ledger.parse_colour(colour_word)
    if colour is None:
        ctx.reply(T.COLOUR_UNKNOWN.format(word=colour_word))
        return
    reason = reason.strip()
    if not reason:
        ctx.reply(T.COLOUR_NEED_REASON)
        return
    if not may_see(ctx.person, household):
        ctx.reply(T.COLOUR_NOT_YOURS.format(address=household.address))
        return
    if household.colour == colour:
        ctx.reply(T.COLOUR_SAME.format(address=household.address, colour=colour_name(colour)))
        return
    change, older = ledger.propose_colour(ctx.session, ctx.clock, household, colour, reason, ctx.person)
    if ctx.person.is_supervisor:  # staff decide themselves: the change holds at once
        ledger.confirm_colour(ctx.session, ctx.clock, change, ctx.person)
        ctx.reply(T.COLOUR_SET.format(address=household.address, old=colour_name(change.from_colour),
                                      new=colour_name(colour), reason=reason))
        member = household.link.member if household.link is not None else None
        if member is not None and member.id != ctx.person.id:
            ctx.say.person(member, T.COLOUR_SET_MEMBER.format(
                address=household.address, old=colour_name(change.from_colour), new=colour_name(colour),
                reason=reason, staff=ctx.person.name))
        return
    replaced = T.COLOUR_REPLACED.format(ids="、".join(str(c.id) for c in older)) if older else ""
    ctx.reply(T.COLOUR_PROPOSED.format(id=change.id, address=household.address,
                                       old=colour_name(change.from_colour), new=colour_name(colour),
                                       replaced=replaced))
    text = T.COLOUR_PROPOSAL_STAFF.format(
        id=change.id, name=ctx.person.name, role=T.ROLE_NAMES.get(ctx.person.role, ""),
        address=household.address, old=colour_name(change.from_colour), new=colour_name(colour),
        reason=reason)
    for staff in repo.staff_of(ctx.session, household.building.grid.community_id):
        ctx.say.person(staff, text)  # privately: the staff group never sees a colour


def pending_change(ctx: Ctx, word: str, rest: str) -> FilterResult:
    """The pending colour change a command names: gives ``change`` and the ``rest`` after it."""
    number, after = ticket_number(rest)
    if number is None:
        raise Reply(T.COLOUR_NEED_ID.format(word=word))
    change = ctx.session.get(ColourChange, number)
    if change is None:
        raise Reply(T.COLOUR_NO_SUCH.format(id=number))
    if change.status != ChangeStatus.PENDING:
        raise Reply(T.COLOUR_DECIDED_ALREADY.format(
            id=change.id, status=T.CHANGE_STATUS_NAMES.get(change.status, change.status)))
    return {"change": change, "rest": after}


@router.message(Command("确认调色"), STAFF, pending_change)
def confirm(ctx: Ctx, change: ColourChange, rest: str) -> None:
    answer_privately(ctx, decisions.confirm_colour(ctx.session, ctx.say, ctx.clock, change, ctx.person, rest))


@router.message(Command("驳回调色"), STAFF, pending_change)
def reject(ctx: Ctx, change: ColourChange, rest: str) -> None:
    note = rest
    if not note:
        ctx.reply(T.COLOUR_REJECT_NEED_REASON.format(id=change.id))
        return
    answer_privately(ctx, decisions.reject_colour(ctx.session, ctx.say, ctx.clock, change, ctx.person, note))


@router.message(Command("档案"), HANDLERS, private_only, HouseholdArg(T.RECORD_USAGE, whole=True))
def record(ctx: Ctx, household: Household) -> None:
    if not may_see(ctx.person, household):
        ctx.reply(T.COLOUR_NOT_YOURS.format(address=household.address))
        return
    member = household.link.member if household.link is not None else None
    lines = [T.RECORD_HEAD.format(address=household.address, building=household.building.name,
                                  head=household.head_name or "—"),
             T.RECORD_COLOUR.format(colour=colour_name(household.colour),
                                    reason=household.colour_reason or "—"),
             T.RECORD_MEMBER.format(member=member.name if member else T.RECORD_NOBODY)]
    if household.notes:
        lines.append(T.RECORD_NOTES.format(notes=household.notes))
    visits = ledger.recent_visits(ctx.session, household.id, limit=3)
    lines.append(T.RECORD_VISITS.format(visits="; ".join(
        f"{ctx.clock.show(v.visited_at, '%Y-%m-%d')} {v.member.name}" for v in visits) or T.RECORD_NEVER))
    history = ledger.colour_history(ctx.session, household.id)
    if history:
        lines.append(T.RECORD_HISTORY_HEAD)
        lines += [T.RECORD_HISTORY_LINE.format(when=ctx.clock.show(c.decided_at, "%Y-%m-%d"),
                                               old=colour_name(c.from_colour), new=colour_name(c.to_colour),
                                               reason=c.reason) for c in history[-5:]]
    pending = ctx.session.scalar(select(ColourChange).where(
        ColourChange.household_id == household.id, ColourChange.status == ChangeStatus.PENDING))
    if pending is not None:
        lines.append(T.RECORD_PENDING.format(id=pending.id, new=colour_name(pending.to_colour)))
    ctx.reply("\n".join(lines))
