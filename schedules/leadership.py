"""Which process runs the scheduled jobs when several run on one PostgreSQL (one per WeChat
account): the one holding a PostgreSQL advisory lock.

    lead = Leadership(engine, needed=True)
    if await lead.try_acquire(): ...        # a dedicated connection holds the lock
    await lead.still_leading()              # False once that connection is gone
    await lead.release()

The lock lives as long as the connection that took it: when the leader dies (even kill -9) its
connection closes, PostgreSQL releases the lock, and another process's next try (every
``job_leader_retry_seconds``) takes it. On SQLite, or with a single account (no ``account``
set), there is one process and it always leads.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy import Connection, Engine, text

from kernel.config import Settings


class LedQueue(Protocol):
    """What the watch needs of the job queue (schedules/jobqueue.py JobQueue)."""

    settings: Settings
    started: bool

    def stop_leading(self) -> None: ...
    def resync(self) -> None: ...
    async def lead(self) -> None: ...

log = logging.getLogger(__name__)

#: the advisory lock's key: "lianhu" in ASCII (advisory locks are per database)
LOCK_KEY = 0x6C69616E6875
#: leadership checks between two runs of every change hook (``JobQueue.resync``)
RESYNC_EVERY = 10


class Leadership:
    def __init__(self, engine: Engine, *, needed: bool) -> None:
        self.engine = engine
        #: False: this process always leads (SQLite, a single account)
        self.needed = needed and engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self.leading = not self.needed

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process leads (now or already)."""
        if self.leading:
            return True
        try:
            self.leading = await asyncio.to_thread(self._acquire)
        except Exception as exc:  # noqa: BLE001 - the database away: try again later
            log.warning("could not ask for job leadership: %s", exc)
            self.leading = False
        return self.leading

    def _acquire(self) -> bool:
        conn = self.engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
            conn.commit()  # the lock is the session's, not the transaction's: it outlives this
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    async def still_leading(self) -> bool:
        """Whether the lock's connection is still alive (a lost connection lost the lock)."""
        if not self.needed:
            return True
        if self._conn is None:
            return False
        try:
            await asyncio.to_thread(self._ping)
            return True
        except Exception as exc:  # noqa: BLE001
            log.error("lost the connection that held job leadership: %s", exc)
            self._drop()
            return False

    def _ping(self) -> None:
        assert self._conn is not None
        self._conn.execute(text("SELECT 1"))
        self._conn.commit()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self.leading = not self.needed
        if conn is not None:
            try:
                conn.invalidate()  # never back to the pool: its session may still hold the lock
                conn.close()
            except Exception:  # noqa: BLE001, S110 - already gone
                pass

    async def release(self) -> None:
        if self._conn is None:
            return
        conn = self._conn

        def unlock() -> None:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            conn.commit()

        try:
            await asyncio.to_thread(unlock)
        except Exception as exc:  # noqa: BLE001 - closing the connection releases it anyway
            log.warning("could not release job leadership cleanly: %s", exc)
        self._drop()


async def keep_leading(jobs: LedQueue, lead: Leadership) -> None:
    """A job queue's watch: take over when the leader is gone, step down when the lock's
    connection is lost; while leading, follow tables other processes change."""
    ticks = 0
    while True:
        await asyncio.sleep(jobs.settings.job_leader_retry_seconds)
        if jobs.started:
            if not await lead.still_leading():
                log.error("job leadership lost: scheduled jobs stop here until it is regained")
                jobs.stop_leading()
                continue
            ticks += 1
            if ticks % RESYNC_EVERY == 0:
                jobs.resync()
        elif await lead.try_acquire():
            log.warning("took over the scheduled jobs (the process that ran them stopped)")
            await jobs.lead()
