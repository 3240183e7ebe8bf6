"""The inbox: every inbound message is stored before anything acts on it.

(gateway, message id) is unique, so a redelivered message is recognised and does
nothing twice. Handling runs in one transaction with everything it writes (ticket
changes and outbox rows): it happens whole or not at all. A message whose handling
failed is marked, its sender told "出错了,已记录" once, and retried on the next start, at
most MAX_ATTEMPTS times in all; then it is set aside for staff (`lianhu doctor`). A number or
date too large for the database gets a clear answer instead. Handling is plain synchronous work:
the app runs it in a worker thread, one batch at a time.

Batches (``Lane``): the messages waiting while the previous batch was handled are stored in
one statement, committed (on PostgreSQL in autocommit: the statement is its own transaction),
then handled in order in one transaction with one commit (a group commit). A quiet bot handles each message alone, at once; a busy one amortises the
commits and the look-ups of senders and groups over the batch. Order is kept: messages are
handled in the order they came, so within a conversation too.

Handled once, across processes too: a batch's transaction first holds its messages
(``storage/inbound.py`` ``claim``: on PostgreSQL row locks, a message another process holds is
skipped), and a replayed one is held the same way, so a process starting on the database while
another is handling what it just stored never handles those messages a second time.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, joinedload, sessionmaker
from sqlalchemy.orm.attributes import instance_state

from domain import open_tickets
from domain.tickets import URGENT_KINDS, urgent_advice
from handlers.context import Ctx
from handlers.router import Dispatcher
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from kernel.messages import Inbound, Kind
from storage import db, inbound, later, repo
from storage.ledger_cache import LedgerCache
from storage.models import (
    Building,
    ChatRoom,
    Grid,
    Household,
    InboundMessage,
    InboxStatus,
    OutboxMessage,
    Person,
    Role,
    RoomKind,
)
from storage.outbox import Speaker, write_held

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class Inbox:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings,
                 classifier: object, dispatcher: Dispatcher) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        if not isinstance(bind, Engine):
            raise TypeError("the inbox's sessions must be bound to an Engine")
        #: the store runs on a Core connection of the sessions' engine (``_store_many``)
        self._engine = bind
        #: PostgreSQL: the store's one statement is its own transaction (autocommit: committed when
        #: it returns, as durably as a COMMIT), not BEGIN, the statement and COMMIT — two round
        #: trips fewer a batch. SQLite begins and commits in process: nothing to save there
        self._store_alone = bind.dialect.name == "postgresql"
        self.clock = clock
        self.settings = settings
        self.classifier = classifier
        self.dispatcher = dispatcher
        #: handling runs in worker threads (App.receive): never two messages at once, even if
        #: the coroutine that waited for one was cancelled before its thread finished
        self._one_at_a_time = threading.Lock()
        #: who is who and where, kept between batches while the ledger's version stays
        self.cache = LedgerCache()

    def store(self, msg: Inbound) -> int | None:
        """Store a message; None if it was stored before (a redelivery)."""
        return self.store_many([msg])[0]

    def store_many(self, msgs: Sequence[Inbound]) -> list[int | None]:
        """Store messages in one statement, committed when it returns; for each its id, None for one
        stored before (a redelivery, or the same id twice in ``msgs``: the first counts)."""
        return self._store_many(msgs)[0]

    def _store_many(self, msgs: Sequence[Inbound], connection: Connection | None = None,
                    ) -> tuple[list[int | None], int | None]:
        """``store_many``, and the ledger's version its statement read (None: not read);
        ``connection``: on it (left in its default isolation level), not on one of its own."""
        now = self.clock.now()
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for msg in map(without_nul, msgs):
            rows.setdefault((msg.gateway, msg.message_id), dict(
                gateway=msg.gateway, message_id=msg.message_id, room=msg.room, room_name=msg.room_name,
                sender_id=msg.sender_id, sender_name=msg.sender_name, kind=str(msg.kind), text=msg.text,
                mentions=list(msg.mentions), mentions_bot=msg.mentions_bot, attachment=msg.attachment,
                status=InboxStatus.NEW, attempts=0, received_at=now))
        if connection is None:
            with self._engine.connect() as conn:  # Core: no ORM session is needed to store them
                stored = self._insert(conn, list(rows.values()))
        else:
            stored = self._insert(connection, list(rows.values()))
        ids = stored.ids
        out: list[int | None] = []
        for msg in map(without_nul, msgs):
            out.append(ids.pop((msg.gateway, msg.message_id), None))
            if out[-1] is None:
                log.info("duplicate message %s/%s ignored", msg.gateway, msg.message_id)
        return out, stored.ledger_version

    def _insert(self, conn: Connection, rows: list[dict[str, Any]]) -> inbound.Stored:
        """The store's one statement on ``conn``, committed when it returns."""
        if self._store_alone:
            conn.execution_options(isolation_level="AUTOCOMMIT")
        stored = inbound.insert_new(conn, rows)
        conn.commit()  # (in autocommit, nothing left to commit: the statement did)
        if self._store_alone:  # the handling's transaction may come next on it
            conn.execution_options(isolation_level=conn.default_isolation_level)
        return stored

    def ingest(self, msgs: Sequence[Inbound], committed: Callable[[Ingested], None] | None = None) -> Ingested:
        """Store messages (committed first), then handle the new ones in one transaction — both on
        one connection of the pool (one checkout: on PostgreSQL one ping a batch, not two).
        ``committed``: called with what is returned as soon as the batch's transaction committed
        (``handle_new``'s ``on_commit``), before the session and the connection are put away and
        the batch's people and groups kept; not called when the batch was not handled in one
        transaction (the caller then takes what is returned)."""
        with self._engine.connect() as connection:
            ids, version = self._store_many(msgs, connection)
            fresh = [(i, without_nul(m)) for i, m in zip(ids, msgs) if i is not None]

            def ingested(handled: Handled) -> Ingested:
                routes = dict(zip((i for i, _ in fresh), handled.routes))
                return Ingested(ids, [routes.get(i) if i is not None else None for i in ids], handled.quiet)

            handled = self.handle_new(fresh, version, connection,
                                      on_commit=None if committed is None else lambda h: committed(ingested(h)))
        return ingested(handled)

    def unfinished(self) -> Sequence[int]:
        """Messages stored but not handled (the bot stopped, or handling failed)."""
        with self.sessions() as session:
            return session.scalars(
                select(InboundMessage.id).where(
                    InboundMessage.status.in_(InboxStatus.WAITING),
                    InboundMessage.attempts < MAX_ATTEMPTS).order_by(InboundMessage.id)).all()

    def process(self, inbound_id: int) -> str | None:
        """Handle one stored message; returns the route that took it (None: silence)."""
        with self._one_at_a_time:
            return self._process(inbound_id)

    def handle_new(self, batch: Sequence[tuple[int, Inbound]], ledger_version: int | None = None,
                   connection: Connection | None = None,
                   on_commit: Callable[[Handled], None] | None = None) -> Handled:
        """Handle messages just stored (``store_many``), in order, in one transaction: what they
        write and their status commit together. When one fails, nothing of the batch is kept:
        that one is marked failed (its sender told, as for any failure) and the others are
        handled again one by one, each in its own transaction, so none is lost or done twice.
        ``ledger_version``: the ledger's version the statement storing them read (the ledger
        cache then reads it no more), None: read it. ``connection``: the batch's transaction runs
        on it (the one that stored them, no transaction open), not on one the session checks out.
        ``on_commit``: called with what is returned as soon as the batch's one transaction
        committed (its replies are in the outbox: whoever waits for them need not wait for the
        rest), before the session is closed and the batch's people and groups are kept for the
        next ones; not called when the batch failed and was handled again one by one."""
        if not batch:
            return Handled([], quiet=True)
        with self._one_at_a_time:
            failing: int | None = None
            try:
                with (self.sessions() if connection is None else self.sessions(bind=connection)) as session:
                    # the transaction the batch's keepers belong to (open_tickets, guide), begun
                    # now: with the version already read, no statement of its own begins it
                    session.begin()
                    # first: the batch's messages held (another process starting on the same
                    # database may have replayed one already, or be replaying it now)
                    claimed = inbound.claim(session, [i for i, _ in batch])
                    self.cache.begin(session, ledger_version)
                    # events and reporters: one statement a table; new tickets too in a batch of several
                    later.hold(session, numbered=len(batch) > 1, expected=len(batch))  # (storage/later.py)
                    if len(batch) > 1:  # the duplicate check reads a building's tickets once a batch
                        open_tickets.keep(session)
                    known = Known()
                    known.preload(session, [msg for _, msg in batch], self.cache)
                    routes: list[str | None] = []
                    for index, (inbound_id, msg) in enumerate(batch):
                        if inbound_id not in claimed:  # handled, or being handled, elsewhere
                            routes.append(None)
                            continue
                        failing = index
                        routes.append(self._dispatch(session, known, inbound_id, msg))
                    failing = None
                    # nothing said and no route taken (chatter): the outbox sender need not look
                    quiet = not known.outbox and all(route is None for route in routes)
                    # the batch's last writes and its commit: on PostgreSQL sent together and
                    # answered once, at the COMMIT (storage/db.py ``pipelined``); the ORM's own
                    # changes first, since a flush reads what its statements return
                    session.flush()
                    with db.pipelined(session.connection()):
                        later.write(session)
                        write_held(session, known.outbox)
                        inbound.mark_done(session, [i for i, _ in batch if i in claimed], self.clock.now())
                        session.commit()
                    handled = Handled(routes, quiet)
                    if on_commit is not None:  # their replies are committed: say so at once
                        _call(on_commit, handled)
            except Exception as exc:
                self.cache.ended()
                if len(batch) == 1:
                    failing = 0
                elif failing is None:  # the batch's own writes or commit: each on its own
                    log.info("a batch of %d messages failed; each is handled on its own", len(batch))
                else:
                    log.info("message %s failed in a batch of %d; the others are handled on their own",
                             batch[failing][0], len(batch))
                if failing is not None:
                    self._failed_now(batch[failing][0], exc)
                return Handled([None if index == failing else self._process(inbound_id)
                                for index, (inbound_id, _) in enumerate(batch)], quiet=False)
            # committed, and its senders told (``on_commit``): who and where it read, kept for the
            # next batches now, while nobody waits for it (not at the next batch's start)
            self._keep(known)
            return handled

    def _keep(self, known: Known) -> None:
        """After a batch committed: keep who and where it read for the next ones (never fails
        the batch: it is committed)."""
        try:
            self.cache.kept(known.people.values(), known.rooms.values())
        except Exception:
            log.exception("could not keep the batch's people and groups; forgetting them all")
            self.cache.forget()

    def _dispatch(self, session: Session, known: Known, inbound_id: int, msg: Inbound) -> str | None:
        ctx = Ctx(session=session, msg=msg, inbound_id=inbound_id, clock=self.clock,
                  settings=self.settings, classifier=self.classifier,  # type: ignore[arg-type]
                  person=self.sender(session, msg, known), room=self.room(session, msg, known),
                  say=Speaker(session, self.clock, cause_id=inbound_id, held=known.outbox))
        return self.dispatcher.dispatch(ctx)

    def _failed_now(self, inbound_id: int, exc: BaseException) -> None:
        error = "".join(traceback.format_exception(exc))
        if out_of_range(exc):
            log.info("message %s holds a number or date out of range: %s", inbound_id, exc)
        else:
            log.error("handling message %s failed\n%s", inbound_id, error)
        self.failed(inbound_id, error, out_of_range(exc))

    def _process(self, inbound_id: int) -> str | None:
        try:
            with self.sessions() as session:
                # held until the commit; one another process holds (it is handling it) is left
                # to it, and one handled already is not handled again (inbound.claim's rule)
                row = session.get(InboundMessage, inbound_id, with_for_update={"skip_locked": True})
                if row is None or row.status not in InboxStatus.WAITING:
                    return None
                msg = as_inbound(row)
                ctx = Ctx(session=session, msg=msg, inbound_id=row.id, clock=self.clock,
                          settings=self.settings, classifier=self.classifier,  # type: ignore[arg-type]
                          person=self.sender(session, msg), room=self.room(session, msg),
                          say=Speaker(session, self.clock, cause_id=row.id))
                route = self.dispatcher.dispatch(ctx)
                row.status = InboxStatus.DONE
                row.attempts += 1
                row.handled_at = self.clock.now()
                session.commit()
                return route
        except Exception as exc:  # one failing message never stops the bot
            error = traceback.format_exc()
            if out_of_range(exc):
                log.info("message %s holds a number or date out of range: %s", inbound_id, exc)
            else:
                log.exception("handling message %s failed", inbound_id)
            self.failed(inbound_id, error, out_of_range(exc))
            return None

    def failed(self, inbound_id: int, error: str, out_of_range: bool) -> None:
        """After a failed handling (its transaction rolled back): a number or date too large is
        answered and the message is done; anything else is marked, the sender is told
        "出错了,已记录" the first time (with what to do now if it sounds like an emergency,
        and the staff group is told), retried on the next starts, and after MAX_ATTEMPTS set
        aside for staff (`lianhu doctor`), never retried again."""
        with self.sessions() as session:
            row = session.get(InboundMessage, inbound_id)
            if row is None:
                return
            row.attempts += 1
            row.error = error[-4000:]
            say = Speaker(session, self.clock, cause_id=row.id)
            if out_of_range:
                row.status = InboxStatus.DONE
                row.handled_at = self.clock.now()
                self._answer(session, say, row, T.NUMBER_TOO_LARGE)
            else:
                row.status = InboxStatus.ASIDE if row.attempts >= MAX_ATTEMPTS else InboxStatus.FAILED
                if row.attempts == 1:
                    self._tell_failed(session, say, row)
            try:
                session.commit()
            except Exception:  # the database itself is failing: the row stays as it was
                log.exception("could not mark message %s as failed", inbound_id)

    def _tell_failed(self, session: Session, say: Speaker, row: InboundMessage) -> None:
        text = row.text or ""
        if row.kind == str(Kind.TEXT) and any(p.search(text) for _, p in URGENT_KINDS):
            self._answer(session, say, row, T.HANDLING_FAILED_URGENT.format(
                advice=urgent_advice(self.settings, text)), urgent=True)
            room = repo.room_by_chat_id(session, row.room) if row.room else None
            sender = repo.person_by_chat_id(session, row.sender_id)
            community = room.community_id if room is not None else sender.community_id if sender else None
            say.staff_group(community, T.HANDLING_FAILED_STAFF.format(
                where=row.room_name or "私聊", sender=row.sender_name, text=text[:300]), urgent=True)
        else:
            self._answer(session, say, row, T.HANDLING_FAILED)

    @staticmethod
    def _answer(session: Session, say: Speaker, row: InboundMessage, text: str, urgent: bool = False) -> None:
        """Answer where the message came from: in the group @ the sender, or privately."""
        if row.room:
            say.room(row.room, text, mentions=(row.sender_id,), urgent=urgent)
        else:
            say.person(repo.person_by_chat_id(session, row.sender_id), text, urgent=urgent)

    # --- who and where ------------------------------------------------------------------------

    def sender(self, session: Session, msg: Inbound, known: Known | None = None) -> Person:
        """The person behind a chat id; a resident is created the first time they speak, and
        names are kept up to date. ``known``: who was looked up already in this transaction."""
        person = known.person(msg.sender_id, session) if known is not None else None
        if person is None:
            person = repo.person_by_chat_id(session, msg.sender_id)
        if person is None:
            room = self.room(session, msg, known) if msg.room else None
            person = Person(name=msg.sender_name or msg.sender_id, chat_id=msg.sender_id,
                            role=Role.RESIDENT, created_at=self.clock.now(),
                            community_id=room.community_id if room else None)
            session.add(person)
            session.flush()
        elif msg.sender_name and person.name != msg.sender_name and person.role == Role.RESIDENT:
            person.name = msg.sender_name
        if known is not None:
            known.people[msg.sender_id] = person
        return person

    def room(self, session: Session, msg: Inbound, known: Known | None = None) -> ChatRoom | None:
        """The group a message came from. A group is never bound by its name: one whose name
        is a building's group name is proposed to staff (handlers/trust.py)."""
        if msg.room is None:
            return None
        room = known.room(msg.room, session) if known is not None else None
        if room is None:
            room = repo.room_by_chat_id(session, msg.room)
        if room is None:
            room = ChatRoom(chat_id=msg.room, name=msg.room_name or msg.room, kind=RoomKind.OTHER)
            session.add(room)
            session.flush()
        elif msg.room_name and room.name != msg.room_name:
            room.name = msg.room_name
            session.flush()
        if known is not None:
            known.rooms[msg.room] = room
        return room


