"""Writing to the outbox: everything the bot says goes through here.

Nothing is sent directly: a row is stored in the same transaction as the change
that caused it, and the outbox sender delivers it. Group messages are passed
through ``privacy.redact`` as a last guard.
"""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.clock import Clock
from handlers.privacy import redact
from storage import repo
from storage.models import OutboxMessage, Person

log = logging.getLogger(__name__)


class Speaker:
    def __init__(self, session: Session, clock: Clock, cause_id: int | None = None,
                 batch: str | None = None) -> None:
        self.session = session
        self.clock = clock
        self.cause_id = cause_id
        self.batch = batch
        self.written: list[OutboxMessage] = []

    def _put(self, conversation: str, text: str, *, is_room: bool, mentions: tuple[str, ...] = (),
             urgent: bool = False, attachment: str | None = None) -> OutboxMessage:
        now = self.clock.now()
        row = OutboxMessage(conversation=conversation, is_room=is_room, text=text,
                            mentions=list(mentions), urgent=urgent, attachment=attachment,
                            not_before=now, created_at=now, cause_id=self.cause_id,
                            batch=self.batch)
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
        room = repo.staff_room(self.session, community_id)
        if room is not None:
            self.room(room.chat_id, text, urgent=urgent)
            return True
        for staff in repo.staff_of(self.session, community_id):  # no staff group: tell each
            self.person(staff, text, urgent=urgent)
        return False
