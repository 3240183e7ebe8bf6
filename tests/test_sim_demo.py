"""The simulator's demo clock (快进, ``POST /api/sim/clock``) and its unread counts, over real HTTP."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.gateways.simulator import SimulatorGateway
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock, ShiftedClock
from tests.conftest import START


@pytest.fixture
async def sim(settings, classifier) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    settings.sim_port = 0
    app = App(settings, clock=FrozenClock(START), classifier=classifier)
    await app.start()
    yield f"http://127.0.0.1:{app.server.port}"
    await app.stop()


async def call(base: str, method: str, path: str, body: object = None, **headers: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.request(method, base + path, json=body, headers=headers) as res:
            return res.status, await res.json(content_type=None)


async def say(base: str, room: str | None, sender: str, text: str) -> dict[str, Any]:
    status, res = await call(base, "POST", "/api/sim/messages",
                             {"room": room, "sender": sender, "text": text, **({"to": sender} if room is None else {})})
    assert status == 200, res
    return res  # type: ignore[no-any-return]


async def bot_lines(base: str, conversation: str) -> list[str]:
    status, res = await call(base, "GET", f"/api/sim/transcript?conversation={conversation}")
    assert status == 200
    return [m["text"] for m in res["messages"] if m["bot"]]


async def report_lamp(base: str) -> str:
    """r01 reports a broken lamp in room-1: ticket 1001; returns its member's chat id."""
    res = await say(base, "room-1", "r01", "2单元楼道灯坏了,晚上看不见")
    assert any("工单号 1001" in r["text"] for r in res["replies"])
    return str(next(r["conversation"] for r in res["replies"] if not r["is_room"]))


async def test_advancing_the_clock_runs_the_reminder_then_the_escalation(sim: str) -> None:
    member = await report_lamp(sim)
    status, clock = await call(sim, "GET", "/api/sim/clock")
    assert status == 200 and clock["now"] == "2026-11-23 10:00"

    status, moved = await call(sim, "POST", "/api/sim/clock", {"advance": "20h"})
    assert status == 200 and moved["now"] == "2026-11-24 06:00" and "deadlines" in moved["jobs"]
    # 06:00 is in quiet hours: the reminder waits for the morning, shown as waiting
    status, res = await call(sim, "GET", f"/api/sim/transcript?conversation={member}")
    [reminder] = [m for m in res["messages"] if "⏰ 提醒:工单 1001" in m["text"]]
    assert reminder["status"] == "pending" and reminder["waiting_until"]

    status, moved = await call(sim, "POST", "/api/sim/clock", {"advance": "4h"})  # 10:00: the deadline
    assert status == 200 and moved["sent"] >= 2  # the morning's reminder and the grid worker's 督办
    worker = [m for m in await bot_lines(sim, "g1") if "【督办】工单 1001" in m]
    assert worker, "the grid worker is told the ticket is overdue"
    assert not any("工单 1001" in m for m in await bot_lines(sim, "room-staff"))

    await call(sim, "POST", "/api/sim/clock", {"advance": 12 * 3600})  # seconds work too
    assert any("【督办·社区】工单 1001" in m for m in await bot_lines(sim, "room-staff"))


async def test_bad_advances_get_a_chinese_error_and_the_clock_stays(sim: str) -> None:
    for body in ({"advance": "-1h"}, {"advance": 0}, {"advance": "soon"}, {"advance": "400d"}, {}, [1],
                 {"advance": True}):
        status, res = await call(sim, "POST", "/api/sim/clock", body)
        assert status == 400 and "advance 应是" in res["error"], body
    async with aiohttp.ClientSession() as http:
        async with http.post(sim + "/api/sim/clock", data="{") as res:
            assert res.status == 400 and "JSON" in (await res.json())["error"]
    assert (await call(sim, "GET", "/api/sim/clock"))[1]["now"] == "2026-11-23 10:00"


async def test_the_clock_refuses_other_sites_and_unknown_hosts(sim: str) -> None:
    status, res = await call(sim, "POST", "/api/sim/clock", {"advance": "1d"}, Origin="http://evil.example")
    assert status == 403 and "跨站" in res["error"]
    status, res = await call(sim, "POST", "/api/sim/clock", {"advance": "1d"}, Host="attacker.example")
    assert status == 421
    status, res = await call(sim, "GET", "/api/sim/clock", Host="attacker.example")
    assert status == 421
    assert (await call(sim, "GET", "/api/sim/clock"))[1]["now"] == "2026-11-23 10:00"


