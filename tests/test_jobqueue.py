"""The job queue: stable ids, replace-on-register, coalesced catch-up after downtime within a
grace period, errors logged, standing jobs other modules register, the real AsyncIOScheduler
with its SQLAlchemy job store across a restart, and the Monday report to the staff group."""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta

import pytest

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from kernel.cron import describe, parse_schedule
from schedules import jobqueue
from tests.conftest import START, texts_to
from tests.helpers import building_room_of, linked_member_of

CALLS: list[tuple[str, dict]] = []


def record(ctx, **kwargs) -> None:  # type: ignore[no-untyped-def]
    CALLS.append(("record", kwargs))


async def record_async(ctx, **kwargs) -> None:  # type: ignore[no-untyped-def]
    await asyncio.sleep(0)
    CALLS.append(("async", kwargs))


def explode(ctx) -> None:  # type: ignore[no-untyped-def]
    raise RuntimeError("boom")


def where(ctx: jobqueue.JobContext) -> None:
    CALLS.append(("where", {"thread": threading.get_ident(), "context": type(ctx).__name__,
                            "same_queue": ctx.jobs is ctx.jobs.context.jobs}))


@pytest.fixture(autouse=True)
def _clear_calls():  # type: ignore[no-untyped-def]
    CALLS.clear()
    yield
    CALLS.clear()


async def test_registering_an_id_again_replaces_the_job_but_an_unchanged_one_keeps_its_next_run(bot) -> None:
    jobs = bot.app.jobs
    jobs.run_cron(record, "每天 08:00", id="t.daily", kwargs={"n": 1})
    first = jobs.next_run("t.daily")
    assert bot.app.clock.show(first) == "11-24 08:00"
    bot.clock.advance(days=2)  # the 11-24 and 11-25 slots are now in the past
    jobs.run_cron(record, "每天 08:00", id="t.daily", kwargs={"n": 1})
    assert jobs.next_run("t.daily") == first  # unchanged: the missed run is still owed
    jobs.run_cron(record, "每天 09:00", id="t.daily", kwargs={"n": 1})
    assert [j.id for j in jobs.jobs()].count("t.daily") == 1
    assert bot.app.clock.show(jobs.next_run("t.daily")) == "11-26 09:00"  # replaced, from now on


async def test_a_job_missed_for_hours_runs_once_not_once_per_slot(bot) -> None:
    jobs = bot.app.jobs
    jobs.run_repeating(record, timedelta(hours=1), id="t.hourly", kwargs={"x": "y"})
    jobs.run_repeating(record_async, timedelta(hours=1), id="t.async")
    bot.clock.advance(hours=5, minutes=30)
    ran = await jobs.run_due()
    assert ran.count("t.hourly") == 1 and ran.count("t.async") == 1
    assert sorted(CALLS) == [("async", {}), ("record", {"x": "y"})]
    assert bot.app.clock.show(jobs.next_run("t.hourly")) == "11-23 16:00"
    assert "t.hourly" not in await jobs.run_due()


async def test_a_slot_older_than_the_grace_period_is_skipped_and_the_schedule_goes_on(bot, caplog) -> None:
    jobs = bot.app.jobs
    jobs.run_cron(record, "每天 12:00", id="t.noon", grace=timedelta(hours=1))
    bot.clock.advance(hours=3)  # 13:00: an hour late, still within grace
    assert "t.noon" in await jobs.run_due()
    bot.clock.advance(days=1, hours=1, minutes=1)  # 14:01 the next day: two hours late
    with caplog.at_level(logging.WARNING, logger="schedules.jobqueue"):
        assert "t.noon" not in await jobs.run_due()
    assert len(CALLS) == 1 and "missed its run" in caplog.text
    assert bot.app.clock.show(jobs.next_run("t.noon")) == "11-25 12:00"


async def test_a_failing_job_is_logged_and_the_others_still_run(bot, caplog) -> None:
    jobs = bot.app.jobs
    jobs.run_once(explode, timedelta(minutes=1), id="t.boom")
    jobs.run_once(record, timedelta(minutes=1), id="t.fine")
    bot.clock.advance(minutes=2)
    with caplog.at_level(logging.ERROR, logger="schedules.jobqueue"):
        ran = await jobs.run_due()
    assert set(ran) >= {"t.boom", "t.fine"} and CALLS == [("record", {})]
    assert "t.boom" not in [j.id for j in jobs.jobs()]  # a one-off is gone after its run
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "test_jobqueue:explode" in error.getMessage() and "boom" in caplog.text


async def test_a_job_gets_a_context_and_a_sync_job_runs_off_the_event_loop(bot) -> None:
    jobs = bot.app.jobs
    jobs.run_once(where, timedelta(minutes=1), id="t.where")
    bot.clock.advance(minutes=2)
    assert "t.where" in await jobs.run_due()
    [(_, seen)] = CALLS
    assert seen["context"] == "JobContext" and seen["same_queue"]
    assert seen["thread"] != threading.get_ident()


async def test_every_module_of_the_schedules_package_registers_its_own_jobs(bot) -> None:
    assert {"deadlines", "followup", "report.weekly", "visits.due_lists"} <= set(jobqueue.STANDING)
    assert "schedules.campaigns:start" in jobqueue.START_HOOKS
    assert {"deadlines", "followup", "visits.due_lists"} <= {j.id for j in bot.app.jobs.jobs()}


