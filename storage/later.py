"""Rows a batch writes together: a ticket's events and reporters, one statement a table.

The inbox handles a batch of messages in one transaction (bot/inbox.py). Inside it, a ticket's
event and reporter rows are written to nobody's eyes until the transaction commits, so they need
not be written one statement each: ``hold(session)`` makes the session keep them, and they are
written with one ``executemany`` a table

* before the session runs anything that might read those tables (a query of ticket_event or
  ticket_reporter, a relationship load of them, any statement that is not a plain SELECT), so
  whatever the handlers read, they read the rows as if written at once;
* before an ORM flush that deletes something (a row might refer to it), and before commit;
* when the inbox asks (``write``), just before it commits.

A rollback forgets them with everything else of the transaction. Outside a held session
``insert`` writes at once, as before.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.util import find_tables

_KEY = "lianhu.later_rows"


class Later:
    """The rows held for one transaction: by insert statement, in the order they came."""

    def __init__(self) -> None:
        self.rows: dict[Insert, list[dict[str, Any]]] = {}
        self.tables: set[Any] = set()

    def add(self, stmt: Insert, row: dict[str, Any]) -> None:
        rows = self.rows.get(stmt)
        if rows is None:
            rows = self.rows[stmt] = []
            self.tables.add(stmt.table)
        rows.append(row)

    def held(self, stmt: Insert) -> list[dict[str, Any]]:
        return self.rows.get(stmt, [])


def hold(session: Session) -> None:
    """From now until the session's transaction ends, ``insert`` keeps rows for ``write``."""
    session.info[_KEY] = Later()


def insert(session: Session, stmt: Insert, row: dict[str, Any]) -> None:
    """Write ``row`` with ``stmt`` (a plain INSERT, nothing returned): at once, or with the
    batch's others when the session holds rows."""
    later: Later | None = session.info.get(_KEY)
    if later is None:
        session.connection().execute(stmt, row)
    else:
        later.add(stmt, row)


def held(session: Session, stmt: Insert) -> list[dict[str, Any]]:
    """The rows of ``stmt`` held and not written yet."""
    later: Later | None = session.info.get(_KEY)
    return later.held(stmt) if later is not None else []


def write(session: Session) -> None:
    """Write what is held, one statement a table (the session keeps holding)."""
    later: Later | None = session.info.get(_KEY)
    if later is None or not later.rows:
        return
    rows, later.rows, later.tables = later.rows, {}, set()
    connection = session.connection()
    for stmt, values in rows.items():
        connection.execute(stmt, values)


def release(session: Session) -> None:
    """Stop holding (what is held is dropped: write it first, or the transaction rolled back)."""
    session.info.pop(_KEY, None)


#: statement → whether it reads a table (checked once a statement object; at most this many kept)
_READS: dict[int, tuple[Any, frozenset[Any]]] = {}
_READS_KEPT = 512


def tables_of(statement: Any) -> frozenset[Any]:
    """The tables ``statement`` names (found once a statement object)."""
    known = _READS.get(id(statement))
    if known is not None and known[0] is statement:
        return known[1]
    tables = frozenset(find_tables(statement, include_joins=True, include_aliases=True, include_crud=True))
    if len(_READS) >= _READS_KEPT:
        _READS.clear()
    _READS[id(statement)] = (statement, tables)
    return tables


@event.listens_for(Session, "do_orm_execute")
def _before_execute(state: ORMExecuteState) -> None:
    later: Later | None = state.session.info.get(_KEY)
    if later is None or not later.rows:
        return
    if not state.is_select or not later.tables.isdisjoint(tables_of(state.statement)):
        write(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, context: Any, instances: Any) -> None:
    later: Later | None = session.info.get(_KEY)
    if later is not None and later.rows and session.deleted:
        write(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    later: Later | None = session.info.get(_KEY)
    if later is not None:
        later.rows, later.tables = {}, set()
