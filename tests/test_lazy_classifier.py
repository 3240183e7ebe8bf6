"""`lianhu run` answers before jieba's dictionary is loaded: the app's classifier loads once,
in a thread after the server is up or for the first message that needs it (which waits), with
the keywords staff changed from chat."""
from __future__ import annotations

import threading
import time

from bot.app import App, LazyClassifier
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from tests.conftest import START
from tests.helpers import building_room_of, tickets

SILENT = "门口的雨搭昨晚被风吹歪了"  # 雨搭 is not in the rules file (nor is the model sure): only a chat rule makes it a request


def test_loads_once_and_callers_wait_for_that_load() -> None:
    loads: list[int] = []

    def slow() -> object:
        loads.append(1)
        time.sleep(0.3)
        return type("Loaded", (), {"classify": staticmethod(lambda text: f"read {text}")})()

    lazy = LazyClassifier(slow)
    lazy.warm()
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(lazy.classify("x"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == ["read x"] * 4 and loads == [1]


async def test_the_first_message_after_start_is_read_with_chat_rules(bot, settings) -> None:  # type: ignore[no-untyped-def]
    await bot.say("规则 加 设施报修 雨搭", sender="s1")
    await bot.app.stop()

    gateway = TestGateway()
    app = App(settings, gateway, clock=FrozenClock(START))  # its own classifier, as `lianhu run` makes it
    assert isinstance(app.classifier, LazyClassifier)
    await app.start()
    try:
        room = building_room_of(bot, "r01")
        await app.receive(gateway.inbound(SILENT, sender="r01", room=room, message_id="first"))
        await app.outbox.drain()
        assert any("设施报修" in m.text and "1001" in m.text for m in gateway.sent if m.conversation == room)
        assert len(tickets(bot)) == 1
    finally:
        await app.stop()
        bot.app.engine.dispose()
