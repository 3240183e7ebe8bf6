"""The 台账 as a workbook: ``lianhu export FILE.xlsx``.

The first three sheets (楼栋, 住户, 人员) have exactly the columns ``domain.workbook.schema``
reads, so exporting and importing again reproduces the same ledger. Every sheet has
Chinese headers, a frozen header row, column widths and a filter, and opens in Excel
and LibreOffice.

More sheets (visits, tickets with their timelines, colour changes, wishes, points...)
are added by appending to ``EXTRA_SHEETS``; the importer ignores sheets it does not
know::

    from domain.workbook import exporter

    def write_visits(session, ws, communities):
        exporter.write_table(ws, [exporter.Header("日期", 12), exporter.Header("走访人", 10)],
                             rows_for(session, communities))

    exporter.EXTRA_SHEETS.append(("走访记录", write_visits))
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from domain.workbook import streamed
from domain.workbook.reading import FORMULA_STARTS
from domain.workbook.schema import (
    BUILDINGS,
    COLOUR_WORDS,
    DEFAULT_CAPACITY,
    HOUSEHOLDS,
    LEADER_WORD,
    PEOPLE,
    ROLE_WORDS,
    SHEETS,
)
from storage.models import (
    Building,
    Community,
    Grid,
    Household,
    HouseholdProfile,
    MemberLink,
    Person,
    Role,
)

T_DONE = "已导出 {path}:{buildings} 栋楼、{households} 户、{people} 人{extra}。"
T_NO_COMMUNITY = "没有叫“{name}”的社区。现有:{names}"
T_NOT_XLSX = "导出的文件名应以 .xlsx 结尾,如 台账.xlsx。"


@dataclass(frozen=True)
class Header:
    title: str
    width: int = 12


#: the export streams its sheets (``Workbook(write_only=True)``): a writer appends rows (best
#: through ``write_table``) and cannot read or restyle cells it has written
AnySheet: TypeAlias = Worksheet | WriteOnlyWorksheet
#: a sheet the ledger adds: (sheet name, writer(session, worksheet, communities))
SheetWriter = Callable[[Session, AnySheet, Sequence[Community]], None]
EXTRA_SHEETS: list[tuple[str, SheetWriter]] = []

# the columns export_workbook reads (the outer joins may leave a household's or a person's end empty)
_BuildingRow: TypeAlias = "Row[int, str, str, str, str | None, int | None]"
_HouseholdRow: TypeAlias = ("Row[str, str, str, int, str | None, str | None, str, str | None, str | None, "
                            "int | None, list[Any] | None, list[Any] | None]")
_PersonRow: TypeAlias = ("Row[int, int | None, str, str, str | None, str | None, str | None, str | None, "
                         "str | None, str | None, int]")

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")


def write_table(ws: AnySheet, headers: Sequence[Header], rows: Iterable[Sequence[Any]]) -> int:
    """Headers in row 1 (bold, frozen, filterable), then *rows*; returns how many rows.

    Works on a normal and on a write-only (streaming) worksheet: the layout is set before
    the first row is appended, the filter's range once the rows are counted.
    Write phone numbers, room numbers and codes as text (str) so Excel keeps them as typed.
    """
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = h.width
    ws.freeze_panes = "A2"
    ws.append([_header_cell(ws, h.title) for h in headers])
    cleaned = (["" if v is None else as_text(v) if isinstance(v, str) else v for v in row] for row in rows)
    if isinstance(ws, WriteOnlyWorksheet):  # rendered as XML text, put in by streamed.save
        count = streamed.write_rows(ws, cleaned)
    else:
        count = 0
        for row in cleaned:
            ws.append(row)
            count += 1
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    return count


#: what Excel cannot hold in a cell: control characters (all but tab, line feed and carriage
#: return), lone surrogates and the two non-characters U+FFFE and U+FFFF
_CANNOT_HOLD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CELL_LIMIT = 32767  # characters in one Excel cell
CUT_MARKER = "…(超过 32767 字,已截断)"


def as_text(value: str) -> str:
    """A user's text as a cell shows it, never run: characters Excel cannot hold dropped, a
    start a spreadsheet would read as a formula (= + - @ tab CR) escaped with a leading ',
    which ``lianhu import`` takes off again, and a text over Excel's 32,767 characters cut
    with a marker."""
    text = _CANNOT_HOLD.sub("", value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    if len(text) > CELL_LIMIT:
        text = text[:CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER
    return text


def _header_cell(ws: AnySheet, title: str) -> Any:
    cell = WriteOnlyCell(ws, value=title)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGNMENT
    return cell


def _headers(sheet: str) -> list[Header]:
    return [Header(c.header, c.width) for c in SHEETS[sheet]]


_PARTS = re.compile(r"\d+|\D+")


@lru_cache(maxsize=1 << 16)  # 楼号, 单元 and 门牌 repeat across a district's 40,000 addresses
def natural(text: str | None) -> tuple[Any, ...]:
    """Sort key: "2" before "10", numbers before letters."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _PARTS.findall(text or ""))


