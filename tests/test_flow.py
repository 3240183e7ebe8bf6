"""The whole 接诉即办 loop through the real bot, as a user would try it."""
from __future__ import annotations

from tests.conftest import texts_to
from tests.helpers import building_room_of, grid_worker_for, linked_member_of, ticket


async def test_report_accept_resolve_rate_closes_with_full_timeline(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")

    sent = await bot.say("2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", sender="r01", room=room)
    group = [m for m in sent if m.conversation == room]
    assert len(group) == 1 and group[0].mentions == ("r01",)
    assert "工单号 1001" in group[0].text and "设施报修" in group[0].text
    assert member.name in group[0].text and "查询 1001" in group[0].text
    private = texts_to(sent, member.chat_id)
    assert len(private) == 1 and "1001" in private[0] and "楼道灯坏了" in private[0]
    assert "接单 1001" in private[0]

    sent = await bot.say("接单 1001", sender=member.chat_id)
    assert "已接单" in texts_to(sent, member.chat_id)[0]
    assert f"{member.name}接单" in texts_to(sent, room)[0]

    sent = await bot.say("办结 1001 已更换楼道灯泡", sender=member.chat_id)
    ask = texts_to(sent, room)[0]
    assert "已办结" in ask and "1 满意" in ask and "3 不满意" in ask

    sent = await bot.say("1", sender="r01", room=room)
    assert "感谢您的评价(满意)" in texts_to(sent, room)[0]

    t = ticket(bot, 1001)
    assert t.status == "closed" and t.rating == 1
    assert [e.kind for e in t.events] == ["created", "assigned", "accepted", "resolved", "rated", "closed"]


async def test_second_report_of_the_same_problem_is_merged(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了,一楼到三楼都不亮", sender="r01", room=room)
    sent = await bot.say("我们这边楼道灯也不亮,晚上老人上下楼很危险", sender="neighbour",
                         name="李阿姨", room=room)
    [merged] = texts_to(sent, room)
    # the reply names the ticket's problem and says how to split a wrong merge off
    assert merged.startswith("已有邻居反映同样的问题,已合并到工单 1001(") and "楼道灯" in merged
    assert "不是一个问题" in merged
    t = ticket(bot, 1001)
    assert len(t.reporters) == 2 and t.events[-1].kind == "merged"

    # both reporters hear about progress, each @-mentioned
    member = t.assignee
    sent = await bot.say("办结 1001 灯已修好", sender=member.chat_id)
    [notice] = [m for m in sent if m.conversation == room]
    assert set(notice.mentions) == {"r01", "neighbour"}


async def test_urgent_gas_smell_pings_three_people_at_once(bot) -> None:
    room = building_room_of(bot, "r03")
    member = linked_member_of(bot, "r03")
    worker = grid_worker_for(bot, "r03")
    sent = await bot.say("楼道里好大一股煤气味,是不是哪家漏气了!", sender="r03", room=room)
    receipt = texts_to(sent, room)[0]
    assert "燃气" in receipt and "96777" in receipt and "工单号 1001" in receipt
    assert texts_to(sent, member.chat_id) and "紧急" in texts_to(sent, member.chat_id)[0]
    assert texts_to(sent, worker.chat_id) and "紧急" in texts_to(sent, worker.chat_id)[0]
    assert texts_to(sent, "room-staff") and "紧急" in texts_to(sent, "room-staff")[0]
    assert ticket(bot, 1001).urgent


async def test_chatter_gets_silence_and_makes_no_ticket(bot) -> None:
    room = building_room_of(bot, "r01")
    for text in ("大家早上好", "收到,谢谢", "电梯修好了,谢谢物业", "今天天气真好"):
        assert await bot.say(text, sender="r01", room=room) == []
    from tests.helpers import tickets

    assert tickets(bot) == []


async def test_dissatisfied_answer_reopens_and_tells_assignee_and_grid_worker(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    await bot.say("办结 1001 已报修", sender=member.chat_id)
    sent = await bot.say("3", sender="r01", room=room)
    assert "重新打开" in texts_to(sent, room)[0]
    assert "重新打开" in texts_to(sent, member.chat_id)[0]
    assert "重新打开" in texts_to(sent, worker.chat_id)[0]
    t = ticket(bot, 1001)
    assert t.status == "accepted" and [e.kind for e in t.events][-2:] == ["rated", "reopened"]


async def test_only_a_reporter_answer_counts_as_rating(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    assert await bot.say("1", sender="r02", room=room) == []
    assert ticket(bot, 1001).status == "resolved"
