"""台账 for the console (issue 13): buildings → households, members' links and load, visits due
and overdue by member and grid, 微心愿 — each scoped by ``domain.console.building_scope``.

A household's colour and its reason appear only where ``access.may_list_colours`` allows
(staff); for anyone else the rows carry no colour at all (not hidden by the page: never read).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain import ledger
from domain.access import may_list_colours
from domain.console import Viewer, building_scope
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import (
    Building,
    Grid,
    Household,
    MemberLink,
    Person,
    Role,
    Wish,
    WishStatus,
)

#: a member looks after 5–15 households (the upper bound is each member's own capacity)
LOAD_MIN = 5


@dataclass(frozen=True)
class BuildingRow:
    id: int
    name: str
    grid: str
    households: int
    linked: int
    colours: tuple[tuple[str, str, int], ...] = ()  # (colour, short name, count): staff only


@dataclass(frozen=True)
class HouseholdRow:
    address: str
    head: str
    member: str
    last_visit: str
    colour: str = ""  # code, staff only
    colour_name: str = ""
    reason: str = ""


@dataclass(frozen=True)
class MemberRow:
    name: str
    grid: str
    load: int
    capacity: int
    state: str  # under / ok / over
    due: int
    overdue: int

    @property
    def state_name(self) -> str:
        return {"under": T.LEDGER_LOAD_UNDER, "over": T.LEDGER_LOAD_OVER}.get(self.state, T.LEDGER_LOAD_OK)


@dataclass(frozen=True)
class GridRow:
    name: str
    due: int
    overdue: int


@dataclass(frozen=True)
class WishRow:
    code: str
    building: str
    text: str
    status: str
    claimed_by: str
    at: str


@dataclass
class _Load:
    name: str
    capacity: int
    grids: Counter[str] = field(default_factory=Counter)
    load: int = 0


def shows_colours(viewer: Viewer) -> bool:
    return may_list_colours(viewer.role)


def buildings(session: Session, viewer: Viewer) -> list[BuildingRow]:
    """Every building in scope, with its households, how many are linked, and (staff) colours."""
    scope = building_scope(viewer)
    rows = session.execute(select(Building.id, Building.name, Grid.name).join(Grid, Grid.id == Building.grid_id)
                           .where(scope).order_by(Grid.id, Building.id)).all()
    counts = dict(session.execute(select(Household.building_id, func.count(Household.id))
                                  .join(Building, Building.id == Household.building_id).where(scope)
                                  .group_by(Household.building_id)).all())
    linked = dict(session.execute(select(Household.building_id, func.count(MemberLink.id))
                                  .join(MemberLink, MemberLink.household_id == Household.id)
                                  .join(Building, Building.id == Household.building_id).where(scope)
                                  .group_by(Household.building_id)).all())
    colours: dict[int, Counter[str]] = defaultdict(Counter)
    if shows_colours(viewer):
        for bid, colour, n in session.execute(
                select(Household.building_id, Household.colour, func.count(Household.id))
                .join(Building, Building.id == Household.building_id).where(scope)
                .group_by(Household.building_id, Household.colour)):
            colours[bid][colour] = n
    order = list(T.COLOUR_SHORT)
    return [BuildingRow(bid, name, grid, counts.get(bid, 0), linked.get(bid, 0),
                        tuple((c, T.COLOUR_SHORT[c], colours[bid][c]) for c in order if colours[bid][c]))
            for bid, name, grid in rows]


def building_households(session: Session, clock: Clock, viewer: Viewer,
                        building_id: int) -> tuple[str, list[HouseholdRow]] | None:
    """One building's households (None when it is not the viewer's to see)."""
    building = session.scalar(select(Building).where(Building.id == building_id, building_scope(viewer)))
    if building is None:
        return None
    households = session.scalars(select(Household).where(Household.building_id == building.id)
                                 .order_by(Household.unit, Household.room)).all()
    members = dict(session.execute(select(MemberLink.household_id, Person.name)
                                   .join(Person, Person.id == MemberLink.member_id)
                                   .join(Household, Household.id == MemberLink.household_id)
                                   .where(Household.building_id == building.id)).all())
    last = ledger.last_visits(session, household_ids=[h.id for h in households])
    colours = shows_colours(viewer)
    out = []
    for h in households:
        seen = last.get(h.id)
        out.append(HouseholdRow(
            address=h.address, head=h.head_name or "—", member=members.get(h.id, ""),
            last_visit=clock.show(seen, "%Y-%m-%d") if seen else "",
            colour=h.colour if colours else "", colour_name=T.COLOUR_SHORT.get(h.colour, "") if colours else "",
            reason=(h.colour_reason or "") if colours else ""))
    return building.name, out


def members(session: Session, clock: Clock, settings: Settings, viewer: Viewer) -> tuple[list[MemberRow], list[GridRow]]:
    """Each member with households in scope: load (5–15: under and over stand out), visits due
    within the week and overdue; and the same by grid."""
    scope = building_scope(viewer)
    loads = session.execute(
        select(Person.id, Person.name, Person.capacity, Grid.name, func.count(MemberLink.id))
        .join(MemberLink, MemberLink.member_id == Person.id)
        .join(Household, Household.id == MemberLink.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Grid, Grid.id == Building.grid_id)
        .where(scope).group_by(Person.id, Person.name, Person.capacity, Grid.name)).all()
    per: dict[int, _Load] = {}
    for pid, name, capacity, grid, n in loads:
        load = per.setdefault(pid, _Load(name, capacity or 15))
        load.grids[grid] += n
        load.load += n
    idle = session.execute(select(Person.id, Person.name, Person.capacity, Grid.name)
                           .join(Household, Household.id == Person.household_id)
                           .join(Building, Building.id == Household.building_id)
                           .join(Grid, Grid.id == Building.grid_id)
                           .where(scope, Person.role == Role.MEMBER)).all()
    for pid, name, capacity, grid in idle:
        if pid not in per:
            per[pid] = _Load(name, capacity or 15, Counter({grid: 0}))
    dues = _dues(session, clock, settings, viewer)
    due_by: Counter[int] = Counter(d.member_id for d in dues if not d.overdue)
    over_by: Counter[int] = Counter(d.member_id for d in dues if d.overdue)
    rows = []
    for pid, m in per.items():
        state = "under" if m.load < LOAD_MIN else "over" if m.load > m.capacity else "ok"
        grid = m.grids.most_common(1)[0][0] if m.grids else ""
        rows.append(MemberRow(m.name, grid, m.load, m.capacity, state, due_by[pid], over_by[pid]))
    rows.sort(key=lambda r: (-r.overdue, r.state == "ok", r.grid, r.name))
    grid_names = dict(session.execute(select(Grid.id, Grid.name)).all())
    by_grid: dict[str, list[int]] = {}
    for d in dues:
        counts = by_grid.setdefault(grid_names.get(d.grid_id, ""), [0, 0])
        counts[1 if d.overdue else 0] += 1
    grids = [GridRow(name, due, overdue) for name, (due, overdue) in sorted(by_grid.items())]
    return rows, grids


def _dues(session: Session, clock: Clock, settings: Settings, viewer: Viewer) -> list[ledger.Due]:
    today = ledger.local_date(clock, clock.now())
    dues = ledger.visits_due(session, clock, settings, today, community_id=viewer.community_id)
    if viewer.is_staff:
        return dues
    grids = set(viewer.grid_ids)
    return [d for d in dues if d.grid_id in grids]


def wishes(session: Session, clock: Clock, viewer: Viewer, limit: int = 50) -> list[WishRow]:
    """Open and claimed 微心愿 in scope (a wish without a building: staff only)."""
    q = select(Wish).where(Wish.status.in_((WishStatus.OPEN, WishStatus.CLAIMED)))
    if viewer.is_staff:
        if viewer.community_id is not None:
            q = q.where(Wish.community_id == viewer.community_id)
    else:
        q = q.where(Wish.building_id.in_(select(Building.id).where(building_scope(viewer))))
    rows = session.scalars(q.order_by(Wish.status != WishStatus.OPEN, Wish.id).limit(limit)).all()
    return [WishRow(w.code, w.building.name if w.building else "—", w.text[:100],
                    T.WISH_STATUS_NAMES.get(w.status, w.status),
                    w.claimed_by.name if w.claimed_by else "", clock.show(w.created_at, "%Y-%m-%d"))
            for w in rows]
