"""The month's figures communities report upward, by community, grid and building.

    联系走访 N 户次 (M 户) · 收集意见建议 · 发现问题和隐患 · 解决问题 · 调解矛盾纠纷 ·
    升级调色 · 实现微心愿 · 响应率 · 解决率 · 满意率 · 四色分布 · 逾期未走访

What each figure counts, for a local calendar month [start, end):
* 走访户次: visits logged in the month; 走访户数: distinct households among them.
* 收集意见建议: suggestion tickets received in the month (from groups or from visits).
* 发现问题和隐患: visits in the month that recorded a finding (`走访 … 发现:`).
* 解决问题: tickets other than suggestions resolved in the month (whenever received).
* 调解矛盾纠纷: dispute tickets resolved in the month.
* 升级调色: confirmed colour changes to green from another colour decided in the month.
* 实现微心愿: wishes marked done in the month.
* 响应率 / 解决率 / 满意率: as storage.stats, over the tickets received in the month:
  accepted in time / received, resolved / received, (满意+基本满意) / rated.
* 四色分布: households by colour at the end of the month (or now, for the current month).
* 逾期未走访: linked households whose visit was due before that day and not made.

Each figure is one GROUP BY building over the month's rows (the colours and the overdue
visits too: domain/reports/standing.py), added up to grids and communities in Python, so a
district's month comes back in well under a second.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, and_, case, func, select
from sqlalchemy.orm import Session

from domain import ledger
from domain.reports import standing
from domain.reports.figures import TicketFigures, awaiting_condition
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import (
    Building,
    ChangeStatus,
    Colour,
    ColourChange,
    Community,
    Grid,
    Household,
    Person,
    Ticket,
    Visit,
    VisitKind,
    Wish,
    WishStatus,
)

COUNTS = ("visits", "households_visited", "suggestions", "problems_found", "problems_solved",
          "disputes_mediated", "upgrades", "wishes_fulfilled", "received", "accepted_in_time",
          "resolved", "resolved_in_time", "rated", "satisfied", "unrated_closed", "overdue", "awaiting")


TICKET_COLUMNS = ("received", "accepted_in_time", "resolved", "resolved_in_time", "rated", "satisfied",
                  "unrated_closed", "suggestions", "awaiting")


@dataclass
class Figures:
    visits: int = 0
    households_visited: int = 0
    suggestions: int = 0
    problems_found: int = 0
    problems_solved: int = 0
    disputes_mediated: int = 0
    upgrades: int = 0
    wishes_fulfilled: int = 0
    received: int = 0
    accepted_in_time: int = 0
    resolved: int = 0
    resolved_in_time: int = 0
    rated: int = 0
    satisfied: int = 0
    unrated_closed: int = 0
    overdue: int = 0
    awaiting: int = 0  # not accepted, still inside the acceptance time (not a miss for 响应率)
    colours: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.colours.update(other.colours)

    @property
    def tickets(self) -> TicketFigures:
        return TicketFigures(self.received, self.accepted_in_time, self.resolved, self.resolved_in_time,
                             self.rated, self.satisfied, self.unrated_closed, self.awaiting)

    @property
    def households(self) -> int:
        return sum(self.colours.values())

    def colour_share(self, colour: str) -> float | None:
        return TicketFigures.rate(self.colours.get(colour, 0), self.households)


@dataclass
class Scope:
    kind: str  # community / grid / building
    id: int
    name: str
    figures: Figures = field(default_factory=Figures)
    children: list[Scope] = field(default_factory=list)


@dataclass
class Report:
    year: int
    month: int
    start: datetime
    end: datetime
    as_of: datetime
    communities: list[Scope]
    overdue_by_member: list[tuple[str, str, int]]  # (member, grid, households overdue)

    @property
    def total(self) -> Figures:
        out = Figures()
        for c in self.communities:
            out.add(c.figures)
        return out


def _count_if(*conds: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet every condition (0, not NULL, when there are none)."""
    return func.coalesce(func.sum(case((and_(*conds), 1), else_=0)), 0)


@dataclass
class _Tally:
    """Figures by building for the buildings in the report, and by community for rows that
    have no building (only when the report is not of one grid)."""

    wanted: set[int]  # building ids
    communities_wanted: set[int]
    whole_communities: bool
    by_building: defaultdict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))
    loose: defaultdict[int, Figures] = field(default_factory=lambda: defaultdict(Figures))

    def put(self, building_id: int | None, community: int | None) -> Figures | None:
        """The figures a row adds to, or None when the row is outside the report."""
        if building_id is not None:
            return self.by_building[building_id] if building_id in self.wanted else None
        if self.whole_communities and community in self.communities_wanted:
            return self.loose[community]
        return None


