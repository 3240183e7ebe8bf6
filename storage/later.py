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

On PostgreSQL the rows of a table go in one statement of one JSON document, not an executemany
(storage/unnest.py). A rollback forgets them with everything else of the transaction. Outside a
held session ``insert`` writes at once, as before.

New tickets are held too, in a batch of several messages (``insert_numbered``): the batch gives
each its id itself, so the ticket is known at once and its row needs no statement of its own.
So are new heads-ups on SQLite only (domain/headsups.py: their writers share no lock, see below);
numbered tables are written a table before those that may refer to it (tickets, then heads-ups).
Held rows of such a table are written (before anything else held: the others refer to them) before
any statement that names the table, or writes to a table with a foreign key to it, or is not a
statement whose tables can be read (text, DDL) — whoever runs it, the ORM's flush included
(``_before_statement``, on every connection). Two exceptions: an INSERT (rows given as parameters)
whose rows' foreign keys name none of the held rows (a heads-up or a guide ask of no ticket, or of a
ticket already written) does not wait for them; and a SELECT run with the ``HELD_KNOWN`` execution
option, whose caller takes the held rows from memory itself (a building's open tickets:
domain/open_tickets.py), does not write them. Where the ids come from (``_Ids``):

* SQLite (``_Counted``): the id SQLite would give the row (the table's largest id + 1: ``ticket.id``
  is its rowid, never AUTOINCREMENT), read once a transaction and counted on. A statement that
  inserts into or deletes from the table otherwise makes the batch read the largest id again.
* PostgreSQL (``_Reserved``): from the table's sequence, which other processes share, a few at a
  time in one statement (``SELECT nextval(…) FROM generate_series(1, n)``: as many as the batch
  has messages — at least 8, at most 64 —, then twice as many each time, up to 64):
  ids nobody else is ever given, whoever else inserts meanwhile. Before the transaction commits,
  the ids reserved and not used are given back (``setval``) when the sequence's last value is
  still the last one reserved — nobody took one since — so a batch leaves the same ids as rows
  inserted one by one would; otherwise they are left unused (a gap, as a rolled-back insert
  leaves). For tickets nobody else can take one in between: every ticket is numbered first,
  under the ticket-number lock the transaction holds until it ends (storage/repo.py
  ``next_ticket_number``), and the ids are given back before that. (The check and the ``setval``
  are one statement but not one atomic step: a ticket inserted by hand, outside the lock, in that
  instant would have its id handed out again, and the insert that got it would fail on the
  primary key — a batch rolled back and handled again one message at a time, never a wrong row.
  A table whose writers share no such lock should not be held here.) A rollback leaves the
  reserved ids unused.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    event,
    false,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import REGCLASS
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Delete, UpdateBase
from sqlalchemy.sql.util import find_tables

from storage import unnest

_KEY = "lianhu.later_rows"
#: on a connection's info: the Later whose numbered rows wait for a statement of that connection
_ON_CONNECTION = "lianhu.later_numbered"