@dataclasses.dataclass
class Handled:
    routes: list[str | None]  # the route that took each message (None: silence, or it failed)
    quiet: bool  # nothing was written to the outbox


@dataclasses.dataclass
class Ingested:
    ids: list[int | None]  # each message's stored id (None: a redelivery)
    routes: list[str | None]
    quiet: bool


@dataclasses.dataclass
class Known:
    """The people and groups one transaction has looked up, by chat id: the next message of
    the batch from the same sender or group needs no query. They live as long as the
    transaction's session, so a change to the ledger is never missed (the same objects)."""

    people: dict[str, Person] = dataclasses.field(default_factory=dict)
    rooms: dict[str, ChatRoom] = dataclasses.field(default_factory=dict)
    #: what the batch says, written in one statement before it commits (storage/outbox.py)
    outbox: list[OutboxMessage] = dataclasses.field(default_factory=list)

    def preload(self, session: Session, msgs: Sequence[Inbound], cache: LedgerCache | None = None) -> None:
        """The senders and groups of a batch: from ``cache`` (no query), the others in two
        queries (with the households and buildings the handlers read), not one each."""
        senders, rooms = [], []
        for chat_id in dict.fromkeys(m.sender_id for m in msgs):
            person = cache.person(session, chat_id) if cache is not None else None
            if person is None:
                senders.append(chat_id)
            else:
                self.people[chat_id] = person
        for chat_id in dict.fromkeys(m.room for m in msgs if m.room):
            room = cache.room(session, chat_id) if cache is not None else None
            if room is None:
                rooms.append(chat_id)
            else:
                self.rooms[chat_id] = room
        if senders:
            for person in session.scalars(_PEOPLE, {"chat_ids": senders}):
                self.people[person.chat_id or ""] = person  # the lowest id wins, as person_by_chat_id's
        if rooms:
            for room in session.scalars(_ROOMS, {"chat_ids": rooms}):
                self.rooms[room.chat_id] = room

    def person(self, chat_id: str, session: Session | None = None) -> Person | None:
        found = self.people.get(chat_id)
        return found if found is not None and found.chat_id == chat_id and _alive(found, session) else None

    def room(self, chat_id: str, session: Session | None = None) -> ChatRoom | None:
        found = self.rooms.get(chat_id)
        return found if found is not None and found.chat_id == chat_id and _alive(found, session) else None


