"""The bot's sense of time: naive UTC for storage, the community's zone for people.

Everything that asks "what time is it" asks a Clock, so tests can move time on
instead of sleeping through deadlines.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, tz: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        """Naive UTC, as stored in the database."""
        return datetime.now(UTC).replace(tzinfo=None)

    def local(self, moment: datetime | None = None) -> datetime:
        """A stored (naive UTC) moment in the community's time zone."""
        moment = self.now() if moment is None else moment
        return moment.replace(tzinfo=UTC).astimezone(self.tz)

    def to_utc(self, local_moment: datetime) -> datetime:
        """A local wall-clock moment (naive or aware) as naive UTC."""
        if local_moment.tzinfo is None:
            local_moment = local_moment.replace(tzinfo=self.tz)
        return local_moment.astimezone(UTC).replace(tzinfo=None)

    def show(self, moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
        return "" if moment is None else self.local(moment).strftime(fmt)


class FrozenClock(Clock):
    """A clock that moves only when told: for tests and simulations."""

    def __init__(self, start: datetime, tz: str = "Asia/Shanghai") -> None:
        super().__init__(tz)
        self._now = start.replace(tzinfo=None) if start.tzinfo is None else (
            start.astimezone(UTC).replace(tzinfo=None))

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> datetime:
        self._now += timedelta(**kwargs)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class ShiftedClock(Clock):
    """The wall clock moved forward by an offset that only grows: the simulator's demo clock
    ("快进 1 小时 / 1 天"), so escalation, reminders and 回访 show without waiting.

    With ``state`` (a JSON file) the offset is read at start and written at each ``advance``,
    so a restart keeps the demo's time where it was (stored rows never lie in the future).
    APScheduler reads the wall clock, so the job queue polls ``run_due`` with such a clock
    instead of leaving it to the scheduler (schedules/jobqueue.py)."""

    #: how often the job queue runs what is due on this clock
    poll_seconds = 10.0

    def __init__(self, tz: str = "Asia/Shanghai", *, offset: timedelta = timedelta(0),
                 state: Path | None = None) -> None:
        super().__init__(tz)
        self.state = state
        self.offset = max(offset, self._stored_offset())

    def now(self) -> datetime:
        return super().now() + self.offset

    def advance(self, **kwargs: float) -> datetime:
        step = timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("the demo clock only moves forward")
        self.offset += step
        self._store()
        return self.now()

    def _stored_offset(self) -> timedelta:
        if self.state is None or not self.state.exists():
            return timedelta(0)
        try:
            seconds = float(json.loads(self.state.read_text(encoding="utf-8"))["offset_seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return timedelta(0)  # an unreadable file: the wall clock, as on a first start
        return timedelta(seconds=max(seconds, 0.0))

    def _store(self) -> None:
        if self.state is None:
            return
        self.state.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state.with_suffix(".tmp")
        tmp.write_text(json.dumps({"offset_seconds": self.offset.total_seconds()}), encoding="utf-8")
        tmp.replace(self.state)
