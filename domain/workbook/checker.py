"""Checking: rows into a plan. Every row is read and every problem collected; buildings,
households and people are resolved against the file and what is stored (queries only:
nothing is added to the session here)."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import household_profiles as profiles
from domain.workbook.plan import (
    BuildingPlan,
    HouseholdPlan,
    PersonPlan,
    PersonRef,
    Plan,
)
from domain.workbook.reading import Row, Table, problem
from domain.workbook.schema import (
    BUILDINGS,
    HOUSEHOLDS,
    PEOPLE,
    ROLE_WORDS,
    SHEETS,
    capacity_of,
    clean_phone,
    colour_of,
    is_room,
    is_word,
    role_of,
)
from domain.workbook.texts import (
    T_BAD_BIRTH_YEARS,
    T_BAD_TAGS,
    T_AMBIGUOUS_BUILDING,
    T_AMBIGUOUS_MEMBER,
    T_AMBIGUOUS_PERSON,
    T_BAD_ADDRESS,
    T_BAD_CAPACITY,
    T_BAD_CODE,
    T_BAD_COLOUR,
    T_BAD_FLOOR,
    T_BAD_PHONE,
    T_BAD_ROLE,
    T_BAD_ROOM,
    T_BAD_UNIT,
    T_BUILDING_ELSEWHERE,
    T_DUP_ADDRESS,
    T_DUP_BUILDING,
    T_DUP_BUILDING_NAME,
    T_DUP_GROUP,
    T_DUP_PERSON,
    T_DUP_WECHAT,
    T_GRID_TAKEN,
    T_NO_FLOOR,
    T_NOT_A_MEMBER,
    T_REQUIRED,
    T_STORED,
    T_UNKNOWN_ADDRESS,
    T_UNKNOWN_BUILDING,
    T_UNKNOWN_COMMUNITY,
    T_UNKNOWN_GRID,
    T_UNKNOWN_MEMBER,
    T_WHICH_COMMUNITY,
)
from kernel.parsing import normalise, parse_address
from storage.models import Building, Colour, Community, Grid, Household, Person, Role


class Checker:
    """Reads every row, collects every problem, and looks up what is already stored
    (queries only: nothing is added to the session here)."""

    def __init__(self, session: Session, tables: list[Table]) -> None:
        self.session = session
        self.tables = tables
        self.problems: list[tuple[tuple[int, str, int], str]] = []  # (sheet order, file, row), text
        self.plan = Plan()

    def bad(self, row: Row, text: str) -> None:
        order = list(SHEETS).index(row.sheet)
        self.problems.append(((order, row.file, row.number), problem(row.file, row.sheet, row.number, text)))

    def rows(self, sheet: str) -> list[Row]:
        return [r for t in self.tables if t.sheet == sheet for r in t.rows]

    def required(self, row: Row) -> bool:
        ok = True
        for col in SHEETS[row.sheet]:
            if col.required and not row.get(col.key):
                self.bad(row, T_REQUIRED.format(column=col.header))
                ok = False
        return ok

    def phone(self, row: Row) -> str | None:
        value = row.get("phone")
        if not value:
            return None
        phone = clean_phone(value)
        if phone is None:
            self.bad(row, T_BAD_PHONE.format(value=value))
        return phone

    # --- the tables ---

    def run(self) -> Plan:
        with self.session.no_autoflush:
            self.check_buildings()
            self.check_households()
            self.check_people()
            self.resolve_references()
        return self.plan

    def check_buildings(self) -> None:
        plan = self.plan
        names: dict[tuple[str, str, str], Row] = {}
        groups: dict[str, Row] = {}
        for row in self.rows(BUILDINGS):
            if not self.required(row):
                continue
            code = normalise(row.get("code"))
            if not is_word(code):
                self.bad(row, T_BAD_CODE.format(value=row.get("code")))
                continue
            community, grid = row.get("community"), row.get("grid")
            name = row.get("building") or f"{code}号楼"
            if code in plan.buildings:
                self.bad(row, T_DUP_BUILDING.format(code=code, where=plan.buildings[code].row.where(row)))
                continue
            if (community, grid, name) in names:
                self.bad(row, T_DUP_BUILDING_NAME.format(name=name, grid=grid,
                                                         where=names[community, grid, name].where(row)))
                continue
            group = row.get("group") or None
            if group and group in groups:
                self.bad(row, T_DUP_GROUP.format(group=group, where=groups[group].where(row)))
                continue
            names[community, grid, name] = row
            if group:
                groups[group] = row
            plan.buildings[code] = BuildingPlan(row, community, grid, code, name, group)
            plan.communities.setdefault(community, None)
            plan.grids.setdefault((community, grid), None)
        self.compare_stored_buildings()

    def compare_stored_buildings(self) -> None:
        """The file's buildings against what is stored: the row each updates, and clashes of
        楼号, building name in its grid, and 群名 with other stored buildings."""
        plan = self.plan
        if plan.communities:
            for c in self.session.scalars(select(Community).where(Community.name.in_(plan.communities))):
                plan.communities[c.name] = c
        stored = self.stored_buildings(list(plan.buildings))
        for code, b in plan.buildings.items():
            others = [s for s in stored.get(code, []) if s.grid.community.name != b.community]
            mine = [s for s in stored.get(code, []) if s.grid.community.name == b.community]
            if others:
                self.bad(b.row, T_BUILDING_ELSEWHERE.format(code=code, community=others[0].grid.community.name))
            b.existing = mine[0] if mine else None
        for (community, grid) in plan.grids:
            stored_community = plan.communities.get(community)
            if stored_community is not None:
                plan.grids[community, grid] = self.session.scalar(
                    select(Grid).where(Grid.community_id == stored_community.id, Grid.name == grid))
        for code, b in plan.buildings.items():
            stored_grid = plan.grids.get((b.community, b.grid))
            if stored_grid is not None:
                clash = self.session.scalar(select(Building).where(
                    Building.grid_id == stored_grid.id, Building.name == b.name, Building.code != code))
                if clash is not None:
                    self.bad(b.row, T_DUP_BUILDING_NAME.format(name=b.name, grid=b.grid,
                                                               where=T_STORED.format(code=clash.code)))
            if b.group:
                clash = self.session.scalar(select(Building).where(
                    Building.group_name == b.group, Building.code != code))
                if clash is not None:
                    self.bad(b.row, T_DUP_GROUP.format(group=b.group, where=T_STORED.format(code=clash.code)))

    def stored_buildings(self, codes: list[str]) -> dict[str, list[Building]]:
        out: dict[str, list[Building]] = defaultdict(list)
        if codes:
            for b in self.session.scalars(select(Building).where(Building.code.in_(codes)).order_by(Building.id)):
                out[b.code].append(b)
        return out

    def building_for(self, row: Row, code: str) -> bool:
        """Whether 楼号 *code* is in the file or stored (once, unambiguously)."""
        plan = self.plan
        if code in plan.buildings or code in plan.stored_buildings:
            return True
        stored = self.stored_buildings([code]).get(code, [])
        if not stored:
            self.bad(row, T_UNKNOWN_BUILDING.format(code=code))
            return False
        if len(stored) > 1:
            self.bad(row, T_AMBIGUOUS_BUILDING.format(code=code))
            return False
        plan.stored_buildings[code] = stored[0]
        return True

    def check_households(self) -> None:
        plan = self.plan
        for row in self.rows(HOUSEHOLDS):
            if not self.required(row):
                continue
            code, unit, room = (normalise(row.get(k)).replace(" ", "") for k in ("code", "unit", "room"))
            ok = True
            if not is_word(code):
                self.bad(row, T_BAD_CODE.format(value=row.get("code")))
                ok = False
            if not is_word(unit):
                self.bad(row, T_BAD_UNIT.format(value=row.get("unit")))
                ok = False
            if not is_room(room):
                self.bad(row, T_BAD_ROOM.format(value=row.get("room")))
                ok = False
            floor = self.floor(row, room if ok else "")
            colour = colour_of(row.get("colour"))
            if colour is None:
                self.bad(row, T_BAD_COLOUR.format(value=row.get("colour")))
                ok = False
            phone = self.phone(row)
            if row.get("phone") and phone is None:
                ok = False
            if not ok or floor is None:
                continue
            if not self.building_for(row, code):
                continue
            address = (code, unit, room)
            if address in plan.households:
                self.bad(row, T_DUP_ADDRESS.format(address="-".join(address),
                                                   where=plan.households[address].row.where(row)))
                continue
            years, tags = self.profile(row)
            plan.households[address] = HouseholdPlan(
                row, code, unit, room, floor, row.get("head") or None, phone, colour or Colour.GREEN,
                row.get("reason") or None, row.get("notes") or None, birth_years=years, tags=tags)
        stored = self.stored_households({a[0] for a in plan.households})
        for address, h in plan.households.items():
            h.existing = stored.get(address)

    def profile(self, row: Row) -> tuple[list[int] | None, list[str] | None]:
        """The 出生年份 and 标签 cells (None where the column is absent); a bad word is reported."""
        years = tags = None
        if row.has("birth_years"):
            years, bad = profiles.parse_birth_years(normalise(row.get("birth_years")), date.today().year)
            if bad:
                self.bad(row, T_BAD_BIRTH_YEARS.format(value="、".join(bad)))
        if row.has("tags"):
            tags, unknown = profiles.parse_tags(normalise(row.get("tags")))
            if unknown:
                self.bad(row, T_BAD_TAGS.format(value="、".join(unknown), known="、".join(profiles.TAGS)))
        return years, tags

    def floor(self, row: Row, room: str) -> int | None:
        value = normalise(row.get("floor"))
        if value:
            if not re.fullmatch(r"-?\d{1,3}", value):
                self.bad(row, T_BAD_FLOOR.format(value=row.get("floor")))
                return None
            return int(value)
        if not room:
            return None
        if len(room) < 3:
            self.bad(row, T_NO_FLOOR.format(value=room))
            return None
        return int(room[:-2])

    def stored_households(self, codes: Iterable[str]) -> dict[tuple[str, str, str], Household]:
        codes = list(codes)
        if not codes:
            return {}
        out = {}
        for h, code in self.session.execute(select(Household, Building.code).join(Building)
                                            .where(Building.code.in_(codes))):
            out[code, h.unit, h.room] = h
        return out

    def household_for(self, row: Row, address: tuple[str, str, str]) -> bool:
        plan = self.plan
        if address in plan.households or address in plan.stored_households:
            return True
        stored = self.stored_households([address[0]]).get(address)
        if stored is None:
            self.bad(row, T_UNKNOWN_ADDRESS.format(address="-".join(address)))
            return False
        plan.stored_households[address] = stored
        return True

    def check_people(self) -> None:
        self.wechat_rows: dict[str, Row] = {}  # the file's people so far, by 微信号
        self.name_rows: dict[tuple[str, str, str], Row] = {}  # ... and without one, by name
        file_communities = sorted(self.plan.communities)
        for row in self.rows(PEOPLE):
            if not self.required(row):
                continue
            p = self.person_plan(row, file_communities)
            if p is None or not self.stored_person(p):
                continue
            for g in p.grids:
                self.plan.grid_workers[p.community, g] = p
            self.plan.people.append(p)

    def person_plan(self, row: Row, file_communities: list[str]) -> PersonPlan | None:
        """A row of 人员 checked cell by cell, every problem reported; None if it has one."""
        role = role_of(row.get("role"))
        ok = role is not None
        if role is None:
            self.bad(row, T_BAD_ROLE.format(value=row.get("role")))
        community, community_ok = self.person_community(row, file_communities)
        phone = self.phone(row)
        ok = ok and community_ok and not (row.get("phone") and phone is None)
        address, address_ok = self.person_address(row)
        capacity = None
        if row.get("capacity"):
            capacity = capacity_of(row.get("capacity"))
            if capacity is None:
                self.bad(row, T_BAD_CAPACITY.format(value=row.get("capacity")))
        ok = ok and address_ok and not (row.get("capacity") and capacity is None)
        grids = [g for g in re.split(r"[,,、;;\s]+", row.get("grid")) if g] if role == Role.GRID_WORKER else []
        grids_ok = self.person_grids(row, community, grids)
        wechat = normalise(row.get("wechat")) or None
        name = row.get("name")
        unique = self.person_unique(row, community, name, role, wechat)
        if not (ok and grids_ok and unique) or role is None:
            return None
        return PersonPlan(row, community, name, role, wechat, phone, address, grids,
                          row.get("strengths") or None, capacity)

    def person_community(self, row: Row, file_communities: list[str]) -> tuple[str, bool]:
        """The community a person belongs to: the row's, or the only one there is."""
        plan = self.plan
        community = row.get("community")
        if not community:
            if len(file_communities) == 1:
                return file_communities[0], True
            names = file_communities or self.stored_community_names()
            if len(names) == 1:
                return names[0], True
            self.bad(row, T_WHICH_COMMUNITY.format(names="、".join(names) or "无"))
            return community, False
        if community not in plan.communities:
            stored = self.session.scalar(select(Community).where(Community.name == community))
            if stored is None:
                self.bad(row, T_UNKNOWN_COMMUNITY.format(community=community))
                return community, False
            plan.communities[community] = stored
        return community, True

    def person_address(self, row: Row) -> tuple[tuple[str, str, str] | None, bool]:
        """The household a person lives in (住址), if given: in the file or stored."""
        if not row.get("address"):
            return None, True
        address = parse_address(row.get("address"))
        if address is None:
            self.bad(row, T_BAD_ADDRESS.format(value=row.get("address")))
            return None, False
        return address, self.household_for(row, address)

    def person_grids(self, row: Row, community: str, grids: list[str]) -> bool:
        """Whether a 网格员's grids are known and have no other 网格员 in the file."""
        plan = self.plan
        ok = True
        for g in grids:
            if community and (community, g) not in plan.grids:
                c = plan.communities.get(community)
                stored = None if c is None else self.session.scalar(
                    select(Grid).where(Grid.community_id == c.id, Grid.name == g))
                if stored is None:
                    self.bad(row, T_UNKNOWN_GRID.format(grid=g))
                    ok = False
                else:
                    plan.grids[community, g] = stored
            if (community, g) in plan.grid_workers:
                self.bad(row, T_GRID_TAKEN.format(grid=g, where=plan.grid_workers[community, g].row.where(row)))
                ok = False
        return ok

    def person_unique(self, row: Row, community: str, name: str, role: str | None, wechat: str | None) -> bool:
        """Whether no earlier row of the file has the same 微信号 (or, without one, name and role)."""
        if wechat and wechat in self.wechat_rows:
            self.bad(row, T_DUP_WECHAT.format(wechat=wechat, where=self.wechat_rows[wechat].where(row)))
            return False
        if not wechat and role and (community, name, role) in self.name_rows:
            self.bad(row, T_DUP_PERSON.format(role=ROLE_WORDS[role], name=name,
                                              where=self.name_rows[community, name, role].where(row)))
            return False
        return True

    def stored_person(self, p: PersonPlan) -> bool:
        """Find the stored person a row updates: by 微信号, else by name and role in the
        community (False, reported, when several match)."""
        if p.wechat:
            self.wechat_rows[p.wechat] = p.row
            p.existing = self.session.scalar(select(Person).where(Person.chat_id == p.wechat))
            return True
        self.name_rows[p.community, p.name, p.role] = p.row
        c = self.plan.communities.get(p.community)
        if c is None:
            return True
        found = self.session.scalars(select(Person).where(
            Person.community_id == c.id, Person.name == p.name, Person.role == p.role)).all()
        if len(found) > 1:
            self.bad(p.row, T_AMBIGUOUS_PERSON.format(role=ROLE_WORDS[p.role], name=p.name))
            return False
        p.existing = found[0] if found else None
        return True

    def stored_community_names(self) -> list[str]:
        return list(self.session.scalars(select(Community.name).order_by(Community.id)))

    def resolve_references(self) -> None:
        # the file's people by 微信号 and by name, in file order (a scan of every person per
        # cell was quadratic: 30,000 联户党员 cells x 4,000 people at district scale)
        self.people_by_wechat: dict[str | None, list[PersonPlan]] = defaultdict(list)
        self.people_by_name: dict[str, list[PersonPlan]] = defaultdict(list)
        for p in self.plan.people:
            self.people_by_wechat[p.wechat].append(p)
            self.people_by_name[p.name].append(p)
        for b in self.plan.buildings.values():
            if b.row.get("leader"):
                b.leader = self.member(b.row, "楼栋长", b.row.get("leader"))
        for h in self.plan.households.values():
            if h.row.get("member"):
                h.member = self.member(h.row, "联户党员", h.row.get("member"))

    def member(self, row: Row, column: str, ref: str) -> PersonRef | None:
        """The person a cell names: by 微信号 first, then by name; people of the file first."""
        handlers = list(self.people_by_wechat.get(ref, ())) or list(self.people_by_name.get(ref, ()))
        if len(handlers) > 1:
            handlers = [p for p in handlers if p.role in Role.HANDLERS] or handlers
        if len(handlers) == 1:
            p = handlers[0]
            if p.role not in Role.HANDLERS:
                self.bad(row, T_NOT_A_MEMBER.format(column=column, ref=ref, role=ROLE_WORDS[p.role]))
                return None
            return PersonRef(plan=p)
        if len(handlers) > 1:
            self.bad(row, T_AMBIGUOUS_MEMBER.format(column=column, ref=ref))
            return None
        stored = self.session.scalars(select(Person).where(Person.chat_id == ref)).all() or \
            self.session.scalars(select(Person).where(Person.name == ref, Person.role.in_(Role.HANDLERS))).all()
        if not stored:
            self.bad(row, T_UNKNOWN_MEMBER.format(column=column, ref=ref))
            return None
        if len(stored) > 1:
            self.bad(row, T_AMBIGUOUS_MEMBER.format(column=column, ref=ref))
            return None
        if stored[0].role not in Role.HANDLERS:
            self.bad(row, T_NOT_A_MEMBER.format(column=column, ref=ref, role=ROLE_WORDS[stored[0].role]))
            return None
        return PersonRef(person=stored[0])

