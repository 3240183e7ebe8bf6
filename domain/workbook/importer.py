"""Importing a community from a workbook (.xlsx) or CSV files: ``lianhu import FILE``.

Three tables, each with Chinese headers (the English keys are accepted too), described
column by column in docs/import.md:

    楼栋  社区 网格 楼号 楼栋 群名 楼栋长
    住户  楼号 单元 门牌 楼层 户主 电话 颜色 颜色原因 备注 联户党员
    人员  社区 姓名 角色 微信号 电话 住址 网格 特长 联户上限

An .xlsx file has them as worksheets (other worksheets are ignored, so an exported
ledger with more sheets imports as is). CSV files hold one table each, named after it
(``楼栋.csv``, ``住户.csv``, ``人员.csv``); ``lianhu import FOLDER`` reads every CSV in a
folder. CSV may be UTF-8 (with or without BOM), GBK/GB18030 (Excel on Chinese Windows)
or UTF-16.

Everything is read and checked first; nothing is written if any row is bad, and the
error lists every bad row as "文件名 工作表 第N行: 问题". Importing is an upsert by natural
keys (community name; grid name in its community; building 楼号; household address;
person 微信号, or name and role), so importing the same file twice changes nothing.
A column missing from a table leaves that field alone; a blank cell in a column that is
there clears the field.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kernel.clock import Clock
from kernel.parsing import normalise, parse_address
from storage.models import (
    Building,
    Colour,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
    Role,
)

# --- what the worker reads (all Chinese text of this module) ---------------------------------

T_FAILED = "导入失败,没有写入任何数据。请改正以下 {n} 处问题后重新导入:"
T_DONE = ("导入完成:{communities} 个社区、{grids} 个网格、{buildings} 栋楼、{households} 户、"
          "{people} 人、{links} 户已联户(新增 {created} 条,其余 {updated} 条已存在,按表中内容更新)。")
T_WARNINGS = "请留意:"
T_NO_FILE = "找不到文件或文件夹“{path}”。"
T_BAD_KIND = "不支持的文件类型“{suffix}”:请用 .xlsx 工作簿,或 .csv 文件(可放在一个文件夹里)。"
T_XLS = "这是旧版 .xls 文件:请在 Excel 里“另存为” .xlsx 工作簿或 CSV 后再导入。"
T_NO_CSV = "文件夹里没有 楼栋.csv、住户.csv 或 人员.csv。"
T_UNREADABLE = "无法打开:{error}"
T_NO_SHEETS = "没有找到可导入的工作表:工作表应叫 楼栋、住户、人员(至少一张)。现有:{names}"
T_CSV_KIND = "认不出这是哪张表:请把文件命名为 楼栋.csv、住户.csv 或 人员.csv。"
T_ENCODING = "无法识别文件编码:请在 Excel 里另存为“CSV UTF-8”。"
T_MISSING_COLUMNS = "缺少必填列:{columns}(第1行应是表头)"
T_DUPLICATE_COLUMN = "表头“{header}”出现了两次"
T_REQUIRED = "“{column}”不能为空"
T_BAD_COLOUR = "颜色“{value}”不认识,应为 绿、蓝、黄、橙 之一"
T_BAD_ROLE = "角色“{value}”不认识,应为 居民、联户党员、楼栋长、网格员、社区干部、管理员 之一"
T_BAD_PHONE = "电话“{value}”格式不对:手机应为 11 位数字,座机如 010-12345678"
T_BAD_ADDRESS = "住址“{value}”格式不对,应写成 楼号-单元-门牌,如 3-2-502"
T_BAD_CODE = "楼号“{value}”只能是数字或字母,如 3 或 A3(住户用“3-2-502”报地址)"
T_BAD_UNIT = "单元“{value}”只能是数字或字母,如 2"
T_BAD_ROOM = "门牌“{value}”应为 2 到 5 位数字,如 502"
T_BAD_FLOOR = "楼层“{value}”应为整数"
T_NO_FLOOR = "门牌“{value}”看不出楼层,请填写“楼层”"
T_BAD_CAPACITY = "联户上限“{value}”应为 1 到 200 的整数"
T_DUP_BUILDING = "楼号“{code}”与{where}重复"
T_DUP_BUILDING_NAME = "楼栋名称“{name}”在{grid}里与{where}重复"
T_DUP_GROUP = "群名“{group}”与{where}重复(机器人按群名认楼栋)"
T_BUILDING_ELSEWHERE = "楼号“{code}”已是“{community}”的楼栋(楼号在全系统里不能重复)"
T_DUP_ADDRESS = "住址 {address} 与{where}重复"
T_UNKNOWN_BUILDING = "楼号“{code}”不在“楼栋”表里,也不在系统中"
T_AMBIGUOUS_BUILDING = "楼号“{code}”在系统中有多栋楼,请在“楼栋”表里写明"
T_UNKNOWN_ADDRESS = "住址 {address} 不在“住户”表里,也不在系统中"
T_UNKNOWN_GRID = "网格“{grid}”不在“楼栋”表里,也不在系统中"
T_GRID_TAKEN = "网格“{grid}”的网格员已在{where}填写"
T_UNKNOWN_COMMUNITY = "社区“{community}”不在“楼栋”表里,也不在系统中"
T_WHICH_COMMUNITY = "请填写“社区”(文件里有多个社区:{names})"
T_DUP_WECHAT = "微信号“{wechat}”与{where}重复"
T_DUP_PERSON = "{role}“{name}”与{where}重名,请填写微信号以区分"
T_AMBIGUOUS_PERSON = "系统中有多个{role}叫“{name}”,请填写微信号以区分"
T_UNKNOWN_MEMBER = "{column}“{ref}”不在“人员”表里,也不在系统中"
T_AMBIGUOUS_MEMBER = "{column}“{ref}”有多人同名,请改填其微信号"
T_NOT_A_MEMBER = "{column}“{ref}”的角色是{role},不能联户"
W_OVER_CAPACITY = "党员 {name} 联系 {count} 户,超过上限 {capacity} 户"
W_NO_WECHAT = "{role} {name} 没有填微信号:机器人认不出他,也无法私信派单"
T_WRITE_FAILED = "写入数据库时出错,本次导入已撤销:{error}"
T_STORED = "系统中楼号为“{code}”的楼栋"
WHERE_ROW = "第{row}行"
WHERE_OTHER = "{file} 第{row}行"

# --- the tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header, as exported
    key: str  # the English alias
    required: bool = False
    width: int = 12  # exported column width
    aliases: tuple[str, ...] = ()


BUILDINGS, HOUSEHOLDS, PEOPLE = "楼栋", "住户", "人员"

#: the tables in the order they are read and exported; the exporter writes these headers
SHEETS: dict[str, tuple[Column, ...]] = {
    BUILDINGS: (
        Column("社区", "community", True, 16),
        Column("网格", "grid", True, 12),
        Column("楼号", "code", True, 8, ("楼栋号",)),
        Column("楼栋", "building", False, 12, ("楼栋名称", "楼名")),
        Column("群名", "group", False, 26, ("微信群", "群名称")),
        Column("楼栋长", "leader", False, 12),
    ),
    HOUSEHOLDS: (
        Column("楼号", "code", True, 8, ("楼栋号",)),
        Column("单元", "unit", True, 6, ("单元号",)),
        Column("门牌", "room", True, 8, ("门牌号", "房号", "室")),
        Column("楼层", "floor", False, 6),
        Column("户主", "head", False, 10, ("户主姓名",)),
        Column("电话", "phone", False, 15, ("联系电话", "手机")),
        Column("颜色", "colour", False, 6, ("color", "四色")),
        Column("颜色原因", "reason", False, 24, ("原因",)),
        Column("备注", "notes", False, 28),
        Column("联户党员", "member", False, 12, ("党员",)),
    ),
    PEOPLE: (
        Column("社区", "community", False, 16),
        Column("姓名", "name", True, 10),
        Column("角色", "role", True, 10),
        Column("微信号", "wechat", False, 16, ("微信", "chat_id")),
        Column("电话", "phone", False, 15, ("联系电话", "手机")),
        Column("住址", "address", False, 10, ("地址",)),
        Column("网格", "grid", False, 12),
        Column("特长", "strengths", False, 18),
        Column("联户上限", "capacity", False, 8),
    ),
}
SHEET_ALIASES = {"buildings": BUILDINGS, "households": HOUSEHOLDS, "people": PEOPLE,
                 "楼栋表": BUILDINGS, "住户表": HOUSEHOLDS, "人员表": PEOPLE}

COLOUR_WORDS = {Colour.GREEN: "绿", Colour.BLUE: "蓝", Colour.YELLOW: "黄", Colour.ORANGE: "橙"}
_COLOURS = {w: c for c, w in COLOUR_WORDS.items()} | {w + "色": c for c, w in COLOUR_WORDS.items()} | {
    c: c for c in Colour.ALL} | {"color-" + c: c for c in Colour.ALL}

ROLE_WORDS = {Role.RESIDENT: "居民", Role.MEMBER: "联户党员", Role.GRID_WORKER: "网格员",
              Role.STAFF: "社区干部", Role.ADMIN: "管理员"}
LEADER_WORD = "楼栋长"  # a 联户党员 who is also a building's first contact
_ROLES = {w: r for r, w in ROLE_WORDS.items()} | {r: r for r in Role.ALL} | {
    "党员": Role.MEMBER, LEADER_WORD: Role.MEMBER, "楼长": Role.MEMBER, "社区工作人员": Role.STAFF,
    "工作人员": Role.STAFF, "干部": Role.STAFF}

DEFAULT_CAPACITY = 15
_PHONE_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_LANDLINE = re.compile(r"^(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,5})?$")
_WORD = re.compile(r"^[0-9A-Za-z]+$")
_ROOM = re.compile(r"^\d{2,5}$")


class ImportError_(Exception):
    """The file has bad rows; ``problems`` lists each as "文件名 工作表 第N行: 问题"."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join([T_FAILED.format(n=len(self.problems)), *self.problems]))


