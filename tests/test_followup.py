"""回访: a reminder when nobody rated a solved ticket, 未评价 after three days, a week-later
"现在还好吗" for repairs, and "又坏了 N" to reopen; all driven by a frozen clock."""
from __future__ import annotations

from datetime import timedelta

from domain.reports.figures import ticket_figures
from tests.conftest import START, texts_to
from tests.helpers import building_room_of, linked_member_of, tick, ticket, tickets


async def resolved_repair(bot, text: str = "单元门禁坏了,刷卡没反应", sender: str = "r01"):  # type: ignore[no-untyped-def]
    room = building_room_of(bot, sender)
    member = linked_member_of(bot, sender)
    await bot.say(text, sender=sender, room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已更换读卡器", sender=member.chat_id)
    return room, member


async def test_unrated_ticket_gets_one_reminder_then_closes_as_unrated(bot) -> None:
    room, member = await resolved_repair(bot)
    assert texts_to(await tick(bot, hours=23), room) == []
    sent = await tick(bot, hours=1, minutes=1)
    [reminder] = [m for m in sent if m.conversation == room]
    assert reminder.mentions == ("r01",) and "工单 1001" in reminder.text and "1 满意" in reminder.text
    assert await tick(bot, hours=24) == []  # only one reminder

    sent = await tick(bot, hours=24)  # 72 hours after 办结
    assert "已自动关闭(记为未评价)" in texts_to(sent, member.chat_id)[0]
    t = ticket(bot, 1001)
    assert t.status == "closed" and t.rating is None and t.events[-1].note == "未评价,自动关闭"
    with bot.sessions() as s:
        f = ticket_figures(s, START, START + timedelta(days=1))
    assert (f.unrated_closed, f.rated, f.satisfied) == (1, 0, 0)
    # a late "1" no longer rates anything
    assert await bot.say("1", sender="r01", room=room) == []


async def test_a_rating_in_time_means_no_reminder(bot) -> None:
    room, _ = await resolved_repair(bot)
    await bot.say("2", sender="r01", room=room)
    assert texts_to(await tick(bot, hours=25), room) == []
    assert ticket(bot, 1001).rating == 2


async def test_a_week_after_a_repair_the_reporter_is_asked_once_and_can_reopen(bot) -> None:
    room, member = await resolved_repair(bot)
    await bot.say("1", sender="r01", room=room)
    assert texts_to(await tick(bot, days=6, hours=23), room) == []
    sent = await tick(bot, hours=1, minutes=1)
    [ask] = [m for m in sent if m.conversation == room]
    assert ask.text == ("上周反映的【设施报修】问题(工单 1001:单元门禁坏了,刷卡没反应)现在还好吗?"
                        "如果又坏了,请回复“又坏了 1001”重新打开。")
    assert ask.mentions == ("r01",)
    assert texts_to(await tick(bot, days=1), room) == []  # once

    sent = await bot.say("又坏了 1001 刷卡又没反应了", sender="r01", room=room)
    assert texts_to(sent, room) == [f"已重新打开工单 1001,联户党员{member.name}会尽快处理。"]
    private = texts_to(sent, member.chat_id)[0]
    assert "重新打开" in private and "刷卡又没反应了" in private and "不满意" not in private
    t = ticket(bot, 1001)
    assert t.status == "accepted" and t.resolve_due > bot.clock.now()  # a fresh deadline to chase
    assert t.events[-1].kind == "reopened"


async def test_no_revisit_for_categories_that_do_not_break_again(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼下垃圾堆了好几天没人清理,臭死了", sender="r01", room=room)
    await bot.say("办结 1001 已清运", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    assert texts_to(await tick(bot, days=8), room) == []


async def test_broken_again_answers_every_wrong_use_clearly(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    sent = await bot.say("又坏了 1001", sender="r01", room=room)
    assert texts_to(sent, room) == ["工单 1001 还在处理中(待接单),不用重新打开。查询进展请发送:查询 1001"]
    sent = await bot.say("又坏了 1001", sender="r02", room=room)
    assert "只能由反映人或负责处理的人重新打开" in texts_to(sent, room)[0]
    sent = await bot.say("又坏了 9999", sender="r01", room=room)
    assert "没有找到工单 9999" in texts_to(sent, room)[0]


async def test_broken_again_without_a_number_is_an_ordinary_report(bot) -> None:
    room = building_room_of(bot, building_of := "r24")
    sent = await bot.say("又坏了,电梯又停了", sender=building_of, room=room)
    assert "工单号 1001" in texts_to(sent, room)[0]
    assert [t.category for t in tickets(bot)] == ["repair"]