def _communities(session: Session, name: str | None) -> list[Community]:
    q = select(Community).order_by(Community.id)
    if name:
        q = q.where(Community.name == name)
    found = list(session.scalars(q))
    if name and not found:
        names = "、".join(session.scalars(select(Community.name).order_by(Community.id))) or "无"
        raise ValueError(T_NO_COMMUNITY.format(name=name, names=names))
    return found


def _person_ref(person: tuple[str, str | None] | None, same_name: dict[str, int]) -> str:
    """How the 楼栋长 / 联户党员 cells name a person (name, 微信号): the name, or the 微信号
    when two share it."""
    if person is None:
        return ""
    name, chat_id = person
    if same_name.get(name, 0) > 1 and chat_id:
        return chat_id
    return name


def _role_word(role: str, person_id: int, leaders: set[int | None]) -> str:
    if role == Role.MEMBER and person_id in leaders:
        return LEADER_WORD
    return ROLE_WORDS.get(role, role)


def export_workbook(session: Session, path: Path, community: str | None = None) -> str:
    """Write the ledger of every community (or the one named) to *path*; returns a summary.
    Raises ValueError (a Chinese sentence) for a name not ending .xlsx or an unknown community.

    Rows are read as plain column tuples, not ORM objects, and streamed to a write-only
    workbook: a district (40,000 households) as ORM graphs plus openpyxl cells took over half a
    gigabyte, and tearing those ORM graphs down crashed the interpreter (see the bench)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(T_NOT_XLSX)
    communities = _communities(session, community)
    ids = [c.id for c in communities]
    order = {cid: i for i, cid in enumerate(ids)}
    community_name = {c.id: c.name for c in communities}
    persons = {pid: (name, chat_id) for pid, name, chat_id in
               session.execute(select(Person.id, Person.name, Person.chat_id))}
    buildings = _building_rows(session, ids, order)
    households = _household_rows(session, ids)
    people = _people_rows(session, ids, order)
    same_name: dict[str, int] = {}
    for p in people:
        if p[3] in Role.HANDLERS:
            same_name[p[2]] = same_name.get(p[2], 0) + 1
    worker_grids = _worker_grids(session, ids, order)

    def ref(person_id: int | None) -> str:
        return _person_ref(None if person_id is None else persons.get(person_id), same_name)

    # streamed: rows go to disk as they are appended instead of living as cell objects
    wb = Workbook(write_only=True)
    write_table(wb.create_sheet(BUILDINGS), _headers(BUILDINGS), (
        (community_name[cid], grid, code, name, group_name, ref(leader))
        for cid, grid, code, name, group_name, leader in buildings))
    write_table(wb.create_sheet(HOUSEHOLDS), _headers(HOUSEHOLDS), (
        (code, unit, room, floor, head_name, phone, COLOUR_WORDS.get(colour, colour), reason, notes, ref(member),
         "、".join(str(y) for y in years or []), "、".join(tags or []))
        for code, unit, room, floor, head_name, phone, colour, reason, notes, member, years, tags in households))
    leaders = {b[5] for b in buildings}
    write_table(wb.create_sheet(PEOPLE), _headers(PEOPLE), (
        (community_name.get(cid, "") if cid is not None else "", name, _role_word(role, pid, leaders), chat_id,
         phone, f"{code}-{unit}-{room}" if code is not None else "", "、".join(worker_grids.get(pid, [])),
         strengths,
         capacity if role == Role.MEMBER or (role in Role.HANDLERS and capacity != DEFAULT_CAPACITY) else None)
        for pid, cid, name, role, chat_id, phone, code, unit, room, strengths, capacity in people))
    extra = []
    for name, writer in EXTRA_SHEETS:
        writer(session, wb.create_sheet(name), communities)
        extra.append(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    streamed.save(wb, path)
    return T_DONE.format(path=path, buildings=len(buildings), households=len(households), people=len(people),
                         extra=("、另有 " + "、".join(extra)) if extra else "")


def _building_rows(session: Session, ids: list[int], order: dict[int, int]) -> list[_BuildingRow]:
    """(community id, grid, 楼号, name, 群名, 楼栋长 id) of each building, by community and 楼号."""
    return sorted(
        session.execute(select(Grid.community_id, Grid.name, Building.code, Building.name, Building.group_name,
                               Building.default_member_id)
                        .join(Grid, Grid.id == Building.grid_id).where(Grid.community_id.in_(ids))
                        .order_by(Building.id)).all(),
        key=lambda b: (order[b[0]], natural(b[2])))


def _household_rows(session: Session, ids: list[int]) -> list[_HouseholdRow]:
    """The 住户 columns of each household, its 联户党员's id, birth years and tags, by address."""
    return sorted(
        session.execute(select(Building.code, Household.unit, Household.room, Household.floor, Household.head_name,
                               Household.phone, Household.colour, Household.colour_reason, Household.notes,
                               MemberLink.member_id, HouseholdProfile.birth_years, HouseholdProfile.tags)
                        .join(Building, Building.id == Household.building_id).join(Grid, Grid.id == Building.grid_id)
                        .outerjoin(MemberLink, MemberLink.household_id == Household.id)
                        .outerjoin(HouseholdProfile, HouseholdProfile.household_id == Household.id)
                        .where(Grid.community_id.in_(ids)).order_by(Household.id)).all(),
        key=lambda h: (natural(h[0]), natural(h[1]), h[3], natural(h[2])))


