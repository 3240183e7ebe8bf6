"""The ledger's staff and member commands: 统计 本月 (the month's figures), 匹配 /
确认匹配 (linking members to households), 婉拒 (a member declines a household),
积分 (a member's record). Also renders the month report for `lianhu report`."""
from __future__ import annotations

from sqlalchemy import select

from domain import ledger, matching
from domain.matching import proposal_text
from domain.reports.month import month_report, parse_month, render_report
from handlers.context import Ctx
from handlers.filters import HANDLERS, STAFF, HouseholdArg, NoteRequired, community_id, private_only
from handlers.router import Command, Router, has_arguments
from handlers.views import reply_out_of_building_group
from kernel import texts as T
from kernel.parsing import ticket_number
from storage import repo
from storage.models import (
    ChangeStatus,
    Household,
    LinkProposal,
    MemberDecline,
    MemberLink,
    Person,
    Role,
)

router = Router("ledger")


# --- the month's figures -----------------------------------------------------------------------

@router.message(Command("统计"), has_arguments, STAFF)
def month_figures(ctx: Ctx, rest: str) -> None:
    """统计 本月 / 统计 上月 / 统计 2026-10 [网格名]; plain 统计 stays the staff router's."""
    words = rest.split()
    ym = parse_month(words[0], ctx.clock)
    if ym is None:
        ctx.reply(T.REPORT_USAGE)
        return
    grid = None
    if len(words) > 1:
        grid = repo.grid_named(ctx.session, words[1])
        if grid is None:
            ctx.reply(T.REPORT_NO_GRID.format(name=words[1]))
            return
    report = month_report(ctx.session, ctx.clock, ctx.settings, *ym, community_id=community_id(ctx),
                          grid_id=grid.id if grid else None)
    if not report.communities:
        ctx.reply(T.REPORT_EMPTY)
        return
    reply_out_of_building_group(ctx, render_report(report, buildings=grid is not None, members=10))


# --- matching ------------------------------------------------------------------------------------

@router.message(Command("匹配"), STAFF)
def match(ctx: Ctx) -> None:
    cid = community_id(ctx)
    if cid is None:
        ctx.reply(T.MATCH_NO_COMMUNITY)
        return
    proposal = matching.propose(ctx.session, cid)
    if proposal.lines:
        matching.store(ctx.session, ctx.clock, cid, proposal)
    text = proposal_text(ctx.clock, proposal)
    if ctx.msg.is_private:
        ctx.reply(text)
        return
    ctx.reply_private(text)  # lines name households and strengths: never in a group
    ctx.reply(T.LEDGER_SENT_PRIVATELY)


@router.message(Command("确认匹配"), STAFF)
def accept_match(ctx: Ctx, rest: str) -> None:
    batch, rest = ticket_number(rest)
    if batch is None:
        ctx.reply(T.MATCH_ACCEPT_USAGE)
        return
    try:
        lines = matching.parse_lines(rest)
    except ValueError:
        ctx.reply(T.MATCH_ACCEPT_USAGE)
        return
    pending = ctx.session.scalar(select(LinkProposal.id).where(
        LinkProposal.batch == batch, LinkProposal.status == ChangeStatus.PENDING).limit(1))
    if pending is None:
        ctx.reply(T.MATCH_NO_SUCH.format(batch=batch))
        return
    result = matching.accept(ctx.session, ctx.clock, batch, lines)
    text = T.MATCH_ACCEPTED.format(batch=batch, count=result.linked)
    if result.skipped:
        text += T.MATCH_SKIPPED.format(count=len(result.skipped), addresses="、".join(result.skipped[:10]))
    ctx.reply(text)


# --- a member declines a household ----------------------------------------------------------------

@router.message(Command("婉拒"), HANDLERS, private_only, HouseholdArg(T.DECLINE_USAGE),
                NoteRequired(T.DECLINE_NEED_REASON, "reason"))