#: a batch's senders and groups with what handling reads of them (home, building, grid), each
#: in one query with joins; built once
_PEOPLE = (select(Person).where(Person.chat_id.in_(bindparam("chat_ids", expanding=True)))
           .options(joinedload(Person.household).joinedload(Household.building).joinedload(Building.grid)
                    .joinedload(Grid.community))
           .order_by(Person.id.desc()))
_ROOMS = (select(ChatRoom).where(ChatRoom.chat_id.in_(bindparam("chat_ids", expanding=True)))
          .options(joinedload(ChatRoom.building).joinedload(Building.grid).joinedload(Grid.community))
          .order_by(ChatRoom.id.desc()))


def _alive(obj: object, session: Session | None = None) -> bool:
    """Not deleted (in a flush, or before: ``was_deleted``) and not detached (a key, no session).
    Asked of a batch's sender and group at every message: the state's flags read where they are,
    and attached to ``session`` (the one in use) answered without looking the session id up."""
    state = instance_state(obj)
    if state._deleted:  # ``deleted`` and ``was_deleted``
        return False
    return state.key is None or (session is not None and state.session_id == session.hash_key) \
        or state._attached  # not ``detached``


def _call(on_commit: Callable[[Handled], None], handled: Handled) -> None:
    """Tell ``on_commit`` the batch committed; never fails the batch (it is committed)."""
    try:
        on_commit(handled)
    except Exception:
        log.exception("could not say a batch was handled")


