"""Handling a message is synchronous work: it runs in a worker thread, one message at a
time and in the order they came, while the event loop stays free."""
from __future__ import annotations

import asyncio
import threading
import time

from tests.conftest import texts_to


async def test_messages_are_handled_off_the_event_loop_one_at_a_time_in_order(bot, monkeypatch) -> None:
    dispatcher = bot.app.inbox.dispatcher
    real = dispatcher.dispatch
    seen: list[tuple[str, int]] = []
    busy = threading.Lock()

    def slow_dispatch(ctx):  # type: ignore[no-untyped-def]
        assert busy.acquire(blocking=False), "two messages handled at once"
        try:
            seen.append((ctx.msg.sender_id, threading.get_ident()))
            time.sleep(0.05)
            return real(ctx)
        finally:
            busy.release()

    monkeypatch.setattr(dispatcher, "dispatch", slow_dispatch)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    try:
        await asyncio.gather(*(bot.app.receive(bot.gw.inbound("帮助", sender=f"r0{i}")) for i in range(1, 4)))
    finally:
        ticker.cancel()
    await bot.app.outbox.drain()
    assert [sender for sender, _ in seen] == ["r01", "r02", "r03"]
    assert all(ident != threading.get_ident() for _, ident in seen)
    assert ticks >= 5  # the loop ran while the messages were handled
    for i in range(1, 4):
        assert texts_to(bot.gw.sent, f"r0{i}")
