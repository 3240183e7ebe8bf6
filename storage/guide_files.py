"""The 办事指南's entries as data: read from TOML files (``data/guide/*.toml``, the demo's
``storage/demo_guide.toml``) or from rows of the workbook's sheet, and written to the
``guide_entry`` table (an entry with the same key in the same community is updated).

A file holds ``[[entry]]`` tables::

    [[entry]]
    id = "residence-permit"            # the key: stable, unique in the file
    title = "居住证办理"
    asks = ["居住证在哪里办,要什么材料", "外地人怎么办居住证"]
    answer = "……\\n以窗口最新要求为准"
    materials = ["身份证原件"]
    where = "派出所户籍窗口"
    when = "工作日 9:00-17:30"
    phone = "社区服务窗口电话(见群公告)"
    tags = ["新市民"]
    private = false                    # hardship (低保, 残疾, 失业, illness): answered privately
    source = "公安机关公开指南"
    checked = "2026-11-01"
"""
from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import GuideEntry, GuideStatus

DEMO_GUIDE = Path(__file__).resolve().parent / "demo_guide.toml"
#: the entries edited, added or retired in the web console, in the data folder's guide/; read
#: after the other files at start, so that an edit outlives the file it came from
CONSOLE_FILE = "console.toml"
CONSOLE_ORIGIN = "console"


