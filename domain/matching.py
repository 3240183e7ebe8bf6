"""Linking members to households (就近方便、双向选择): proposals staff accept whole or in part.

Which households need a member: those with no link, and those badly linked (the member
is no longer a member of the household's community, or looks after more households than
their capacity: the ones furthest from them are offered to others).

For each, in order orange, yellow, blue, green (the households needing a fitted member
first), the proposed member is the best one with room:
  1. nearest: same building, else same grid (nearest building number first), else the
     same community; a member's place is their own home, else where most of their
     households are;
  2. colour duty fitted to strengths (blue → 致富带富, yellow → 调解沟通,
     orange → 时间充裕 or 医护);
  3. the lightest load relative to capacity.
Capacity is never exceeded, and a member never gets a household they declined.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast
from datetime import datetime

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from domain.ledger import DUTY_STRENGTHS, parse_strengths
from kernel import texts as T
from kernel.clock import Clock
from storage.models import (
    Building,
    ChangeStatus,
    Colour,
    Grid,
    Household,
    LinkProposal,
    MemberDecline,
    MemberLink,
    Person,
    Role,
)

COLOUR_ORDER = {Colour.ORANGE: 0, Colour.YELLOW: 1, Colour.BLUE: 2, Colour.GREEN: 3}
TIER_NAMES = ("同楼", "同网格", "同社区")


@dataclass(frozen=True)
class Line:
    household_id: int
    address: str
    member_id: int
    member_name: str
    previous_member_id: int | None
    why: str


@dataclass
class Proposal:
    lines: list[Line]
    unmatched: list[tuple[int, str]]  # (household id, address): nobody with room
    batch: int | None = None


@dataclass
class _Member:
    id: int
    name: str
    capacity: int
    strengths: set[str]
    building_id: int | None
    grid_id: int | None
    load: int = 0

    @property
    def room(self) -> int:
        return self.capacity - self.load


@lru_cache(maxsize=4096)
def _code_number(code: str) -> int | None:
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else None


#: a building's grid and 楼号, by building id
_Buildings = dict[int, tuple[int, str]]
#: (household id, building id, 单元, 门牌, colour, linked member id or None)
_HouseholdRow = tuple[int, int, str, str, str, int | None]


def _distance(buildings: _Buildings, m: _Member, building_id: int) -> tuple[int, int]:
    """How far a member is from a building: (tier: same building, grid, community; 楼号 apart)."""
    if m.building_id == building_id:
        return 0, 0
    grid_id, code = buildings[building_id]
    if m.grid_id is not None and m.grid_id == grid_id:
        a, b = _code_number(code), _code_number(buildings[m.building_id][1]) if m.building_id else None
        return 1, abs(a - b) if a is not None and b is not None else 999
    return 2, 0


def _fit(m: _Member, colour: str) -> bool:
    return bool(m.strengths & DUTY_STRENGTHS.get(colour, frozenset()))


def propose(session: Session, community_id: int) -> Proposal:
    """What staff should link, for one community (nothing is changed)."""
    buildings = {bid: (grid_id, code) for bid, grid_id, code in session.execute(
        select(Building.id, Building.grid_id, Building.code).join(Grid)
        .where(Grid.community_id == community_id))}
    if not buildings:
        return Proposal([], [])
    linked = session.execute(
        select(Household.id, Household.building_id, Household.unit, Household.room, Household.colour,
               MemberLink.member_id)
        .outerjoin(MemberLink, MemberLink.household_id == Household.id)
        .where(Household.building_id.in_(list(buildings))))
    households: list[_HouseholdRow] = [(hid, bid, unit, room, colour, member)
                                       for hid, bid, unit, room, colour, member in linked]
    links_by_member: dict[int, list[_HouseholdRow]] = defaultdict(list)
    for row in households:
        if row[5] is not None:
            links_by_member[row[5]].append(row)
    members = _members(session, community_id, buildings, links_by_member)
    # other handlers (a grid worker, staff) of this community may keep the links they have
    others = {mid for mid in links_by_member if mid not in members}
    keepers = set(session.scalars(select(Person.id).where(
        Person.id.in_(others), Person.role.in_(Role.HANDLERS),
        Person.community_id == community_id))) if others else set()
    declined = {(member, household) for member, household in session.execute(
        select(MemberDecline.member_id, MemberDecline.household_id)
        .where(MemberDecline.household_id.in_([h[0] for h in households])))} if households else set()
    # who needs a (new) member
    needing: list[_HouseholdRow] = []
    for row in households:
        mid = row[5]
        if mid is None:
            needing.append(row)
        elif mid not in members and mid not in keepers:
            needing.append(row)  # no longer a member, or not of this community
    for mid, rows in links_by_member.items():
        if mid not in members:
            continue
        m = members[mid]
        keep = sorted(rows, key=lambda r: (_distance(buildings, m, r[1]), not _fit(m, r[4]), r[0]))
        m.load = min(len(keep), m.capacity)
        needing.extend(keep[m.capacity:])  # over capacity: the furthest go to others
    return _assign(buildings, list(members.values()), needing, declined)


def _members(session: Session, community_id: int, buildings: _Buildings,
             links_by_member: dict[int, list[_HouseholdRow]]) -> dict[int, _Member]:
    """The community's 联户党员, each placed at home, else where most of their households are."""
    people = session.execute(
        select(Person.id, Person.name, Person.capacity, Person.strengths, Household.building_id)
        .outerjoin(Household, Household.id == Person.household_id)
        .where(Person.role == Role.MEMBER, Person.community_id == community_id)
        .order_by(Person.id)).all()
    home = {pid: bid for pid, _, _, _, bid in people if bid in buildings}
    members: dict[int, _Member] = {}
    for pid, name, capacity, strengths, _ in people:
        place = home.get(pid)
        if place is None and links_by_member.get(pid):
            place = Counter(r[1] for r in links_by_member[pid]).most_common(1)[0][0]
        members[pid] = _Member(pid, name, max(0, capacity or 0), parse_strengths(strengths), place,
                               buildings[place][0] if place is not None else None)
    return members


