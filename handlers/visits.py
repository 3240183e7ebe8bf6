"""走访 by private message: `走访 3-2-502 内容`, with `发现:` (a problem: becomes a ticket)
or `建议:` (a suggestion: becomes a suggestion ticket); `走访清单` lists what is due."""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from domain import ledger
from domain import tickets as wf
from domain.ledger import due_list_text
from handlers.context import Ctx
from handlers.filters import (
    HANDLERS,
    HouseholdArg,
    community_id,
    is_supervisor,
    private_only,
)
from handlers.router import Command, Router
from handlers.views import reply_out_of_building_group
from kernel import texts as T
from storage.models import Grid, Household, Person, VisitKind

router = Router("visits")

_MARK = re.compile(r"^(发现|隐患|问题|建议|意见)\s*[::]\s*(.*)$", re.S)
MARKS = {"发现": VisitKind.FINDING, "隐患": VisitKind.FINDING, "问题": VisitKind.FINDING,
         "建议": VisitKind.SUGGESTION, "意见": VisitKind.SUGGESTION}


def split_content(text: str) -> tuple[str, str]:
    """'发现:楼道堆放杂物' → (finding, '楼道堆放杂物'); anything else is a plain visit."""
    m = _MARK.match(text.strip())
    if m is None:
        return VisitKind.VISIT, text.strip()
    return MARKS[m.group(1)], m.group(2).strip()


def may_visit(person: Person, household: Household) -> bool:
    """Members log visits to the households linked to them; grid workers to their grid's;
    staff to any."""
    if person.is_supervisor:
        return True
    if household.link is not None and household.link.member_id == person.id:
        return True
    return household.building.grid.worker_id == person.id


def _finding_category(ctx: Ctx, text: str) -> str:
    c = ctx.classifier.classify(text)
    return c.category if c.is_request and c.category not in ("none", "suggestion") else "other"


@router.message(Command("走访"), HANDLERS, private_only, HouseholdArg(T.VISIT_USAGE))
def log_visit(ctx: Ctx, household: Household, rest: str) -> None:
    if not may_visit(ctx.person, household):
        ctx.reply(T.VISIT_NOT_YOURS.format(address=household.address))
        return
    kind, content = split_content(rest)
    if kind != VisitKind.VISIT and not content:
        ctx.reply(T.VISIT_NEED_FINDING)
        return
    ticket = None
    if kind != VisitKind.VISIT:
        category = "suggestion" if kind == VisitKind.SUGGESTION else _finding_category(ctx, content)
        ticket = wf.create_ticket(
            ctx.session, ctx.say, ctx.clock, ctx.settings, building=household.building,
            household=household, reporter=ctx.person, room_chat_id=None,
            text=f"{T.VISIT_TICKET_PREFIX}{content}", category=category, urgent=False,
            evidence=T.VISIT_TICKET_EVIDENCE)
    visit = ledger.log_visit(ctx.session, ctx.clock, household, ctx.person, kind,
                             content or T.VISIT_DEFAULT_CONTENT, ticket)
    pace = ledger.visit_pace(ctx.settings, household.colour)
    next_due = ledger.local_date(ctx.clock, visit.visited_at) + timedelta(days=pace)
    lines = [T.VISIT_LOGGED.format(address=household.address, next=next_due.strftime("%m-%d"))]
    if ticket is not None:
        if ticket.assignee_id == ctx.person.id:
            lines.append(T.VISIT_TICKET_MINE.format(
                kind=T.VISIT_KIND_NAMES[kind], number=ticket.number))
        else:
            who = f"{wf.role_name(ticket.assignee)}{ticket.assignee.name}" if ticket.assignee else "社区"
            lines.append(T.VISIT_TICKET_SENT.format(kind=T.VISIT_KIND_NAMES[kind],
                                                    number=ticket.number, who=who))
            if ticket.assignee is not None:
                wf.notify_new(ctx.session, ctx.say, ctx.clock, ticket)
    ctx.reply("\n".join(lines))


@router.message(Command("走访清单"), HANDLERS, is_supervisor)
def overdue_list(ctx: Ctx) -> None:
    """Staff: overdue households by grid and member."""
    today = ctx.clock.local().date()
    dues = ledger.visits_due(ctx.session, ctx.clock, ctx.settings, today, community_id=community_id(ctx),
                             overdue_only=True)
    reply_out_of_building_group(ctx, overdue_summary(ctx, dues))


@router.message(Command("走访清单"), HANDLERS, private_only)
def due_list(ctx: Ctx) -> None:
    today = ctx.clock.local().date()
    dues = ledger.visits_due(ctx.session, ctx.clock, ctx.settings, today, member_id=ctx.person.id)
    ctx.reply(due_list_text(ctx.clock, dues) if dues else T.DUE_NONE)


def overdue_summary(ctx: Ctx, dues: list[ledger.Due]) -> str:
    if not dues:
        return T.OVERDUE_NONE
    by_member = Counter(d.member_id for d in dues)
    by_grid = Counter(d.grid_id for d in dues)
    lines = [T.OVERDUE_HEAD.format(count=len(dues))]
    for grid_id, n in sorted(by_grid.items(), key=lambda kv: -kv[1]):
        grid = ctx.session.get(Grid, grid_id)
        lines.append(T.OVERDUE_GRID_LINE.format(grid=grid.name if grid else grid_id, count=n))
    for member_id, n in by_member.most_common(20):
        member = ctx.session.get(Person, member_id)
        lines.append(T.OVERDUE_MEMBER_LINE.format(name=member.name if member else member_id, count=n))
    return "\n".join(lines)

