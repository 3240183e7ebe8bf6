"""Where the ledger stood at a moment, counted in SQL by building: households by colour, and
linked households whose visit was overdue. ``lianhu report --month`` over a district (40,000
households) reads a few thousand grouped rows instead of a row per household, and converts
no time zone per row.

Same rules as ``domain.ledger``:
* a household's colour at a moment is its colour now with the confirmed changes decided since
  undone (the earliest such change's ``from_colour``): counted with today's colours in SQL,
  then corrected in Python for the few households changed since;
* a linked household's visit is overdue on a local day when the day of its last visit before
  the day ended (or of its link, if never visited) plus its colour's pace is before the day.
  As ``local_date(since) + pace < day`` holds exactly when ``since`` is before the local
  midnight that starts ``day - pace``, each colour's bound is computed once, in the zone.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar, Unpack

from sqlalchemy import ColumnElement, DateTime, Select, case, func, literal, select
from sqlalchemy.orm import Session

from domain import ledger
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import Building, ChangeStatus, Colour, ColourChange, Household, MemberLink, Visit

CHUNK = 5000  # ids in one IN (...)


def undone_colours(session: Session, moment: datetime) -> dict[int, str]:
    """The households whose colour changed since ``moment``, with their colour then."""
    then: dict[int, str] = {}
    for hid, from_colour in session.execute(
            select(ColourChange.household_id, ColourChange.from_colour).where(
                ColourChange.status == ChangeStatus.CONFIRMED, ColourChange.decided_at >= moment)
            .order_by(ColourChange.decided_at.desc(), ColourChange.id.desc())):
        then[hid] = from_colour  # newest first: the earliest change is written last
    return then


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    listed = sorted(ids)
    for i in range(0, len(listed), CHUNK):
        yield listed[i:i + CHUNK]


_Q = TypeVar("_Q", bound="Select[Unpack[tuple[Any, ...]]]")


def _in_buildings(q: _Q, building_ids: Collection[int] | None) -> _Q:
    return q if building_ids is None else q.where(Household.building_id.in_(list(building_ids)))


def colours_by_building(session: Session, moment: datetime, building_ids: Collection[int] | None = None
                        ) -> Counter[tuple[int, str]]:
    """Households by (building id, colour at ``moment``), for every building (or those given)."""
    q = select(Household.building_id, Household.colour, func.count(Household.id))
    counts: Counter[tuple[int, str]] = Counter({
        (bid, colour): int(n) for bid, colour, n in
        session.execute(_in_buildings(q, building_ids).group_by(Household.building_id, Household.colour))})
    then = undone_colours(session, moment)
    for ids in _chunks(then):
        for hid, bid, colour in session.execute(_in_buildings(
                select(Household.id, Household.building_id, Household.colour).where(Household.id.in_(ids)),
                building_ids)):
            counts[(bid, colour)] -= 1
            counts[(bid, then[hid])] += 1
    return +counts  # without the zeros


def overdue_by_building(session: Session, clock: Clock, settings: Settings, moment: datetime, day: date,
                        building_ids: Collection[int] | None = None) -> Counter[tuple[int, int, int]]:
    """Linked households by (building id, grid id, member id) whose visit was overdue on the local
    ``day``, with the colours at ``moment``."""
    cutoff = clock.to_utc(datetime.combine(day + timedelta(days=1), time.min))
    bounds = {colour: clock.to_utc(datetime.combine(day - timedelta(days=ledger.visit_pace(settings, colour)),
                                                    time.min)) for colour in Colour.ALL}

    def bound(colour: str) -> datetime:
        return bounds.get(colour, bounds[Colour.GREEN])

    seen = (select(func.max(Visit.visited_at))  # by the index on (household, visited_at)
            .where(Visit.household_id == Household.id, Visit.visited_at < cutoff).scalar_subquery())
    since = func.coalesce(seen, MemberLink.created_at)
    due_before: ColumnElement[datetime] = case(
        *((Household.colour == c, literal(bound(c), DateTime)) for c in (Colour.ORANGE, Colour.YELLOW, Colour.BLUE)),
        else_=literal(bound(Colour.GREEN), DateTime))
    linked = (select(Household.building_id, Building.grid_id, MemberLink.member_id)
              .join(MemberLink, MemberLink.household_id == Household.id)
              .join(Building, Building.id == Household.building_id))
    counts: Counter[tuple[int, int, int]] = Counter({
        (bid, gid, mid): int(n) for bid, gid, mid, n in session.execute(_in_buildings(
            linked.add_columns(func.count(Household.id)).where(since < due_before), building_ids)
            .group_by(Household.building_id, Building.grid_id, MemberLink.member_id))})
    then = undone_colours(session, moment)
    for ids in _chunks(then):  # counted above with today's colour: recount with the colour then
        for bid, gid, mid, hid, colour, at in session.execute(_in_buildings(
                linked.add_columns(Household.id, Household.colour, since).where(Household.id.in_(ids)),
                building_ids)):
            counts[(bid, gid, mid)] += (at < bound(then[hid])) - (at < bound(colour))
    return +counts