def _assign(buildings: _Buildings, everyone: list[_Member], needing: list[_HouseholdRow],
            declined: set[tuple[int, int]]) -> Proposal:
    """The best member with room for each household, in colour order."""
    by_building: dict[int, list[_Member]] = defaultdict(list)
    by_grid: dict[int, list[_Member]] = defaultdict(list)
    for m in everyone:
        if m.building_id is not None and m.grid_id is not None:
            by_building[m.building_id].append(m)
            by_grid[m.grid_id].append(m)
    needing.sort(key=lambda r: (COLOUR_ORDER.get(r[4], 9), r[1], r[2], r[3]))
    lines: list[Line] = []
    unmatched: list[tuple[int, str]] = []
    for hid, bid, unit, room, colour, previous in needing:
        address = f"{buildings[bid][1]}-{unit}-{room}"
        best: _Member | None = None
        for pool in (by_building.get(bid, ()), by_grid.get(buildings[bid][0], ()), everyone):
            options = [m for m in pool if m.room > 0 and m.id != previous and (m.id, hid) not in declined]
            if options:
                best = min(options, key=lambda m: (_distance(buildings, m, bid), not _fit(m, colour),
                                                   m.load / max(m.capacity, 1), m.id))
                break
        if best is None:
            unmatched.append((hid, address))
            continue
        best.load += 1
        why = TIER_NAMES[_distance(buildings, best, bid)[0]]
        if _fit(best, colour):
            why += "," + "、".join(sorted(best.strengths & DUTY_STRENGTHS[colour]))
        if previous is not None:
            why += ",替换原联户人"
        lines.append(Line(hid, address, best.id, best.name, previous, why))
    return Proposal(lines, unmatched)


def store(session: Session, clock: Clock, community_id: int, proposal: Proposal) -> int:
    """Keep a proposal for staff to accept; older pending proposals of the community lapse."""
    session.execute(update(LinkProposal).where(
        LinkProposal.community_id == community_id, LinkProposal.status == ChangeStatus.PENDING)
        .values(status=ChangeStatus.SUPERSEDED))
    batch = (session.scalar(select(func.max(LinkProposal.batch))) or 0) + 1
    now = clock.now()
    if proposal.lines:  # one multi-row INSERT, not an object a line
        session.connection().execute(insert(cast(Table, LinkProposal.__table__)), [
            {"batch": batch, "line": i, "community_id": community_id, "household_id": line.household_id,
             "member_id": line.member_id, "previous_member_id": line.previous_member_id, "why": line.why[:200],
             "status": ChangeStatus.PENDING, "created_at": now}
            for i, line in enumerate(proposal.lines, start=1)])
    proposal.batch = batch
    return batch


def parse_lines(text: str) -> set[int] | None:
    """'1,3,5-7' → {1, 3, 5, 6, 7}; '' or '全部' → None (all). Raises ValueError on nonsense."""
    t = text.replace(",", ",").replace("、", ",").replace(" ", ",").strip(",")
    if t in ("", "全部", "all"):
        return None
    out: set[int] = set()
    for part in filter(None, t.split(",")):
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise ValueError(part)
        out.update(range(int(lo), int(hi) + 1) if dash else {int(lo)})
    return out


@dataclass
class Accepted:
    linked: int
    skipped: list[str]  # addresses: changed since the proposal, or the member is full


