"""Where the job queue's jobs survive a restart: APScheduler's in-memory job store, written
through to the project's own table ``scheduled_job`` (storage/models.py, migration 0004).

APScheduler keeps the timing in memory (a job's callable is the running queue's own method, so
nothing global is needed to find the app again); each add, change and removal is also written to
the table: the job's function ("module:function"), its simple kwargs (JSON), its trigger
(pickled, as APScheduler's own stores do), its grace period and its next due run. At start the
queue reads the rows back (``rows``), so a job missed while the bot was down is still due.
"""
from __future__ import annotations

import logging
import pickle
from datetime import UTC, datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import ScheduledJob

log = logging.getLogger(__name__)


def naive_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


class DbJobStore(MemoryJobStore):
    """A MemoryJobStore that writes every change through to ``scheduled_job``.

    Jobs must carry their function reference as their only positional argument
    (``args == ("module:function",)``), as ``JobQueue.add`` makes them."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__()
        self.sessions = sessions
        self.restoring = False  # jobs read back from the table are not written again

    # --- APScheduler's job store interface --------------------------------------------------------

    def add_job(self, job: Job) -> None:
        super().add_job(job)
        self._save(job)

    def update_job(self, job: Job) -> None:
        super().update_job(job)
        self._save(job)

    def remove_job(self, job_id: str) -> None:
        super().remove_job(job_id)
        with self.sessions() as session:
            session.execute(delete(ScheduledJob).where(ScheduledJob.id == job_id))
            session.commit()

    def remove_all_jobs(self) -> None:
        super().remove_all_jobs()
        with self.sessions() as session:
            session.execute(delete(ScheduledJob))
            session.commit()

    def shutdown(self) -> None:
        MemoryJobStore.remove_all_jobs(self)  # memory only: the rows are the next start's jobs

    # --- the table ---------------------------------------------------------------------------------

    def rows(self) -> list[ScheduledJob]:
        with self.sessions() as session:
            return list(session.scalars(select(ScheduledJob).order_by(ScheduledJob.id)))

    def forget(self, job_id: str) -> None:
        """Drop a row that cannot be scheduled again (its function or trigger is gone)."""
        with self.sessions() as session:
            session.execute(delete(ScheduledJob).where(ScheduledJob.id == job_id))
            session.commit()

    @staticmethod
    def trigger_of(row: ScheduledJob) -> BaseTrigger:
        return pickle.loads(row.trigger)  # our own table, written by _save (as APScheduler's stores do)

    def _save(self, job: Job) -> None:
        if self.restoring:
            return
        ref: str = job.args[0]
        kwargs: dict[str, Any] = dict(job.kwargs)
        with self.sessions() as session:
            session.merge(ScheduledJob(id=job.id, func=ref, kwargs=kwargs, trigger=pickle.dumps(job.trigger),
                                       grace_seconds=job.misfire_grace_time,
                                       next_run_at=naive_utc(job.next_run_time)))
            session.commit()