class Later:
    """The rows held for one transaction: by insert statement, in the order they came."""

    def __init__(self) -> None:
        self.rows: dict[Insert, list[dict[str, Any]]] = {}
        self.tables: set[Any] = set()
        #: table → the ids this transaction gives its new rows (``insert_numbered``)
        self.ids: dict[Any, _Ids] = {}
        self.writing = False
        #: whether ``insert_numbered`` holds rows (a batch of several messages) or declines
        self.numbering = True
        #: how many new rows of a table the transaction may number (its messages: PostgreSQL
        #: reserves that many ids at once, not 8, 16, 32 … one statement each)
        self.expected = _FIRST_BLOCK
        #: (statement, column names) → the held rows' values of those columns (``holds``), kept
        #: current by ``add`` once asked for; dropped with the rows they index
        self.keyed: dict[tuple[Insert, tuple[str, ...]], set[tuple[Any, ...]]] = {}

    def add(self, stmt: Insert, row: dict[str, Any]) -> None:
        rows = self.rows.get(stmt)
        if rows is None:
            rows = self.rows[stmt] = []
            self.tables.add(stmt.table)
        rows.append(row)
        if self.keyed:
            for (indexed, names), values in self.keyed.items():
                if indexed is stmt:
                    values.add(tuple(row[name] for name in names))

    def held(self, stmt: Insert) -> list[dict[str, Any]]:
        return self.rows.get(stmt, [])

    def holds(self, stmt: Insert, values: dict[str, Any]) -> bool:
        """Whether a row held for ``stmt`` has these ``values`` (an index of the held rows by those
        columns, made at the first question and kept by ``add``: not a scan of every row a time)."""
        names = tuple(values)
        key = (stmt, names)
        index = self.keyed.get(key)
        if index is None:
            index = self.keyed[key] = {tuple(row[name] for name in names) for row in self.rows.get(stmt, ())}
        return tuple(values[name] for name in names) in index

    def numbered(self) -> list[Insert]:
        """The statements holding rows of tables this transaction numbers, a table before those
        that may refer to it (a ticket before a heads-up)."""
        if not self.ids:
            return []
        found = [stmt for stmt in self.rows if stmt.table in self.ids]
        if len(found) > 1:
            found.sort(key=lambda stmt: _rank(stmt.table))
        return found

    def forget(self) -> None:
        self.rows, self.tables, self.ids, self.keyed = {}, set(), {}, {}


def hold(session: Session, numbered: bool = True, expected: int = 0) -> None:
    """From now until the session's transaction ends, ``insert`` keeps rows for ``write``;
    ``numbered``: ``insert_numbered`` too (for one message its read of the largest id would cost
    more than the statement it saves); ``expected``: about how many new rows of a numbered table
    it may make (a batch's messages: on PostgreSQL the first reservation takes that many, at
    least 8 and at most 64; what is not used is given back)."""
    later = session.info[_KEY] = Later()
    later.numbering = numbered
    later.expected = min(max(expected, _FIRST_BLOCK), _LARGEST_BLOCK)


def insert(session: Session, stmt: Insert, row: dict[str, Any]) -> None:
    """Write ``row`` with ``stmt`` (a plain INSERT, nothing returned): at once, or with the
    batch's others when the session holds rows."""
    later: Later | None = session.info.get(_KEY)
    if later is None:
        session.connection().execute(stmt, row)
    else:
        later.add(stmt, row)


def insert_numbered(session: Session, stmt: Insert, row: dict[str, Any],
                    dialects: frozenset[str] | None = None) -> int | None:
    """Hold a new row of ``stmt``'s table (a plain INSERT; the table's key is ``id``, filled by the
    database: SQLite's rowid, a PostgreSQL sequence) with the id it will have, and return that id;
    None when the session holds nothing or the database is neither (or not one of ``dialects``):
    the caller inserts it itself."""
    later: Later | None = session.info.get(_KEY)
    if later is None or not later.numbering:
        return None
    table = stmt.table
    ids = later.ids.get(table)
    if ids is None:
        connection = session.connection()
        dialect = connection.dialect.name
        if dialects is not None and dialect not in dialects:
            return None
        if dialect == "sqlite":
            if session.autoflush:
                session.flush()  # the session's own new rows of it first, as a query would
            ids = _Counted(connection, table)
        elif dialect == "postgresql":
            ids = _Reserved(table, later.expected)
        else:
            return None
        later.ids[table] = ids
        connection.info[_ON_CONNECTION] = later
    new_id = ids.take(session)
    later.add(stmt, {**row, "id": new_id})
    return new_id


class _Ids:
    """The ids one transaction gives the new rows of one table."""

    def take(self, session: Session) -> int:
        raise NotImplementedError

    def others_wrote(self) -> bool:
        """Someone else inserted into or deleted from the table in this transaction: whether the
        ids must be found again (the next ``insert_numbered`` makes a new ``_Ids``)."""
        return True

    def give_back(self, connection: Connection) -> None:
        """Before the transaction commits: the ids not used, when they can be."""


