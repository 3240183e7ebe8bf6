"""宣传到户 (domain/outreach.py): `政策宣传 高龄补贴 对象:80岁以上 [内容:…]` (staff) sends each linked
member the households to tell; `走访 3-2-502 宣传:高龄补贴` (the member, privately) marks one
reached (and logs the visit); `宣传覆盖 高龄补贴` (staff) shows the coverage. Placed before the
visits router: a 走访 without 宣传: goes on to it."""
from __future__ import annotations

import re

from domain import outreach
from handlers.context import Ctx
from handlers.filters import HANDLERS, STAFF, HouseholdArg, community_id, private_only
from handlers.router import Command, FilterResult, Reply, Router
from handlers.views import reply_out_of_building_group
from kernel import texts as T
from storage.models import Household

router = Router("outreach")

_FIELD = re.compile(r"(对象|内容)\s*[::]\s*")


@router.message(Command("政策宣传"), STAFF)
def start(ctx: Ctx, rest: str) -> None:
    parts = _FIELD.split(rest.strip())
    name = parts[0].strip()
    fields = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    audience = outreach.parse_audience(fields.get("对象", ""))
    if not name or audience is None:
        raise Reply(T.DRIVE_USAGE)
    drive, tasks = outreach.start(ctx.session, ctx.say, ctx.clock, community_id=community_id(ctx), name=name,
                                  audience_text=fields["对象"], audience=audience,
                                  content=fields.get("内容") or None, by=ctx.person)
    if not tasks:
        ctx.session.delete(drive)
        raise Reply(T.DRIVE_NONE.format(audience=fields["对象"]))
    members = {t.member_id for t in tasks if t.member_id is not None}
    reply_out_of_building_group(ctx, T.DRIVE_STARTED.format(
        id=drive.id, name=drive.name, count=len(tasks), members=len(members),
        unlinked=sum(t.member_id is None for t in tasks)))


def drive_mark(ctx: Ctx, rest: str) -> FilterResult:
    """After the address: `宣传:政策名` (else not ours: the visits router takes it)."""
    m = re.match(r"^宣传\s*[::]\s*(.+)$", rest.strip())
    return {"policy": m.group(1).strip()} if m else None


def _mentions_drive(ctx: Ctx, rest: str) -> bool:
    return "宣传" in rest


@router.message(Command("走访"), _mentions_drive, HANDLERS, private_only, HouseholdArg(T.VISIT_USAGE), drive_mark)
def reached(ctx: Ctx, household: Household, policy: str) -> None:
    drive = outreach.drive_named(ctx.session, community_id(ctx), policy)
    if drive is None:
        raise Reply(T.DRIVE_NO_SUCH.format(name=policy))
    task = outreach.reach(ctx.session, ctx.clock, drive, household, ctx.person)
    if task is None:
        raise Reply(T.DRIVE_NOT_IN.format(address=household.address, name=drive.name))
    ctx.reply(T.DRIVE_REACHED.format(address=household.address, name=drive.name, id=drive.id))


@router.message(Command("宣传覆盖"), STAFF)
def coverage(ctx: Ctx, word: str, rest: str) -> None:
    if not rest.strip():
        raise Reply(T.NEED_NUMBER.format(example=T.EXAMPLES.get(word, word)))
    drive = outreach.drive_named(ctx.session, community_id(ctx), rest)
    if drive is None:
        raise Reply(T.DRIVE_NO_SUCH.format(name=rest.strip()))
    reply_out_of_building_group(ctx, outreach.coverage_text(ctx.session, drive))
