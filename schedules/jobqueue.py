"""The bot's job queue: APScheduler 3 behind one small class (python-telegram-bot's JobQueue).

    jobs = JobQueue(app)                 # the app's engine holds the job store
    jobs.run_cron(weekly_report, "每周一 08:30", id="report.weekly")
    jobs.run_repeating(deadlines.sweep, timedelta(minutes=1), id="deadlines")
    jobs.run_once(func, when, id="...", kwargs={"ticket": 1024})
    await jobs.start() ... await jobs.stop()

* Jobs live in the project's database (APScheduler's SQLAlchemyJobStore, table
  ``apscheduler_jobs``), so they survive restarts.
* Job ids are stable; registering an id again replaces the job's definition, but an
  unchanged definition keeps its next run time, so a run missed while the bot was
  down still happens.
* Missed runs are coalesced: after downtime a job runs once (if its last missed slot
  is within its grace period), never once per missed slot.
* Job functions are module-level ``func(app, **kwargs)`` (sync or async) with simple
  kwargs. What is stored is ``"module:function"`` and the kwargs, never the app: the
  app is looked up at run time in this module's registry (``register_app``).
* A job that raises is logged (logger ``schedules.jobqueue``, level ERROR) and the
  queue goes on.
* Time comes from the app's clock. With a real ``Clock`` the AsyncIOScheduler runs
  jobs by itself; with a ``FrozenClock`` (tests, simulations) the scheduler is started
  paused and ``await jobs.run_due()`` runs what is due at the frozen time, with the same
  coalescing and grace rules.

Other modules add their standing jobs with ``register_job`` (see schedules/README.md).
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from kernel.clock import FrozenClock
from kernel.cron import parse_schedule

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"

# --- where jobs find their app ---------------------------------------------------------------

_APPS: dict[str, Any] = {}


def register_app(key: str, app: Any) -> None:
    _APPS[key] = app


def unregister_app(key: str, app: Any | None = None) -> None:
    if app is None or _APPS.get(key) is app:
        _APPS.pop(key, None)


def app_for(key: str) -> Any:
    return _APPS.get(key)


def app_key(db_url: str) -> str:
    """A stable name for the app of one database (stored with each job; no password in it)."""
    return "app-" + hashlib.sha1(db_url.encode()).hexdigest()[:12]


def func_ref(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return func
    module, name = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or "<" in name or "." in name:
        raise ValueError(f"job functions must be module-level functions, not {func!r}")
    return f"{module}:{name}"


def resolve(ref: str) -> Callable[..., Any]:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


async def run_job(key: str, ref: str, **kwargs: Any) -> Any:
    """What APScheduler stores and calls: find the app, call ``func(app, **kwargs)``.
    Errors go to the log; they never stop the scheduler."""
    app = app_for(key)
    if app is None:
        log.error("job %s: no running app %s, skipped", ref, key)
        return None
    try:
        result = resolve(ref)(app, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        wake = getattr(getattr(app, "outbox", None), "wake", None)
        if wake is not None:
            wake()
        return result
    except Exception:
        log.exception("定时任务出错 job %s failed", ref)
        return None


# --- standing jobs other modules register ----------------------------------------------------

@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function"
    cron: str | None = None  # a schedule as in schedules.cron ("每周一 09:00"), or a setting name
    every: timedelta | str | None = None  # an interval, or "setting:NAME" (seconds)
    kwargs: dict[str, Any] = field(default_factory=dict)
    grace: timedelta | None = None


#: every standing job, by id: added at import time with ``register_job``
STANDING: dict[str, JobSpec] = {}

#: modules imported at start so their ``register_job`` calls have run (append yours). A module
#: may also define ``on_jobs_start(app)``, called once the standing jobs are scheduled.
JOB_MODULES: list[str] = ["schedules.deadlines", "schedules.followup", "schedules.campaigns",
                          "schedules.reports", "schedules.visits"]

#: route-name prefix -> "module:function" called as ``function(app)`` after a message taken by
#: such a route is committed (e.g. campaign commands bring the campaign jobs in step)
ROUTE_HOOKS: dict[str, str] = {}


def register_job(id: str, func: Callable[..., Any] | str, *, cron: str | None = None,
                 every: timedelta | str | None = None, kwargs: dict[str, Any] | None = None,
                 grace: timedelta | None = None) -> JobSpec:
    """Add a standing job that every app schedules on start.

    ``cron`` is a schedule as people write it ("每周一 09:00", "每天 08:00", a crontab line)
    or ``"setting:NAME"`` to read it from a setting at start (an empty setting: not scheduled);
    ``every`` a fixed interval, or ``"setting:NAME"`` (seconds).
    """
    if (cron is None) == (every is None):
        raise ValueError("register_job: give exactly one of cron= or every=")
    spec = JobSpec(id, func_ref(func), cron, every, dict(kwargs or {}), grace)
    STANDING[id] = spec
    return spec


# --- the queue ---------------------------------------------------------------------------------

class JobQueue:
    def __init__(self, app: Any, *, key: str | None = None, grace: timedelta | None = None,
                 realtime: bool | None = None) -> None:
        self.app = app
        self.clock = app.clock
        self.key = key or app_key(str(app.engine.url))
        self.tz = self.clock.tz
        self.grace = grace if grace is not None else timedelta(
            hours=getattr(app.settings, "job_grace_hours", 6.0))
        self.realtime = not isinstance(self.clock, FrozenClock) if realtime is None else realtime
        self.scheduler = self._make_scheduler()
        self.started = False

    def _make_scheduler(self) -> AsyncIOScheduler:
        store = SQLAlchemyJobStore(engine=self.app.engine, tablename=JOBS_TABLE)
        scheduler = AsyncIOScheduler(
            jobstores={"default": store}, timezone=self.tz,
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": int(self.grace.total_seconds())})
        scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        return scheduler

    def _missed(self, event: JobEvent) -> None:
        log.warning("job %s missed its run at %s (beyond the grace period)", event.job_id,
                    getattr(event, "scheduled_run_time", "?"))

    # --- life --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the job store, schedule the standing jobs, and run (paused on a frozen clock)."""
        register_app(self.key, self.app)
        self.scheduler.start(paused=not self.realtime)
        self.started = True
        for module in JOB_MODULES:
            importlib.import_module(module)
        for spec in STANDING.values():
            self.schedule_standing(spec)
        for module in JOB_MODULES:
            hook = getattr(importlib.import_module(module), "on_jobs_start", None)
            if hook is not None:
                try:
                    hook(self.app)
                except Exception:
                    log.exception("start hook of %s failed", module)

    def after_route(self, route: str | None) -> None:
        """Called by the app after each handled message (see ROUTE_HOOKS)."""
        if not route or not self.started:
            return
        for prefix, ref in ROUTE_HOOKS.items():
            if route.startswith(prefix):
                try:
                    resolve(ref)(self.app)
                except Exception:
                    log.exception("after-message hook %s failed", ref)

    async def stop(self) -> None:
        if self.started:
            self.scheduler.shutdown(wait=False)
            self.started = False
        unregister_app(self.key, self.app)

    def schedule_standing(self, spec: JobSpec) -> Job | None:
        grace = spec.grace or self.grace
        if spec.every is not None:
            every = spec.every
            if isinstance(every, str):
                every = timedelta(seconds=float(getattr(self.app.settings, every.split(":", 1)[1])))
            return self.run_repeating(spec.func, every, id=spec.id, kwargs=spec.kwargs, grace=grace)
        assert spec.cron is not None
        cron = spec.cron
        if cron.startswith("setting:"):
            cron = str(getattr(self.app.settings, cron.split(":", 1)[1]) or "").strip()
            if not cron:
                self.remove(spec.id)
                return None
        return self.run_cron(spec.func, cron, id=spec.id, kwargs=spec.kwargs, grace=grace)

    # --- adding jobs ----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The clock's now, aware (what triggers work with)."""
        return self.clock.now().replace(tzinfo=UTC).astimezone(self.tz)

    def run_once(self, func: Callable[..., Any] | str, when: datetime | timedelta, *, id: str,
                 kwargs: dict[str, Any] | None = None, grace: timedelta | None = None) -> Job | None:
        """Run once at ``when`` (naive UTC as stored, an aware datetime, or a delay)."""
        if isinstance(when, timedelta):
            when = self.now() + when
        elif when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return self.add(func, DateTrigger(run_date=when, timezone=self.tz), id=id, kwargs=kwargs,
                        grace=grace)

    def run_repeating(self, func: Callable[..., Any] | str, interval: timedelta, *, id: str,
                      kwargs: dict[str, Any] | None = None, first: datetime | None = None,
                      grace: timedelta | None = None) -> Job | None:
        start = first or self.now() + interval
        trigger = IntervalTrigger(seconds=interval.total_seconds(), start_date=start, timezone=self.tz)
        return self.add(func, trigger, id=id, kwargs=kwargs, grace=grace)

    def run_cron(self, func: Callable[..., Any] | str, spec: str, *, id: str,
                 kwargs: dict[str, Any] | None = None, start: datetime | None = None,
                 end: datetime | None = None, grace: timedelta | None = None) -> Job | None:
        """``spec`` as in schedules.cron ("每周一 09:00", a crontab line...); ``start``/``end``
        are local wall-clock bounds."""
        trigger = parse_schedule(spec).trigger(self.tz, start, end)
        return self.add(func, trigger, id=id, kwargs=kwargs, grace=grace)

    def add(self, func: Callable[..., Any] | str, trigger: BaseTrigger, *, id: str,
            kwargs: dict[str, Any] | None = None, grace: timedelta | None = None) -> Job | None:
        """Add or replace job ``id``. An unchanged definition keeps its next run time; a
        trigger with no future run removes the job and returns None."""
        ref = func_ref(func)
        args = (self.key, ref)
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
        return self.scheduler.add_job(run_job, trigger, args=args, kwargs=kwargs, id=id, name=ref,
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
        if job is None or job.next_run_time is None:
            return None
        return job.next_run_time.astimezone(UTC).replace(tzinfo=None)

    # --- running by the clock (frozen clocks) ----------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> list[str]:
        """Run every job due at ``now`` (default: the clock's now) the way the scheduler would:
        once per job however many slots were missed, skipped when the last missed slot is older
        than the job's grace period. Returns the ids that ran."""
        moment = (now or self.clock.now()).replace(tzinfo=UTC)
        ran: list[str] = []
        for job in sorted(self.scheduler.get_jobs(), key=lambda j: (j.next_run_time or moment, j.id)):
            if job.next_run_time is None or job.next_run_time > moment:
                continue
            run_times = job._get_run_times(moment)
            if job.coalesce:
                run_times = run_times[-1:]
            for run_time in run_times:
                late = moment - run_time
                if job.misfire_grace_time is not None and late > timedelta(seconds=job.misfire_grace_time):
                    log.warning("job %s missed its run at %s (beyond the grace period)", job.id, run_time)
                    continue
                await run_job(*job.args, **job.kwargs)
                ran.append(job.id)
            if self.scheduler.get_job(job.id) is None:  # the job removed itself
                continue
            following = job.trigger.get_next_fire_time(run_times[-1] if run_times else None, moment)
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
