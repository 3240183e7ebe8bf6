"""What residents (and anyone) can type: 查询, 我的诉求, 帮助, 我是, ratings, requests."""
from __future__ import annotations

from tests.conftest import texts_to
from tests.helpers import building_room_of, linked_member_of, person, ticket, tickets


async def test_query_in_group_shows_status_without_details(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了,我家电话13912345678,有事打我", sender="r01", room=room)
    member = linked_member_of(bot, "r01")
    sent = await bot.say("查询 1001", sender="r01", room=room)
    [text] = texts_to(sent, room)
    assert "工单 1001:【设施报修】待接单" in text and member.name in text
    assert "13912345678" not in text and "电话" not in text


async def test_query_privately_shows_timeline(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    sent = await bot.say("查询1001", sender="r01")
    [text] = texts_to(sent, "r01")
    assert "经过:" in text and "受理" in text and "接单" in text


async def test_query_of_someone_elses_ticket_is_refused_for_residents(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("查询 1001", sender="r02")
    assert texts_to(sent, "r02")[0].startswith("无权查看工单 1001")


async def test_query_is_not_triggered_by_ordinary_talk(bot) -> None:
    room = building_room_of(bot, "r01")
    for text in ("查询一下快递到了没", "我是说那个快递柜"):
        replies = [m.text for m in await bot.say(text, sender="r01", room=room)]
        assert not any(w in t for t in replies for w in ("没有找到工单", "写上工单号", "门牌")), replies


async def test_my_requests(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("我的诉求", sender="r01", room=room)
    assert texts_to(sent, room) == ["您还没有通过本群反映过问题。有问题直接在群里说明即可。"]
    await bot.say("楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("我的诉求", sender="r01", room=room)
    [text] = texts_to(sent, room)
    assert text.startswith("您反映过的问题:") and "1001 待接单 设施报修" in text


async def test_help_fits_the_role(bot) -> None:
    resident = texts_to(await bot.say("帮助", sender="r01"), "r01")[0]
    member = texts_to(await bot.say("帮助", sender="m01"), "m01")[0]
    staff = texts_to(await bot.say("帮助", sender="s1"), "s1")[0]
    assert "我是 楼号-单元-门牌" in resident and "接单" not in resident
    assert "接单 工单号" in member and "通知" not in member
    assert "接单 工单号" in staff and "通知 全部" in staff


async def test_a_new_resident_binds_to_a_household_and_reports_reach_the_linked_member(bot) -> None:
    # 我是 is a claim: the group never sees the address; the linked member confirms it privately
    sent = await bot.say("我是 2-3-502", sender="newbie", name="周阿姨", room="room-2")
    [in_group] = texts_to(sent, "room-2")
    assert "2-3-502" not in in_group and "确认后会私信告诉您" in in_group
    assert person(bot, "newbie").household_id is None
    [ask] = [m for m in sent if not m.is_room]
    assert ask.text == "周阿姨 说自己是 2-3-502 的住户,回复 确认住户 1 / 不是 1"
    sent = await bot.say("确认住户 1", sender=ask.conversation)
    assert texts_to(sent, "newbie") == ["已登记:您是 2-3-502 的住户。以后反映问题会直接转给联系您家的联户党员。"]
    member = linked_member_of(bot, "newbie")
    assert member.chat_id == ask.conversation
    sent = await bot.say("家里水龙头一点水都没有,停水了吗", sender="newbie", name="周阿姨", room="room-2")
    assert texts_to(sent, member.chat_id), "the linked member is told"
    assert ticket(bot, 1001).household_id is not None


async def test_binding_to_an_unknown_or_malformed_address(bot) -> None:
    sent = await bot.say("我是 9-9-909", sender="newbie", room="room-2")
    assert texts_to(sent, "room-2") == ["没有找到门牌 9-9-909。请按“楼号-单元-门牌”发送,例如:我是 3-2-502"]
    sent = await bot.say("我是 三楼", sender="newbie", room="room-2")
    assert "门牌格式不对" in texts_to(sent, "room-2")[0]
    assert await bot.say("我是新来的,请多关照", sender="newbie", room="room-2") == []


async def test_the_same_person_reporting_twice_is_told_it_is_in_hand(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("楼道灯还是不亮啊", sender="r01", room=room)
    assert texts_to(sent, room) == ["您反映的问题已在工单 1001 中处理,状态:待接单。查询进展请发送:查询 1001"]
    assert len(tickets(bot)) == 1


async def test_a_report_after_the_merge_window_opens_a_new_ticket(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    bot.clock.advance(hours=7)
    await bot.say("楼道的灯又不亮了", sender="r02", room=room)
    assert [t.number for t in tickets(bot)] == [1001, 1002]


async def test_private_request_from_unbound_resident_asks_for_address(bot) -> None:
    sent = await bot.say("我家楼下的路灯坏了好久了", sender="stranger", name="陌生人")
    assert texts_to(sent, "stranger")[0].startswith("收到。为了转给负责您家的联户党员")
    assert tickets(bot) == []


async def test_private_request_from_bound_resident_makes_a_ticket(bot) -> None:
    r = person(bot, "r01")
    sent = await bot.say("家里停电了,整栋楼都没电", sender="r01")
    [receipt] = texts_to(sent, "r01")
    assert "工单号 1001" in receipt and "水电气暖" in receipt
    assert ticket(bot, 1001).household_id == r.household_id


async def test_a_handler_querying_privately_sees_the_deadlines_and_whether_they_were_met(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    sent = await bot.say("查询 1001", sender=member.chat_id)
    [text] = texts_to(sent, member.chat_id)
    assert "时限:" in text and "按时" in text and "未到期" in text
    # the resident's own view has no deadline bookkeeping
    assert "时限:" not in texts_to(await bot.say("查询 1001", sender="r01"), "r01")[0]