def _people_rows(session: Session, ids: list[int], order: dict[int, int]) -> list[_PersonRow]:
    """The 人员 columns of everyone in the ledger, by community, rank and id."""
    rank = {r: i for i, r in enumerate((Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.MEMBER, Role.RESIDENT))}
    return sorted(
        session.execute(select(Person.id, Person.community_id, Person.name, Person.role, Person.chat_id,
                               Person.phone, Building.code, Household.unit, Household.room, Person.strengths,
                               Person.capacity)
                        .outerjoin(Household, Household.id == Person.household_id)
                        .outerjoin(Building, Building.id == Household.building_id)
                        .where(Person.community_id.in_(ids),
                               # residents who only chatted are not in the ledger
                               (Person.role != Role.RESIDENT) | Person.household_id.isnot(None))).all(),
        key=lambda p: (len(order) if p[1] is None else order[p[1]], rank.get(p[3], 9), p[0]))


def _worker_grids(session: Session, ids: list[int], order: dict[int, int]) -> dict[int, list[str]]:
    """The grids of each 网格员, by person id."""
    worker_grids: dict[int, list[str]] = {}
    grids = session.execute(select(Grid.community_id, Grid.id, Grid.worker_id, Grid.name)
                            .where(Grid.community_id.in_(ids), Grid.worker_id.isnot(None))).all()
    for _, _, worker_id, grid in sorted(grids, key=lambda g: (order[g[0]], g[1])):
        if worker_id is not None:
            worker_grids.setdefault(worker_id, []).append(grid)
    return worker_grids
