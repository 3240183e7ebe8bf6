"""Pure time arithmetic the jobs, the outbox and the workflow share: working days,
quiet hours and per-category deadlines. Nothing here touches the database.

Times are naive UTC (as stored); wall-clock rules (quiet hours, working days,
holidays) are read in the community's zone through the ``Clock``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from kernel.clock import Clock

if TYPE_CHECKING:
    from kernel.config import Settings

# --- working days -----------------------------------------------------------------------------

def is_working_day(local_day: datetime, holidays: list[str] | set[str]) -> bool:
    return local_day.weekday() < 5 and local_day.date().isoformat() not in set(holidays)


def add_working_days(clock: Clock, start: datetime, days: int, holidays: list[str]) -> datetime:
    """``days`` working days after ``start`` (naive UTC), skipping weekends and holidays
    (ISO dates, local), at the same wall-clock time."""
    local = clock.local(start)
    skip = set(holidays)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if is_working_day(local, skip):
            added += 1
    return clock.to_utc(local.replace(tzinfo=None))


# --- quiet hours ------------------------------------------------------------------------------

def parse_hhmm(text: str, name: str = "time") -> time:
    m = re.fullmatch(r"\s*(\d{1,2})[::](\d{2})\s*", text or "")
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"配置项 {name} 的时间格式应为 HH:MM(例如 21:30),现在是 {text!r}")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (start may be later than end: 21:30–07:30 spans midnight)."""

    start: time
    end: time

    @classmethod
    def from_settings(cls, settings: object) -> QuietHours:
        return cls(parse_hhmm(getattr(settings, "quiet_start"), "quiet_start"),
                   parse_hhmm(getattr(settings, "quiet_end"), "quiet_end"))

    def contains(self, clock: Clock, moment: datetime) -> bool:
        t = clock.local(moment).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def ends_after(self, clock: Clock, moment: datetime) -> datetime:
        """When the quiet window that contains ``moment`` ends (naive UTC); ``moment``
        itself when it is not quiet."""
        if not self.contains(clock, moment):
            return moment
        local = clock.local(moment).replace(tzinfo=None)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return clock.to_utc(end)


# --- deadlines --------------------------------------------------------------------------------

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|分钟|h|小时|d|wd|工作日|天)\s*$", re.I)


@dataclass(frozen=True)
class Span:
    """A deadline length: minutes/hours of clock time, or working days."""

    hours: float = 0.0
    workdays: int = 0

    def after(self, clock: Clock, start: datetime, holidays: list[str]) -> datetime:
        if self.workdays:
            return add_working_days(clock, start, self.workdays, holidays)
        return start + timedelta(hours=self.hours)


def parse_span(text: str, name: str) -> Span:
    m = _SPAN.match(str(text))
    if not m:
        raise ValueError(f"配置项 {name} 的时限 {text!r} 看不懂:写成 30m、4h 或 5d(工作日)")
    value, unit = float(m.group(1)), m.group(2).lower()
    if unit in ("m", "min", "分钟"):
        return Span(hours=value / 60)
    if unit in ("h", "小时"):
        return Span(hours=value)
    if value != int(value):
        raise ValueError(f"配置项 {name}:工作日须为整数,现在是 {text!r}")
    return Span(workdays=int(value))


def deadline_spans(settings: Settings, category: str | None, urgent: bool) -> tuple[Span, Span]:
    """(accept, resolve) for a ticket. ``category_deadlines`` may override per category:
    ``repair = "12h/3d"`` for normal tickets, ``"repair:urgent" = "15m/12h"`` for urgent ones."""
    if urgent:
        spans = (Span(hours=settings.urgent_accept_hours), Span(hours=settings.urgent_resolve_hours))
    else:
        spans = (Span(hours=settings.normal_accept_hours), Span(workdays=settings.normal_resolve_workdays))
    table = settings.category_deadlines or {}
    if category:
        key = f"{category}:urgent" if urgent else category
        spec = table.get(key)
        if spec:
            spans = parse_deadline_spec(spec, f"category_deadlines.{key}")
    return spans


def parse_deadline_spec(spec: object, name: str) -> tuple[Span, Span]:
    parts = str(spec).split("/")
    if len(parts) != 2:
        raise ValueError(f"配置项 {name} 应写成“接单时限/办结时限”,例如 \"4h/3d\",现在是 {spec!r}")
    return parse_span(parts[0], name), parse_span(parts[1], name)


def check_settings(settings: object) -> None:
    """Fail at start-up, with a clear message, on time settings that cannot work."""
    QuietHours.from_settings(settings)
    for key, spec in (getattr(settings, "category_deadlines", None) or {}).items():
        parse_deadline_spec(spec, f"category_deadlines.{key}")
    report = str(getattr(settings, "weekly_report", "") or "").strip()
    if report:
        from kernel.cron import parse_schedule

        try:
            parse_schedule(report)
        except ValueError as exc:
            raise ValueError(f"配置项 weekly_report:{exc}") from exc
    for day in getattr(settings, "holidays", []) or []:
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError as exc:
            raise ValueError(f"配置项 holidays 的日期应为 YYYY-MM-DD,现在是 {day!r}") from exc