class _Counted(_Ids):
    """SQLite: the table's largest id + 1, then counted on (one writer at a time: nobody else
    takes an id meanwhile but this transaction, and its own inserts make it read again)."""

    def __init__(self, connection: Connection, table: Any) -> None:
        self.next = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    def take(self, session: Session) -> int:
        self.next += 1
        return self.next - 1


#: the sequence behind a table's ``id`` (``:table``)
_SEQUENCE = cast(func.pg_get_serial_sequence(bindparam("table", type_=String), "id"), REGCLASS)
#: ``n`` new values of it, in order (other processes may take theirs meanwhile); a SELECT of no
#: table, so no held row is written for it (``_before_statement``)
_RESERVE = select(func.nextval(_SEQUENCE)).select_from(func.generate_series(1, bindparam("n", type_=Integer)))
#: the sequence set back to ``first`` (its next value) if nobody took a value after ``last``
_GIVE_BACK = select(func.setval(_SEQUENCE, bindparam("first", type_=BigInteger), false())).where(
    func.pg_sequence_last_value(_SEQUENCE) == bindparam("last", type_=BigInteger))
_FIRST_BLOCK, _LARGEST_BLOCK = 8, 64


class _Reserved(_Ids):
    """PostgreSQL: values of the table's sequence reserved a block at a time (module docstring)."""

    def __init__(self, table: Any, first: int = 0) -> None:
        self.table = table
        self.free: list[int] = []  # reserved and not given yet, the next one last
        self.last: int | None = None  # the last value reserved
        self.size = min(max(first, _FIRST_BLOCK), _LARGEST_BLOCK)

    def take(self, session: Session) -> int:
        if not self.free:
            reserved = session.connection().execute(
                _RESERVE, {"table": self.table.name, "n": self.size}).scalars().all()
            self.free = list(reversed(reserved))
            self.last = reserved[-1]
            self.size = min(self.size * 2, _LARGEST_BLOCK)
        return self.free.pop()

    def others_wrote(self) -> bool:
        return False  # their ids come from the same sequence: never one of these

    def give_back(self, connection: Connection) -> None:
        free, self.free = self.free, []
        # only a run that ends the reservation (values taken by others in between stay unused)
        if free and free[0] == self.last and free[0] - free[-1] == len(free) - 1:
            connection.execute(_GIVE_BACK, {"table": self.table.name, "first": free[-1], "last": free[0]})


def held(session: Session, stmt: Insert) -> list[dict[str, Any]]:
    """The rows of ``stmt`` held and not written yet."""
    later: Later | None = session.info.get(_KEY)
    return later.held(stmt) if later is not None else []


def holds(session: Session, stmt: Insert, **values: Any) -> bool:
    """Whether a row of ``stmt`` held and not written yet has these values (``Later.holds``)."""
    later: Later | None = session.info.get(_KEY)
    return later is not None and stmt in later.rows and later.holds(stmt, values)


def write(session: Session) -> None:
    """Write what is held, one statement a table (the session keeps holding)."""
    later: Later | None = session.info.get(_KEY)
    if later is None or not later.rows:
        return
    connection = session.connection()
    _write_numbered(connection, later)  # first: the others refer to them
    rows, later.rows, later.tables, later.keyed = later.rows, {}, set(), {}
    for stmt, values in rows.items():
        unnest.insert_many(connection, stmt, values)


def _write_numbered(connection: Connection, later: Later) -> None:
    """Write the held rows of the tables ``later`` numbers, one statement a table."""
    statements = later.numbered()
    if not statements:
        return
    later.writing = True
    try:
        for stmt in statements:
            unnest.insert_many(connection, stmt, later.rows.pop(stmt))
    finally:
        later.writing = False
        later.tables = {stmt.table for stmt in later.rows}
        if later.keyed:  # the indexes of the rows written go with them
            later.keyed = {key: index for key, index in later.keyed.items() if key[0] in later.rows}


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
    later: Later | None = session.info.get(_KEY)
    if later is not None and later.ids:  # while the transaction still holds its locks
        connection = session.connection()
        for ids in later.ids.values():
            ids.give_back(connection)


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


