"""The three tables of a community workbook, their columns, and what a good cell is."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.workbook.texts import T_FAILED
from kernel.parsing import normalise
from kernel.texts import COLOUR_SHORT, colour_code
from storage.models import Colour, Role


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header, as exported
    key: str  # the English alias
    required: bool = False
    width: int = 12  # exported column width
    aliases: tuple[str, ...] = ()
    #: the longest value the database column holds (None: free text); ``lianhu import``
    #: rejects a longer cell with its row number instead of failing on PostgreSQL
    max_len: int | None = None


BUILDINGS, HOUSEHOLDS, PEOPLE = "楼栋", "住户", "人员"

#: the tables in the order they are read and exported; the exporter writes these headers
SHEETS: dict[str, tuple[Column, ...]] = {
    BUILDINGS: (
        Column("社区", "community", True, 16, max_len=100),
        Column("网格", "grid", True, 12, max_len=100),
        Column("楼号", "code", True, 8, ("楼栋号",), max_len=20),
        Column("楼栋", "building", False, 12, ("楼栋名称", "楼名"), max_len=100),
        Column("群名", "group", False, 26, ("微信群", "群名称"), max_len=200),
        Column("楼栋长", "leader", False, 12, max_len=200),
    ),
    HOUSEHOLDS: (
        Column("楼号", "code", True, 8, ("楼栋号",), max_len=20),
        Column("单元", "unit", True, 6, ("单元号",), max_len=20),
        Column("门牌", "room", True, 8, ("门牌号", "房号", "室"), max_len=20),
        Column("楼层", "floor", False, 6, max_len=10),
        Column("户主", "head", False, 10, ("户主姓名",), max_len=50),
        Column("电话", "phone", False, 15, ("联系电话", "手机"), max_len=30),
        Column("颜色", "colour", False, 6, ("color", "四色"), max_len=20),
        Column("颜色原因", "reason", False, 24, ("原因",), max_len=32767),
        Column("备注", "notes", False, 28, max_len=32767),
        Column("联户党员", "member", False, 12, ("党员",), max_len=200),
        Column("出生年份", "birth_years", False, 14, ("出生年", "年龄", "老人出生年份"), max_len=200),
        Column("标签", "tags", False, 16, ("住户标签", "人群标签", "人群"), max_len=200),
    ),
    PEOPLE: (
        Column("社区", "community", False, 16, max_len=100),
        Column("姓名", "name", True, 10, max_len=100),
        Column("角色", "role", True, 10, max_len=20),
        Column("微信号", "wechat", False, 16, ("微信", "chat_id"), max_len=200),
        Column("电话", "phone", False, 15, ("联系电话", "手机"), max_len=30),
        Column("住址", "address", False, 10, ("地址",), max_len=60),
        Column("网格", "grid", False, 12, max_len=100),
        Column("特长", "strengths", False, 18, max_len=200),
        Column("联户上限", "capacity", False, 8, max_len=10),
    ),
}
SHEET_ALIASES = {"buildings": BUILDINGS, "households": HOUSEHOLDS, "people": PEOPLE,
                 "楼栋表": BUILDINGS, "住户表": HOUSEHOLDS, "人员表": PEOPLE}

#: a colour as the sheets write it (绿, 蓝, 黄, 橙)
COLOUR_WORDS = COLOUR_SHORT

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


# --- what a good cell is ---------------------------------------------------------------------


def fold(text: str) -> str:
    """A header, sheet name or word as compared: normalised, no spaces, lower case."""
    return normalise(text).replace(" ", "").lower()


def is_word(value: str) -> bool:
    """A 楼号 or 单元: digits and letters only."""
    return _WORD.match(value) is not None


def is_room(value: str) -> bool:
    """A 门牌: 2 to 5 digits."""
    return _ROOM.match(value) is not None


def colour_of(cell: str) -> str | None:
    """The colour a 颜色 cell names (blank: green); None when it names none."""
    word = normalise(cell).split("(")[0].strip().lower()
    return colour_code(word) if word else Colour.GREEN


def role_of(cell: str) -> str | None:
    """The role a 角色 cell names, or None."""
    return _ROLES.get(fold(cell))


def clean_phone(value: str) -> str | None:
    """A phone number as stored (a mobile without dashes), or None when it is not one."""
    compact = re.sub(r"[\s()()]", "", normalise(value)).replace("—", "-")
    if compact.startswith("+86"):
        compact = compact[3:]
    if _PHONE_MOBILE.match(compact.replace("-", "")):
        return compact.replace("-", "")
    if _PHONE_LANDLINE.match(compact):
        return compact
    return None


def capacity_of(cell: str) -> int | None:
    """A 联户上限 from 1 to 200, or None when the cell is not one."""
    value = normalise(cell)
    return int(value) if value.isdigit() and 1 <= int(value) <= 200 else None
