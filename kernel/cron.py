"""Schedules as people write them, turned into APScheduler 3 triggers.

    每天 08:00 · 工作日 09:00 · 每周一 09:00 · 每周一、四 9:00 · 每月1日 09:00
    2026-12-01 09:00 (once) · 一次 2026-12-01 09:00 · 0 9 * * mon (crontab)

Times are the community's wall-clock time. ``parse_schedule`` raises ValueError with
a Chinese message that can be shown to staff as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

DAYS = {"一": "mon", "二": "tue", "三": "wed", "四": "thu", "五": "fri", "六": "sat", "日": "sun",
        "天": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri", "6": "sat", "7": "sun"}
DAY_NAMES = {"mon": "一", "tue": "二", "wed": "三", "thu": "四", "fri": "五", "sat": "六", "sun": "日"}

USAGE = ("时间可以写:每天 08:00、工作日 09:00、每周一 09:00、每周一、四 09:00、每月1日 09:00,"
         "或者一次性的 2026-12-01 09:00")

_TIME = r"(\d{1,2})(?:[::](\d{2})|点(半|(\d{1,2})分?)?)"


@dataclass(frozen=True)
class Schedule:
    text: str  # as written (normalised)
    once_at: datetime | None  # local wall-clock, for a one-off
    cron: dict[str, str] | None  # CronTrigger fields, for a repeating one

    @property
    def repeating(self) -> bool:
        return self.cron is not None

    def trigger(self, tz: str | ZoneInfo, start: datetime | None = None,
                end: datetime | None = None) -> BaseTrigger:
        """The trigger in zone ``tz``; ``start``/``end`` are local wall-clock datetimes."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        if self.once_at is not None:
            return DateTrigger(run_date=self.once_at.replace(tzinfo=zone), timezone=zone)
        assert self.cron is not None
        return CronTrigger(timezone=zone,
                           start_date=start.replace(tzinfo=zone) if start else None,
                           end_date=end.replace(tzinfo=zone) if end else None, **self.cron)


def _clock_time(m: re.Match[str], offset: int) -> tuple[int, int]:
    hour = int(m.group(offset))
    if m.group(offset + 1) is not None:
        minute = int(m.group(offset + 1))
    elif m.group(offset + 2) == "半":
        minute = 30
    elif m.group(offset + 3) is not None:
        minute = int(m.group(offset + 3))
    else:
        minute = 0
    if hour > 23 or minute > 59:
        raise ValueError(f"时间 {hour}:{minute:02d} 不对。" + USAGE)
    return hour, minute


def parse_schedule(text: str) -> Schedule:
    raw = " ".join((text or "").replace(":", ":").replace(",", ",").split())
    if not raw:
        raise ValueError("没有写时间。" + USAGE)
    # one-off: [一次] 2026-12-01 09:00
    m = re.fullmatch(r"(?:一次\s*)?(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*" + _TIME, raw)
    if m:
        hour, minute = _clock_time(m, 4)
        try:
            when = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), hour, minute)
        except ValueError as exc:
            raise ValueError(f"日期 {m.group(0)} 不存在。" + USAGE) from exc
        return Schedule(raw, when, None)
    m = re.fullmatch(r"(每天|每日|天天)\s*" + _TIME, raw)
    if m:
        hour, minute = _clock_time(m, 2)
        return Schedule(raw, None, {"hour": str(hour), "minute": str(minute)})
    m = re.fullmatch(r"(工作日|每个工作日)\s*" + _TIME, raw)
    if m:
        hour, minute = _clock_time(m, 2)
        return Schedule(raw, None, {"day_of_week": "mon-fri", "hour": str(hour), "minute": str(minute)})
    m = re.fullmatch(r"(?:每周|每星期|每个星期|每礼拜)((?:[周星期礼拜]*[一二三四五六日天1-7][、,,和及\s]*)+?)\s*"
                     + _TIME, raw)
    if m:
        days = [DAYS[c] for c in re.findall(r"[一二三四五六日天1-7]", m.group(1))]
        hour, minute = _clock_time(m, 2)
        ordered = sorted(set(days), key=list(DAY_NAMES).index)
        return Schedule(raw, None, {"day_of_week": ",".join(ordered), "hour": str(hour),
                                    "minute": str(minute)})
    m = re.fullmatch(r"每月\s*(\d{1,2})\s*[日号]\s*" + _TIME, raw)
    if m:
        day = int(m.group(1))
        if not 1 <= day <= 31:
            raise ValueError(f"每月 {day} 日不存在。" + USAGE)
        hour, minute = _clock_time(m, 2)
        return Schedule(raw, None, {"day": str(day), "hour": str(hour), "minute": str(minute)})
    fields = raw.split()
    if len(fields) == 5 and all(re.fullmatch(r"[\w*/,\-]+", f) for f in fields):
        try:
            CronTrigger.from_crontab(raw)
        except ValueError as exc:
            raise ValueError(f"看不懂的时间“{raw}”。" + USAGE) from exc
        return Schedule(raw, None, dict(zip(("minute", "hour", "day", "month", "day_of_week"), fields)))
    raise ValueError(f"看不懂的时间“{raw}”。" + USAGE)


def describe(schedule: Schedule) -> str:
    """A short Chinese description: '每周一 09:00'."""
    if schedule.once_at is not None:
        return schedule.once_at.strftime("%Y-%m-%d %H:%M") + "(一次)"
    c = schedule.cron or {}
    at = (f"{int(c['hour']):02d}:{int(c['minute']):02d}"
          if c.get("hour", "").isdigit() and c.get("minute", "").isdigit() else schedule.text)
    dow = c.get("day_of_week")
    if "day" in c and c["day"].isdigit() and not dow:
        return f"每月{c['day']}日 {at}"
    if dow == "mon-fri":
        return f"工作日 {at}"
    if dow and all(d in DAY_NAMES for d in dow.split(",")):
        return "每周" + "、".join(DAY_NAMES[d] for d in dow.split(",")) + f" {at}"
    if set(c) == {"hour", "minute"}:
        return f"每天 {at}"
    return schedule.text
