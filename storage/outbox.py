"""Writing to the outbox: everything the bot says goes through here.

Nothing is sent directly: a row is stored in the same transaction as the change
that caused it, and the outbox sender delivers it. Group messages are passed
through ``privacy.redact`` as a last guard.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    bindparam,
    ColumnElement,
    CursorResult,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state, manager_of_class

from kernel.clock import Clock
from kernel.privacy import redact
from storage import repo, unnest
from storage.models import ChatAccount, OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)


_OUTBOX_CLASS = manager_of_class(OutboxMessage)


class Speaker:
    """``held``: a list the rows are put in instead of the session, for the caller to write with
    ``write_held`` before it commits (the inbox writes a batch's rows in one statement)."""

    def __init__(self, session: Session, clock: Clock, cause_id: int | None = None,
                 batch: str | None = None, held: list[OutboxMessage] | None = None) -> None:
        self.session = session
        self.clock = clock
        self.cause_id = cause_id
        self.batch = batch
        self.held = held
        self.written: list[OutboxMessage] = []

    def _put(self, conversation: str, text: str, *, is_room: bool, mentions: tuple[str, ...] = (),
             urgent: bool = False, attachment: str | None = None) -> OutboxMessage:
        now = self.clock.now()
        values = dict(conversation=conversation, is_room=is_room, text=text, mentions=list(mentions),
                      urgent=urgent, attachment=attachment, not_before=now, created_at=now,
                      cause_id=self.cause_id, batch=self.batch)
        if self.held is not None:
            # held for write_held: the same new object, its values put in place without the
            # attribute events a constructor sends (nothing listens to a new row's history)
            row = _OUTBOX_CLASS.new_instance()
            row.__dict__.update(values)
            self.held.append(row)
        else:
            row = OutboxMessage(**values)
            self.session.add(row)
        self.written.append(row)
        return row

    def room(self, chat_id: str, text: str, mentions: tuple[str, ...] = (),
             urgent: bool = False) -> OutboxMessage:
        return self._put(chat_id, redact(text), is_room=True, mentions=mentions, urgent=urgent)

    def person(self, person: Person | None, text: str, urgent: bool = False,
               attachment: str | None = None) -> OutboxMessage | None:
        if person is None or not person.chat_id:
            log.warning("cannot message %s: no chat id", getattr(person, "name", None))
            return None
        return self._put(person.chat_id, text, is_room=False, urgent=urgent, attachment=attachment)

    def staff_group(self, community_id: int | None, text: str, urgent: bool = False) -> bool:
        room = repo.staff_room_chat_id(self.session, community_id)
        if room is not None:
            self.room(room, text, urgent=urgent)
            return True
        for staff in repo.staff_of(self.session, community_id):  # no staff group: tell each
            self.person(staff, text, urgent=urgent)
        return False


#: built once: every batch writes with it (a Core insert on the table: the rows are not read
#: back, so the ORM's bulk machinery has nothing to do)
_INSERT_OUTBOX = insert(OutboxMessage.__table__)  # type: ignore[arg-type]  # a mapped class's table
#: the mapped columns' names (what of a held row's ``__dict__`` is written)
_OUTBOX_COLUMNS = frozenset(c.key for c in OutboxMessage.__mapper__.column_attrs)


def write_held(session: Session, rows: list[OutboxMessage]) -> None:
    """Write the rows Speakers held back (``held``), in order, in as few statements as may be.
    A row that joined the session meanwhile (another row refers to it) is the session's to write."""
    session.flush()
    columns = _OUTBOX_COLUMNS
    runs: list[list[dict[str, Any]]] = []
    for row in rows:
        state = instance_state(row)
        if state.session_id is not None or state.key is not None:
            continue
        values = {k: v for k, v in state.dict.items() if k in columns}
        if runs and runs[-1][0].keys() == values.keys():
            runs[-1].append(values)
        else:
            runs.append([values])
    if runs:
        connection = session.connection()
        for run in runs:
            unnest.insert_many(connection, _INSERT_OUTBOX, run)  # PostgreSQL: one statement, one JSON document
    rows.clear()


def batch_progress(session: Session, batch: str) -> dict[str, int]:
    """How many messages of a batch (a broadcast, a campaign slot) are in each state."""
    rows = session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id))
                           .where(OutboxMessage.batch == batch).group_by(OutboxMessage.status)).all()
    counts = {OutboxStatus.PENDING: 0, OutboxStatus.SENT: 0, OutboxStatus.FAILED: 0}
    counts.update({status: int(n) for status, n in rows})
    return counts


def queue_to_rooms(session: Session, clock: Clock, chat_ids: list[str], text: str, *, batch: str,
                   cause_id: int | None = None, urgent: bool = False) -> int:
    """Queue one group message per chat id in a single bulk insert (a 1,000-group notice in a
    fraction of a second); the text passes the same privacy guard as every group message."""
    from kernel.privacy import redact

    now = clock.now()
    text = redact(text)
    rows: list[dict[str, object]] = [dict(conversation=chat_id, is_room=True, text=text, mentions=[], attachment=None, urgent=urgent,
                 status=OutboxStatus.PENDING, attempts=0, not_before=now, created_at=now, cause_id=cause_id,
                 batch=batch) for chat_id in chat_ids]
    if rows:
        session.execute(insert(OutboxMessage), rows)
    return len(rows)