# --- reading files into rows -------------------------------------------------------------------


@dataclass
class Row:
    file: str
    sheet: str
    number: int  # as the worker sees it: the header is row 1
    values: dict[str, str]
    columns: frozenset[str]  # the keys whose column the table has

    def has(self, key: str) -> bool:
        return key in self.columns

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def where(self, other: Row | None = None) -> str:
        """How *other* names this row: "第5行", or "住户.csv 第5行" from another file."""
        if other is not None and other.file != self.file:
            return WHERE_OTHER.format(file=self.file, row=self.number)
        return WHERE_ROW.format(row=self.number)


def _key(text: str) -> str:
    return normalise(text).replace(" ", "").lower()


def _text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0 (Excel stores 502 as 502.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip().replace("\r\n", "\n")


def _header_map(sheet: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in SHEETS[sheet]:
        for name in (col.header, col.key, *col.aliases):
            out[_key(name)] = col.key
    return out


def _sheet_kind(name: str) -> str | None:
    k = _key(name)
    for sheet in SHEETS:
        if k == _key(sheet):
            return sheet
    return SHEET_ALIASES.get(k)


@dataclass
class Table:
    file: str
    sheet: str
    rows: list[Row]


def _table(file: str, sheet: str, raw: Iterable[Sequence[Any]], problems: list[str]) -> Table | None:
    """Rows of one sheet as dicts by column key; a bad header is a problem."""
    it = iter(raw)
    header = next(it, None)
    table = Table(file, sheet, [])
    if header is None:
        return table
    names = _header_map(sheet)
    index: dict[int, str] = {}
    seen: set[str] = set()
    for i, cell in enumerate(header):
        h = _text(cell).rstrip("*")
        key = names.get(_key(h)) if h else None
        if key is None:
            continue  # a column of the worker's own: ignored
        if key in seen:
            problems.append(_problem(file, sheet, 1, T_DUPLICATE_COLUMN.format(header=h)))
            return None
        seen.add(key)
        index[i] = key
    missing = [c.header for c in SHEETS[sheet] if c.required and c.key not in seen]
    if missing:
        problems.append(_problem(file, sheet, 1, T_MISSING_COLUMNS.format(columns="、".join(missing))))
        return None
    columns = frozenset(seen)
    for number, cells in enumerate(it, start=2):
        values = {key: _text(cells[i]) for i, key in index.items() if i < len(cells)}
        if not any(_text(c) for c in cells):
            continue  # blank lines are fine
        table.rows.append(Row(file, sheet, number, values, columns))
    return table


def _problem(file: str, sheet: str, row: int, text: str) -> str:
    return f"{file} {sheet} 第{row}行: {text}"


def _file_problem(file: str, text: str) -> str:
    return f"{file}: {text}"


def read_tables(path: Path) -> list[Table]:
    """Every known table in an .xlsx file, a .csv file or a folder of .csv files."""
    problems: list[str] = []
    tables: list[Table] = []
    if not path.exists():
        raise ImportError_([T_NO_FILE.format(path=path)])
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            raise ImportError_([_file_problem(path.name, T_NO_CSV)])
        for f in files:  # other CSV files (a 台账's visits, tickets...) are not imported
            tables += _read_csv(f, problems, alone=False)
        if not tables and not problems:
            raise ImportError_([_file_problem(path.name, T_NO_CSV)])
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        tables += _read_xlsx(path, problems)
    elif path.suffix.lower() == ".csv":
        tables += _read_csv(path, problems)
    elif path.suffix.lower() == ".xls":
        raise ImportError_([_file_problem(path.name, T_XLS)])
    else:
        raise ImportError_([_file_problem(path.name, T_BAD_KIND.format(suffix=path.suffix or path.name))])
    if problems:
        raise ImportError_(problems)
    return tables


def _read_xlsx(path: Path, problems: list[str]) -> list[Table]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or mislabelled file
        raise ImportError_([_file_problem(path.name, T_UNREADABLE.format(error=exc))]) from None
    try:
        tables = []
        for ws in wb.worksheets:
            kind = _sheet_kind(ws.title)
            if kind is None:
                continue  # 台账's other sheets (visits, tickets...) are not imported
            table = _table(path.name, kind, ws.iter_rows(values_only=True), problems)
            if table is not None:
                tables.append(table)
        if not tables and not problems:
            problems.append(_file_problem(path.name, T_NO_SHEETS.format(
                names="、".join(ws.title for ws in wb.worksheets))))
        return tables
    finally:
        wb.close()


def decode_csv(data: bytes) -> str | None:
    """CSV bytes as text: UTF-8 (BOM or not), UTF-16 with BOM, else GBK/GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(path: Path, problems: list[str], alone: bool = True) -> list[Table]:
    """One CSV file's table, known by its name; a file given on its own may also be
    known by its headers, while a folder's files with other names are skipped."""
    try:
        text = decode_csv(path.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(_file_problem(path.name, T_UNREADABLE.format(error=exc)))
        return []
    if text is None:
        problems.append(_file_problem(path.name, T_ENCODING))
        return []
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    kind = _sheet_kind(path.stem) or next((s for s in SHEETS if s in path.stem), None)
    if kind is None and not alone:
        return []
    kind = kind or _kind_by_headers(rows[0] if rows else [])
    if kind is None:
        problems.append(_file_problem(path.name, T_CSV_KIND))
        return []
    table = _table(path.name, kind, rows, problems)
    return [table] if table is not None else []


def _kind_by_headers(header: Sequence[str]) -> str | None:
    keys = {_key(h) for h in header}
    for sheet in (HOUSEHOLDS, PEOPLE, BUILDINGS):
        required = [c for c in SHEETS[sheet] if c.required]
        if all(_key(c.header) in keys or c.key in keys for c in required):
            return sheet
    return None


# --- checking: rows into a plan ------------------------------------------------------------------


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


class Checker:
    """Reads every row, collects every problem, and looks up what is already stored
    (queries only: nothing is added to the session here)."""

    def __init__(self, session: Session, tables: list[Table]) -> None:
        self.session = session
        self.tables = tables
        self.problems: list[tuple[tuple[Any, ...], str]] = []
        self.plan = Plan()

    def bad(self, row: Row, text: str) -> None:
        order = list(SHEETS).index(row.sheet)
        self.problems.append(((order, row.file, row.number), _problem(row.file, row.sheet, row.number, text)))

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
        compact = re.sub(r"[\s()()]", "", normalise(value)).replace("—", "-")
        if compact.startswith("+86"):
            compact = compact[3:]
        if not (_PHONE_MOBILE.match(compact.replace("-", "")) or _PHONE_LANDLINE.match(compact)):
            self.bad(row, T_BAD_PHONE.format(value=value))
            return None
        return compact.replace("-", "") if _PHONE_MOBILE.match(compact.replace("-", "")) else compact

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
            if not _WORD.match(code):
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
        # what is stored already
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
            c = plan.communities.get(community)
            if c is not None:
                plan.grids[community, grid] = self.session.scalar(
                    select(Grid).where(Grid.community_id == c.id, Grid.name == grid))
        for code, b in plan.buildings.items():
            stored_grid = plan.grids.get((b.community, b.grid))
            clash = stored_grid and self.session.scalar(select(Building).where(
                Building.grid_id == stored_grid.id, Building.name == b.name, Building.code != code))
            if clash:
                self.bad(b.row, T_DUP_BUILDING_NAME.format(name=b.name, grid=b.grid,
                                                           where=T_STORED.format(code=clash.code)))
            clash = b.group and self.session.scalar(select(Building).where(
                Building.group_name == b.group, Building.code != code))
            if clash:
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
            if not _WORD.match(code):
                self.bad(row, T_BAD_CODE.format(value=row.get("code")))
                ok = False
            if not _WORD.match(unit):
                self.bad(row, T_BAD_UNIT.format(value=row.get("unit")))
                ok = False
            if not _ROOM.match(room):
                self.bad(row, T_BAD_ROOM.format(value=row.get("room")))
                ok = False
            floor = self.floor(row, room if ok else "")
            colour_word = normalise(row.get("colour")).split("(")[0].strip().lower()
            colour = _COLOURS.get(colour_word) if colour_word else Colour.GREEN
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
            plan.households[address] = HouseholdPlan(
                row, code, unit, room, floor, row.get("head") or None, phone, colour or Colour.GREEN,
                row.get("reason") or None, row.get("notes") or None)
        stored = self.stored_households({a[0] for a in plan.households})
        for address, h in plan.households.items():
            h.existing = stored.get(address)

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
        plan = self.plan
        by_wechat: dict[str, Row] = {}
        by_name: dict[tuple[str, str, str], Row] = {}
        file_communities = sorted(plan.communities)
        for row in self.rows(PEOPLE):
            if not self.required(row):
                continue
            ok = True
            role = _ROLES.get(_key(row.get("role")))
            if role is None:
                self.bad(row, T_BAD_ROLE.format(value=row.get("role")))
                ok = False
            community = row.get("community")
            if not community:
                if len(file_communities) == 1:
                    community = file_communities[0]
                else:
                    names = file_communities or self.stored_community_names()
                    if len(names) == 1:
                        community = names[0]
                    else:
                        self.bad(row, T_WHICH_COMMUNITY.format(names="、".join(names) or "无"))
                        ok = False
            elif community not in plan.communities:
                stored = self.session.scalar(select(Community).where(Community.name == community))
                if stored is None:
                    self.bad(row, T_UNKNOWN_COMMUNITY.format(community=community))
                    ok = False
                else:
                    plan.communities[community] = stored
            phone = self.phone(row)
            if row.get("phone") and phone is None:
                ok = False
            address = None
            if row.get("address"):
                address = parse_address(row.get("address"))
                if address is None:
                    self.bad(row, T_BAD_ADDRESS.format(value=row.get("address")))
                    ok = False
                elif not self.household_for(row, address):
                    ok = False
            capacity = None
            if row.get("capacity"):
                value = normalise(row.get("capacity"))
                if not value.isdigit() or not 1 <= int(value) <= 200:
                    self.bad(row, T_BAD_CAPACITY.format(value=row.get("capacity")))
                    ok = False
                else:
                    capacity = int(value)
            grids = [g for g in re.split(r"[,,、;;\s]+", row.get("grid")) if g] if role == Role.GRID_WORKER else []
            for g in grids:
                if community and (community, g) not in plan.grids:
                    c = plan.communities.get(community)
                    stored = c and self.session.scalar(select(Grid).where(Grid.community_id == c.id,
                                                                          Grid.name == g))
                    if not stored:
                        self.bad(row, T_UNKNOWN_GRID.format(grid=g))
                        ok = False
                    else:
                        plan.grids[community, g] = stored
                if (community, g) in plan.grid_workers:
                    self.bad(row, T_GRID_TAKEN.format(grid=g, where=plan.grid_workers[community, g].row.where(row)))
                    ok = False
            wechat = normalise(row.get("wechat")) or None
            name = row.get("name")
            if wechat and wechat in by_wechat:
                self.bad(row, T_DUP_WECHAT.format(wechat=wechat, where=by_wechat[wechat].where(row)))
                ok = False
            if not wechat and role and (community, name, role) in by_name:
                self.bad(row, T_DUP_PERSON.format(role=ROLE_WORDS[role], name=name,
                                                  where=by_name[community, name, role].where(row)))
                ok = False
            if not ok or role is None:
                continue
            p = PersonPlan(row, community, name, role, wechat, phone, address, grids,
                           row.get("strengths") or None, capacity)
            if wechat:
                by_wechat[wechat] = row
                p.existing = self.session.scalar(select(Person).where(Person.chat_id == wechat))
            else:
                by_name[community, name, role] = row
                c = plan.communities.get(community)
                if c is not None:
                    found = self.session.scalars(select(Person).where(
                        Person.community_id == c.id, Person.name == name, Person.role == role)).all()
                    if len(found) > 1:
                        self.bad(row, T_AMBIGUOUS_PERSON.format(role=ROLE_WORDS[role], name=name))
                        continue
                    p.existing = found[0] if found else None
            for g in grids:
                plan.grid_workers[community, g] = p
            plan.people.append(p)

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


# --- writing -----------------------------------------------------------------------------------------


class Writer:
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

    def add(self, obj: Any) -> Any:
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


# --- the whole thing --------------------------------------------------------------------------------


def import_file(session: Session, path: Path, *, clock: Clock | None = None) -> str:
    """Import a community from *path* (.xlsx, .csv, or a folder of .csv) into *session*.

    Checks every row first and raises ``ImportError_`` listing every bad row, with
    nothing added to the session. On success the caller commits. Returns a summary.
    """
    path = Path(path)
    tables = read_tables(path)
    checker = Checker(session, tables)
    plan = checker.run()
    if checker.problems:
        raise ImportError_([text for _, text in sorted(checker.problems, key=lambda p: p[0])])
    writer = Writer(session, plan, (clock or Clock()).now())
    try:
        for stage in writer.stages():
            with session.no_autoflush:
                stage()
            session.flush()
        writer.refresh()
    except SQLAlchemyError as exc:  # checks above should make this unreachable
        raise ImportError_([T_WRITE_FAILED.format(error=str(exc).splitlines()[0])]) from exc
    return _summary(session, plan, writer)


def _summary(session: Session, plan: Plan, writer: Writer) -> str:
    text = T_DONE.format(
        communities=len(writer.communities), grids=len(writer.grids), buildings=len(plan.buildings),
        households=len(plan.households), people=len(plan.people),
        links=sum(1 for h in plan.households.values() if h.member is not None),
        created=writer.created, updated=writer.updated)
    warnings = []
    members = {id(p): p for p in writer.people.values() if p.role in Role.HANDLERS}
    for h in plan.households.values():
        m = writer.person(h.member)
        if m is not None:
            members[id(m)] = m
    for p in plan.people:
        person = writer.people[id(p)]
        if person.role in Role.HANDLERS and not person.chat_id:
            warnings.append(W_NO_WECHAT.format(role=ROLE_WORDS[person.role], name=person.name))
    for m in sorted(members.values(), key=lambda p: p.id):
        count = session.scalar(select(func.count(MemberLink.id)).where(MemberLink.member_id == m.id)) or 0
        if count > m.capacity:
            warnings.append(W_OVER_CAPACITY.format(name=m.name, count=count, capacity=m.capacity))
    if warnings:
        text += "\n" + T_WARNINGS + "\n" + "\n".join(f"  {w}" for w in warnings)
    return text
