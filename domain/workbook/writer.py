"""Writing a checked plan: an upsert by natural keys, in stages."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import household_profiles as profiles
from domain.workbook.plan import PersonRef, Plan
from domain.workbook.schema import DEFAULT_CAPACITY
from storage.models import (
    Base,
    Building,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
)

_Row = TypeVar("_Row", bound=Base)


class Writer:
    """Adds or updates what a checked plan says, counting rows created and updated."""

    def __init__(self, session: Session, plan: Plan, now: datetime) -> None:
        self.session = session
        self.plan = plan
        self.now = now
        self.created = 0
        self.updated = 0
        self.communities: dict[str, Community] = {}
        self.grids: dict[tuple[str, str], Grid] = {}
        self.buildings: dict[str, Building] = dict(plan.stored_buildings)
        self.households: dict[tuple[str, str, str], Household] = dict(plan.stored_households)
        self.people: dict[int, Person] = {}  # by id() of the PersonPlan

    def count(self, existing: object) -> None:
        if existing is None:
            self.created += 1
        else:
            self.updated += 1

    def add(self, obj: _Row) -> _Row:
        self.session.add(obj)
        self.created += 1
        return obj

    def community(self, name: str) -> Community:
        if name not in self.communities:
            stored = self.plan.communities.get(name)
            if stored is not None:
                self.updated += 1
            self.communities[name] = stored or self.add(Community(name=name))
        return self.communities[name]

    def grid(self, community: str, name: str) -> Grid:
        if (community, name) not in self.grids:
            stored = self.plan.grids.get((community, name))
            if stored is not None:
                self.updated += 1
            self.grids[community, name] = stored or self.add(Grid(community=self.community(community),
                                                                   name=name))
        return self.grids[community, name]

    def stages(self) -> list[Callable[[], None]]:
        """The writing steps, each flushed before the next: a 楼栋长 lives in a household of
        the building he leads, a cycle the unit of work cannot order in a single flush."""
        return [self.write_buildings, self.write_households, self.write_people, self.write_links]

    def write_buildings(self) -> None:
        for b in self.plan.buildings.values():
            building = b.existing
            grid = self.grid(b.community, b.grid)
            if building is None:
                building = self.add(Building(grid=grid, name=b.name, code=b.code))
            else:
                self.updated += 1
                building.grid = grid
                if b.row.has("building"):
                    building.name = b.name
            if b.row.has("group"):
                building.group_name = b.group
            self.buildings[b.code] = building

    def write_households(self) -> None:
        for address, h in self.plan.households.items():
            household = h.existing
            if household is None:
                household = self.add(Household(building=self.buildings[h.code], unit=h.unit, room=h.room,
                                               floor=h.floor, colour=h.colour))
            else:
                self.updated += 1
            household.floor = h.floor
            row = h.row
            for key, attr, value in (("head", "head_name", h.head), ("phone", "phone", h.phone),
                                     ("colour", "colour", h.colour), ("reason", "colour_reason", h.reason),
                                     ("notes", "notes", h.notes)):
                if row.has(key):
                    setattr(household, attr, value)
            self.households[address] = household
            if h.birth_years is not None or h.tags is not None:
                profiles.set_profile(self.session, household, birth_years=h.birth_years, tags=h.tags)

    def write_people(self) -> None:
        for p in self.plan.people:
            person = p.existing
            community = self.community(p.community)
            if person is None:
                person = self.add(Person(name=p.name, chat_id=p.wechat, role=p.role, community=community,
                                         capacity=p.capacity or DEFAULT_CAPACITY, created_at=self.now))
            else:
                self.updated += 1
                person.name, person.role, person.community = p.name, p.role, community
                if p.row.has("capacity"):
                    person.capacity = p.capacity or DEFAULT_CAPACITY
            row = p.row
            if row.has("phone"):
                person.phone = p.phone
            if row.has("strengths"):
                person.strengths = p.strengths
            if row.has("address"):
                person.household = self.households[p.address] if p.address else None
            self.people[id(p)] = person

    def write_links(self) -> None:
        """Grid workers, 楼栋长 and 联户, by id: the rows they join are stored by now."""
        plan = self.plan
        for (community, grid), p in plan.grid_workers.items():
            self.grid(community, grid).worker_id = self.people[id(p)].id
        for b in plan.buildings.values():
            if b.row.has("leader"):
                leader = self.person(b.leader)
                self.buildings[b.code].default_member_id = leader.id if leader else None
        links = {link.household_id: link for link in self.session.scalars(select(MemberLink).where(
            MemberLink.household_id.in_([h.id for h in self.households.values()])))}
        for address, h in plan.households.items():
            if not h.row.has("member"):
                continue
            household = self.households[address]
            member = self.person(h.member)
            link = links.get(household.id)
            if member is None:
                if link is not None:
                    self.session.delete(link)
            elif link is None:
                self.add(MemberLink(member_id=member.id, household_id=household.id, created_at=self.now))
            elif link.member_id != member.id:
                link.member_id = member.id
                link.created_at = self.now

    def refresh(self) -> None:
        """Relationships set by id above are reloaded when next read."""
        for obj, attrs in ([(g, ["worker"]) for g in self.grids.values()]
                           + [(b, ["default_member"]) for b in self.buildings.values()]
                           + [(h, ["link"]) for h in self.households.values()]
                           + [(p, ["links"]) for p in self.people.values()]):
            self.session.expire(obj, attrs)

    def person(self, ref: PersonRef | None) -> Person | None:
        if ref is None:
            return None
        if ref.plan is not None:
            return self.people[id(ref.plan)]
        return ref.person

