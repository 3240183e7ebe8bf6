"""A checked import: what each row of the file will write, and the stored rows it updates."""
from __future__ import annotations

from dataclasses import dataclass, field

from domain.workbook.reading import Row
from storage.models import Building, Community, Grid, Household, Person


@dataclass
class BuildingPlan:
    row: Row
    community: str
    grid: str
    code: str
    name: str
    group: str | None
    leader: PersonRef | None = None
    existing: Building | None = None


@dataclass
class HouseholdPlan:
    row: Row
    code: str
    unit: str
    room: str
    floor: int
    head: str | None
    phone: str | None
    colour: str
    reason: str | None
    notes: str | None
    member: PersonRef | None = None
    existing: Household | None = None
    birth_years: list[int] | None = None  # None: the column is absent
    tags: list[str] | None = None


@dataclass
class PersonPlan:
    row: Row
    community: str
    name: str
    role: str
    wechat: str | None
    phone: str | None
    address: tuple[str, str, str] | None
    grids: list[str]
    strengths: str | None
    capacity: int | None
    existing: Person | None = None


@dataclass
class PersonRef:
    """Who a 联户党员 / 楼栋长 cell names: a row of the 人员 table, or someone already stored."""

    plan: PersonPlan | None = None
    person: Person | None = None


@dataclass
class Plan:
    buildings: dict[str, BuildingPlan] = field(default_factory=dict)  # by 楼号
    households: dict[tuple[str, str, str], HouseholdPlan] = field(default_factory=dict)
    people: list[PersonPlan] = field(default_factory=list)
    communities: dict[str, Community | None] = field(default_factory=dict)
    grids: dict[tuple[str, str], Grid | None] = field(default_factory=dict)
    stored_buildings: dict[str, Building] = field(default_factory=dict)  # referenced, not in the file
    stored_households: dict[tuple[str, str, str], Household] = field(default_factory=dict)
    grid_workers: dict[tuple[str, str], PersonPlan] = field(default_factory=dict)
