"""The weekly report: last week's figures for the staff group (every Monday morning by default:
``weekly_report = "每周一 08:30"``; empty turns it off).

Last week (Monday to Sunday, local): requests received by category, 响应率 (accepted in
time), 解决率 (resolved in time), 满意率 (satisfied among rated; 未评价 counted apart);
as of now: open and overdue tickets by building; and the problems that keep coming back
in each building over the last four weeks.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from domain.reports.figures import ticket_figures
from kernel import texts as T
from kernel.clock import Clock
from storage.models import Building, Status, Ticket

RECURRING_WINDOW = timedelta(days=28)
RECURRING_MIN = 2
RECURRING_TOP = 3


def _percent(value: float | None) -> str:
    return T.NO_DATA if value is None else f"{value:.0%}"


def last_week(clock: Clock, now: datetime) -> tuple[datetime, datetime]:
    """[last Monday 00:00, this Monday 00:00) local, as naive UTC."""
    local = clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    this_monday = local - timedelta(days=local.weekday())
    return clock.to_utc(this_monday - timedelta(days=7)), clock.to_utc(this_monday)


def weekly_text(session: Session, clock: Clock, community_id: int | None, now: datetime) -> str:
    start, end = last_week(clock, now)
    f = ticket_figures(session, start, end, community_id, now=now)
    in_community: list[ColumnElement[bool]] = [] if community_id is None else [Ticket.community_id == community_id]
    by_category = session.execute(
        select(Ticket.category, func.count(Ticket.id)).where(Ticket.created_at >= start, Ticket.created_at < end,
                                                             *in_community)
        .group_by(Ticket.category).order_by(func.count(Ticket.id).desc(), Ticket.category)).all()
    categories = "、".join(f"{T.CATEGORY_NAMES.get(c, c)} {n}" for c, n in by_category)
    lines = [T.WEEKLY_HEAD.format(start=clock.show(start, "%m-%d"), end=clock.show(end - timedelta(days=1), "%m-%d")),
             T.WEEKLY_RECEIVED.format(received=f.received, by_category=f":{categories}" if categories else ""),
             T.WEEKLY_RATES.format(response=_percent(f.response_rate), accepted_in_time=f.accepted_in_time,
                                   received=f.received, resolve=_percent(f.resolve_in_time_rate),
                                   resolved_in_time=f.resolved_in_time, satisfaction=_percent(f.satisfaction),
                                   satisfied=f.satisfied, rated=f.rated, unrated=f.unrated_closed)]
    overdue = or_(and_(Ticket.accepted_at.is_(None), Ticket.accept_due < now),
                  and_(Ticket.resolved_at.is_(None), Ticket.resolve_due < now))
    open_rows = session.execute(
        select(Building.name, func.count(Ticket.id), func.coalesce(func.sum(case((overdue, 1), else_=0)), 0))
        .select_from(Ticket).outerjoin(Building, Ticket.building_id == Building.id)
        .where(Ticket.status.in_(Status.OPEN), *in_community)
        .group_by(Building.id, Building.name).order_by(Building.id)).all()
    if open_rows:
        lines.append(T.WEEKLY_OPEN_HEAD.format(open=sum(int(n) for _, n, _ in open_rows),
                                               overdue=sum(int(o) for _, _, o in open_rows)))
        lines += [T.WEEKLY_OPEN_LINE.format(building=name or "未知楼栋", open=int(n), overdue=int(o))
                  for name, n, o in open_rows]
    else:
        lines.append(T.WEEKLY_OPEN_NONE)
    lines += recurring_lines(session, now, in_community)
    return "\n".join(lines)


def recurring_lines(session: Session, now: datetime, in_community: list[ColumnElement[bool]]) -> list[str]:
    rows = session.execute(
        select(Building.id, Building.name, Ticket.category, func.count(Ticket.id))
        .join(Building, Ticket.building_id == Building.id)
        .where(Ticket.created_at >= now - RECURRING_WINDOW, Ticket.category != "none", *in_community)
        .group_by(Building.id, Building.name, Ticket.category)
        .having(func.count(Ticket.id) >= RECURRING_MIN)
        .order_by(Building.id, func.count(Ticket.id).desc(), Ticket.category)).all()
    if not rows:
        return [T.WEEKLY_RECURRING_NONE]
    per_building: dict[int, tuple[str, list[str]]] = {}
    for bid, name, category, n in rows:
        items = per_building.setdefault(bid, (name, []))[1]
        if len(items) < RECURRING_TOP:
            items.append(T.WEEKLY_RECURRING_ITEM.format(category=T.CATEGORY_NAMES.get(category, category), count=n))
    return [T.WEEKLY_RECURRING_HEAD] + [T.WEEKLY_RECURRING_LINE.format(building=name, items="、".join(items))
                                        for name, items in per_building.values()]
