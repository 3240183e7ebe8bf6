"""The send pace that keeps a personal WeChat account alive, quiet hours, "too frequent",
broadcast progress, and a 1,000-group notice killed mid-send and finished after a restart
with every group receiving it exactly once. Time is a frozen clock throughout: the pace's
waits move the clock on instead of sleeping."""
from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from kernel.messages import Outbound
from storage.models import Broadcast, Building, ChatRoom, Grid, OutboxMessage, RoomKind
from storage.outbox import Speaker
from tests.conftest import START, texts_to


def paced(bot) -> list[float]:  # type: ignore[no-untyped-def]
    """Turn the bot's outbox pace on; its waits move the frozen clock. Returns the waits."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        bot.clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    bot.app.outbox.paced = True
    bot.app.outbox.sleep = sleep
    bot.app.outbox.rng = random.Random(5)
    return waits


def queue(bot, *targets: str, urgent: bool = False, text: str = "通知") -> None:  # type: ignore[no-untyped-def]
    """Queue one message per target: "room-…" a group, else a person's chat id (no cause: bot-initiated)."""
    with bot.sessions() as s:
        say = Speaker(s, bot.clock)
        for t in targets:
            if t.startswith("room-"):
                say.room(t, text, urgent=urgent)
            else:
                s.add(OutboxMessage(conversation=t, is_room=False, text=text, mentions=[], urgent=urgent,
                                    not_before=bot.clock.now(), created_at=bot.clock.now()))
        s.commit()


def sent_times(bot) -> list:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        return list(s.scalars(select(OutboxMessage.sent_at).where(OutboxMessage.status == "sent")
                              .order_by(OutboxMessage.sent_at)))


async def test_account_pace_keeps_a_gap_with_jitter_between_messages(bot) -> None:
    waits = paced(bot)
    queue(bot, "room-1", "room-2", "room-3", "room-4", "s1", "s2")
    assert await bot.app.outbox.drain() == 6
    times = sent_times(bot)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert len(gaps) == 5 and all(1.5 <= g <= 2.0 for g in gaps), gaps
    assert len(set(round(g, 3) for g in gaps)) > 1  # jitter: not a fixed rhythm
    assert len(waits) == 5


async def test_a_group_waits_for_its_own_interval_without_spinning(bot) -> None:
    waits = paced(bot)
    bot.app.settings.room_interval_seconds = 10
    queue(bot, "room-1", "room-1", "room-2")
    assert await bot.app.outbox.drain() == 2  # room-1 once, then room-2; the second room-1 waits
    assert [m.conversation for m in bot.gw.sent] == ["room-1", "room-2"]
    assert len(waits) == 1  # waited for the account pace only, never looped on the busy group
    with bot.sessions() as s:
        later = s.scalar(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        first = s.scalar(select(OutboxMessage).where(OutboxMessage.status == "sent").order_by(OutboxMessage.id))
        assert later.not_before == first.sent_at + timedelta(seconds=10)
    idle = bot.app.outbox._idle_seconds()
    assert 7 < idle <= 10  # sleeps until the group may hear from the bot again
    assert await bot.app.outbox.drain() == 0
    bot.clock.advance(seconds=idle)
    assert await bot.app.outbox.drain() == 1
    assert [m.conversation for m in bot.gw.sent] == ["room-1", "room-2", "room-1"]


async def test_daily_cap_holds_the_rest_until_tomorrow_but_not_urgent_messages(bot) -> None:
    paced(bot)
    bot.app.settings.daily_send_cap = 3
    queue(bot, "s1", "s2", "g1", "g2", "m01")
    queue(bot, "m02", urgent=True)
    assert await bot.app.outbox.drain() == 3
    assert [m.conversation for m in bot.gw.sent] == ["m02", "s1", "s2"]  # urgent first
    queue(bot, "m03", urgent=True)
    assert await bot.app.outbox.drain() == 1  # urgent goes even over the cap
    bot.clock.set(START + timedelta(hours=13, minutes=59))  # 23:59: still today's cap (and quiet)
    assert await bot.app.outbox.drain() == 0
    bot.clock.set(START + timedelta(hours=22))  # tomorrow 08:00, after the quiet hours
    assert await bot.app.outbox.drain() == 3
    assert [m.conversation for m in bot.gw.sent][-3:] == ["g1", "g2", "m01"]


async def test_too_frequent_pauses_all_sending_then_resumes(bot) -> None:
    paced(bot)
    bot.gw.too_frequent_next = 1
    queue(bot, "s1", "s2")
    assert await bot.app.outbox.drain() == 0
    bot.clock.advance(seconds=299)
    assert await bot.app.outbox.drain() == 0
    bot.clock.advance(seconds=2)
    assert await bot.app.outbox.drain() == 2
    with bot.sessions() as s:
        assert [r.attempts for r in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [1, 1]


async def test_failures_back_off_and_then_go_once(bot) -> None:
    bot.gw.fail_next = 2
    queue(bot, "s1")
    assert await bot.app.outbox.drain() == 0
    bot.clock.advance(seconds=5)
    assert await bot.app.outbox.drain() == 0  # second failure: waits 10 s now
    bot.clock.advance(seconds=9)
    assert await bot.app.outbox.drain() == 0
    bot.clock.advance(seconds=1)
    assert await bot.app.outbox.drain() == 1
    assert texts_to(bot.gw.sent, "s1") == ["通知"]


async def test_quiet_hours_hold_what_the_bot_starts_but_not_answers_or_urgent(bot) -> None:
    bot.clock.set(START + timedelta(hours=13))  # 23:00
    queue(bot, "m01", "room-1")
    queue(bot, "g1", urgent=True)
    await bot.app.outbox.drain()
    assert [m.conversation for m in bot.gw.sent] == ["g1"]
    reply = await bot.say("帮助", sender="r01")  # someone who writes at night gets an answer
    assert [m.conversation for m in reply] == ["r01"]
    with bot.sessions() as s:
        held = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
        assert {bot.clock.show(r.not_before) for r in held} == {"11-24 07:30"}
    bot.clock.set(START + timedelta(hours=21, minutes=29))  # 07:29
    assert await bot.app.outbox.drain() == 0
    bot.clock.advance(minutes=1)
    assert await bot.app.outbox.drain() == 2


async def test_broadcast_progress_tells_staff_what_is_sent_and_when_the_rest_will_be(bot) -> None:
    [preview] = await bot.say("通知 全部 明天上午9点至12点停水,请提前储水。", sender="s1")
    assert "确认通知 1" in preview.text
    assert "还没有确认发送" in (await bot.say("通知进度 1", sender="s1"))[0].text
    bot.gw.online = False
    await bot.say("确认通知 1", sender="s1")
    with bot.sessions() as s:  # the notice waits, as if the pace had not reached it yet
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.batch == "broadcast:1")):
            row.not_before = bot.clock.now() + timedelta(minutes=10)
        s.commit()
    bot.gw.online = True
    await bot.app.outbox.drain()  # delivers the confirmation reply only
    [progress] = await bot.say("通知进度", sender="s1")
    assert progress.text.startswith("通知 1:共 4 个群,已发 0,待发 4,失败 0。按发送节奏,预计 11-23 10:00 前发完")
    bot.clock.advance(minutes=10)
    await bot.app.outbox.drain()
    [progress] = await bot.say("通知进度 1", sender="s1")
    assert progress.text == "通知 1:共 4 个群,已发 4,待发 0,失败 0。已全部发完。"
    assert "只有社区工作人员" in (await bot.say("通知进度 1", sender="r01"))[0].text
    assert "没有找到" in (await bot.say("通知进度 77", sender="s1"))[0].text


