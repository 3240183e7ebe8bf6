"""The outbox sender: drains stored outbound messages through the gateway.

A message is marked sent only after the gateway took it; a failed send is retried
with backoff, and after the last attempt it is marked failed (kept, never silently
dropped). Sending is paced per bot account and per group, so a personal WeChat
account is not restricted for sending too fast; a gateway that says "too frequent"
pauses everything for a while. Urgent messages go first.
"""
from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.gateways.base import Gateway, SendError
from bot.messages import Outbound
from storage.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

TOO_FREQUENT_PAUSE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(minutes=30)


class OutboxSender:
    def __init__(self, sessions: sessionmaker[Session], gateway: Gateway, clock: Clock,
                 settings: Settings, *, paced: bool = True, rng: random.Random | None = None) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.clock = clock
        self.settings = settings
        self.paced = paced
        self.rng = rng or random.Random()
        self.paused_until: datetime | None = None
        self.last_sent: datetime | None = None
        self.room_last_sent: dict[str, datetime] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- running ---------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox drain failed")
            self._wake.clear()
            try:
                async with asyncio.timeout(self._idle_seconds()):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _idle_seconds(self) -> float:
        wait = 1.0
        with self.sessions() as session:
            due = session.scalar(select(func.min(OutboxMessage.not_before))
                                 .where(OutboxMessage.status == OutboxStatus.PENDING))
        if due is not None:
            wait = max(0.05, min(30.0, (due - self.clock.now()).total_seconds()))
        return wait

    # --- one pass ----------------------------------------------------------------------------

    def pending_count(self, batch: str | None = None) -> int:
        with self.sessions() as session:
            q = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
            if batch is not None:
                q = q.where(OutboxMessage.batch == batch)
            return session.scalar(q) or 0

    def _due(self, session: Session, limit: int = 50) -> list[OutboxMessage]:
        return list(session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                        OutboxMessage.not_before <= self.clock.now())
            .order_by(OutboxMessage.urgent.desc(), OutboxMessage.id).limit(limit)))

    async def drain(self) -> int:
        """Send what is due now (respecting the pace); returns how many went out."""
        async with self._lock:
            sent = 0
            while True:
                if not self.gateway.connected:
                    return sent
                if self.paused_until is not None and self.clock.now() < self.paused_until:
                    return sent
                with self.sessions() as session:
                    rows = self._due(session)
                    if not rows:
                        return sent
                    progressed = False
                    for row in rows:
                        if not self._may_send_now(session, row):
                            continue
                        if self.paced:
                            await self._pace()
                        ok = await self._send_one(session, row)
                        progressed = True
                        if ok:
                            sent += 1
                        elif self.paused_until is not None or not self.gateway.connected:
                            return sent
                    if not progressed:
                        return sent

    def _may_send_now(self, session: Session, row: OutboxMessage) -> bool:
        if not self.paced or row.urgent:
            return True
        if self._sent_today(session) >= self.settings.daily_send_cap:
            return False
        if row.is_room:
            last = self.room_last_sent.get(row.conversation)
            if last is not None and (self.clock.now() - last).total_seconds() < self.settings.room_interval_seconds:
                return False
        return True

    def _sent_today(self, session: Session) -> int:
        local = self.clock.local()
        start = self.clock.to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
        return session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at >= start)) or 0

    async def _pace(self) -> None:
        if self.last_sent is None:
            return
        gap = self.settings.send_interval_seconds + self.rng.uniform(0, self.settings.send_jitter_seconds)
        wait = gap - (self.clock.now() - self.last_sent).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _send_one(self, session: Session, row: OutboxMessage) -> bool:
        message = Outbound(conversation=row.conversation, text=row.text, is_room=row.is_room,
                           mentions=tuple(row.mentions or ()), attachment=row.attachment)
        row.attempts += 1
        try:
            await self.gateway.send(message)
        except SendError as exc:
            self._failed(row, exc)
            session.commit()
            return False
        except Exception as exc:  # a gateway bug must not lose the message either
            log.exception("gateway send raised")
            self._failed(row, SendError(repr(exc)))
            session.commit()
            return False
        now = self.clock.now()
        row.status = OutboxStatus.SENT
        row.sent_at = now
        row.last_error = None
        session.commit()
        self.last_sent = now
        if row.is_room:
            self.room_last_sent[row.conversation] = now
        return True

    def _failed(self, row: OutboxMessage, exc: SendError) -> None:
        now = self.clock.now()
        row.last_error = str(exc)[:1000]
        if exc.too_frequent:
            self.paused_until = now + TOO_FREQUENT_PAUSE
            row.attempts -= 1  # not the message's fault
            log.warning("gateway says too frequent: pausing sends until %s", self.paused_until)
            return
        if exc.permanent or row.attempts >= self.settings.outbox_max_attempts:
            row.status = OutboxStatus.FAILED
            log.error("giving up on outbox message %s: %s", row.id, exc)
            return
        delay = timedelta(seconds=self.settings.outbox_retry_seconds * 2 ** (row.attempts - 1))
        row.not_before = now + min(delay, MAX_BACKOFF)
        log.warning("send of outbox message %s failed (%s); retry at %s", row.id, exc, row.not_before)