def accept(session: Session, clock: Clock, batch: int, lines: Iterable[int] | None = None) -> Accepted:
    """Link the chosen lines of a pending proposal (all when ``lines`` is None).

    Read as plain rows and written in a few statements (a district's 11,000 lines took
    thousands of ORM flushes); objects of the session that show links are expired after."""
    session.flush()
    q = select(LinkProposal.id, LinkProposal.household_id, LinkProposal.member_id,
               LinkProposal.previous_member_id).where(
        LinkProposal.batch == batch, LinkProposal.status == ChangeStatus.PENDING)
    if lines is not None:
        q = q.where(LinkProposal.line.in_(list(lines)))
    rows = session.execute(q.order_by(LinkProposal.line)).all()
    result = Accepted(0, [])
    if not rows:
        return result
    now = clock.now()
    households = [r.household_id for r in rows]
    links = {hid: (link_id, mid) for link_id, hid, mid in session.execute(
        select(MemberLink.id, MemberLink.household_id, MemberLink.member_id)
        .where(MemberLink.household_id.in_(households)))}
    wanted = {r.member_id for r in rows}
    capacity = dict(session.execute(select(Person.id, Person.capacity).where(Person.id.in_(wanted))).all())
    loads = dict(session.execute(select(MemberLink.member_id, func.count(MemberLink.id)).where(
        MemberLink.member_id.in_(wanted)).group_by(MemberLink.member_id)).all())
    confirmed, rejected, added, moved = [], [], [], []
    for row in rows:
        link = links.get(row.household_id)
        current = link[1] if link is not None else None
        if current != row.previous_member_id or loads.get(row.member_id, 0) >= capacity[row.member_id]:
            rejected.append(row)
            continue
        if link is None:
            added.append({"household_id": row.household_id, "member_id": row.member_id, "created_at": now})
            links[row.household_id] = (0, row.member_id)  # linked now: a second line for it is skipped
        else:
            loads[link[1]] = loads.get(link[1], 1) - 1
            moved.append({"id": link[0], "member_id": row.member_id, "created_at": now})
            links[row.household_id] = (link[0], row.member_id)
        loads[row.member_id] = loads.get(row.member_id, 0) + 1
        confirmed.append(row.id)
    _write_accepted(session, now, confirmed, [r.id for r in rejected], added, moved)
    result.linked = len(confirmed)
    result.skipped = _addresses(session, [r.household_id for r in rejected])
    return result


def _write_accepted(session: Session, now: datetime, confirmed: list[int], rejected: list[int],
                    added: list[dict[str, object]], moved: list[dict[str, object]]) -> None:
    for status, ids in ((ChangeStatus.CONFIRMED, confirmed), (ChangeStatus.REJECTED, rejected)):
        for i in range(0, len(ids), 5000):
            session.execute(update(LinkProposal).where(LinkProposal.id.in_(ids[i:i + 5000]))
                            .values(status=status, decided_at=now).execution_options(synchronize_session=False))
    if moved:
        session.execute(update(MemberLink), moved)  # by primary key
    if added:  # Core: the rows are plain values, no objects to keep in step
        session.connection().execute(insert(cast(Table, MemberLink.__table__)), added)
    for obj in list(session.identity_map.values()):  # what the session holds no longer shows the links
        if isinstance(obj, MemberLink | LinkProposal):
            session.expire(obj)
        elif isinstance(obj, Household):
            session.expire(obj, ["link"])
        elif isinstance(obj, Person):
            session.expire(obj, ["links"])


def _addresses(session: Session, household_ids: list[int]) -> list[str]:
    if not household_ids:
        return []
    found = {hid: f"{code}-{unit}-{room}" for hid, code, unit, room in session.execute(
        select(Household.id, Building.code, Household.unit, Household.room)
        .join(Building, Building.id == Household.building_id).where(Household.id.in_(household_ids)))}
    return [found[hid] for hid in household_ids]


def pending_lines(session: Session, batch: int) -> list[LinkProposal]:
    return list(session.scalars(select(LinkProposal).where(
        LinkProposal.batch == batch).order_by(LinkProposal.line)))


MATCH_LINES_IN_CHAT = 40


def proposal_text(clock: Clock, proposal: Proposal, limit: int | None = MATCH_LINES_IN_CHAT) -> str:
    if not proposal.lines and not proposal.unmatched:
        return T.MATCH_NOTHING
    lines = [T.MATCH_HEAD.format(batch=proposal.batch, count=len(proposal.lines),
                                 unmatched=len(proposal.unmatched))]
    shown = proposal.lines if limit is None else proposal.lines[:limit]
    lines += [T.MATCH_LINE.format(line=i, address=p.address, name=p.member_name, why=p.why)
              for i, p in enumerate(shown, start=1)]
    if len(shown) < len(proposal.lines):
        lines.append(T.MATCH_MORE.format(count=len(proposal.lines) - len(shown)))
    if proposal.unmatched:
        lines.append(T.MATCH_UNMATCHED.format(
            addresses="、".join(a for _, a in proposal.unmatched[:20])
            + ("等" if len(proposal.unmatched) > 20 else "")))
    if proposal.lines:
        lines.append(T.MATCH_FOOT.format(batch=proposal.batch))
    return "\n".join(lines)
