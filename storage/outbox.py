"""Writing to the outbox: everything the bot says goes through here.

Nothing is sent directly: a row is stored in the same transaction as the change
that caused it, and the outbox sender delivers it. Group messages are passed
through ``privacy.redact`` as a last guard.
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session

from kernel.clock import Clock
from kernel.privacy import redact
from storage import repo
from storage.models import OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)


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
        row = OutboxMessage(conversation=conversation, is_room=is_room, text=text,
                            mentions=list(mentions), urgent=urgent, attachment=attachment,
                            not_before=now, created_at=now, cause_id=self.cause_id,
                            batch=self.batch)
        if self.held is not None:
            self.held.append(row)
        else:
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


def write_held(session: Session, rows: list[OutboxMessage]) -> None:
    """Write the rows Speakers held back (``held``), in order, in as few statements as may be.
    A row that joined the session meanwhile (another row refers to it) is the session's to write."""
    session.flush()
    columns = {c.key for c in OutboxMessage.__mapper__.column_attrs}
    runs: list[list[dict[str, Any]]] = []
    for row in rows:
        state = inspect(row)
        if state.session_id is not None or state.key is not None:
            continue
        values = {k: v for k, v in state.dict.items() if k in columns}
        if runs and runs[-1][0].keys() == values.keys():
            runs[-1].append(values)
        else:
            runs.append([values])
    for run in runs:
        session.execute(insert(OutboxMessage), run)
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
