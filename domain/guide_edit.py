"""The 办事指南 edited in the web console (bot/web/guide_page.py): the entries a staff member may
edit, a form read and checked (Chinese errors), an entry saved, retired, put back, or — one saved
from chat by ``存为指南`` — confirmed or rejected. Every change is written to the data folder's
``guide/console.toml`` (storage/guide_files.py) and takes effect at once: the matcher's index is
rebuilt when the entries change (domain/guide.index_for)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kernel import texts as T
from storage.guide_files import CONSOLE_ORIGIN, write_console_file
from storage.models import GuideEntry, GuideStatus
from storage.outbox import Speaker

#: the order the console lists entries in: waiting for confirmation first
LISTED = (GuideStatus.PENDING, GuideStatus.ACTIVE, GuideStatus.RETIRED)
_LINES = re.compile(r"[\r\n]+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def entries(session: Session, community_id: int | None) -> Sequence[GuideEntry]:
    """The entries of the community (and those for every community), pending first, then by id."""
    rows = session.scalars(select(GuideEntry).where(
        GuideEntry.status.in_(LISTED),
        or_(GuideEntry.community_id.is_(None), GuideEntry.community_id == community_id)
        if community_id is not None else GuideEntry.id.is_not(None))).all()
    return sorted(rows, key=lambda e: (LISTED.index(e.status), e.id))


def entry_for(session: Session, community_id: int | None, entry_id: int) -> GuideEntry | None:
    entry = session.get(GuideEntry, entry_id)
    if entry is None or entry.status not in LISTED:
        return None
    if community_id is not None and entry.community_id not in (None, community_id):
        return None
    return entry


@dataclass
class Form:
    """What the form says, as typed (shown again with the error when it is refused)."""

    title: str = ""
    asks: str = ""
    answer: str = ""
    materials: str = ""
    place: str = ""
    hours: str = ""
    phone: str = ""
    tags: str = ""
    private: bool = False
    source: str = ""
    checked: str = ""

    @classmethod
    def of(cls, entry: GuideEntry) -> Form:
        return cls(entry.title, "\n".join(entry.asks), entry.answer, "\n".join(entry.materials), entry.place or "",
                   entry.hours or "", entry.phone or "", "、".join(entry.tags), entry.private, entry.source or "",
                   entry.checked or "")

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> Form:
        def text(name: str) -> str:
            return str(form.get(name, "")).replace("\r\n", "\n").strip()
        return cls(text("title"), text("asks"), text("answer"), text("materials"), text("place"), text("hours"),
                   text("phone"), text("tags"), form.get("private") in ("1", "on"), text("source"), text("checked"))

    def fields(self) -> tuple[dict[str, Any], str]:
        """The entry's columns, or an error (Chinese) when the form is not right."""
        asks = [a.strip() for a in _LINES.split(self.asks) if a.strip()]
        if not self.title:
            return {}, T.CONSOLE_GUIDE_NEED_TITLE
        if not self.answer:
            return {}, T.CONSOLE_GUIDE_NEED_ANSWER
        if not asks:
            return {}, T.CONSOLE_GUIDE_NEED_ASKS
        if len(self.title) > 200 or len(self.phone) > 200 or len(self.source) > 200:
            return {}, T.CONSOLE_GUIDE_TOO_LONG
        if self.checked and not _DATE.match(self.checked):
            return {}, T.CONSOLE_GUIDE_BAD_DATE.format(value=self.checked[:20])
        return {"title": self.title, "asks": [a[:500] for a in asks], "answer": self.answer[:4000],
                "materials": [m.strip() for m in _LINES.split(self.materials) if m.strip()],
                "place": self.place or None, "hours": self.hours or None, "phone": self.phone or None,
                "tags": [t for t in re.split(r"[\s,,、;;]+", self.tags) if t], "private": self.private,
                "source": self.source or None, "checked": self.checked or None}, ""


def stamp(session: Session, now: datetime) -> datetime:
    """``now``, or just after the latest change when the clock has not moved since (a frozen test
    clock, two saves in one instant): the matcher rebuilds its index when the latest change moves."""
    latest = session.scalar(select(func.max(GuideEntry.updated_at)))
    return now if latest is None or now > latest else latest + timedelta(microseconds=1)


def save(session: Session, folder: Path, community_id: int | None, entry: GuideEntry | None,
         fields: dict[str, Any], now: datetime) -> GuideEntry:
    """A new entry (``entry`` None, in the community) or the edited one; active, written to the file."""
    at = stamp(session, now)  # before the new row is added: the query would flush it half made
    if entry is None:
        entry = GuideEntry(community_id=community_id, key=f"console-{int(now.timestamp())}", status=GuideStatus.ACTIVE)
        while session.scalar(select(GuideEntry.id).where(GuideEntry.community_id == community_id,
                                                         GuideEntry.key == entry.key)) is not None:
            entry.key += "-1"
        session.add(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    if entry.status == GuideStatus.PENDING:
        entry.status = GuideStatus.ACTIVE  # saving a pending entry's edits confirms it too
    entry.origin, entry.updated_at = CONSOLE_ORIGIN, at
    session.flush()
    write_console_file(session, folder)
    return entry


def set_status(session: Session, folder: Path, entry: GuideEntry, status: str, now: datetime) -> None:
    """Retire an entry or put it back; written to the file."""
    entry.status, entry.origin, entry.updated_at = status, CONSOLE_ORIGIN, stamp(session, now)
    session.flush()
    write_console_file(session, folder)


def confirm(session: Session, say: Speaker, entry: GuideEntry, by_id: int, now: datetime) -> None:
    """`确认指南`: a pending entry from chat takes effect; whoever saved it is told privately."""
    entry.status = GuideStatus.ACTIVE
    entry.updated_at = stamp(session, now)
    if entry.proposed_by is not None and entry.proposed_by.id != by_id:
        say.person(entry.proposed_by, T.GUIDE_CONFIRMED_PROPOSER.format(id=entry.id, title=entry.title))


def reject(entry: GuideEntry, now: datetime) -> None:
    entry.status = GuideStatus.REJECTED
    entry.updated_at = now
