"""The ledger's version: one counter, moved in the same transaction by every change of who is who
and where, so that what a process keeps of those facts between transactions (the inbox's cache
of chat ids, storage/ledger_cache.py) is never served after they changed.

Nobody calls ``bump``: every statement that changes one of the ``WATCHED`` tables — written
through the ORM's unit of work, an ORM bulk statement or a Core statement on a connection — is
seen here (an ``Engine`` ``before_execute`` listener, registered for every engine when this
module is imported, which storage/db.py does), and the counter is moved once, just before that
transaction commits (the ``commit`` listener). So a new writer of those tables cannot forget
it, and the counter's row is locked only for the instant before the commit (no deadlock with
the ticket-number lock on PostgreSQL). A rolled back transaction moves nothing.

Inserting a person or a group does not move it: a cache never holds a chat id it did not find,
and a new row changes no row it holds (the bot adds one for every newcomer and new group).
Plain SQL text written to these tables would not be seen: write them with SQLAlchemy statements.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, UpdateBase

from storage.models import LedgerVersion

#: the tables whose rows a cache may hold (a person and their home, building, grid, community;
#: a group and its building; a household's linked member)
WATCHED = frozenset({"community", "grid", "building", "household", "person", "member_link", "chat_room"})
#: tables whose new rows change nothing a cache holds
INSERT_IS_NEW = frozenset({"person", "chat_room"})

_DIRTY = "lianhu.ledger_changed"
_BUMP = ("INSERT INTO ledger_version (id, version) VALUES (1, 1) "
         "ON CONFLICT (id) DO UPDATE SET version = ledger_version.version + 1")
_READ = select(LedgerVersion.version).where(LedgerVersion.id == 1)
#: the version as a column of another statement (NULL when the row is missing: read as 0)
VERSION = _READ.scalar_subquery().label("ledger_version")


def read(session: Session) -> int:
    """The version as this transaction sees it (one small statement); 0 when the row is missing
    (a database emptied by TRUNCATE: the next change writes 1)."""
    value = session.connection().execute(_READ).scalar()
    return int(value) if value is not None else 0


def pending_here(session: Session) -> bool:
    """Whether the session holds changes to the ``WATCHED`` tables not flushed yet (a new, changed
    or deleted person, group, household …): only those can make ``changed_here`` true once
    flushed (what else a flush writes is not watched)."""
    return any(getattr(type(obj), "__tablename__", None) in WATCHED
               for pending in (session.new, session.dirty, session.deleted) for obj in pending)


def changed_here(session: Session) -> bool:
    """Whether the session's open transaction wrote to the ``WATCHED`` tables (what it has not
    flushed yet is not counted: flush first)."""
    return bool(session.connection().info.get(_DIRTY))


def changes_ledger(statement: object) -> bool:
    if not isinstance(statement, UpdateBase):
        return False
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name not in WATCHED:
        return False
    return not (isinstance(statement, Insert) and name in INSERT_IS_NEW)


@event.listens_for(Engine, "before_execute")
def _seen(conn: Connection, statement: Any, *_args: Any) -> None:
    if changes_ledger(statement):
        conn.info[_DIRTY] = True


@event.listens_for(Engine, "commit")
def _bump_before_commit(conn: Connection) -> None:
    if conn.info.pop(_DIRTY, False):
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _forget(conn: Connection) -> None:
    conn.info.pop(_DIRTY, None)