def month_report(session: Session, clock: Clock, settings: Settings, year: int, month: int, *,
                 community_id: int | None = None, grid_id: int | None = None) -> Report:
    start, end = ledger.month_bounds(clock, year, month)
    as_of = min(end, clock.now())
    structure = session.execute(
        select(Community.id, Community.name, Grid.id, Grid.name, Building.id, Building.name)
        .join(Grid, Grid.community_id == Community.id).join(Building, Building.grid_id == Grid.id)
        .where(*([Community.id == community_id] if community_id is not None else []),
               *([Grid.id == grid_id] if grid_id is not None else []))
        .order_by(Community.id, Grid.id, Building.id)).all()
    tally = _Tally({row[4] for row in structure}, {row[0] for row in structure}, grid_id is None)
    # one community or grid (the console's 统计): read only its rows, not the district's
    scoped = community_id is not None or grid_id is not None
    if community_id is None and grid_id is not None and structure:
        community_id = structure[0][0]
    _add_tickets(session, tally, start, end, clock.now(), sorted(tally.communities_wanted) if scoped else None)
    _add_visits(session, tally, start, end, sorted(tally.wanted) if scoped else None)
    _add_upgrades_and_wishes(session, tally, start, end)
    only = tally.wanted if scoped else None
    for (bid, colour), households in standing.colours_by_building(session, as_of, only).items():
        if bid in tally.wanted:  # the colours at the end of the month
            tally.by_building[bid].colours[colour] += households
    grid_names = {row[2]: row[3] for row in structure}
    overdue_by_member = _add_overdue(session, clock, settings, tally, as_of, only, grid_names)
    return Report(year, month, start, end, as_of, _scopes(structure, tally), overdue_by_member)


def _add_tickets(session: Session, tally: _Tally, start: datetime, end: datetime, now: datetime,
                 community_ids: list[int] | None = None) -> None:
    """Tickets received in the month; problems solved and disputes mediated (resolved in it);
    only the tickets of ``community_ids`` when given."""
    only = [Ticket.community_id.in_(community_ids)] if community_ids is not None else []
    for row in session.execute(select(
            Ticket.building_id, Ticket.community_id, func.count(Ticket.id),
            _count_if(Ticket.accepted_at.is_not(None), Ticket.accepted_at <= Ticket.accept_due),
            _count_if(Ticket.resolved_at.is_not(None)),
            _count_if(Ticket.resolved_at.is_not(None), Ticket.resolved_at <= Ticket.resolve_due),
            _count_if(Ticket.rating.is_not(None)),
            _count_if(Ticket.rating.in_((1, 2))),
            _count_if(Ticket.status == "closed", Ticket.rating.is_(None)),
            _count_if(Ticket.category == "suggestion"),
            _count_if(awaiting_condition(now)))
            .where(Ticket.created_at >= start, Ticket.created_at < end, *only)
            .group_by(Ticket.building_id, Ticket.community_id)):
        f = tally.put(row[0], row[1])
        if f is not None:
            for name, value in zip(TICKET_COLUMNS, row[2:]):
                setattr(f, name, getattr(f, name) + int(value))
    for bid, cid, solved, disputes in session.execute(select(
            Ticket.building_id, Ticket.community_id, _count_if(Ticket.category != "suggestion"),
            _count_if(Ticket.category == "dispute"))
            .where(Ticket.resolved_at >= start, Ticket.resolved_at < end, *only)
            .group_by(Ticket.building_id, Ticket.community_id)):
        f = tally.put(bid, cid)
        if f is not None:
            f.problems_solved += int(solved)
            f.disputes_mediated += int(disputes)


def _add_visits(session: Session, tally: _Tally, start: datetime, end: datetime,
                building_ids: list[int] | None = None) -> None:
    """Visits, households visited, problems found (only in ``building_ids`` when given)."""
    per_household = (select(Visit.household_id, func.count(Visit.id).label("visits"),
                            _count_if(Visit.kind == VisitKind.FINDING).label("found"))
                     .where(Visit.visited_at >= start, Visit.visited_at < end)
                     .group_by(Visit.household_id).subquery())  # one row a household, then by building
    q = (select(Household.building_id, func.sum(per_household.c.visits), func.count(Household.id),
                func.sum(per_household.c.found))
         .join(per_household, per_household.c.household_id == Household.id))
    if building_ids is not None:
        q = q.where(Household.building_id.in_(building_ids))
    for bid, visits, households, found in session.execute(q.group_by(Household.building_id)):
        f = tally.put(bid, None)
        if f is not None:
            f.visits += int(visits)
            f.households_visited += int(households)
            f.problems_found += int(found)


def _add_upgrades_and_wishes(session: Session, tally: _Tally, start: datetime, end: datetime) -> None:
    """Colour upgrades (to green, confirmed in the month) and wishes fulfilled."""
    for bid, n in session.execute(select(Household.building_id, func.count(ColourChange.id))
                                  .join(Household, Household.id == ColourChange.household_id)
                                  .where(ColourChange.status == ChangeStatus.CONFIRMED,
                                         ColourChange.to_colour == Colour.GREEN,
                                         ColourChange.from_colour != Colour.GREEN,
                                         ColourChange.decided_at >= start, ColourChange.decided_at < end)
                                  .group_by(Household.building_id)):
        f = tally.put(bid, None)
        if f is not None:
            f.upgrades += int(n)
    for wish_building, wish_community, done in session.execute(
            select(Wish.building_id, Wish.community_id, func.count(Wish.id))
            .where(Wish.status == WishStatus.DONE, Wish.done_at >= start, Wish.done_at < end)
            .group_by(Wish.building_id, Wish.community_id)):
        f = tally.put(wish_building, wish_community)
        if f is not None:
            f.wishes_fulfilled += int(done)


