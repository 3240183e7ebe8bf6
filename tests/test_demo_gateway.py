"""The demo community loads only with the simulator: on real WeChat its placeholder rooms
(room-staff...) would get urgent alerts nobody could receive. An empty database on another
gateway says how to import a community."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from storage.models import ChatRoom, Community
from tests.conftest import START


class WechatLike(TestGateway):
    name = "wechaty"


async def test_with_wechat_an_empty_database_gets_no_demo_and_says_how_to_import(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    app = App(settings, WechatLike(), clock=FrozenClock(START), classifier=classifier)
    said: list[str] = []
    stop = asyncio.Event()
    stop.set()
    assert await app.run(stop, announce=said.append) == 0
    with app.sessions() as s:
        assert s.scalar(select(func.count(Community.id))) == 0
        assert s.scalar(select(func.count(ChatRoom.id))) == 0  # no room-staff to send alerts to
    assert any("lianhu import" in line and "还没有社区" in line for line in said)


async def test_the_simulator_still_loads_the_demo(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    settings.sim_port = 0
    app = App(settings, clock=FrozenClock(START), classifier=classifier)
    said: list[str] = []
    stop = asyncio.Event()
    stop.set()
    assert await app.run(stop, announce=said.append) == 0
    with app.sessions() as s:
        assert s.scalar(select(Community.name)) == "幸福里社区"
    assert not any("还没有社区" in line for line in said)
