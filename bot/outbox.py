"""The outbox sender: drains stored outbound messages through the gateway.

A message is marked sent only after the gateway took it; a failed send is retried
with backoff, and after the last attempt it is marked failed (kept, never silently
dropped). Urgent messages go first.

Pace, so a personal WeChat account is not restricted for sending too fast:
* per bot account: at least ``send_interval_seconds`` (+ random jitter up to
  ``send_jitter_seconds``) between two messages, and at most ``daily_send_cap`` a day
  (local day; urgent messages are never held by the cap);
* per group: at least ``room_interval_seconds`` between two messages to the same group
  (a message that must wait gets its ``not_before`` moved on, so the sender never spins);
* a gateway that says "too frequent" pauses all sending for ``too_frequent_pause_seconds``.

Quiet hours (``quiet_start``–``quiet_end``): a non-urgent message waits until morning
(its ``not_before`` is moved to the end of the quiet window), except a direct answer to
someone who has just written to the bot. Urgent messages never wait.

Stopping mid-send lets the send in flight finish and be recorded before the task ends,
so a restart does not send it again.

Several accounts (``account`` set: one process per WeChat account on one PostgreSQL): the
sender claims only the rows its account may send (storage/outbox.py ``claim``: ``FOR UPDATE
SKIP LOCKED``, held while the batch goes out) and marks the batch sent in one statement; the
daily cap counts its own account's sends. A process killed mid-batch leaves its rows pending
and routed to its account: nobody else sends them; the account's process sends them when it
returns (the gateway's journal keeps one that went out just before the kill from going twice).
It records where its account is (``seen``, ``record_presence``) so rows can be routed to it.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.driver.gateway import Gateway, SendError
from kernel.clock import Clock
from kernel.config import Settings
from kernel.messages import Inbound, Outbound
from kernel.timing import QuietHours
from storage import outbox as store
from storage.models import InboundMessage, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=30)
#: how long a stop waits for the send in flight before giving up on recording it
STOP_GRACE_SECONDS = 10.0
BATCH = 20
#: several accounts: the longest the sender sleeps (what other processes queue is found by looking)
IDLE_SEVERAL = 1.0


class OutboxSender:
    def __init__(self, sessions: sessionmaker[Session], gateway: Gateway, clock: Clock,
                 settings: Settings, *, paced: bool = True, rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[object]] | None = None) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.clock = clock
        self.settings = settings
        self.paced = paced
        self.rng = rng or random.Random()
        #: how the pace waits; tests pass one that moves a FrozenClock on instead
        self.sleep = sleep or asyncio.sleep
        self.quiet = QuietHours.from_settings(settings)
        self.paused_until: datetime | None = None
        self.last_sent: datetime | None = None
        self.room_last_sent: dict[str, datetime] = {}
        self._day: tuple[int, int, int] | None = None
        self._sent_today = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        #: several accounts: the account this process sends for (None: it sends every row)
        self.account = settings.account or None
        self.is_default = bool(self.account) and settings.default_account in ("", self.account)
        self._seen: set[str] = set()
        self._passes = 0  # passes of the running sender begun so far
        #: callers of ``next_pass``: the pass they wait for (its number), and their future
        self._waiters: list[tuple[int, asyncio.Future[tuple[int, bool]]]] = []
        #: the last pass sent everything that was due when it began (``drain``)
        self.cleared = False
        #: the idle look's statements (capped or not)
        self._next_due: dict[bool, Any] = {}
        #: what the idle look found (when the next pending row is due), while it still holds
        #: (``_idle_seconds``); None: look again
        self._due: tuple[datetime | None] | None = None

    # --- running ---------------------------------------------------------------------------

    def wake(self, *, only_due_now: bool = False) -> None:
        """Something was queued: look now. ``only_due_now``: all it queued is due now (the
        inbox's replies), so when the next pass sends all of it, when the next pending row is
        due is still what the last idle look found (no new look needed)."""
        if not only_due_now:
            self._due = None
        self._wake.set()

    async def next_pass(self) -> int:
        """Wait for a pass of the running sender that begins after this call (so it sees every
        row committed before it), waking it; how many that pass sent. Callers that come
        together share one pass instead of each draining in turn. Without a running sender:
        a pass of its own (``drain``)."""
        return (await self.next_pass_cleared())[0]

    async def next_pass_cleared(self) -> tuple[int, bool]:
        """``next_pass``, and whether that pass left nothing behind that was due when it began
        (``drain``'s ``cleared``): then no row committed before this call still waits."""
        if self._task is None or self._task.done():
            sent = await self.drain()
            return sent, self.cleared
        future: asyncio.Future[tuple[int, bool]] = asyncio.get_running_loop().create_future()
        self._waiters.append((self._passes + 1, future))
        self._wake.set()
        return await asyncio.shield(future)

    def _passed(self, number: int, sent: int, error: BaseException | None = None,
                cleared: bool = False) -> None:
        """Pass ``number`` ended: its waiters hear how many it sent (or its error)."""
        still = []
        for wanted, future in self._waiters:
            if wanted > number:
                still.append((wanted, future))
            elif not future.done():
                if error is None:
                    future.set_result((sent, cleared))
                else:
                    future.set_exception(error)
        self._waiters = still

    def start(self) -> None:
        if self._task is None:
            self._remember_recent_sends()
            self._task = asyncio.create_task(self._run(), name="outbox")
            # a sender that stopped for any reason leaves nobody waiting for its next pass
            self._task.add_done_callback(lambda _: self._passed(self._passes + 1, 0))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        self._passed(self._passes + 1, 0)  # nobody waits for a pass that will not come

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # a wake from now on (a row written during this pass) counts
            self._passes += 1
            number = self._passes
            try:
                sent = await self.drain()
            except Exception as exc:
                log.exception("outbox drain failed")
                self._passed(number, 0, exc)
            else:
                self._passed(number, sent, cleared=self.cleared)
            if self._wake.is_set():  # woken meanwhile: look again at once
                continue
            try:
                async with asyncio.timeout(self._idle_seconds()):
                    await self._wake.wait()
            except TimeoutError:
                self._due = None  # what was due then went or moved: look again

    def _idle_seconds(self) -> float:
        """How long the sender may sleep: until the next message is due (at most 30 s).

        The look is kept while it holds: after a pass that sent everything due and was woken
        only for rows due at once (``wake(only_due_now=True)``), the pending rows are those the
        last look saw, less some sent, so their earliest is not earlier than what it found (at
        worst one pass too early, which looks again). Several accounts: always looked at (other
        processes queue rows without waking this one)."""
        now = self.clock.now()
        if self._due is None or self.account:
            with self.sessions() as session:
                capped = self._capped(session, now)
                q = self._next_due.get(capped)
                if q is None:  # built once a sender (building one costs about as much as running it)
                    q = select(func.min(OutboxMessage.not_before)).where(
                        OutboxMessage.status == OutboxStatus.PENDING, self._mine())
                    if capped:
                        q = q.where(OutboxMessage.urgent.is_(True))
                    self._next_due[capped] = q
                due = session.scalar(q)
            # kept only when it covers every pending row (not the cap's urgent ones alone)
            self._due = None if capped else (due,)
        else:
            due = self._due[0]
        # several accounts: rows queued by another process wake nobody here: look every second
        longest = IDLE_SEVERAL if self.account else 30.0
        if due is None:
            return longest
        due = max(due, self.paused_until or due)
        return max(0.05, min(longest, (due - now).total_seconds()))

    def _remember_recent_sends(self) -> None:
        """After a restart, the groups written to moments ago still count for the group pace."""
        since = self.clock.now() - timedelta(seconds=self.settings.room_interval_seconds)
        with self.sessions() as session:
            rows = session.execute(
                select(OutboxMessage.conversation, func.max(OutboxMessage.sent_at))
                .where(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.is_room.is_(True),
                       OutboxMessage.sent_at >= since)
                .group_by(OutboxMessage.conversation)).all()
        for conversation, sent_at in rows:
            if sent_at is not None:
                self.room_last_sent[conversation] = sent_at

    # --- what is waiting -------------------------------------------------------------------------

    def pending_count(self, batch: str | None = None) -> int:
        with self.sessions() as session:
            q = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
            if batch is not None:
                q = q.where(OutboxMessage.batch == batch)
            return session.scalar(q) or 0

    def _mine(self) -> Any:
        return store.claimable(self.account, default=self.is_default)

    # --- where this account is ----------------------------------------------------------------------

    def seen(self, message: Inbound) -> None:
        """Several accounts: a message came through this account, so it is in that group (or
        has that sender as a contact): rows for it may be routed here. Written once per chat."""
        if not self.account:
            return
        chat_id, kind = (message.room, store.ROOM) if message.room else (message.sender_id, store.PERSON)
        if not chat_id or chat_id in self._seen:
            return
        with self.sessions() as session:
            store.record_presence(session, self.account, kind, [chat_id], self.clock.now())
            session.commit()
        self._seen.add(chat_id)

    def record_presence(self, rooms: list[str] | None, contacts: list[str] | None) -> None:
        """The account's whole lists of groups and contacts, as its gateway sees them at login."""
        if not self.account:
            return
        now = self.clock.now()
        with self.sessions() as session:
            for kind, ids in ((store.ROOM, rooms), (store.PERSON, contacts)):
                if ids is not None:
                    new = store.record_presence(session, self.account, kind, ids, now, complete=True)
                    log.info("account %s: %d %ss (%d new)", self.account, len(ids), kind, new)
                    self._seen.update(ids)
            session.commit()

    # --- one pass ----------------------------------------------------------------------------

    async def drain(self) -> int:
        """Send what is due now (respecting pace and quiet hours); returns how many went out.
        ``self.cleared`` says afterwards whether the pass left nothing behind of what was due
        when it began (nothing held for quiet hours, capped, failed, routed elsewhere); when it
        did not, the idle look kept (``_idle_seconds``) is forgotten."""
        try:
            return await self._drain()
        finally:
            if not self.cleared:
                self._due = None

    async def _drain(self) -> int:
        async with self._lock:
            self.cleared = False
            sent = 0
            clean = not self.account  # several accounts: rows may wait for another process
            while True:
                if not self.gateway.connected:
                    return sent
                now = self.clock.now()
                if self.paused_until is not None:
                    if now < self.paused_until:
                        return sent
                    self.paused_until = None
                with self.sessions() as session:
                    clean = self._hold_for_quiet_hours(session, now) == 0 and clean
                    capped = self._capped(session, now)
                    clean = clean and not capped
                    rows = store.claim(session, now, account=self.account, default=self.is_default,
                                       urgent_only=capped, limit=BATCH)
                    if not rows:
                        session.commit()
                        self.cleared = clean
                        return sent
                    went, go_on = await self._send_batch(session, rows)
                sent += went
                clean = clean and went == len(rows)
                if not go_on:
                    return sent
                if not self.paced and len(rows) < BATCH:
                    # all that was due went in one batch: no second look (a row written
                    # meanwhile wakes the sender, which looks again)
                    self.cleared = clean
                    return sent

    async def _send_batch(self, session: Session, rows: list[OutboxMessage]) -> tuple[int, bool]:
        """Send claimed rows (their locks held) and mark those that went out sent in one statement
        as the transaction ends, also when stopping mid-batch. (how many went, whether to go on)"""
        went: list[int] = []
        go_on = True
        try:
            for row in rows:
                wait_until = self._room_wait(row, self.clock.now())
                if wait_until is not None:
                    row.not_before = wait_until  # out of the due set: no spinning
                    continue
                if self.paced:
                    await self._pace()
                ok = await self._send_one(row, went)
                if not ok and (self.paused_until is not None or not self.gateway.connected):
                    go_on = False
                    break
                if self.paced:
                    break  # look again: an urgent message may have arrived meanwhile
        finally:
            store.mark_sent(session, went, self.clock.now())
            session.commit()
        return len(went), go_on

    def _hold_for_quiet_hours(self, session: Session, now: datetime) -> int:
        """Hold what may wait until morning; how many rows were held."""
        if not self.quiet.contains(self.clock, now):
            return 0
        until = self.quiet.ends_after(self.clock, now)
        direct_reply = exists().where(
            InboundMessage.id == OutboxMessage.cause_id,
            func.coalesce(InboundMessage.room, InboundMessage.sender_id) == OutboxMessage.conversation)
        held = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING,
                                              OutboxMessage.urgent.is_(False),
                                              OutboxMessage.not_before <= now, ~direct_reply, self._mine())
        if session.get_bind().dialect.name == "postgresql":
            held = held.with_for_update(skip_locked=True)  # rows another process is sending: its own
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE: a cursor result
            update(OutboxMessage).where(OutboxMessage.id.in_(held))
            .values(not_before=until).execution_options(synchronize_session=False))
        session.commit()
        if result.rowcount:
            log.info("quiet hours: %d messages wait until %s", result.rowcount, until)
        return int(result.rowcount or 0)

    def _room_wait(self, row: OutboxMessage, now: datetime) -> datetime | None:
        """When a message to a group must wait for the group pace: the moment it may go."""
        if not self.paced or row.urgent or not row.is_room:
            return None
        last = self.room_last_sent.get(row.conversation)
        if last is None:
            return None
        ready = last + timedelta(seconds=self.settings.room_interval_seconds)
        return ready if ready > now else None

    def _capped(self, session: Session, now: datetime) -> bool:
        """The daily cap is reached: only urgent messages go until local midnight."""
        if not self.paced:
            return False
        local = self.clock.local(now)
        day = (local.year, local.month, local.day)
        if day != self._day:
            start = self.clock.to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
            q = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.SENT,
                                                           OutboxMessage.sent_at >= start)
            if self.account:  # the cap is the account's own
                q = q.where(OutboxMessage.account == self.account)
            self._sent_today = session.scalar(q) or 0
            self._day = day
        return self._sent_today >= self.settings.daily_send_cap

    async def _pace(self) -> None:
        if self.last_sent is None:
            return
        gap = self.settings.send_interval_seconds + self.rng.uniform(0, self.settings.send_jitter_seconds)
        wait = gap - (self.clock.now() - self.last_sent).total_seconds()
        if wait > 0:
            await self.sleep(wait)

    async def _deliver(self, message: Outbound) -> Exception | None:
        try:
            await self.gateway.send(message)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
            return exc
        return None

    async def _send_one(self, row: OutboxMessage, went: list[int]) -> bool:
        """Send one claimed row: its id joins ``went`` once the gateway took it; a failure is
        recorded on the row (both written when the batch ends)."""
        message = Outbound(conversation=row.conversation, text=row.text, is_room=row.is_room,
                           mentions=tuple(row.mentions or ()), attachment=row.attachment,
                           id=row.id, reply_to=row.cause_id)
        delivery = asyncio.ensure_future(self._deliver(message))
        stopping = False
        try:
            await asyncio.shield(delivery)
        except asyncio.CancelledError:
            if delivery.cancelled():
                raise  # the send itself was cancelled: nothing went out, nothing recorded
            # stopping mid-send: let the send finish and record it, then stop
            stopping = True
            done, _ = await asyncio.wait({delivery}, timeout=STOP_GRACE_SECONDS)
            if not done or delivery.cancelled():
                delivery.cancel()
                raise
        ok = self._record(row, delivery.result())
        if ok:
            went.append(row.id)
        if stopping:
            raise asyncio.CancelledError
        return ok

    def _record(self, row: OutboxMessage, error: Exception | None) -> bool:
        """Note a send on the sender (pace, cap); a failure also on the row. A row that went out
        is marked sent with its batch (``store.mark_sent``)."""
        if error is not None:
            if not isinstance(error, SendError):
                log.error("gateway send raised %r", error)
                error = SendError(repr(error))
            row.attempts += 1
            self._failed(row, error)
            return False
        now = self.clock.now()
        self.last_sent = now
        self._sent_today += 1
        if row.is_room:
            self.room_last_sent[row.conversation] = now
        return True

    def _failed(self, row: OutboxMessage, exc: SendError) -> None:
        now = self.clock.now()
        row.last_error = str(exc)[:1000]
        if exc.too_frequent:
            self.paused_until = now + timedelta(seconds=self.settings.too_frequent_pause_seconds)
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