class GuideFileError(ValueError):
    """A guide file or sheet row that cannot be read (the message says where and why, in Chinese)."""


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.replace("；", "\n").replace(";", "\n").splitlines()
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    raise GuideFileError(f"应为列表:{value!r}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "是", "私密", "y")


def entry_fields(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The columns of one entry from a TOML table or a sheet row; raises GuideFileError."""
    key = str(raw.get("id") or raw.get("key") or "").strip()
    title = str(raw.get("title") or "").strip()
    answer = str(raw.get("answer") or "").strip()
    missing = [name for name, v in (("id", key), ("title", title), ("answer", answer)) if not v]
    if missing:
        raise GuideFileError(f"{where}:缺少 {'、'.join(missing)}")
    checked = raw.get("checked")
    if isinstance(checked, datetime):
        checked = checked.date()
    if isinstance(checked, date):
        checked = checked.isoformat()
    return {
        "key": key[:100], "title": title[:200], "asks": _list(raw.get("asks")), "answer": answer,
        "materials": _list(raw.get("materials")), "place": str(raw.get("where") or "").strip() or None,
        "hours": str(raw.get("when") or "").strip() or None,
        "phone": str(raw.get("phone") or "").strip()[:200] or None, "tags": _list(raw.get("tags")),
        "private": _bool(raw.get("private")), "source": str(raw.get("source") or "").strip()[:200] or None,
        "checked": str(checked)[:20] if checked else None,
    }


def read_guide_file(path: Path) -> list[dict[str, Any]]:
    """The entries of one TOML file; raises GuideFileError (bad TOML, a missing field, a key twice)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GuideFileError(f"{path.name}:无法读取({exc})") from exc
    entries = [entry_fields(raw, f"{path.name} 第{i}条") for i, raw in enumerate(data.get("entry", []), 1)]
    keys = [e["key"] for e in entries]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise GuideFileError(f"{path.name}:id 重复 {', '.join(twice)}")
    return entries


def save_entries(session: Session, community_id: int | None, entries: Iterable[dict[str, Any]],
                 origin: str, now: datetime) -> tuple[int, int]:
    """Insert or update entries by key in the community; returns (added, updated)."""
    added = updated = 0
    for fields in entries:
        row = session.scalar(select(GuideEntry).where(GuideEntry.community_id == community_id,
                                                      GuideEntry.key == fields["key"]))
        if row is None:
            row = GuideEntry(community_id=community_id, status=GuideStatus.ACTIVE, origin=origin,
                             updated_at=now, **fields)
            session.add(row)
            added += 1
            continue
        changed = any(getattr(row, name) != value for name, value in fields.items())
        if changed:
            for name, value in fields.items():
                setattr(row, name, value)
            row.origin = origin
            row.updated_at = now
            updated += 1
    session.flush()
    return added, updated


def load_guide_folder(session: Session, folder: Path, now: datetime) -> tuple[int, int, list[str]]:
    """Every ``*.toml`` of ``folder`` for all communities, the console's last: (added, updated, problems)."""
    added = updated = 0
    problems: list[str] = []
    if not folder.is_dir():
        return 0, 0, []
    for path in sorted(folder.glob("*.toml"), key=lambda p: (p.name == CONSOLE_FILE, p.name)):
        try:
            if path.name == CONSOLE_FILE:
                a, u = load_console_file(session, path, now)
            else:
                a, u = save_entries(session, None, read_guide_file(path), f"file:{path.name}", now)
        except GuideFileError as exc:
            problems.append(str(exc))
            continue
        added += a
        updated += u
    return added, updated, problems


# --- the console's file -------------------------------------------------------------------------

_STATUSES = (GuideStatus.ACTIVE, GuideStatus.RETIRED)


def load_console_file(session: Session, path: Path, now: datetime) -> tuple[int, int]:
    """The console's entries, each in its community (``community``) and state (``status``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GuideFileError(f"{path.name}:无法读取({exc})") from exc
    added = updated = 0
    for i, raw in enumerate(data.get("entry", []), 1):
        fields = entry_fields(raw, f"{path.name} 第{i}条")
        status = str(raw.get("status") or GuideStatus.ACTIVE)
        fields["status"] = status if status in _STATUSES else GuideStatus.ACTIVE
        community = raw.get("community")
        a, u = save_entries(session, community if isinstance(community, int) else None, [fields],
                            CONSOLE_ORIGIN, now)
        added += a
        updated += u
    return added, updated


def entry_table(entry: GuideEntry) -> dict[str, Any]:
    """An entry as a TOML table of a guide file (the fields ``entry_fields`` reads)."""
    table: dict[str, Any] = {"id": entry.key, "title": entry.title, "asks": list(entry.asks),
                             "answer": entry.answer, "materials": list(entry.materials)}
    for name, value in (("where", entry.place), ("when", entry.hours), ("phone", entry.phone)):
        if value:
            table[name] = value
    table["tags"] = list(entry.tags)
    table["private"] = bool(entry.private)
    for name, value in (("source", entry.source), ("checked", entry.checked)):
        if value:
            table[name] = value
    if entry.community_id is not None:
        table["community"] = entry.community_id
    if entry.status != GuideStatus.ACTIVE:
        table["status"] = entry.status
    return table


def write_console_file(session: Session, folder: Path) -> Path:
    """Rewrite ``folder/console.toml`` with every entry the console saved (atomically)."""
    entries = session.scalars(select(GuideEntry).where(GuideEntry.origin == CONSOLE_ORIGIN,
                                                       GuideEntry.status.in_(_STATUSES))
                              .order_by(GuideEntry.id)).all()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONSOLE_FILE
    text = ("# 网页控制台编辑、新增或停用的办事指南条目(启动时在其他文件之后读入)\n\n"
            + tomli_w.dumps({"entry": [entry_table(e) for e in entries]}, multiline_strings=True))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".console-", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def load_demo_guide(session: Session, community_id: int, now: datetime) -> int:
    added, _ = save_entries(session, community_id, read_guide_file(DEMO_GUIDE), "demo", now)
    return added


#: labelled ways of asking (``{"text": "…", "entry": "residence-permit" | null}``, one a line): the
#: questions residents asked in the four labelled batches (tests/data/guide/questions*.jsonl), each
#: with the entry that answers it, or null for a question no entry answers, chatter or a request.
#: The guide's neighbour vote (domain/guide_examples.py) reads them; an entry is named by its key.
GUIDE_EXAMPLES = Path(__file__).resolve().parent / "guide_examples.jsonl"


def read_examples(path: Path = GUIDE_EXAMPLES) -> list[tuple[str | None, str]]:
    """The labelled questions of ``path`` as (entry key or None, text); lines that are not such an
    object are skipped, and a missing file is no examples (the guide then ranks by BM25 alone)."""
    out: list[tuple[str | None, str]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return out
    for line in text.splitlines():
        try:
            item = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            key = item.get("entry")
            out.append((key if isinstance(key, str) and key else None, item["text"]))
    return out
