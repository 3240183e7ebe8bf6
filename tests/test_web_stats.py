"""响应率 as staff see it (issue 13): a ticket still inside its acceptance time is not a miss."""
from __future__ import annotations

import re

from tests.conftest import Harness, texts_to


def month_line(sent: list, room: str = "room-staff") -> str:  # type: ignore[type-arg]
    reply = texts_to(sent, room)[-1]
    return next(line for line in reply.splitlines() if line.startswith("本月"))


async def test_a_ticket_inside_its_acceptance_time_is_not_a_miss(bot: Harness) -> None:
    sent = await bot.say("2单元楼道灯坏了好几天了", sender="r01", room="room-1")
    number = re.search(r"工单号 (\d+)", texts_to(sent, "room-1")[0]).group(1)  # type: ignore[union-attr]
    await bot.say("3单元门口垃圾堆了好几天没人清", sender="r04", room="room-1")
    # nobody has accepted yet, but both are still inside their 24 hours: no rate to show
    assert "响应率 —" in month_line(await bot.say("统计", sender="s1", room="room-staff"))
    member = next(m.conversation for m in sent if not m.is_room)
    await bot.say(f"接单 {number}", sender=member)
    # one accepted in time, the other still inside its time: 100 %, not 50 %
    assert "响应率 100%" in month_line(await bot.say("统计", sender="s1", room="room-staff"))
    bot.clock.advance(hours=25)  # the second one's acceptance time is over: now it is a miss
    assert "响应率 50%" in month_line(await bot.say("统计", sender="s1", room="room-staff"))