def out_of_range(exc: BaseException) -> bool:
    """A number or date the database (or Python's dates) cannot hold: 认领 W99999999999999999999
    overflows SQLite's INTEGER, PostgreSQL's integer; year 9999 plus a deadline overflows datetime."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, DBAPIError):
        return type(exc.orig).__name__ in ("NumericValueOutOfRange", "DatetimeFieldOverflow", "OverflowError")
    return False


def without_nul(msg: Inbound) -> Inbound:
    """NUL characters are the one thing PostgreSQL cannot store in text; nobody types them,
    so they are dropped. Everything else is stored as it came."""
    changes: dict[str, Any] = {
        name: value.replace("\x00", "") for name in
        ("message_id", "sender_id", "sender_name", "text", "room", "room_name")
        if isinstance(value := getattr(msg, name), str) and "\x00" in value}
    return dataclasses.replace(msg, **changes) if changes else msg


def as_inbound(row: InboundMessage) -> Inbound:
    return Inbound(gateway=row.gateway, message_id=row.message_id, sender_id=row.sender_id,
                   sender_name=row.sender_name, text=row.text or "", room=row.room,
                   room_name=row.room_name, kind=Kind(row.kind), mentions=tuple(row.mentions or ()),
                   mentions_bot=row.mentions_bot, attachment=row.attachment)


class Lane:
    """Hands the messages waiting to the inbox a batch at a time, in the order they came.

    ``await lane.submit(msg)`` returns once the message is stored and handled: its id, or None
    for a redelivery. Nobody holds a lock while waiting: a message that arrives while a batch
    is handled joins the next one. ``after(batch)`` runs on the loop after each batch."""

    MAX_BATCH = 100

    def __init__(self, inbox: Inbox, after: Callable[[Ingested], None]) -> None:
        self.inbox = inbox
        self.after = after
        self._waiting: list[tuple[Inbound, asyncio.Future[int | None]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, msg: Inbound) -> int | None:
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((msg, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="inbox")
        return await future  # cancelling the wait leaves the message in the lane: it is handled

    async def idle(self) -> None:
        """Wait until everything handed over is handled and the worker thread is done with it (its
        senders were answered before it put the session away and kept the batch's people)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def close(self, timeout: float = 20.0) -> None:
        """Wait until what was handed over is handled (at most ``timeout`` seconds: what is
        stored by then and not handled is handled on the next start)."""
        if self._worker is None or self._worker.done():
            return
        try:
            async with asyncio.timeout(timeout):
                while not self._worker.done():
                    await asyncio.shield(self._worker)
        except TimeoutError:
            log.warning("stopping with %d message(s) not handled yet", len(self._waiting) + 1)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch, self._waiting = self._waiting[:self.MAX_BATCH], self._waiting[self.MAX_BATCH:]
            finished: list[bool] = []

            def committed(done: Ingested, batch: list[tuple[Inbound, asyncio.Future[int | None]]] = batch,
                          finished: list[bool] = finished) -> None:
                # in the worker thread, as soon as the batch committed: its senders are answered on
                # the loop at once, while the thread puts the session away and keeps the batch's
                # people and groups (the next batch waits for that thread, so order is kept)
                loop.call_soon_threadsafe(self._finish, batch, done, finished)

            try:
                done = await asyncio.to_thread(self.inbox.ingest, [msg for msg, _ in batch], committed)
            except Exception as exc:  # storing failed (the database is down): each sender hears it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self._finish(batch, done, finished)  # (when ``committed`` was not called, or not yet run)

    def _finish(self, batch: list[tuple[Inbound, asyncio.Future[int | None]]], done: Ingested,
                finished: list[bool]) -> None:
        """On the loop, once a batch: its senders get their ids, then ``after``."""
        if finished:
            return
        finished.append(True)
        for (_, future), inbound_id in zip(batch, done.ids):
            if not future.done():
                future.set_result(inbound_id)
        try:
            self.after(done)
        except Exception:
            log.exception("after handling a batch")
