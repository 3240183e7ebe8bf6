"""Whether a session holds a new, changed or deleted 办事指南 entry not yet flushed (``touched``),
and the entries a transaction read (``entry``).

``guide._version`` asks ``touched`` at every question a batch reads; looking through
``session.new`` and ``session.dirty`` each time cost O(batch) a message (every pending ticket and
outbox row). Here SQLAlchemy's events put a mark in ``session.info`` whenever a GuideEntry joins a
session (``transient_to_pending``, ``detached_to_persistent``) or one of its attributes is set,
appended to, removed from or flagged modified while it belongs to a session. The mark is only a
hint that one may be pending: ``touched`` then looks at the session's new and dirty objects as
before and takes the mark away when none is there (a flush that leaves none takes it away too).
Objects marked for deletion have no event before the flush: ``session.deleted`` is looked at
every time (empty, and cheap, but for a rare delete). The answer is the same as looking through
the session every time. A GuideAsk (an answer recorded) is not watched: the version counts
guide_entry rows only, so a pending ask cannot move it (before, each answered question flushed
the batch and read the version again for nothing; the rows written are the same).

``entry`` reads an entry by id and keeps it (a strong reference) until the transaction ends;
``keep_rows`` keeps the column values of the entries an index was built of, with the index's
version, and ``kept_entry`` makes the answered entry of them (as a query's loader would) while the
transaction's version is still that one: a batch's answers read no entry from the database.
"""
from __future__ import annotations

import copy
import itertools
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, object_session
from sqlalchemy.orm.attributes import instance_state

from storage import rows
from storage.models import GuideEntry

WATCHED: tuple[type, ...] = (GuideEntry,)
TOUCHED = "lianhu.guide_touched"


def touched(session: Session) -> bool:
    """A GuideEntry in ``session.new``, ``session.dirty`` or ``session.deleted``."""
    if session.info.get(TOUCHED):
        if _pending(session):
            return True
        del session.info[TOUCHED]
    deleted = session.deleted
    return bool(deleted) and any(isinstance(obj, WATCHED) for obj in deleted)


def _pending(session: Session) -> bool:
    return any(isinstance(obj, WATCHED) for obj in itertools.chain(session.new, session.dirty))


def _mark(session: Session | None) -> None:
    if session is not None:
        session.info[TOUCHED] = True


@event.listens_for(Session, "transient_to_pending")
def _added(session: Session, obj: object) -> None:
    if isinstance(obj, WATCHED):
        _mark(session)


@event.listens_for(Session, "detached_to_persistent")
def _attached(session: Session, obj: object) -> None:
    if isinstance(obj, WATCHED) and instance_state(obj).modified:  # not one put in as loaded
        _mark(session)


@event.listens_for(Session, "after_flush_postexec")
def _flushed(session: Session, _context: object) -> None:
    if session.info.get(TOUCHED) and not _pending(session):
        del session.info[TOUCHED]


def _changed(target: object, *_args: Any) -> None:
    _mark(object_session(target))


def _watch(model: type) -> None:
    mapper: Mapper[Any] = inspect(model)
    for attr in mapper.attrs:
        instrumented = getattr(model, attr.key)
        event.listen(instrumented, "set", _changed)
        event.listen(instrumented, "modified", _changed)
        if getattr(attr, "uselist", False):
            event.listen(instrumented, "append", _changed)
            event.listen(instrumented, "remove", _changed)


for _model in WATCHED:
    _watch(_model)
_MAPPER: Mapper[GuideEntry] = inspect(GuideEntry)


# --- the entries a transaction read -------------------------------------------------------------------

READ = "lianhu.guide_entries_read"


def entry(session: Session, entry_id: int) -> GuideEntry | None:
    """``session.get(GuideEntry, entry_id)``, the entry kept (a strong reference) until the
    transaction ends: the batch's later answers of the same entry find it in the session's
    identity map, as they would if nothing had let it go, instead of reading it again."""
    with session.no_autoflush:  # an entry read by id: the batch's pending rows need not go first
        found = session.get(GuideEntry, entry_id)
    if found is not None:
        session.info.setdefault(READ, {})[entry_id] = found
    return found


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(READ, None)


# --- the entries an index was built of -------------------------------------------------------------

#: community key (None: the district's entries only) → (version, entry id → its column values in
#: the order of ``_columns()``), least recently built first; as many as guide._CACHE keeps indexes
_ROWS: OrderedDict[int | None, tuple[tuple[object, ...], dict[int, tuple[Any, ...]]]] = OrderedDict()
ROWS_KEPT = 8
_COLUMNS: list[tuple[str, ...]] = []


def _columns() -> tuple[str, ...]:
    if not _COLUMNS:
        _COLUMNS.append(tuple(attr.key for attr in _MAPPER.column_attrs))
    return _COLUMNS[0]


def _same_key(value: object) -> object:
    """What equal values kept share one object by: the value itself (strings, numbers, dates),
    or the text of a JSON column's list or dict (equal texts, equal values of the same types)."""
    return (list, repr(value)) if isinstance(value, (list, dict)) else (type(value), value)


def keep_rows(key: int | None, version: tuple[object, ...], entries: Sequence[GuideEntry]) -> None:
    """The column values of the entries an index was just built of, at that version. A value
    equal to one kept already (another community's copy of the same guide: its titles, answers,
    asks) is kept as that one object: ``kept_entry`` copies lists and dicts before they reach an
    entry, and nothing changes strings, numbers or dates, so sharing them changes no entry."""
    columns = _columns()
    shared: dict[object, object] = {}
    for _, kept in _ROWS.values():
        for values in kept.values():
            for v in values:
                shared.setdefault(_same_key(v), v)
    rows: dict[int, tuple[Any, ...]] = {}
    for e in entries:
        row: list[Any] = []
        for c in columns:
            v = getattr(e, c)
            row.append(v if v is None else shared.setdefault(_same_key(v), v))
        rows[e.id] = tuple(row)
    _ROWS[key] = (version, rows)
    _ROWS.move_to_end(key)
    while len(_ROWS) > ROWS_KEPT:
        _ROWS.popitem(last=False)


def kept_entry(session: Session, key: int | None, version: tuple[object, ...], entry_id: int) -> GuideEntry | None:
    """The entry made from the values kept with the index of this ``version`` (the session's own
    object when it has one, as ``session.get`` would give), kept until the transaction ends;
    None when they are not kept (another version, an entry not among them)."""
    kept = _ROWS.get(key)
    if kept is None or kept[0] != version or entry_id not in kept[1]:
        return None
    row = {c: copy.deepcopy(v) if isinstance(v, (list, dict)) else v for c, v in zip(_columns(), kept[1][entry_id])}
    found = rows.loaded(session, GuideEntry, row)
    session.info.setdefault(READ, {})[entry_id] = found
    return found
