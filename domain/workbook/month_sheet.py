"""The 月报 sheet of the `lianhu export` workbook: this month's figures as the monthly report
gives them (domain/reports/month.py, the same as `lianhu report` and the console's 统计 page),
one row per community, grid and building of the exported communities. Rates are percentages
(one decimal; blank: no data, e.g. nothing rated); importing ignores the sheet."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from domain.reports.month import Figures, Scope, month_report
from domain.workbook.exporter import AnySheet, Header, write_table
from kernel.clock import Clock
from kernel.config import Settings
from kernel.texts import COLOUR_SHORT
from storage.models import Colour, Community

SHEET = "月报"
LEVEL = {"community": "社区", "grid": "网格", "building": "楼栋"}
HEADERS = [Header("月份", 9), Header("层级", 6), Header("范围", 16), Header("走访户次", 9), Header("走访户数", 9),
           Header("收集意见建议", 12), Header("发现问题隐患", 12), Header("解决问题", 9), Header("调解矛盾纠纷", 12),
           Header("升级调色", 9), Header("实现微心愿", 10), Header("受理诉求", 9), Header("响应率(%)", 10),
           Header("解决率(%)", 10), Header("满意率(%)", 10), *(Header(f"{COLOUR_SHORT[c]}色户", 7) for c in Colour.ALL),
           Header("逾期未走访", 10)]


def _context() -> tuple[Settings, Clock]:
    try:
        settings = Settings.load()
    except (OSError, ValueError):
        settings = Settings()
    return settings, Clock(settings.timezone)


def month_rows(session: Session, clock: Clock, settings: Settings, communities: Sequence[Community],
               year: int, month: int) -> Iterator[tuple[Any, ...]]:
    one = communities[0].id if len(communities) == 1 else None
    report = month_report(session, clock, settings, year, month, community_id=one)
    wanted = {c.id for c in communities}
    label = f"{year}-{month:02d}"

    def walk(scope: Scope) -> Iterator[tuple[Any, ...]]:
        yield (label, LEVEL.get(scope.kind, scope.kind), scope.name, *_figures(scope.figures))
        for child in scope.children:
            yield from walk(child)
    for community in report.communities:
        if community.id in wanted:
            yield from walk(community)


def _figures(f: Figures) -> tuple[Any, ...]:
    t = f.tickets
    return (f.visits, f.households_visited, f.suggestions, f.problems_found, f.problems_solved,
            f.disputes_mediated, f.upgrades, f.wishes_fulfilled, f.received, _pct(t.response_rate),
            _pct(t.resolve_rate), _pct(t.satisfaction), *(f.colours.get(c, 0) for c in Colour.ALL), f.overdue)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def write_month(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    """This month (the export's day, in the configured time zone)."""
    settings, clock = _context()
    now = clock.local()
    write_table(ws, HEADERS, month_rows(session, clock, settings, communities, now.year, now.month)
                if communities else ())
