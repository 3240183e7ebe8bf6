"""The bot's job queue: APScheduler 3 behind one small class (python-telegram-bot's JobQueue).

    jobs = JobQueue(sessions, clock, settings, wake=outbox.wake)
    jobs.run_cron(weekly_report, "每周一 08:30", id="report.weekly")
    jobs.run_repeating(func, timedelta(minutes=1), id="...")
    jobs.run_once(func, when, id="...", kwargs={"ticket": 1024})
    await jobs.start() ... await jobs.stop()

* Every job function is called as ``func(ctx: JobContext, **kwargs)``: the context carries the
  sessions, the clock, the settings, this queue and ``wake`` (the outbox sender). Sync
  functions run in a worker thread (they may block on the database), async ones on the loop.
* Standing jobs are registered by their own modules (``register_job``, ``@job``,
  ``register_sweep``); start hooks with ``@on_jobs_start``; hooks that keep jobs in step with
  a table with ``@on_change(Model)``. Every module of the ``schedules`` package is imported at
  start (pkgutil), so a new file with a registered job just runs.
* Jobs survive restarts: APScheduler keeps them in memory and ``DbJobStore`` writes each one
  through to the ``scheduled_job`` table (schedules/jobstore.py). Job ids are stable;
  registering an id again replaces the job's definition, but an unchanged definition keeps its
  next run time, so a run missed while the bot was down still happens.
* Missed runs are coalesced: after downtime a job runs once (if its last missed slot is within
  its grace period), never once per missed slot.
* A job that raises is logged (logger ``schedules.jobqueue``, level ERROR) and the queue goes on.
* Several processes on one PostgreSQL (one per WeChat account): only the leader, the one
  holding an advisory lock (schedules/leadership.py), runs jobs; the others try every
  ``job_leader_retry_seconds`` and one takes over when the leader dies, reading the jobs back
  from the table, so a job that fell due meanwhile runs once. The leader also runs every change
  hook every ~30 s (``resync``): a table changed by another process is followed.
* Time comes from the clock. With a real ``Clock`` the AsyncIOScheduler runs jobs by itself;
  with a ``FrozenClock`` (tests, simulations) it stays paused and ``await jobs.run_due()`` runs
  what is due at the frozen time, one job after the other, with the same coalescing and grace.
  With a ``ShiftedClock`` (the simulator's demo clock, which 快进 moves on) the scheduler stays
  paused too and the queue itself calls ``run_due`` every ``poll_seconds``.

How to add a job: schedules/README.md.
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import pickle
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Concatenate, TypeVar

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from kernel.clock import Clock, FrozenClock, ShiftedClock
from kernel.config import Settings
from kernel.cron import parse_schedule
from kernel.memory import release_free_memory
from schedules.jobstore import DbJobStore, naive_utc
from schedules.leadership import Leadership, keep_leading

log = logging.getLogger(__name__)

#: a job function: ``def job(ctx: JobContext, **kwargs) -> ...`` (sync or async)
JobFunc = Callable[Concatenate["JobContext", ...], Any]
F = TypeVar("F", bound=Callable[..., Any])


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class JobContext:
    """What every job function, start hook and change hook is called with."""

    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings
    jobs: JobQueue
    wake: Callable[[], None] = _nothing  # wakes the outbox sender: what a job queued goes out now

    @property
    def grace(self) -> timedelta:
        return self.jobs.grace


def func_ref(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return func
    module, name = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or "<" in name or "." in name:
        raise ValueError(f"job functions must be module-level functions, not {func!r}")
    return f"{module}:{name}"


def resolve(ref: str) -> Callable[..., Any]:
    module, _, name = ref.partition(":")
    func: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return func


# --- what modules register ---------------------------------------------------------------------

@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function"
    cron: str | None = None  # a schedule as in kernel.cron ("每周一 09:00"), or "setting:NAME"
    every: timedelta | str | None = None  # an interval, or "setting:NAME" (seconds)
    kwargs: dict[str, Any] = field(default_factory=dict)
    grace: timedelta | None = None


#: every standing job, by id: added at import time with ``register_job`` / ``@job``
STANDING: dict[str, JobSpec] = {}
#: start hooks by "module:function": called once the standing jobs are scheduled
START_HOOKS: dict[str, Callable[[JobContext], Any]] = {}
#: change hooks by "module:function": (tables watched, hook), called after a commit changed one
CHANGE_HOOKS: dict[str, tuple[frozenset[str], Callable[[JobContext], Any]]] = {}


def register_job(id: str, func: JobFunc | str, *, cron: str | None = None,
                 every: timedelta | str | None = None, kwargs: dict[str, Any] | None = None,
                 grace: timedelta | None = None) -> JobSpec:
    """Add a standing job that every queue schedules on start.

    ``cron`` is a schedule as people write it ("每周一 09:00", "每天 08:00", a crontab line)
    or ``"setting:NAME"`` to read it from a setting at start (an empty setting: not scheduled);
    ``every`` a fixed interval, or ``"setting:NAME"`` (seconds).
    """
    if (cron is None) == (every is None):
        raise ValueError("register_job: give exactly one of cron= or every=")
    spec = JobSpec(id, func_ref(func), cron, every, dict(kwargs or {}), grace)
    STANDING[id] = spec
    return spec


def job(id: str, *, cron: str | None = None, every: timedelta | str | None = None,
        kwargs: dict[str, Any] | None = None, grace: timedelta | None = None) -> Callable[[F], F]:
    """``register_job`` as a decorator: ``@job("visits.due_lists", cron="setting:visit_reminders")``."""
    def decorate(func: F) -> F:
        register_job(id, func, cron=cron, every=every, kwargs=kwargs, grace=grace)
        return func
    return decorate


def on_jobs_start(func: F) -> F:
    """Decorator: call ``func(ctx)`` at start, once the standing jobs are scheduled."""
    START_HOOKS[func_ref(func)] = func
    return func


def on_change(*models: type[Any]) -> Callable[[F], F]:
    """Decorator: call ``func(ctx)`` after a commit that added, changed or deleted rows of
    these models (ORM objects), once the app has handled the message (or the job has run) —
    e.g. campaign commands write the ``campaign`` table and the campaign jobs follow."""
    tables = frozenset(str(m.__tablename__) for m in models)

    def decorate(func: F) -> F:
        CHANGE_HOOKS[func_ref(func)] = (tables, func)
        return func
    return decorate


def sweep(ctx: JobContext, check: str) -> int:
    """The one sweep over open tickets' timers (deadlines, follow-up): ``check(session, clock,
    settings)`` in one committed session; returns the steps it took. A check reads only the
    clock and the database, so a sweep missed while the bot was down is made up by the next."""
    walk = resolve(check)
    with ctx.sessions() as session:
        steps = int(walk(session, ctx.clock, ctx.settings))
        session.commit()
    return steps


def register_sweep(id: str, check: Callable[[Session, Clock, Settings], int], *,
                   every: timedelta | str = "setting:deadline_check_seconds") -> JobSpec:
    """A standing ``sweep`` job running ``check`` (default: every ``deadline_check_seconds``)."""
    return register_job(id, sweep, every=every, kwargs={"check": func_ref(check)})


def discover() -> None:
    """Import every module of this package, so their registrations have run."""
    package = importlib.import_module(__name__.rpartition(".")[0])
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)


def run_times(trigger: BaseTrigger, first: datetime, now: datetime) -> list[datetime]:
    """The trigger's slots from ``first`` up to ``now`` (aware)."""
    times: list[datetime] = []
    moment: datetime | None = first
    while moment is not None and moment <= now:
        times.append(moment)
        moment = trigger.get_next_fire_time(moment, now)
    return times


