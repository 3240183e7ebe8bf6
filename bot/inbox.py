"""The inbox: every inbound message is stored before anything acts on it.

(gateway, message id) is unique, so a redelivered message is recognised and does
nothing twice. Handling runs in one transaction with everything it writes (ticket
changes and outbox rows): it happens whole or not at all. A message whose handling
failed is marked, its sender told "出错了,已记录" once, and retried on the next start, at
most MAX_ATTEMPTS times in all; then it is set aside for staff (`lianhu doctor`). A number or
date too large for the database gets a clear answer instead. Handling is plain synchronous work:
the app runs it in a worker thread, one message at a time.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import traceback
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from domain.tickets import URGENT_KINDS, urgent_advice
from handlers.context import Ctx
from handlers.router import Dispatcher
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from kernel.messages import Inbound, Kind
from storage import repo
from storage.models import (
    ChatRoom,
    InboundMessage,
    InboxStatus,
    Person,
    Role,
    RoomKind,
)
from storage.outbox import Speaker

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class Inbox:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings,
                 classifier: object, dispatcher: Dispatcher) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.classifier = classifier
        self.dispatcher = dispatcher
        #: handling runs in worker threads (App.receive): never two messages at once, even if
        #: the coroutine that waited for one was cancelled before its thread finished
        self._one_at_a_time = threading.Lock()

    def store(self, msg: Inbound) -> int | None:
        """Store a message; None if it was stored before (a redelivery)."""
        msg = without_nul(msg)
        row = InboundMessage(
            gateway=msg.gateway, message_id=msg.message_id, room=msg.room, room_name=msg.room_name,
            sender_id=msg.sender_id, sender_name=msg.sender_name, kind=str(msg.kind), text=msg.text,
            mentions=list(msg.mentions), mentions_bot=msg.mentions_bot, attachment=msg.attachment,
            received_at=self.clock.now())
        with self.sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                log.info("duplicate message %s/%s ignored", msg.gateway, msg.message_id)
                return None
            return row.id

    def unfinished(self) -> Sequence[int]:
        """Messages stored but not handled (the bot stopped, or handling failed)."""
        with self.sessions() as session:
            return session.scalars(
                select(InboundMessage.id).where(
                    InboundMessage.status.in_((InboxStatus.NEW, InboxStatus.FAILED)),
                    InboundMessage.attempts < MAX_ATTEMPTS).order_by(InboundMessage.id)).all()

    def process(self, inbound_id: int) -> str | None:
        """Handle one stored message; returns the route that took it (None: silence)."""
        with self._one_at_a_time:
            return self._process(inbound_id)

    def _process(self, inbound_id: int) -> str | None:
        try:
            with self.sessions() as session:
                row = session.get(InboundMessage, inbound_id)
                if row is None or row.status == InboxStatus.DONE:
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

    def sender(self, session: Session, msg: Inbound) -> Person:
        """The person behind a chat id; a resident is created the first time they speak, and
        names are kept up to date."""
        person = repo.person_by_chat_id(session, msg.sender_id)
        if person is None:
            room = repo.room_by_chat_id(session, msg.room) if msg.room else None
            person = Person(name=msg.sender_name or msg.sender_id, chat_id=msg.sender_id,
                            role=Role.RESIDENT, created_at=self.clock.now(),
                            community_id=room.community_id if room else None)
            session.add(person)
            session.flush()
        elif msg.sender_name and person.name != msg.sender_name and person.role == Role.RESIDENT:
            person.name = msg.sender_name
        return person

    def room(self, session: Session, msg: Inbound) -> ChatRoom | None:
        """The group a message came from. A group is never bound by its name: one whose name
        is a building's group name is proposed to staff (handlers/trust.py)."""
        if msg.room is None:
            return None
        room = repo.room_by_chat_id(session, msg.room)
        if room is None:
            room = ChatRoom(chat_id=msg.room, name=msg.room_name or msg.room, kind=RoomKind.OTHER)
            session.add(room)
        elif msg.room_name and room.name != msg.room_name:
            room.name = msg.room_name
        session.flush()
        return room


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