# --- a 1,000-group notice, killed mid-send ----------------------------------------------------

class DyingGateway(TestGateway):
    """Sends normally until the ``kill_at``-th message, during which the bot's process is
    killed: the message has gone out, the platform's acknowledgement is still awaited when
    the outbox task is cancelled (the worst moment: sent, not yet recorded)."""

    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at
        self.victim: asyncio.Task | None = None  # type: ignore[type-arg]

    async def send(self, message: Outbound) -> None:
        await super().send(message)
        if len(self.sent) == self.kill_at and self.victim is not None:
            self.victim.cancel()
            await asyncio.sleep(0)  # waiting for the acknowledgement when the kill lands


def add_groups(app: App, n: int) -> None:
    with app.sessions() as s:
        grid = s.scalar(select(Grid).order_by(Grid.id))
        for i in range(n):
            building = Building(grid=grid, name=f"新{i}号楼", code=f"n{i}")
            s.add(building)
            s.add(ChatRoom(chat_id=f"group-{i:04d}", name=f"新{i}号楼群", kind=RoomKind.BUILDING,
                           building=building, community_id=grid.community_id))
        s.commit()


async def test_a_1000_group_notice_killed_mid_send_is_finished_exactly_once_after_restart(
        settings, classifier) -> None:  # type: ignore[no-untyped-def]
    clock = FrozenClock(START)
    gw = DyingGateway(kill_at=400)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    first = App(settings, gw, clock=clock, classifier=classifier, paced=True)
    first.outbox.sleep = sleep
    await first.start()
    add_groups(first, 1000)
    gw.victim = first.outbox._task
    await first.receive(gw.inbound("通知 全部 今晚8点消防演练,请勿惊慌。", sender="s1"))
    await first.receive(gw.inbound("确认通知 1", sender="s1"))
    try:
        await asyncio.wait_for(gw.victim, timeout=60)
    except asyncio.CancelledError:
        pass
    assert gw.victim.cancelled()
    notices = [m for m in gw.sent if m.text.startswith("【通知】")]
    assert len(notices) == 399  # killed part-way (the preview reply to s1 went first)
    await first.stop()

    gw2 = TestGateway()
    second = App(settings, gw2, clock=FrozenClock(clock.now()), classifier=classifier)
    await second.start()
    await second.outbox.drain()
    delivered = Counter(m.conversation for m in gw.sent + gw2.sent if m.text.startswith("【通知】"))
    with second.sessions() as s:
        rooms = s.scalars(select(ChatRoom.chat_id).where(ChatRoom.building_id.is_not(None))).all()
        draft = s.get(Broadcast, 1)
        assert draft is not None and len(draft.rooms) == len(rooms) == 1004
        statuses = Counter(s.scalars(select(OutboxMessage.status).where(OutboxMessage.batch == "broadcast:1")))
    assert set(delivered) == set(rooms)  # nobody missed
    assert set(delivered.values()) == {1}  # nobody twice
    assert statuses == {"sent": 1004}
    await second.stop()