# --- the queue ---------------------------------------------------------------------------------

CHANGED = "schedules.jobqueue.changed"  # session.info key: tables a session's flushes touched


class JobQueue:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings, *,
                 wake: Callable[[], None] | None = None, grace: timedelta | None = None,
                 realtime: bool | None = None, leadership: Leadership | None = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.tz = clock.tz
        self.grace = grace if grace is not None else timedelta(hours=settings.job_grace_hours)
        wall = not isinstance(clock, (FrozenClock, ShiftedClock))  # APScheduler reads the wall clock
        self.realtime = wall if realtime is None else realtime
        #: a demo clock's queue runs what is due itself, every so often
        self.poll = clock.poll_seconds if isinstance(clock, ShiftedClock) and not self.realtime else None
        self._poller: asyncio.Task[None] | None = None
        self._due_lock: asyncio.Lock | None = None  # one run_due at a time (the poller, 快进)
        self._wake_outbox = wake or _nothing
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakes_held: int | None = None  # run_due holds wakes till all its jobs ran
        self.context = JobContext(sessions, clock, settings, self, self.wake)
        self.store = DbJobStore(sessions)
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": self.store}, timezone=self.tz,
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(self.grace.total_seconds())})
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        self.started = False
        self._changed: set[str] = set()
        #: several processes: only the one holding the lock runs jobs (None: always this one)
        self.leadership = leadership
        self._watch: asyncio.Task[None] | None = None

    def _missed(self, event: JobEvent) -> None:
        log.warning("job %s missed its run at %s (beyond the grace period)", event.job_id,
                    getattr(event, "scheduled_run_time", "?"))

    # --- life --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Lead (run the jobs) now, or, when another process leads, watch to take over."""
        self._loop = asyncio.get_running_loop()
        lead = self.leadership
        if lead is None or await lead.try_acquire():
            await self.lead()
        else:
            log.info("another process runs the scheduled jobs; this one takes over when it stops")
        if lead is not None and lead.needed:
            self._watch = asyncio.create_task(keep_leading(self, lead), name="job-leadership")

    async def lead(self) -> None:
        """Read the stored jobs back, schedule the standing ones, run the start hooks, and run
        (a frozen clock's queue stays paused: ``run_due`` drives it)."""
        discover()
        self.scheduler.start(paused=True)
        self.started = True
        self._restore()
        event.listen(self.sessions, "after_flush", self._flushed)
        event.listen(self.sessions, "after_commit", self._committed)
        event.listen(self.sessions, "after_rollback", self._rolled_back)
        for spec in list(STANDING.values()):
            self.schedule_standing(spec)
        for ref, hook in list(START_HOOKS.items()):
            try:
                hook(self.context)
            except Exception:
                log.exception("start hook %s failed", ref)
        self.settle()
        if self.realtime:
            self.scheduler.resume()
        elif self.poll:
            self._poller = asyncio.create_task(self._poll(self.poll))

    async def _poll(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.run_due()
            except Exception:  # the next round tries again
                log.exception("running the due jobs failed")

    def resync(self) -> None:
        """Run every change hook: follow tables that other processes changed."""
        self._changed.update(t for tables, _ in CHANGE_HOOKS.values() for t in tables)
        self.settle()

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            try:
                await self._watch
            except asyncio.CancelledError:
                pass
            self._watch = None
        self.stop_leading()
        if self.leadership is not None:
            await self.leadership.release()

    def stop_leading(self) -> None:
        if not self.started:
            return
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        self.scheduler.shutdown(wait=False)
        for name, fn in (("after_flush", self._flushed), ("after_commit", self._committed),
                         ("after_rollback", self._rolled_back)):
            event.remove(self.sessions, name, fn)
        self.started = False

    def _restore(self) -> None:
        self.store.restoring = True
        try:
            for row in self.store.rows():
                try:
                    trigger = self.store.trigger_of(row)
                    resolve(row.func)
                except (ImportError, AttributeError, ValueError, TypeError, EOFError, pickle.UnpicklingError) as exc:
                    log.warning("stored job %s (%s) cannot run any more, dropped: %s", row.id, row.func, exc)
                    self.store.forget(row.id)
                    continue
                next_run = None if row.next_run_at is None else row.next_run_at.replace(tzinfo=UTC)
                self.scheduler.add_job(self._run, trigger, args=(row.func,), kwargs=dict(row.kwargs), id=row.id,
                                       name=row.func, replace_existing=True, next_run_time=next_run,
                                       misfire_grace_time=row.grace_seconds)
        finally:
            self.store.restoring = False

    def schedule_standing(self, spec: JobSpec) -> Job | None:
        grace = spec.grace or self.grace
        if spec.every is not None:
            every = spec.every
            if isinstance(every, str):
                every = timedelta(seconds=float(getattr(self.settings, every.split(":", 1)[1])))
            return self.run_repeating(spec.func, every, id=spec.id, kwargs=spec.kwargs, grace=grace)
        assert spec.cron is not None
        cron = spec.cron
        if cron.startswith("setting:"):
            cron = str(getattr(self.settings, cron.split(":", 1)[1]) or "").strip()
            if not cron:
                self.remove(spec.id)
                return None
        return self.run_cron(spec.func, cron, id=spec.id, kwargs=spec.kwargs, grace=grace)

    # --- following the tables ------------------------------------------------------------------

    def _flushed(self, session: Session, _flush_context: Any) -> None:
        watched = {t for tables, _ in CHANGE_HOOKS.values() for t in tables}
        touched = {getattr(obj, "__tablename__", "") for obj in (*session.new, *session.dirty, *session.deleted)}
        if touched & watched:
            session.info.setdefault(CHANGED, set()).update(touched & watched)

    def _committed(self, session: Session) -> None:
        self._changed.update(session.info.pop(CHANGED, ()))

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(CHANGED, None)

    def settle(self) -> None:
        """Run the change hooks of the tables committed to since the last call."""
        if not self.started or not self._changed:
            return
        tables, self._changed = self._changed, set()
        for ref, (watched, hook) in list(CHANGE_HOOKS.items()):
            if watched & tables:
                try:
                    hook(self.context)
                except Exception:
                    log.exception("change hook %s failed", ref)

    def after_route(self, route: str | None = None) -> None:
        """Called by the app after each handled message: jobs follow what it changed."""
        self.settle()

    # --- running -------------------------------------------------------------------------------

    def wake(self) -> None:
        """Wake the outbox sender (from the loop or a job's worker thread). While ``run_due``
        runs, held till its jobs are done, so a frozen clock's sends happen when the test
        drains, as if the jobs had run at once."""
        if self._wakes_held is not None:
            self._wakes_held += 1
        elif self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._wake_outbox)
        else:
            self._wake_outbox()

    async def _run(self, ref: str, **kwargs: Any) -> Any:
        """What APScheduler calls: this queue's own method, so no global finds the app."""
        return await self.call(ref, kwargs)

    async def call(self, ref: str, kwargs: dict[str, Any]) -> Any:
        """Run one job function with this queue's context; errors go to the log."""
        try:
            func = resolve(ref)
            if inspect.iscoroutinefunction(func):
                result = await func(self.context, **kwargs)
            else:
                result = await asyncio.to_thread(func, self.context, **kwargs)
            self.context.wake()
            return result
        except Exception:
            log.exception("定时任务出错 job %s failed", ref)
            return None
        finally:
            self.settle()
            release_free_memory()  # a sweep over a district's tickets leaves freed pages behind

    # --- adding jobs ----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The clock's now, aware (what triggers work with)."""
        return self.clock.now().replace(tzinfo=UTC).astimezone(self.tz)

    def run_once(self, func: JobFunc | str, when: datetime | timedelta, *, id: str,
                 kwargs: dict[str, Any] | None = None, grace: timedelta | None = None) -> Job | None:
        """Run once at ``when`` (naive UTC as stored, an aware datetime, or a delay)."""
        if isinstance(when, timedelta):
            when = self.now() + when
        elif when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return self.add(func, DateTrigger(run_date=when, timezone=self.tz), id=id, kwargs=kwargs,
                        grace=grace)

    def run_repeating(self, func: JobFunc | str, interval: timedelta, *, id: str,
                      kwargs: dict[str, Any] | None = None, first: datetime | None = None,
                      grace: timedelta | None = None) -> Job | None:
        start = first or self.now() + interval
        trigger = IntervalTrigger(seconds=interval.total_seconds(), start_date=start, timezone=self.tz)
        return self.add(func, trigger, id=id, kwargs=kwargs, grace=grace)

    def run_cron(self, func: JobFunc | str, spec: str, *, id: str,
                 kwargs: dict[str, Any] | None = None, start: datetime | None = None,
                 end: datetime | None = None, grace: timedelta | None = None) -> Job | None:
        """``spec`` as in kernel.cron ("每周一 09:00", a crontab line...); ``start``/``end``
        are local wall-clock bounds."""
        trigger = parse_schedule(spec).trigger(self.tz, start, end)
        return self.add(func, trigger, id=id, kwargs=kwargs, grace=grace)

    def add(self, func: JobFunc | str, trigger: BaseTrigger, *, id: str,
            kwargs: dict[str, Any] | None = None, grace: timedelta | None = None) -> Job | None:
        """Add or replace job ``id``. An unchanged definition keeps its next run time; a
        trigger with no future run removes the job and returns None. ``kwargs``: simple
        values only (they are stored as JSON)."""
        ref = func_ref(func)
        args = (ref,)
        kwargs = dict(kwargs or {})
        grace_s = int((grace or self.grace).total_seconds())
        existing = self.scheduler.get_job(id)
        if existing is not None and existing.args == args and existing.kwargs == kwargs \
                and _same_trigger(existing.trigger, trigger) and existing.misfire_grace_time == grace_s:
            return existing
        next_run = trigger.get_next_fire_time(None, self.now())
        if next_run is None:
            if existing is not None:
                self.scheduler.remove_job(id)
            log.info("job %s has no future run; not scheduled", id)
            return None
        return self.scheduler.add_job(self._run, trigger, args=args, kwargs=kwargs, id=id, name=ref,
                                      replace_existing=True, next_run_time=next_run,
                                      misfire_grace_time=grace_s)

    def remove(self, id: str) -> bool:
        if self.scheduler.get_job(id) is None:
            return False
        self.scheduler.remove_job(id)
        return True

    def get(self, id: str) -> Job | None:
        return self.scheduler.get_job(id)

    def jobs(self) -> list[Job]:
        return list(self.scheduler.get_jobs())

    def next_run(self, id: str) -> datetime | None:
        """Next run of job ``id`` as naive UTC, or None."""
        job = self.scheduler.get_job(id)
        return None if job is None else naive_utc(job.next_run_time)

    # --- running by the clock (frozen clocks) ----------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> list[str]:
        """Run every job due at ``now`` (default: the clock's now) the way the scheduler would:
        once per job however many slots were missed, skipped when the last missed slot is older
        than the job's grace period. Jobs run one after the other. Returns the ids that ran."""
        if self._due_lock is None:
            self._due_lock = asyncio.Lock()
        async with self._due_lock:
            moment = (now or self.clock.now()).replace(tzinfo=UTC)
            self._wakes_held = 0
            try:
                return await self._run_due(moment)
            finally:
                held, self._wakes_held = self._wakes_held, None
                if held:
                    self._wake_outbox()

    async def _run_due(self, moment: datetime) -> list[str]:
        ran: list[str] = []
        for job in sorted(self.scheduler.get_jobs(), key=lambda j: (j.next_run_time or moment, j.id)):
            if job.next_run_time is None or job.next_run_time > moment:
                continue
            times = run_times(job.trigger, job.next_run_time, moment)
            if job.coalesce:
                times = times[-1:]
            for run_time in times:
                late = moment - run_time
                if job.misfire_grace_time is not None and late > timedelta(seconds=job.misfire_grace_time):
                    log.warning("job %s missed its run at %s (beyond the grace period)", job.id, run_time)
                    continue
                await self.call(job.args[0], job.kwargs)
                ran.append(job.id)
            if self.scheduler.get_job(job.id) is not job:  # the job removed or replaced itself
                continue
            following = job.trigger.get_next_fire_time(times[-1] if times else None, moment)
            if following is None:
                self.scheduler.remove_job(job.id)
            else:
                self.scheduler.modify_job(job.id, next_run_time=following)
        return ran


def _same_trigger(a: BaseTrigger, b: BaseTrigger) -> bool:
    if type(a) is not type(b) or str(a) != str(b):
        return False
    if isinstance(a, IntervalTrigger):
        return True  # its start date is "from now": the interval is what defines it
    for attr in ("start_date", "end_date", "run_date"):
        if getattr(a, attr, None) != getattr(b, attr, None):
            return False
    return str(getattr(a, "timezone", "")) == str(getattr(b, "timezone", ""))
