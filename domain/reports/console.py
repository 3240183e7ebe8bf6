"""The web console's 统计 page (issue 13): the month's figures and the charts' data, in the
viewer's scope (domain/console.py): staff see their community, a grid worker their grid.

    stats_page(session, clock, settings, viewer, 2026, 11) → ConsoleStats
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import ledger
from domain.console import Viewer, building_ids, ticket_scope
from domain.reports.figures import ticket_figures
from domain.reports.month import Figures, Scope, month_report
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import Colour, Ticket

MONTHS_SHOWN = 6


@dataclass(frozen=True)
class MonthRates:
    label: str  # 2026-11
    received: int
    response: float | None  # 响应率
    resolve: float | None  # 解决率
    satisfaction: float | None  # 满意率


@dataclass
class ConsoleStats:
    year: int
    month: int
    scopes: list[Scope]  # community → grids → buildings (or the grid worker's grids)
    total: Figures
    rates: list[MonthRates]  # the last MONTHS_SHOWN months, oldest first
    categories: list[tuple[str, int]]  # requests by category this month, most first
    colours: list[tuple[str, str, int]]  # (colour, name, households)
    visits_by_grid: list[tuple[str, int]]
    months: list[str] = field(default_factory=list)  # choices for the month picker


def _months_back(year: int, month: int, count: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def monthly_rates(session: Session, clock: Clock, viewer: Viewer, year: int, month: int,
                  count: int = MONTHS_SHOWN) -> list[MonthRates]:
    """响应率, 解决率, 满意率 for each of the ``count`` months up to (year, month)."""
    now = clock.now()
    scoped = None if viewer.is_staff else building_ids(session, viewer)
    out = []
    for y, m in _months_back(year, month, count):
        start, end = ledger.month_bounds(clock, y, m)
        f = ticket_figures(session, start, end, viewer.community_id if viewer.is_staff else None,
                           scoped, now=now)
        out.append(MonthRates(f"{y}-{m:02d}", f.received, f.response_rate, f.resolve_rate, f.satisfaction))
    return out


def by_category(session: Session, clock: Clock, viewer: Viewer, year: int, month: int) -> list[tuple[str, int]]:
    start, end = ledger.month_bounds(clock, year, month)
    rows = session.execute(select(Ticket.category, func.count(Ticket.id))
                           .where(ticket_scope(viewer), Ticket.created_at >= start, Ticket.created_at < end)
                           .group_by(Ticket.category)).all()
    return sorted(((T.CATEGORY_NAMES.get(c, c), int(n)) for c, n in rows), key=lambda r: (-r[1], r[0]))


def stats_page(session: Session, clock: Clock, settings: Settings, viewer: Viewer,
               year: int, month: int) -> ConsoleStats:
    if viewer.is_staff:
        scopes = month_report(session, clock, settings, year, month,
                              community_id=viewer.community_id).communities
        grid_scopes = [g for c in scopes for g in c.children]
    else:
        scopes = [g for gid in viewer.grid_ids
                  for c in month_report(session, clock, settings, year, month, grid_id=gid).communities
                  for g in c.children]
        grid_scopes = scopes
    total = Figures()
    for s in scopes:
        total.add(s.figures)
    today = clock.local().date()
    return ConsoleStats(
        year=year, month=month, scopes=scopes, total=total,
        rates=monthly_rates(session, clock, viewer, year, month),
        categories=by_category(session, clock, viewer, year, month),
        colours=[(c, T.COLOUR_SHORT[c], total.colours.get(c, 0)) for c in Colour.ALL],
        visits_by_grid=[(g.name, g.figures.visits) for g in grid_scopes],
        months=[f"{y}-{m:02d}" for y, m in _months_back(today.year, today.month, 12)][::-1])
