"""What each simulator request costs, made cheap, answers as before: its sender and group from
memory once asked (bot/driver/lookups.py), yet what changes in the ledger is seen at once (by
this process) or within half a second (by another); the outbox's idle look kept between passes
yet moved by a row queued for sooner; chatter answered without waiting for an outbox pass."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.driver import lookups
from bot.gateways.simulator import SimulatorGateway
from kernel.clock import FrozenClock
from storage import db
from storage.models import ChatRoom, OutboxMessage, Person
from tests.conftest import START
from tests.test_simulator import post


@pytest.fixture
async def sim(settings, classifier) -> AsyncIterator[tuple[App, str]]:  # type: ignore[no-untyped-def]
    settings.sim_port = 0
    app = App(settings, SimulatorGateway(), clock=FrozenClock(START), classifier=classifier)
    await app.start()
    yield app, f"http://127.0.0.1:{app.server.port}"
    await app.stop()


async def room_names(base: str) -> dict[str, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/sim/rooms") as res:
            return {r["id"]: r["name"] for r in await res.json()}


async def test_someone_added_to_the_ledger_is_known_by_their_chat_id_from_their_next_message(sim) -> None:
    app, base = sim
    first = await post(base, room="room-2", sender="wx-lixin", text="大家好")
    assert first["sender"] == "sim-wx-lixin"  # nobody by that chat id yet: a newcomer
    with app.sessions() as s:  # then staff add them to the ledger with that chat id
        s.add(Person(name="李新", chat_id="wx-lixin", role="resident", created_at=START))
        s.commit()
    again = await post(base, room="room-2", sender="wx-lixin", text="大家好")
    assert again["sender"] == "wx-lixin"


async def test_a_group_renamed_by_staff_keeps_its_new_name_when_people_write_in_it(sim) -> None:
    app, base = sim
    await post(base, room="room-2", sender="r07", text="今天天气不错")  # the group is asked for: kept
    with app.sessions() as s:
        s.execute(update(ChatRoom).where(ChatRoom.chat_id == "room-2").values(name="幸福里2号楼业主群"))
        s.commit()
    await post(base, room="room-2", sender="r07", text="是啊")
    # an old name kept in memory would come back with the message and rename the group again
    assert (await room_names(base))["room-2"] == "幸福里2号楼业主群"


async def test_a_group_renamed_by_another_process_is_seen_within_half_a_second(sim, settings) -> None:
    app, base = sim
    await post(base, room="room-3", sender="r13", text="今天天气不错")
    other = db.make_engine(settings.database_url)  # another process's engine: its writes are not heard
    with db.session_factory(other)() as s:
        s.execute(update(ChatRoom).where(ChatRoom.chat_id == "room-3").values(name="幸福里3号楼新群名"))
        s.commit()
    other.dispose()
    await asyncio.sleep(lookups.FRESH_SECONDS + 0.1)
    await post(base, room="room-3", sender="r13", text="是啊")
    assert (await room_names(base))["room-3"] == "幸福里3号楼新群名"


async def test_a_row_queued_for_later_by_a_job_moves_the_senders_next_look(bot) -> None:
    sender = bot.app.outbox
    now = bot.clock.now()
    with bot.sessions() as s:
        s.add(OutboxMessage(conversation="r01", is_room=False, text="稍后", mentions=[], urgent=False,
                            not_before=now + timedelta(seconds=20), created_at=now))
        s.commit()
    sender.wake()
    assert 19 < sender._idle_seconds() <= 20
    with bot.sessions() as s:
        s.add(OutboxMessage(conversation="r02", is_room=False, text="更早", mentions=[], urgent=False,
                            not_before=now + timedelta(seconds=5), created_at=now))
        s.commit()
    sender.wake()  # a job queued it: the next look sees it, not what was kept
    assert 4 < sender._idle_seconds() <= 5
    with bot.sessions() as s:
        assert len(s.scalars(select(OutboxMessage)).all()) == 2


async def test_chatter_is_answered_while_a_broadcast_is_still_going_out(sim) -> None:
    """A message that caused nothing has no reply to wait for: its answer does not wait for the
    outbox to finish what it is sending (here a send that never ends until the test says so)."""
    app, base = sim
    gateway = app.gateway
    going_out, let_go = asyncio.Event(), asyncio.Event()
    send = gateway.send

    async def slow_send(message):  # type: ignore[no-untyped-def]
        if message.text == "停水通知":
            going_out.set()
            await let_go.wait()
        await send(message)

    gateway.send = slow_send  # type: ignore[method-assign]
    with app.sessions() as s:
        from storage.outbox import Speaker

        Speaker(s, app.clock).room("room-1", "停水通知")
        s.commit()
    app.outbox.wake()
    await asyncio.wait_for(going_out.wait(), 10)
    res = await asyncio.wait_for(post(base, room="room-2", sender="r07", text="今天天气不错"), 10)
    assert res["replies"] == [] and res["duplicate"] is False
    let_go.set()
    replied = await asyncio.wait_for(post(base, room="room-2", sender="r07", text="帮助"), 10)
    assert replied["replies"]  # a message with replies still gets them, sent
