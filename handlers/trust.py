"""Who is who: `我是 3-2-502` (a claim the household's member confirms: 确认住户 K / 不是 K) and
which group is which (确认绑定 K; a group is never bound by its name alone)."""
from __future__ import annotations

import re
from collections.abc import Callable

from domain import decisions, trust
from handlers.context import Ctx
from handlers.filters import HANDLERS, STAFF, HouseholdArg, pending_row
from handlers.router import Command, FilterResult, Reply, Router, is_text
from handlers.views import answer_privately
from kernel import texts as T
from kernel.parsing import normalise, strip_mentions
from storage.models import BindingProposal, Household, HouseholdClaim

router = Router("trust")


# --- 我是 ----------------------------------------------------------------------------------------

@router.message(Command("我是"), HouseholdArg(T.BAD_ADDRESS, whole=True, unknown=T.UNKNOWN_ADDRESS))
def claim_household(ctx: Ctx, household: Household) -> None:
    if ctx.person.household_id == household.id:
        answer_privately(ctx, T.CLAIM_ALREADY.format(address=household.address))
        return
    if ctx.person.is_supervisor:  # staff decide claims themselves
        trust.bind_person(ctx.person, household)
        answer_privately(ctx, T.BOUND.format(address=household.address))
        return
    trust.claim(ctx.session, ctx.say, ctx.clock, ctx.person, household)
    if ctx.msg.is_private:
        ctx.reply(T.CLAIM_PENDING.format(address=household.address))
    else:  # never an address in a group
        ctx.reply(T.CLAIM_PENDING_GROUP)


def pending_claim(ctx: Ctx, rest: str) -> FilterResult:
    row = pending_row(ctx, rest, HouseholdClaim, T.CLAIM_NEED_ID, T.CLAIM_NO_SUCH)
    if not trust.may_decide_claim(ctx.person, row):
        raise Reply(T.CLAIM_NOT_YOURS.format(id=row.id))
    return {"claim": row}


@router.message(Command("确认住户"), HANDLERS, pending_claim)
def confirm_claim(ctx: Ctx, claim: HouseholdClaim) -> None:
    answer_privately(ctx, decisions.confirm_claim(ctx.say, ctx.clock, claim, ctx.person))


_DENY = re.compile(r"^不是\s*#?\s*(\d{1,9})\s*$")


def deny_words(ctx: Ctx) -> FilterResult:
    """`不是 12` exactly, from a handler (not a command word: "不是吧,灯又坏了" is a report, and a
    resident's "不是 3" is chatter)."""
    if not ctx.person.is_handler:
        return None
    m = _DENY.match(strip_mentions(normalise(ctx.text)))
    return {"word": "不是", "rest": m.group(1)} if m is not None else None


@router.message(is_text, deny_words, pending_claim)
def deny_claim(ctx: Ctx, claim: HouseholdClaim) -> None:
    answer_privately(ctx, decisions.deny_claim(ctx.say, ctx.clock, claim, ctx.person))


# --- groups --------------------------------------------------------------------------------------

def pending_binding(ctx: Ctx, rest: str) -> FilterResult:
    return {"proposal": pending_row(ctx, rest, BindingProposal, T.BINDING_NEED_ID, T.BINDING_NO_SUCH)}


@router.message(Command("确认绑定"), STAFF, pending_binding)
def confirm_binding(ctx: Ctx, proposal: BindingProposal) -> None:
    ctx.reply(decisions.confirm_binding(ctx.session, ctx.say, ctx.clock, proposal, ctx.person))


def propose_bindings(ctx: Ctx, nxt: Callable[[Ctx], None]) -> None:
    """Middleware: a group nobody bound whose name is a building's group name is proposed to
    staff (once); the message is then handled as usual (the group is still unbound)."""
    if ctx.room is not None and not ctx.msg.is_private:
        trust.propose_binding(ctx.session, ctx.say, ctx.clock, ctx.room)
    nxt(ctx)