def _add_overdue(session: Session, clock: Clock, settings: Settings, tally: _Tally, as_of: datetime,
                 building_ids: set[int] | None, grid_names: dict[int, str]) -> list[tuple[str, str, int]]:
    """Visits overdue on the report's day, by building; returns (member, grid, count), most first."""
    day = ledger.local_date(clock, as_of - timedelta(microseconds=1))
    per_member: Counter[tuple[int, int]] = Counter()
    for (bid, gid, mid), n in standing.overdue_by_building(session, clock, settings, as_of, day,
                                                           building_ids).items():
        f = tally.put(bid, None)
        if f is not None and gid in grid_names:
            f.overdue += n
            per_member[(mid, gid)] += n
    names = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_({m for m, _ in per_member}))).all()) if per_member else {}
    return sorted(((names.get(m, str(m)), grid_names[g], n) for (m, g), n in per_member.items()),
                  key=lambda t: (-t[2], t[1], t[0]))


def _scopes(structure: Sequence[Row[int, str, int, str, int, str]], tally: _Tally) -> list[Scope]:
    """Add up: buildings → grids → communities."""
    communities: dict[int, Scope] = {}
    grids: dict[int, Scope] = {}
    for cid, cname, gid, gname, bid, bname in structure:
        c = communities.get(cid)
        if c is None:
            c = communities[cid] = Scope("community", cid, cname)
            c.figures.add(tally.loose.get(cid, Figures()))
        g = grids.get(gid)
        if g is None:
            g = grids[gid] = Scope("grid", gid, gname)
            c.children.append(g)
        b = Scope("building", bid, bname, tally.by_building.get(bid, Figures()))
        g.children.append(b)
        g.figures.add(b.figures)
        c.figures.add(b.figures)
    return list(communities.values())


def parse_month(text: str, clock: Clock) -> tuple[int, int] | None:
    """'本月', '上月', '2026-10', '2026年10月', '10月' (this year) → (year, month)."""
    t = text.strip().replace(" ", "")
    today = clock.local().date()
    if t in ("本月", "这个月", "当月"):
        return today.year, today.month
    if t in ("上月", "上个月"):
        first = today.replace(day=1) - timedelta(days=1)
        return first.year, first.month
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", t) or re.fullmatch(r"(\d{4})(\d{2})", t)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = re.fullmatch(r"(\d{1,2})月", t)
        if not m:
            return None
        year, month = today.year, int(m.group(1))
    return (year, month) if 1 <= month <= 12 and 2000 <= year <= 2100 else None


def _pct(value: float | None) -> str:
    return T.NO_DATA if value is None else f"{value:.0%}"


def figures_text(f: Figures) -> str:
    t = f.tickets
    return T.REPORT_FIGURES.format(
        visits=f.visits, households=f.households_visited, suggestions=f.suggestions,
        found=f.problems_found, solved=f.problems_solved, disputes=f.disputes_mediated,
        upgrades=f.upgrades, wishes=f.wishes_fulfilled, received=f.received,
        response=_pct(t.response_rate), resolve=_pct(t.resolve_rate), satisfaction=_pct(t.satisfaction),
        overdue=f.overdue)


def colours_text(f: Figures) -> str:
    parts = [T.REPORT_COLOUR_PART.format(colour=T.COLOUR_SHORT[c], count=f.colours.get(c, 0),
                                         share=_pct(f.colour_share(c))) for c in Colour.ALL]
    return T.REPORT_COLOURS.format(households=f.households, parts=",".join(parts))


def render_report(report: Report, *, buildings: bool = True, members: int = 20) -> str:
    """The report as text: for chat (buildings=False) and for `lianhu report`."""
    lines = [T.REPORT_HEAD.format(year=report.year, month=report.month)]
    if len(report.communities) > 1:
        lines += [T.REPORT_SCOPE.format(name=T.REPORT_ALL), figures_text(report.total),
                  colours_text(report.total)]
    for community in report.communities:
        lines += _scope_lines(community, buildings)
    if members and report.overdue_by_member:
        lines.append(T.REPORT_OVERDUE_MEMBERS_HEAD)
        lines += [T.REPORT_OVERDUE_MEMBER.format(name=n, grid=g, count=c)
                  for n, g, c in report.overdue_by_member[:members]]
        if len(report.overdue_by_member) > members:
            lines.append(T.REPORT_MORE.format(count=len(report.overdue_by_member) - members))
    return "\n".join(lines)


def _scope_lines(scope: Scope, buildings: bool, depth: int = 0) -> list[str]:
    indent = "  " * depth
    lines = [indent + T.REPORT_SCOPE.format(name=scope.name),
             indent + figures_text(scope.figures), indent + colours_text(scope.figures)]
    for child in scope.children:
        if child.kind == "building" and not buildings:
            continue
        lines += _scope_lines(child, buildings, depth + 1)
    return lines
