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

New tickets are held too, on SQLite, in a batch of several messages (``insert_numbered``): the
batch gives each its id itself, the one SQLite would give it (the table's largest id + 1:
``ticket.id`` is its rowid, never AUTOINCREMENT), read once a transaction and counted on, so the
ticket is known at once and its row needs no statement of its own. Held rows of such a table are written (before anything else held:
the others refer to them) before any statement that names the table, or writes to a table with a
foreign key to it, or is not a statement whose tables can be read (text, DDL) — whoever runs it,
the ORM's flush included (``_before_statement``, on every connection). A statement that inserts
into or deletes from the table otherwise makes the batch read the largest id again. On PostgreSQL
ids come from a sequence other processes share: ``insert_numbered`` declines and the caller inserts
with ``RETURNING id`` at once, as before.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Insert, Select, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Delete, UpdateBase
from sqlalchemy.sql.util import find_tables

_KEY = "lianhu.later_rows"
#: on a connection's info: the Later whose numbered rows wait for a statement of that connection
_ON_CONNECTION = "lianhu.later_numbered"


class Later:
    """The rows held for one transaction: by insert statement, in the order they came."""

    def __init__(self) -> None:
        self.rows: dict[Insert, list[dict[str, Any]]] = {}
        self.tables: set[Any] = set()
        #: table → the next id this transaction gives (``insert_numbered``)
        self.ids: dict[Any, int] = {}
        self.writing = False
        #: whether ``insert_numbered`` holds rows (a batch of several messages) or declines
        self.numbering = True

    def add(self, stmt: Insert, row: dict[str, Any]) -> None:
        rows = self.rows.get(stmt)
        if rows is None:
            rows = self.rows[stmt] = []
            self.tables.add(stmt.table)
        rows.append(row)

    def held(self, stmt: Insert) -> list[dict[str, Any]]:
        return self.rows.get(stmt, [])

    def numbered(self) -> list[Insert]:
        """The statements holding rows of tables this transaction numbers."""
        return [stmt for stmt in self.rows if stmt.table in self.ids] if self.ids else []

    def forget(self) -> None:
        self.rows, self.tables, self.ids = {}, set(), {}


def hold(session: Session, numbered: bool = True) -> None:
    """From now until the session's transaction ends, ``insert`` keeps rows for ``write``;
    ``numbered``: ``insert_numbered`` too (for one message its read of the largest id would cost
    more than the statement it saves)."""
    later = session.info[_KEY] = Later()
    later.numbering = numbered


def insert(session: Session, stmt: Insert, row: dict[str, Any]) -> None:
    """Write ``row`` with ``stmt`` (a plain INSERT, nothing returned): at once, or with the
    batch's others when the session holds rows."""
    later: Later | None = session.info.get(_KEY)
    if later is None:
        session.connection().execute(stmt, row)
    else:
        later.add(stmt, row)


def insert_numbered(session: Session, stmt: Insert, row: dict[str, Any]) -> int | None:
    """Hold a new row of ``stmt``'s table (a plain INSERT; the table's key is ``id``) with the id
    SQLite would give it, and return that id; None when the session holds nothing or the database
    is not SQLite: the caller inserts it itself."""
    later: Later | None = session.info.get(_KEY)
    if later is None or not later.numbering:
        return None
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    table = stmt.table
    new_id = later.ids.get(table)
    if new_id is None:
        if session.autoflush:
            session.flush()  # the session's own new rows of it first, as a query would
        new_id = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    later.ids[table] = new_id + 1
    connection.info[_ON_CONNECTION] = later
    later.add(stmt, {**row, "id": new_id})
    return new_id


def held(session: Session, stmt: Insert) -> list[dict[str, Any]]:
    """The rows of ``stmt`` held and not written yet."""
    later: Later | None = session.info.get(_KEY)
    return later.held(stmt) if later is not None else []


def write(session: Session) -> None:
    """Write what is held, one statement a table (the session keeps holding)."""
    later: Later | None = session.info.get(_KEY)
    if later is None or not later.rows:
        return
    connection = session.connection()
    _write_numbered(connection, later)  # first: the others refer to them
    rows, later.rows, later.tables = later.rows, {}, set()
    for stmt, values in rows.items():
        connection.execute(stmt, values)


def _write_numbered(connection: Connection, later: Later) -> None:
    """Write the held rows of the tables ``later`` numbers, one statement a table."""
    statements = later.numbered()
    if not statements:
        return
    later.writing = True
    try:
        for stmt in statements:
            connection.execute(stmt, later.rows.pop(stmt))
    finally:
        later.writing = False
        later.tables = {stmt.table for stmt in later.rows}


def release(session: Session) -> None:
    """Stop holding (what is held is dropped: write it first, or the transaction rolled back)."""
    later: Later | None = session.info.pop(_KEY, None)
    if later is not None:
        later.forget()


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
        later.forget()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    later: Later | None = session.info.get(_KEY)
    if later is not None:
        later.ids = {}  # the next transaction reads the largest ids again


#: table → the tables with a foreign key to it (found once a table)
_REFERRING: dict[Any, frozenset[Any]] = {}


def _referring(table: Any) -> frozenset[Any]:
    found = _REFERRING.get(table)
    if found is None:
        found = _REFERRING[table] = frozenset(
            other for other in table.metadata.tables.values()
            if any(fk.column.table is table for fk in other.foreign_keys))
    return found


@event.listens_for(Engine, "before_execute")
def _before_statement(conn: Connection, statement: Any, *_args: Any) -> None:
    """Held numbered rows are written before a statement that may need them (module docstring)."""
    later: Later | None = conn.info.get(_ON_CONNECTION)
    if later is None or later.writing or not later.ids:
        return
    numbered = later.ids.keys()
    if not isinstance(statement, (Select, UpdateBase)):
        _write_numbered(conn, later)  # text, DDL, a union …: what it touches is not read here
        return
    tables = tables_of(statement)
    named = [t for t in numbered if t in tables]
    if named or (not isinstance(statement, Select) and any(
            not _referring(t).isdisjoint(tables) for t in numbered)):
        _write_numbered(conn, later)
    if named and isinstance(statement, (Insert, Delete)):
        for table in named:  # someone else's new or deleted row: the next id is read again
            if getattr(statement, "table", None) is table:
                later.ids.pop(table, None)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn: Connection) -> None:
    conn.info.pop(_ON_CONNECTION, None)
