"""The bot's sense of time: naive UTC for storage, the community's zone for people.

Everything that asks "what time is it" asks a Clock, so tests can move time on
instead of sleeping through deadlines.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
