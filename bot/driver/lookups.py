"""Who a sender is and what a group is, as a gateway asks for every message it is given (the
simulator: a sender by chat id or by name, a group's name), kept in memory between requests so
a request costs no query on the event loop once its sender and group were asked for.

Never served stale by this process: every statement on the app's engine that writes a person
or a group (ORM unit of work, ORM bulk or Core alike) makes it forget, when it is executed and
again when its transaction commits, and an answer read while such a change was under way is not
kept. An update or delete forgets everything; an insert only the answers it can change (a chat
id is unique, so only those asked by the new row's chat id or name: a newcomer's first message
keeps the others), or everything when its rows cannot be read from its parameters.

A change made by another process (``lianhu import``, another account's process on the same
PostgreSQL) is seen through the ledger version (storage/ledger_version.py), read at most every
``FRESH_SECONDS``: when it moved, everything is forgotten. So such a change reaches the answers
within half a second (a busy simulator reads it twice a second, not once a request; a quiet
one reads it for the first request after a pause). Plain SQL text written to those tables is
not seen (as for the ledger version): after such an edit, restart or move the ledger version.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert, UpdateBase

from storage.models import ChatRoom, LedgerVersion, Person

#: the tables whose rows an answer is made of
WATCHED = frozenset({"person", "chat_room"})
#: how long a read of the ledger version holds (changes made by other processes)
FRESH_SECONDS = 0.5
#: answers kept in each map at most (past that, all are forgotten and asked for again)
KEPT = 10_000

_PERSON, _ROOM = Person.__table__, ChatRoom.__table__
_BY_CHAT_ID = select(_PERSON.c.chat_id, _PERSON.c.name).where(_PERSON.c.chat_id == bindparam("key"))
_BY_NAME = (select(_PERSON.c.chat_id, _PERSON.c.name).where(_PERSON.c.name == bindparam("key"))
            .order_by(_PERSON.c.id).limit(1))
_ROOM_ENTRY = select(_ROOM.c.chat_id, _ROOM.c.name, _ROOM.c.kind).where(_ROOM.c.chat_id == bindparam("chat_id"))
_VERSION = select(LedgerVersion.version).where(LedgerVersion.id == 1)
_CHANGED = "lianhu.lookups_changed"

Speaker = tuple[str, str]
RoomRow = tuple[str, str, str]
T = TypeVar("T")


class Lookups:
    """``speaker(key)`` and ``room(chat_id)`` answered from memory when asked before."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._version: int | None = None  # the ledger version last read
        self._checked = float("-inf")  # when (time.monotonic())
        self._generation = 0  # moved by every forgetting: an answer read across one is not kept
        self._speakers: dict[str, Speaker | None] = {}
        self._rooms: dict[str, RoomRow | None] = {}
        event.listen(engine, "before_execute", self._executing)
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", self._rolled_back)

    def close(self) -> None:
        """Stop listening to the engine (its listeners would keep this object alive)."""
        for name, fn in (("before_execute", self._executing), ("commit", self._committed),
                         ("rollback", self._rolled_back)):
            if event.contains(self._engine, name, fn):
                event.remove(self._engine, name, fn)

    def speaker(self, key: str) -> Speaker | None:
        """(chat id, name) of the person whose chat id, else name (the first so named), is ``key``;
        None: nobody (or a person without a chat id)."""
        def read(conn: Connection) -> Speaker | None:
            row = conn.execute(_BY_CHAT_ID, {"key": key}).first()
            if row is None:
                row = conn.execute(_BY_NAME, {"key": key}).first()
            return (row[0], row[1]) if row is not None and row[0] else None

        return self._answer(self._speakers, key, read)

    def room(self, chat_id: str) -> RoomRow | None:
        """(chat id, name, kind) of the group, None if the bot does not know it."""
        def read(conn: Connection) -> RoomRow | None:
            row = conn.execute(_ROOM_ENTRY, {"chat_id": chat_id}).first()
            return (row[0], row[1], row[2]) if row is not None else None

        return self._answer(self._rooms, chat_id, read)

    def forget(self) -> None:
        self._generation += 1
        self._speakers = {}
        self._rooms = {}

    def _answer(self, kept: dict[str, T | None], key: str, read: Callable[[Connection], T | None]) -> T | None:
        """``kept[key]`` when asked before, else ``read`` it on a connection of its own and keep it
        (unless a person or group changed while it was read: then it is asked again next time)."""
        self._check_version()
        if key in kept:
            return kept[key]
        generation = self._generation
        with self._engine.connect() as conn:
            answer = read(conn)
        if generation == self._generation:
            if len(kept) >= KEPT:
                kept.clear()
            kept[key] = answer
        return answer

    def _check_version(self) -> None:
        now = time.monotonic()
        if now - self._checked < FRESH_SECONDS:
            return
        with self._engine.connect() as conn:
            version = conn.execute(_VERSION).scalar()
        self._checked = now
        if version != self._version:
            self._version = version
            self.forget()

    def _forget_keys(self, keys: set[tuple[str, str]]) -> None:
        self._generation += 1
        for table, key in keys:
            (self._speakers if table == "person" else self._rooms).pop(key, None)

    def _executing(self, conn: Connection, statement: Any, multiparams: Any, params: Any,
                   execution_options: Any) -> None:
        if not isinstance(statement, UpdateBase):
            return
        table = getattr(getattr(statement, "table", None), "name", None)
        if table not in WATCHED:
            return
        keys = _inserted_keys(statement, table, multiparams, params)
        pending = conn.info.get(_CHANGED)
        if keys is None or pending is _ALL:
            conn.info[_CHANGED] = _ALL
            self.forget()
        else:
            conn.info[_CHANGED] = keys if pending is None else pending | keys
            self._forget_keys(keys)

    def _committed(self, conn: Connection) -> None:
        # what was read before this commit and kept meanwhile is gone too
        pending = conn.info.pop(_CHANGED, None)
        if pending is _ALL:
            self.forget()
        elif pending:
            self._forget_keys(pending)

    def _rolled_back(self, conn: Connection) -> None:
        conn.info.pop(_CHANGED, None)


_ALL = frozenset({("*", "*")})  # a change that may alter any answer


def _inserted_keys(statement: Any, table: str, multiparams: Any, params: Any) -> set[tuple[str, str]] | None:
    """The answers an INSERT of new people or groups can change: (table, key) for each row's chat
    id (and a person's name); None for any other statement, or rows it cannot read."""
    if not isinstance(statement, Insert) or statement._values or statement._multi_values \
            or statement.select is not None:
        return None
    rows = multiparams if multiparams else [params]
    keys: set[tuple[str, str]] = set()
    for row in rows:
        if not isinstance(row, dict) or "chat_id" not in row or (table == "person" and "name" not in row):
            return None
        for value in (row["chat_id"], row.get("name")):
            if isinstance(value, str):
                keys.add((table, value))
    return keys
