"""The 办事指南 as a sheet of the ledger workbook: ``lianhu export`` writes it (importing this
module registers it), ``lianhu import`` and ``lianhu guide import`` read it back (an entry
with the same 编号 in the same community is updated; a blank 社区 means every community).

Columns: 编号 社区 标题 问法 简短答复 所需材料 办理地点 办理时间 咨询电话 适用对象 私密 来源 核对日期.
问法 and 所需材料 take one item a line (or separated by ;); 适用对象 by 、 or ,; 私密 是/否.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.workbook import exporter
from storage.guide_files import GuideFileError, entry_fields, save_entries
from storage.models import Community, GuideEntry, GuideStatus

SHEET = "办事指南"
#: header → the field of ``storage.guide_files.entry_fields``
COLUMNS = (("编号", "id", 22), ("社区", "community", 12), ("标题", "title", 22), ("问法", "asks", 40),
           ("简短答复", "answer", 50), ("所需材料", "materials", 36), ("办理地点", "where", 30),
           ("办理时间", "when", 24), ("咨询电话", "phone", 20), ("适用对象", "tags", 14),
           ("私密", "private", 6), ("来源", "source", 24), ("核对日期", "checked", 12))


def write_guide(session: Session, ws: exporter.AnySheet, communities: Sequence[Community]) -> None:
    ids = [c.id for c in communities]
    names = {c.id: c.name for c in communities}
    entries = session.scalars(select(GuideEntry).where(
        GuideEntry.status == GuideStatus.ACTIVE,
        or_(GuideEntry.community_id.is_(None), GuideEntry.community_id.in_(ids))).order_by(GuideEntry.id)).all()
    exporter.write_table(ws, [exporter.Header(h, w) for h, _, w in COLUMNS], (
        (e.key, names.get(e.community_id, "") if e.community_id is not None else "", e.title, "\n".join(e.asks),
         e.answer, "\n".join(e.materials), e.place, e.hours, e.phone, "、".join(e.tags),
         "是" if e.private else "否", e.source, e.checked) for e in entries))


def register() -> None:
    if all(name != SHEET for name, _ in exporter.EXTRA_SHEETS):
        exporter.EXTRA_SHEETS.append((SHEET, write_guide))


register()


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]] | None:
    """The sheet's rows by field, with their row numbers; None when the workbook has no such sheet."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if SHEET not in wb.sheetnames:
            return None
        rows = wb[SHEET].iter_rows(values_only=True)
        header = [str(h or "").strip().rstrip("*") for h in next(rows, ())]
        fields = {i: f for i, h in enumerate(header) for title, f, _ in COLUMNS if h == title}
        out = []
        for number, cells in enumerate(rows, start=2):
            if not any(c not in (None, "") for c in cells):
                continue
            raw = {f: cells[i] for i, f in fields.items() if i < len(cells) and cells[i] not in (None, "")}
            if isinstance(raw.get("tags"), str):
                raw["tags"] = str(raw["tags"]).replace("、", "\n").replace(",", "\n").replace(",", "\n")
            out.append((number, raw))
        return out
    finally:
        wb.close()


def import_guide(session: Session, path: Path, now: datetime) -> str | None:
    """Read the 办事指南 sheet of *path* into the guide; a summary, or None without the sheet.
    Raises GuideFileError listing every bad row (nothing written then)."""
    if Path(path).suffix.lower() != ".xlsx":
        return None
    rows = _rows(Path(path))
    if rows is None:
        return None
    communities = {c.name: c.id for c in session.scalars(select(Community))}
    problems: list[str] = []
    by_community: dict[int | None, list[dict[str, Any]]] = {}
    for number, raw in rows:
        where = f"{SHEET} 第{number}行"
        name = str(raw.get("community") or "").strip()
        if name and name not in communities:
            problems.append(f"{where}:没有叫“{name}”的社区")
            continue
        try:
            by_community.setdefault(communities.get(name) if name else None, []).append(entry_fields(raw, where))
        except GuideFileError as exc:
            problems.append(str(exc))
    if problems:
        raise GuideFileError("\n".join(problems))
    added = updated = 0
    for cid, entries in by_community.items():
        a, u = save_entries(session, cid, entries, "sheet", now)
        added, updated = added + a, updated + u
    return f"办事指南:新增 {added} 条,更新 {updated} 条。"