async def test_beyond_loopback_the_clock_needs_the_token(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    settings.sim_port, settings.sim_host, settings.sim_token = 0, "0.0.0.0", "s3cret-token"
    app = App(settings, clock=FrozenClock(START), classifier=classifier)
    await app.start()
    try:
        base = f"http://127.0.0.1:{app.server.port}"
        status, _ = await call(base, "POST", "/api/sim/clock", {"advance": "1d"})
        assert status == 401 and app.clock.now() == START
        status, moved = await call(base, "POST", "/api/sim/clock", {"advance": "1d"},
                                   Authorization="Bearer s3cret-token")
        assert status == 200 and moved["now"] == "2026-11-24 10:00"
    finally:
        await app.stop()


async def test_a_real_gateway_has_no_clock_to_move(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    settings.sim_port, settings.console = 0, "on"  # the console serves HTTP; the gateway is not the simulator
    app = App(settings, TestGateway(), classifier=classifier)
    assert type(app.clock).__name__ == "Clock"  # the wall clock
    await app.start()
    try:
        base = f"http://127.0.0.1:{app.server.port}"
        async with aiohttp.ClientSession() as http:
            async with http.post(base + "/api/sim/clock", json={"advance": "1d"}) as res:
                assert res.status == 404
    finally:
        await app.stop()


async def test_a_simulator_on_the_wall_clock_says_it_cannot_move(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    from kernel.clock import Clock

    settings.sim_port = 0
    app = App(settings, SimulatorGateway(), clock=Clock(), classifier=classifier)
    await app.start()
    try:
        status, res = await call(f"http://127.0.0.1:{app.server.port}", "POST", "/api/sim/clock", {"advance": "1h"})
        assert status == 409 and "不能快进" in res["error"]
    finally:
        await app.stop()


async def test_the_demo_clock_is_kept_across_a_restart(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    settings.sim_port = 0
    app = App(settings, classifier=classifier)  # the simulator's own clock: the wall clock plus 快进
    assert isinstance(app.clock, ShiftedClock) and app.jobs.poll
    await app.start()
    before = app.clock.now()
    status, moved = await call(f"http://127.0.0.1:{app.server.port}", "POST", "/api/sim/clock", {"advance": "1d"})
    assert status == 200 and moved["offset_seconds"] == 86400
    await app.stop()

    again = App(settings, classifier=classifier)
    assert isinstance(again.clock, ShiftedClock)
    assert again.clock.offset.total_seconds() == 86400
    assert (again.clock.now() - before).total_seconds() >= 86400
    again.engine.dispose()


async def test_unread_counts_what_others_said_since_you_last_looked(sim: str) -> None:
    await say(sim, "room-1", "r01", "2单元楼道灯坏了,晚上看不见")  # r01 speaks; the bot answers
    status, unread = await call(sim, "GET", "/api/sim/unread?as=r02")
    assert status == 200 and unread["conversations"]["room-1"] == 2  # r01's line and the bot's receipt
    assert unread["conversations"]["room-2"] == 0 and unread["conversations"]["r02"] == 0
    mine = (await call(sim, "GET", "/api/sim/unread?as=r01"))[1]["conversations"]
    assert mine["room-1"] == 1  # one's own line is not unread: only the bot's receipt

    await call(sim, "GET", "/api/sim/transcript?conversation=room-1&as=r02")  # r02 reads the group
    assert (await call(sim, "GET", "/api/sim/unread?as=r02"))[1]["conversations"]["room-1"] == 0
    # r01 has not read it: still unread for them
    assert (await call(sim, "GET", "/api/sim/unread?as=r01"))[1]["conversations"]["room-1"] == 1
    await say(sim, "room-1", "r03", "我家这边的灯也坏了")
    assert (await call(sim, "GET", "/api/sim/unread?as=r02"))[1]["conversations"]["room-1"] >= 1
    status, res = await call(sim, "GET", "/api/sim/unread")
    assert status == 400 and "as" in res["error"]


RAN: list[str] = []


def _mark(ctx) -> None:  # type: ignore[no-untyped-def]
    RAN.append("ran")


async def test_on_the_demo_clock_due_jobs_run_by_themselves(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    """Without 快进: the queue polls, since APScheduler (the wall clock) cannot follow a shifted clock."""
    import asyncio

    settings.sim_port = 0
    clock = ShiftedClock(settings.timezone)
    clock.poll_seconds = 0.05
    app = App(settings, clock=clock, classifier=classifier)
    await app.start()
    try:
        assert not app.jobs.realtime and app.jobs.poll == 0.05
        clock.advance(hours=5)  # moved on directly: the poller, not the 快进 call, runs the job
        app.jobs.run_once(_mark, clock.now() + timedelta(milliseconds=100), id="t.mark")
        for _ in range(60):
            if RAN:
                break
            await asyncio.sleep(0.05)
        assert RAN == ["ran"] and app.jobs.get("t.mark") is None
    finally:
        await app.stop()
        RAN.clear()