# --- the send side: which account sends a row, claiming rows, marking them sent ----------------------
#
# With several WeChat accounts (one process each, on one PostgreSQL) a row is routed to an account
# when a process claims it: a group message to an account that is in the group, a private message
# to an account that has the person as a contact (``chat_account``, recorded by each process at
# login and as messages arrive), else, for a private message to someone no account knows, to the
# default account. A group no account is known to be in waits. Once routed (``account`` set) only
# that account's process sends it. Without an account name (a single account, SQLite) the one
# process sends every row, as before.

ROOM, PERSON = "room", "person"
CHUNK = 500  # chat ids per statement


def record_presence(session: Session, account: str, kind: str, chat_ids: Iterable[str], now: datetime, *,
                    complete: bool = False) -> int:
    """Record that ``account`` is in these groups (kind room) or has these contacts (kind person);
    ``complete``: the list is the account's whole list (at login), so what is missing is dropped.
    Returns how many were new. Safe when two processes record the same pair at once."""
    ids = list(dict.fromkeys(c for c in chat_ids if c))
    if complete:
        session.execute(delete(ChatAccount).where(ChatAccount.account == account, ChatAccount.kind == kind,
                                                  ChatAccount.chat_id.not_in(ids) if ids else true()))
    new = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        known = set(session.scalars(select(ChatAccount.chat_id).where(
            ChatAccount.account == account, ChatAccount.chat_id.in_(part))))
        rows = [{"chat_id": c, "account": account, "kind": kind, "seen_at": now} for c in part if c not in known]
        if rows:
            session.execute(_insert_ignoring_duplicates(session), rows)
            new += len(rows)
    return new


def _insert_ignoring_duplicates(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(ChatAccount).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(ChatAccount).on_conflict_do_nothing()
    return insert(ChatAccount)


def claimable(account: str | None, *, default: bool = False) -> ColumnElement[bool]:
    """The rows ``account``'s process may send: routed to it, or not routed yet and for a group
    it is in or a person it knows (the default account: also a person no account knows). No
    account: every row (a single account sends everything)."""
    if not account:
        return true()
    known_here = exists().where(ChatAccount.chat_id == OutboxMessage.conversation, ChatAccount.account == account)
    unrouted = OutboxMessage.account.is_(None)
    routable = and_(unrouted, known_here)
    if default:
        known_nowhere = ~exists().where(ChatAccount.chat_id == OutboxMessage.conversation)
        routable = or_(routable, and_(unrouted, OutboxMessage.is_room.is_(False), known_nowhere))
    return or_(OutboxMessage.account == account, routable)


def route(session: Session, now: datetime, *, account: str, default: bool = False, limit: int = 20) -> int:
    """Route due rows nobody has yet to ``account`` (those it may send: ``claimable``), in one
    statement, committed before any of them is sent: a row never changes account after one of
    its sends may have gone out. Rows another process is routing are skipped (PostgreSQL)."""
    free = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING,
                                          OutboxMessage.not_before <= now, OutboxMessage.account.is_(None),
                                          claimable(account, default=default))
    free = free.order_by(OutboxMessage.urgent.desc(), OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        free = free.with_for_update(skip_locked=True)
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE: a cursor result
        update(OutboxMessage).where(OutboxMessage.id.in_(free.scalar_subquery()))
        .values(account=account).execution_options(synchronize_session=False))
    session.commit()
    return int(result.rowcount or 0)


def claim(session: Session, now: datetime, *, account: str | None, default: bool = False,
          urgent_only: bool = False, limit: int = 20) -> list[OutboxMessage]:
    """The due rows this process sends now, urgent first, locked until the session's transaction
    ends (PostgreSQL: ``FOR UPDATE SKIP LOCKED``: two processes never hold the same row): with
    an account, its own rows (routed to it first: ``route``); without, every row."""
    if account:
        route(session, now, account=account, default=default, limit=limit)
    dialect = session.get_bind().dialect.name
    key = (dialect, bool(account), urgent_only)
    q = _CLAIMS.get(key)
    if q is None:  # built once for each kind of claim (building one costs about as much as running it)
        q = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                        OutboxMessage.not_before <= bindparam("now"))
        if account:
            q = q.where(OutboxMessage.account == bindparam("account"))
        if urgent_only:
            q = q.where(OutboxMessage.urgent.is_(True))
        q = q.order_by(OutboxMessage.urgent.desc(), OutboxMessage.id).limit(bindparam("limit"))
        if dialect == "postgresql":
            q = q.with_for_update(skip_locked=True, of=OutboxMessage)
        _CLAIMS[key] = q
    params: dict[str, Any] = {"now": now, "limit": limit}
    if account:
        params["account"] = account
    return list(session.scalars(q, params))


#: ``claim``'s statements by (dialect, with an account, urgent only)
_CLAIMS: dict[tuple[str, bool, bool], Any] = {}
_TABLE = OutboxMessage.__table__
#: a Core update on the table (nothing in the session to keep in step: the sender's rows are
#: not read again after they went)
_MARK_SENT = (update(_TABLE).where(_TABLE.c.id.in_(bindparam("ids", expanding=True)))  # type: ignore[arg-type]
              .values(status=OutboxStatus.SENT, sent_at=bindparam("now"), last_error=None,
                      attempts=_TABLE.c.attempts + 1))


def mark_sent(session: Session, ids: list[int], now: datetime) -> int:
    """Mark a batch of rows sent, in one statement (each attempt counted)."""
    if not ids:
        return 0
    result: CursorResult[Any] = session.connection().execute(_MARK_SENT, {"ids": ids, "now": now})
    return int(result.rowcount or 0)

