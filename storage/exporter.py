"""The 台账 as a workbook: ``lianhu export FILE.xlsx``.

The first three sheets (楼栋, 住户, 人员) have exactly the columns ``storage.importer``
reads, so exporting and importing again reproduces the same ledger. Every sheet has
Chinese headers, a frozen header row, column widths and a filter, and opens in Excel
and LibreOffice.

More sheets (visits, tickets with their timelines, colour changes, wishes, points...)
are added by appending to ``EXTRA_SHEETS``; the importer ignores sheets it does not
know::

    from storage import exporter

    def write_visits(session, ws, communities):
        exporter.write_table(ws, [exporter.Header("日期", 12), exporter.Header("走访人", 10)],
                             rows_for(session, communities))

    exporter.EXTRA_SHEETS.append(("走访记录", write_visits))
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.importer import (
    BUILDINGS,
    COLOUR_WORDS,
    DEFAULT_CAPACITY,
    HOUSEHOLDS,
    LEADER_WORD,
    PEOPLE,
    ROLE_WORDS,
    SHEETS,
)
from storage.models import Building, Community, Grid, Household, MemberLink, Person, Role

T_DONE = "已导出 {path}:{buildings} 栋楼、{households} 户、{people} 人{extra}。"
T_NO_COMMUNITY = "没有叫“{name}”的社区。现有:{names}"
T_NOT_XLSX = "导出的文件名应以 .xlsx 结尾,如 台账.xlsx。"


@dataclass(frozen=True)
class Header:
    title: str
    width: int = 12


#: a sheet the ledger adds: (sheet name, writer(session, worksheet, communities))
SheetWriter = Callable[[Session, Worksheet, Sequence[Community]], None]
EXTRA_SHEETS: list[tuple[str, SheetWriter]] = []

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def write_table(ws: Worksheet, headers: Sequence[Header], rows: Iterable[Sequence[Any]]) -> int:
    """Headers in row 1 (bold, frozen, filterable), then *rows*; returns how many rows.

    Write phone numbers, room numbers and codes as text (str) so Excel keeps them as typed.
    """
    ws.append([h.title for h in headers])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = h.width
    count = 0
    for row in rows:
        ws.append(["" if v is None else v for v in row])
        count += 1
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    return count


def _headers(sheet: str) -> list[Header]:
    return [Header(c.header, c.width) for c in SHEETS[sheet]]


def natural(text: str | None) -> tuple[Any, ...]:
    """Sort key: "2" before "10", numbers before letters."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|\D+", text or ""))


def _communities(session: Session, name: str | None) -> list[Community]:
    q = select(Community).order_by(Community.id)
    if name:
        q = q.where(Community.name == name)
    found = list(session.scalars(q))
    if name and not found:
        names = "、".join(session.scalars(select(Community.name).order_by(Community.id))) or "无"
        raise ValueError(T_NO_COMMUNITY.format(name=name, names=names))
    return found


def _person_ref(person: Person | None, same_name: dict[str, int]) -> str:
    """How the 楼栋长 / 联户党员 cells name a person: the name, or the 微信号 when two share it."""
    if person is None:
        return ""
    if same_name.get(person.name, 0) > 1 and person.chat_id:
        return person.chat_id
    return person.name


def _role_word(person: Person, leaders: set[int | None]) -> str:
    if person.role == Role.MEMBER and person.id in leaders:
        return LEADER_WORD
    return ROLE_WORDS.get(person.role, person.role)


def export_workbook(session: Session, path: Path, community: str | None = None) -> str:
    """Write the ledger of every community (or the one named) to *path*; returns a summary.
    Raises ValueError (a Chinese sentence) for a name not ending .xlsx or an unknown community."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(T_NOT_XLSX)
    communities = _communities(session, community)
    ids = [c.id for c in communities]
    buildings = sorted(
        session.scalars(select(Building).join(Grid).where(Grid.community_id.in_(ids))
                        .options(selectinload(Building.grid).selectinload(Grid.community),
                                 selectinload(Building.default_member))),
        key=lambda b: (ids.index(b.grid.community_id), natural(b.code)))
    households = sorted(
        session.scalars(select(Household).join(Building).join(Grid).where(Grid.community_id.in_(ids))
                        .options(selectinload(Household.building),
                                 selectinload(Household.link).selectinload(MemberLink.member))),
        key=lambda h: (natural(h.building.code), natural(h.unit), h.floor, natural(h.room)))
    rank = {r: i for i, r in enumerate((Role.ADMIN, Role.STAFF, Role.GRID_WORKER, Role.MEMBER, Role.RESIDENT))}
    people = sorted(
        session.scalars(select(Person).where(Person.community_id.in_(ids),
                                             # residents who only chatted are not in the ledger
                                             (Person.role != Role.RESIDENT) | Person.household_id.isnot(None))
                        .options(selectinload(Person.household).selectinload(Household.building),
                                 selectinload(Person.community))),
        key=lambda p: (ids.index(p.community_id), rank.get(p.role, 9), p.id))
    same_name: dict[str, int] = {}
    for p in people:
        if p.role in Role.HANDLERS:
            same_name[p.name] = same_name.get(p.name, 0) + 1
    worker_grids: dict[int, list[str]] = {}
    for c in communities:
        for g in c.grids:
            if g.worker_id is not None:
                worker_grids.setdefault(g.worker_id, []).append(g.name)

    wb = Workbook()
    ws = wb.active
    ws.title = BUILDINGS
    write_table(ws, _headers(BUILDINGS), (
        (b.grid.community.name, b.grid.name, b.code, b.name, b.group_name,
         _person_ref(b.default_member, same_name)) for b in buildings))
    write_table(wb.create_sheet(HOUSEHOLDS), _headers(HOUSEHOLDS), (
        (h.building.code, h.unit, h.room, h.floor, h.head_name, h.phone, COLOUR_WORDS.get(h.colour, h.colour),
         h.colour_reason, h.notes, _person_ref(h.link.member if h.link else None, same_name))
        for h in households))
    leaders = {b.default_member_id for b in buildings}
    write_table(wb.create_sheet(PEOPLE), _headers(PEOPLE), (
        (p.community.name if p.community else "", p.name, _role_word(p, leaders), p.chat_id, p.phone,
         p.household.address if p.household else "", "、".join(worker_grids.get(p.id, [])), p.strengths,
         p.capacity if p.role == Role.MEMBER or (p.role in Role.HANDLERS and p.capacity != DEFAULT_CAPACITY)
         else None)
        for p in people))
    extra = []
    for name, writer in EXTRA_SHEETS:
        writer(session, wb.create_sheet(name), communities)
        extra.append(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return T_DONE.format(path=path, buildings=len(buildings), households=len(households), people=len(people),
                         extra=("、另有 " + "、".join(extra)) if extra else "")
