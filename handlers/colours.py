"""四色工作法 by message: a member proposes a household's colour (调色), staff confirm
(确认调色) or reject (驳回调色); 档案 shows a household's record.

A colour and its reason are private: they go only to the linked member and to staff,
always by private message. In a group these commands are refused with a hint.
"""
from __future__ import annotations

from sqlalchemy import select

from domain import ledger
from handlers.context import Ctx
from handlers.router import Router, command
from handlers.tickets_common import allowed
from kernel import texts as T
from kernel.parsing import parse_address, register, ticket_number
from storage import repo
from storage.models import ChangeStatus, ColourChange, Household, Person, Role

router = Router("colours")
register("调色", "确认调色", "驳回调色", "档案")

HANDLERS_ONLY = allowed(Role.HANDLERS, T.WHO_HANDLERS)
STAFF_ONLY = allowed(Role.SUPERVISORS, T.WHO_STAFF)


def colour_name(colour: str) -> str:
    return T.COLOUR_NAMES.get(colour, colour)


def may_see(person: Person, household: Household) -> bool:
    """Staff, the linked member, and the building's grid worker see a household's colour."""
    if person.is_supervisor:
        return True
    if household.link is not None and household.link.member_id == person.id:
        return True
    worker = household.building.grid.worker_id
    return worker is not None and worker == person.id


def household_arg(ctx: Ctx, text: str, usage: str) -> Household | None:
    address = parse_address(text) if text else None
    if address is None:
        ctx.reply(usage)
        return None
    household = repo.household_at(ctx.session, *address)
    if household is None:
        ctx.reply(T.LEDGER_UNKNOWN_ADDRESS.format(address="-".join(address)))
    return household


def private_only(ctx: Ctx) -> bool:
    """True in a private chat; in a group the sender is told to write privately."""
    if ctx.msg.is_private:
        return True
    word = ctx.command.word if ctx.command else ""
    ctx.reply(T.LEDGER_PRIVATE_ONLY.format(command=word))
    return False


def reply_out_of_building_group(ctx: Ctx, text: str) -> None:
    """Staff and member views (lists, points, figures) never go to a residents' group: there
    they are sent privately and the group hears only that."""
    if ctx.room is not None and ctx.room.building_id is not None and not ctx.msg.is_private:
        ctx.reply_private(text)
        ctx.reply(T.LEDGER_SENT_PRIVATELY)
        return
    ctx.reply(text)


@router.message(command("调色"))
@HANDLERS_ONLY
def propose(ctx: Ctx) -> None:
    assert ctx.command is not None
    if not private_only(ctx):
        return
    parts = ctx.command.rest.split(maxsplit=2)
    if len(parts) < 2:
        ctx.reply(T.COLOUR_USAGE)
        return
    household = household_arg(ctx, parts[0], T.COLOUR_USAGE)
    if household is None:
        return
    colour = ledger.parse_colour(parts[1])
    if colour is None:
        ctx.reply(T.COLOUR_UNKNOWN.format(word=parts[1]))
        return
    reason = parts[2].strip() if len(parts) > 2 else ""
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


def _change_arg(ctx: Ctx) -> tuple[ColourChange, str] | None:
    assert ctx.command is not None
    number, rest = ticket_number(ctx.command.rest)
    if number is None:
        ctx.reply(T.COLOUR_NEED_ID.format(word=ctx.command.word))
        return None
    change = ctx.session.get(ColourChange, number)
    if change is None:
        ctx.reply(T.COLOUR_NO_SUCH.format(id=number))
        return None
    if change.status != ChangeStatus.PENDING:
        ctx.reply(T.COLOUR_DECIDED_ALREADY.format(
            id=change.id, status=T.CHANGE_STATUS_NAMES.get(change.status, change.status)))
        return None
    return change, rest


@router.message(command("确认调色"))
@STAFF_ONLY
def confirm(ctx: Ctx) -> None:
    found = _change_arg(ctx)
    if found is None:
        return
    change, note = found
    household = change.household
    ledger.confirm_colour(ctx.session, ctx.clock, change, ctx.person, note)
    ctx.reply(T.COLOUR_CONFIRMED_OK.format(id=change.id, address=household.address))
    upgrade = T.COLOUR_UPGRADE_MARK if change.is_upgrade else ""
    ctx.say.person(change.proposed_by, T.COLOUR_CONFIRMED_MEMBER.format(
        id=change.id, address=household.address, old=colour_name(change.from_colour),
        new=colour_name(change.to_colour), staff=ctx.person.name, upgrade=upgrade))


@router.message(command("驳回调色"))
@STAFF_ONLY
def reject(ctx: Ctx) -> None:
    found = _change_arg(ctx)
    if found is None:
        return
    change, note = found
    if not note:
        ctx.reply(T.COLOUR_REJECT_NEED_REASON.format(id=change.id))
        return
    ledger.reject_colour(ctx.session, ctx.clock, change, ctx.person, note)
    ctx.reply(T.COLOUR_REJECTED_OK.format(id=change.id, address=change.household.address))
    ctx.say.person(change.proposed_by, T.COLOUR_REJECTED_MEMBER.format(
        id=change.id, address=change.household.address, new=colour_name(change.to_colour),
        staff=ctx.person.name, note=note))


@router.message(command("档案"))
@HANDLERS_ONLY
def record(ctx: Ctx) -> None:
    assert ctx.command is not None
    if not private_only(ctx):
        return
    household = household_arg(ctx, ctx.command.rest, T.RECORD_USAGE)
    if household is None:
        return
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
