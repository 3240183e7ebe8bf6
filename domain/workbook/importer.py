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

The steps, each its own module: reading.py (files into rows) → checker.py (rows into a
plan.py, every problem collected) → writer.py (the plan into the session); schema.py has
the columns and what a good cell is, texts.py every sentence the worker reads.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from domain.workbook.checker import Checker
from domain.workbook.plan import Plan
from domain.workbook.reading import read_tables
from domain.workbook.schema import ROLE_WORDS, ImportError_
from domain.workbook.texts import (
    T_DONE,
    T_WARNINGS,
    T_WRITE_FAILED,
    W_NO_WECHAT,
    W_OVER_CAPACITY,
)
from domain.workbook.writer import Writer
from kernel.clock import Clock
from storage.models import MemberLink, Role

__all__ = ["ImportError_", "import_file"]


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
