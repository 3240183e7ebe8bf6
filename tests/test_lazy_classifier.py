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


def test_a_message_at_start_is_handled_after_the_warm_ups_build() -> None:
    """The warm-up's work after the load (the guide's index, ~1 s and a few MB of one-off objects)
    ends before a message is handled: its objects come and go before the messages' own
    (bench/README.md, twenty-second round). A message never waits for it a second time."""
    events: list[str] = []

    def build(_classifier: object) -> None:
        time.sleep(0.5)
        events.append("built")

    lazy = LazyClassifier(lambda: type("Loaded", (), {"classify": staticmethod(lambda text: events.append(text)),
                                                      "tokenize": staticmethod(list)})())
    warming = lazy.warm(then=build)
    time.sleep(0.1)  # loaded, building
    handler = threading.Thread(target=lambda: lazy.classify("a message"))
    handler.start()
    handler.join(10)
    warming.join(10)
    assert events == ["built", "a message"]
    lazy.classify("the next")
    assert events[-1] == "the next"


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


async def test_the_guides_index_is_built_at_start_and_the_first_question_builds_no_other(  # type: ignore[no-untyped-def]
        bot, settings, monkeypatch) -> None:
    """The guide's index (~6 MB of the demo guide's parts) is built in the warm-up, before any
    message, and the first question is answered from it: not a second one built at that question
    among the messages' objects (bench/README.md, twenty-first round)."""
    import asyncio

    from domain import guide

    await bot.app.stop()
    built: list[int] = []
    build = guide.Index._build.__func__  # type: ignore[attr-defined]

    def counted(cls, *args):  # type: ignore[no-untyped-def]
        built.append(1)
        return build(cls, *args)

    monkeypatch.setattr(guide.Index, "_build", classmethod(counted))
    monkeypatch.setattr(App, "WARM_AFTER", 0.0)
    gateway = TestGateway()
    app = App(settings, gateway, clock=FrozenClock(START))
    await app.start()
    try:
        for _ in range(6000):  # the warm-up's thread (WARM_AFTER 0): the classifier, then the index
            if built:
                break
            await asyncio.sleep(0.02)
        assert built == [1]  # before any message
        room = building_room_of(bot, "r01")
        await app.receive(gateway.inbound("租了个房子 要去社区登记吗", sender="r01", room=room, message_id="q"))
        await app.outbox.drain()
        assert any(m.text.startswith("【办事指南") for m in gateway.sent if m.conversation == room)
        assert built == [1]
    finally:
        await app.stop()
        bot.app.engine.dispose()
