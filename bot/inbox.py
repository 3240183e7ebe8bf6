"""The inbox: every inbound message is stored before anything acts on it.

(gateway, message id) is unique, so a redelivered message is recognised and does
nothing twice. Handling runs in one transaction with everything it writes (ticket
changes and outbox rows): it happens whole or not at all. A message whose handling
failed is marked, and retried on the next start. Handling is plain synchronous work:
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handlers.context import Ctx
from handlers.router import Dispatcher
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
        except Exception:  # one failing message never stops the bot
            error = traceback.format_exc()
            log.exception("handling message %s failed", inbound_id)
            with self.sessions() as session:
                row = session.get(InboundMessage, inbound_id)
                if row is not None:
                    row.status = InboxStatus.FAILED
                    row.attempts += 1
                    row.error = error[-4000:]
                    session.commit()
            return None

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