#: table → its place in its metadata's tables sorted by their foreign keys (found once a table)
_RANK: dict[Any, int] = {}


def _rank(table: Any) -> int:
    rank = _RANK.get(table)
    if rank is None:
        for i, known in enumerate(table.metadata.sorted_tables):
            _RANK[known] = i
        rank = _RANK[table]
    return rank


#: table → the tables with a foreign key to it (found once a table)
_REFERRING: dict[Any, frozenset[Any]] = {}


def _referring(table: Any) -> frozenset[Any]:
    found = _REFERRING.get(table)
    if found is None:
        found = _REFERRING[table] = frozenset(
            other for other in table.metadata.tables.values()
            if any(fk.column.table is table for fk in other.foreign_keys))
    return found


#: (table, numbered table) → the key columns of the first that refer to the second (found once)
_REFERRING_COLUMNS: dict[tuple[Any, Any], tuple[Any, ...]] = {}


def _referring_columns(table: Any, numbered: Any) -> tuple[Any, ...]:
    key = (table, numbered)
    found = _REFERRING_COLUMNS.get(key)
    if found is None:
        found = _REFERRING_COLUMNS[key] = tuple(
            fk.parent for fk in table.foreign_keys if fk.column.table is numbered)
    return found


def held_ids(session: Session, table: Any) -> set[int]:
    """The ids of ``table``'s rows this transaction numbered and holds, not written yet."""
    later: Later | None = session.info.get(_KEY)
    if later is None or table not in later.ids:
        return set()
    return {row["id"] for stmt in later.numbered() if stmt.table is table for row in later.rows[stmt]}


def _names_no_held(later: Later, statement: Any, multiparams: Any, params: Any) -> bool:
    """An INSERT into a table that refers to numbered tables, whose every row (its parameters: no
    values of its own, no SELECT) refers to none of their held rows: it need not wait for them."""
    if (not isinstance(statement, Insert) or statement.select is not None or statement._values
            or statement._multi_values):
        return False
    table = statement.table
    rows_given = multiparams if multiparams else [params]
    for numbered in later.ids:
        columns = _referring_columns(table, numbered)
        if not columns:
            continue
        held = {row["id"] for stmt in later.numbered() if stmt.table is numbered for row in later.rows[stmt]}
        for column in columns:
            for row in rows_given:
                if not isinstance(row, dict):
                    return False
                if column.key not in row:
                    if column.default is not None or column.server_default is not None:
                        return False  # filled by the database or a default: not known here
                    continue
                value = row[column.key]
                if value is not None and (not isinstance(value, int) or value in held):
                    return False
    return True


#: execution option of a SELECT whose caller takes the rows held for the tables it names from
#: memory itself (domain/open_tickets.py): they are not written for it
HELD_KNOWN = "lianhu_held_known"


@event.listens_for(Engine, "before_execute")
def _before_statement(conn: Connection, statement: Any, multiparams: Any, params: Any,
                      execution_options: Any) -> None:
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
    if named:
        if not (isinstance(statement, Select) and execution_options.get(HELD_KNOWN)):
            _write_numbered(conn, later)
    elif not isinstance(statement, Select) and any(
            not _referring(t).isdisjoint(tables) for t in numbered) and not _names_no_held(
            later, statement, multiparams, params):
        _write_numbered(conn, later)
    if named and isinstance(statement, (Insert, Delete)):
        for table in named:  # someone else's new or deleted row: on SQLite the next id is read again
            if getattr(statement, "table", None) is table and later.ids[table].others_wrote():
                later.ids.pop(table, None)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn: Connection) -> None:
    conn.info.pop(_ON_CONNECTION, None)
