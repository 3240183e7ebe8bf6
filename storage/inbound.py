"""Storing inbound messages and marking them handled, a batch at a time (the hot path of
bot/inbox.py): one statement for many messages, no read-back of what was just stored."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from typing import NamedTuple

from sqlalchemy import Connection, Integer, Table, any_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import ledger_version, unnest
from storage.models import InboundMessage, InboxStatus

Key = tuple[str, str]  # (gateway, message id): unique
TABLE: Table = InboundMessage.__table__  # type: ignore[assignment]  # a mapped class's table is a Table
#: the statements, built once a dialect (and a row's keys for PostgreSQL's arrays: building one costs
#: about as much as running it)
_INSERT_NEW: dict[tuple[str, tuple[str, ...] | None], Any] = {}


class Stored(NamedTuple):
    ids: dict[Key, int]  # the ids of the rows inserted, by key (a key stored before is missing)
    #: the ledger's version as the insert saw it (storage/ledger_version.py), read by the same
    #: statement: the batch's ledger cache needs no statement of its own to read it; None when
    #: nothing was inserted (or on a database without ON CONFLICT): read it then
    ledger_version: int | None


def insert_new(conn: Connection, rows: Sequence[dict[str, Any]]) -> Stored:
    """Insert the rows whose (gateway, message id) is not stored yet, in one statement; the
    ids of those inserted, by key (a key stored before is missing: a redelivery), and the
    ledger's version. The caller commits (``conn``: a Core connection, no ORM session: the
    store writes one table and reads nothing back as objects). ``rows`` must not repeat a key."""
    if not rows:
        return Stored({}, None)
    dialect = conn.dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert if dialect == "sqlite" else None
    if make is None:  # another database: one row at a time, a savepoint each
        return Stored(_insert_one_by_one(conn, rows), None)
    # PostgreSQL, several rows: one statement of one JSON document, the same every time
    # (storage/unnest.py), not a multi-VALUES statement of 14 parameters a row that psycopg splits
    # anew at each execution
    document = (unnest.parameters(TABLE, rows) if dialect == "postgresql" and len(rows) > 1
                and unnest.same_keys(rows) else None)
    arrays = document is not None
    key = (dialect, tuple(rows[0]) if arrays else None)
    stmt = _INSERT_NEW.get(key)
    if stmt is None:
        base = (make(TABLE).from_select(list(rows[0]), unnest.source(TABLE, list(rows[0]))) if arrays
                else make(TABLE))
        stmt = _INSERT_NEW[key] = base.on_conflict_do_nothing(
            index_elements=["gateway", "message_id"]).returning(
                TABLE.c.id, TABLE.c.gateway, TABLE.c.message_id, ledger_version.VERSION)
    ids, version = {}, None
    for id_, gateway, message_id, version in conn.execute(
            stmt, document if document is not None else list(rows)).all():
        ids[(gateway, message_id)] = id_
    return Stored(ids, None if not ids else int(version) if version is not None else 0)


def _insert_one_by_one(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[Key, int]:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    ids: dict[Key, int] = {}
    for row in rows:
        try:
            with conn.begin_nested():
                new_id = conn.execute(insert(TABLE).returning(TABLE.c.id), row).scalar_one()
        except IntegrityError:
            continue
        ids[(row["gateway"], row["message_id"])] = new_id
    return ids


#: the messages of a batch nobody has handled or is handling: on PostgreSQL each row is locked
#: until the batch's transaction ends, and one another process holds is skipped (that process
#: handles it); SQLite has one process and one writer: reading the status is enough there
_CLAIM_PG = (select(TABLE.c.id).where(TABLE.c.id == any_(bindparam("row_ids", type_=postgresql.ARRAY(Integer))),
                                      TABLE.c.status.in_(InboxStatus.WAITING))
             .with_for_update(skip_locked=True))
_CLAIM = select(TABLE.c.id).where(TABLE.c.id.in_(bindparam("row_ids", expanding=True)),
                                  TABLE.c.status.in_(InboxStatus.WAITING))


def claim(session: Session, ids: Sequence[int]) -> set[int]:
    """Of messages about to be handled, those still waiting and not being handled elsewhere,
    held by this transaction until it ends (on PostgreSQL a row lock; SQLite: one writer). A
    message another process replayed (``lianhu run`` starting on the same database) or is
    handling now is left out: it is handled once, by whoever holds it."""
    if not ids:
        return set()
    connection = session.connection()
    stmt = _CLAIM_PG if connection.dialect.name == "postgresql" else _CLAIM
    return set(connection.execute(stmt, {"row_ids": list(ids)}).scalars())


_MARK_DONE = (update(TABLE).where(TABLE.c.id == bindparam("row_id"))
              .values(status=InboxStatus.DONE, attempts=TABLE.c.attempts + 1, handled_at=bindparam("now")))
#: a batch's: one UPDATE of every row (an executemany is one execution a row on PostgreSQL)
_MARK_MANY_DONE = (update(TABLE).where(TABLE.c.id.in_(bindparam("row_ids", expanding=True)))
                   .values(status=InboxStatus.DONE, attempts=TABLE.c.attempts + 1, handled_at=bindparam("now")))
#: PostgreSQL's: the ids as one array, ``id = ANY(:row_ids)``: the same short statement for every
#: batch (the expanding IN is rendered anew for each number of rows, and psycopg splits it again)
_MARK_MANY_DONE_PG = (update(TABLE).where(TABLE.c.id == any_(bindparam("row_ids", type_=postgresql.ARRAY(Integer))))
                      .values(status=InboxStatus.DONE, attempts=TABLE.c.attempts + 1, handled_at=bindparam("now")))


def mark_done(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Mark newly stored messages handled (their first attempt) in one statement."""
    if not ids:
        return
    if len(ids) == 1:
        session.connection().execute(_MARK_DONE, {"row_id": ids[0], "now": now})
    else:
        connection = session.connection()
        stmt = _MARK_MANY_DONE_PG if connection.dialect.name == "postgresql" else _MARK_MANY_DONE
        connection.execute(stmt, {"row_ids": list(ids), "now": now})