async def test_jobs_are_kept_in_the_projects_own_table(bot) -> None:
    from sqlalchemy import select

    from storage.models import ScheduledJob

    bot.app.jobs.run_cron(record, "每天 08:00", id="t.kept", kwargs={"n": 2})
    with bot.sessions() as s:
        row = s.get(ScheduledJob, "t.kept")
        assert row is not None and row.func == "tests.test_jobqueue:record" and row.kwargs == {"n": 2}
        assert row.next_run_at == bot.app.jobs.next_run("t.kept")
    bot.app.jobs.remove("t.kept")
    with bot.sessions() as s:
        assert s.scalar(select(ScheduledJob).where(ScheduledJob.id == "t.kept")) is None


def test_job_functions_must_be_module_level() -> None:
    with pytest.raises(ValueError, match="module-level"):
        jobqueue.func_ref(lambda ctx: None)


async def test_standing_jobs_are_scheduled_on_start(bot) -> None:
    ids = {j.id for j in bot.app.jobs.jobs()}
    assert {"deadlines", "followup", "report.weekly"} <= ids
    assert bot.app.clock.show(bot.app.jobs.next_run("report.weekly"), "%a %m-%d %H:%M") == "Mon 11-30 08:30"


async def test_another_module_adds_a_weekly_job_with_one_line(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    jobqueue.register_job("test.visits_due", record, cron="每周一 09:00", kwargs={"what": "visits"})
    try:
        app = App(settings, TestGateway(), clock=FrozenClock(START), classifier=classifier)
        await app.start()
        assert app.clock.show(app.jobs.next_run("test.visits_due")) == "11-30 09:00"
        app.clock.advance(days=7)
        assert "test.visits_due" in await app.jobs.run_due()
        assert CALLS == [("record", {"what": "visits"})]
        await app.stop()
    finally:
        jobqueue.STANDING.pop("test.visits_due")


async def test_real_scheduler_keeps_jobs_across_a_restart_and_runs_a_missed_job_once(
        settings, classifier) -> None:  # type: ignore[no-untyped-def]
    """Through APScheduler itself (real clock, SQLAlchemy job store): bounded waits only."""
    first = App(settings, TestGateway(), classifier=classifier)
    await first.start()
    assert first.jobs.realtime and first.scheduler.running
    first.jobs.run_repeating(record, timedelta(minutes=1), id="t.tick", kwargs={"k": 1})
    first.scheduler.pause()
    # as if the bot had been down for ten minutes: ten slots missed
    first.scheduler.modify_job("t.tick", next_run_time=first.jobs.now() - timedelta(minutes=10))
    await first.stop()
    assert CALLS == []

    second = App(settings, TestGateway(), classifier=classifier)
    await second.start()
    try:
        for _ in range(100):  # at most 5 s
            if CALLS:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        assert CALLS == [("record", {"k": 1})]  # once, not ten times
        nxt = second.jobs.next_run("t.tick")
        assert nxt is not None and timedelta(0) < nxt - second.clock.now() <= timedelta(minutes=1)
    finally:
        await second.stop()


def test_schedules_people_write() -> None:
    cases = {"每周一 09:00": "每周一 09:00", "每周一、四 9:00": "每周一、四 09:00", "每天 8点": "每天 08:00",
             "工作日 9点半": "工作日 09:30", "每月1日 09:00": "每月1日 09:00",
             "2026-12-01 09:00": "2026-12-01 09:00(一次)", "0 9 * * mon": "每周一 09:00"}
    assert {text: describe(parse_schedule(text)) for text in cases} == cases
    for bad in ("", "每周八 09:00", "每天 25:00", "2026-02-30 09:00", "明天"):
        with pytest.raises(ValueError):
            parse_schedule(bad)


# --- the Monday report ------------------------------------------------------------------------

async def test_monday_report_gives_staff_last_weeks_figures(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", sender="r01", room=room)  # 1001 repair
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已更换灯泡", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    await bot.say("楼下垃圾堆了好几天没人清理,臭死了", sender="r02", room=building_room_of(bot, "r02"))  # 1002
    bot.clock.advance(hours=7)
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)  # 1003 repair, never accepted

    bot.clock.set(START + timedelta(days=6, hours=22, minutes=31))  # next Monday 08:31
    await bot.app.jobs.run_due()
    await bot.app.outbox.drain()
    [report] = [t for t in texts_to(bot.gw.sent, "room-staff") if t.startswith("【上周接诉即办周报】")]
    assert report.startswith("【上周接诉即办周报】11-23 至 11-29\n受理 3 件:设施报修 2、环境卫生 1\n")
    assert "响应率 33%(按时接单 1/3)" in report
    assert "解决率 33%(按时办结 1/3)" in report
    assert "满意率 100%(满意和基本满意 1/1 件评价;未评价关闭 0 件)" in report
    assert "目前未办结 2 件,其中超时 2 件:" in report
    assert "1号楼:设施报修 2 次" in report
    # once a week
    bot.clock.advance(hours=1)
    await bot.app.jobs.run_due()
    await bot.app.outbox.drain()
    assert len([t for t in texts_to(bot.gw.sent, "room-staff") if t.startswith("【上周")]) == 1