def decline(ctx: Ctx, household: Household, reason: str) -> None:
    link = ctx.session.scalar(select(MemberLink).where(MemberLink.household_id == household.id))
    proposed = ctx.session.scalars(select(LinkProposal).where(
        LinkProposal.household_id == household.id, LinkProposal.member_id == ctx.person.id,
        LinkProposal.status == ChangeStatus.PENDING)).all()
    if (link is None or link.member_id != ctx.person.id) and not proposed:
        ctx.reply(T.DECLINE_NOT_YOURS.format(address=household.address))
        return
    already = ctx.session.scalar(select(MemberDecline).where(
        MemberDecline.member_id == ctx.person.id, MemberDecline.household_id == household.id))
    if already is None:
        ctx.session.add(MemberDecline(member=ctx.person, household=household, reason=reason,
                                      created_at=ctx.clock.now()))
    else:
        already.reason = reason
    for row in proposed:
        row.status = ChangeStatus.REJECTED
        row.decided_at = ctx.clock.now()
    if link is not None and link.member_id == ctx.person.id:
        ctx.session.delete(link)
    ctx.session.flush()
    ctx.reply(T.DECLINE_OK.format(address=household.address))
    text = T.DECLINE_STAFF.format(name=ctx.person.name, address=household.address, reason=reason)
    for staff in repo.staff_of(ctx.session, household.building.grid.community_id):
        ctx.say.person(staff, text)  # privately: a reason may touch the household's affairs


# --- points -------------------------------------------------------------------------------------------

def points_text(ctx: Ctx, member: Person) -> str:
    today = ctx.clock.local().date()
    start, end = ledger.month_bounds(ctx.clock, today.year, today.month)
    month = ledger.member_points(ctx.session, ctx.clock, ctx.settings, start, end, [member.id])[member.id]
    total = ledger.member_points(ctx.session, ctx.clock, ctx.settings, None, None, [member.id])[member.id]
    s = ctx.settings
    return T.POINTS_DETAIL.format(
        name=member.name, month=month.total, total=total.total,
        accepted=month.accepted_in_time, p_accepted=s.points_accept_in_time,
        resolved=month.resolved_in_time, p_resolved=s.points_resolve_in_time,
        satisfied=month.satisfied, p_satisfied=s.points_satisfied,
        visits=month.visits, p_visits=s.points_visit, wishes=month.wishes, p_wishes=s.points_wish)


@router.message(Command("积分"), HANDLERS)
def points(ctx: Ctx, rest: str) -> None:
    name = rest.strip().lstrip("@")
    if not ctx.person.is_supervisor:
        if name and name != ctx.person.name:
            ctx.reply(T.POINTS_OWN_ONLY)
            return
        reply_out_of_building_group(ctx, points_text(ctx, ctx.person))
        return
    if name:
        people = [p for p in repo.people_named(ctx.session, name) if p.is_handler]
        if not people:
            ctx.reply(T.PERSON_UNKNOWN.format(name=name))
            return
        reply_out_of_building_group(ctx, points_text(ctx, people[0]))
        return
    cid = community_id(ctx)
    q = select(Person).where(Person.role == Role.MEMBER)
    if cid is not None:
        q = q.where(Person.community_id == cid)
    members = ctx.session.scalars(q.order_by(Person.id)).all()
    today = ctx.clock.local().date()
    start, end = ledger.month_bounds(ctx.clock, today.year, today.month)
    pts = ledger.member_points(ctx.session, ctx.clock, ctx.settings, start, end, [m.id for m in members])
    rows = sorted(members, key=lambda m: (-pts[m.id].total, m.id))
    lines = [T.POINTS_LIST_HEAD.format(count=len(rows))]
    lines += [T.POINTS_LIST_LINE.format(name=m.name, points=pts[m.id].total, visits=pts[m.id].visits)
              for m in rows[:50]]
    reply_out_of_building_group(ctx, "\n".join(lines))
