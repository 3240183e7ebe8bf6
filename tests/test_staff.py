"""Community staff: broadcasts, ticket lists, statistics, binding groups and residents."""
from __future__ import annotations

from tests.conftest import texts_to
from tests.helpers import building_room_of, linked_member_of, person


async def test_broadcast_previews_then_sends_to_every_building_group(bot) -> None:
    sent = await bot.say("通知 全部 明天上午9点至12点停水,请提前储水", sender="s1", room="room-staff")
    [preview] = texts_to(sent, "room-staff")
    assert "将发送到 4 个群" in preview and "确认通知 1" in preview
    assert [m for m in sent if m.conversation.startswith("room-") and m.conversation != "room-staff"] == []

    sent = await bot.say("确认通知 1", sender="s1", room="room-staff")
    notices = [m for m in sent if m.conversation in {"room-1", "room-2", "room-3", "room-4"}]
    assert sorted(m.conversation for m in notices) == ["room-1", "room-2", "room-3", "room-4"]
    assert all(m.text == "【通知】明天上午9点至12点停水,请提前储水" for m in notices)
    again = await bot.say("确认通知 1", sender="s1", room="room-staff")
    assert texts_to(again, "room-staff") == ["没有找到待确认的通知 1。"]


async def test_broadcast_to_a_grid_or_a_building(bot) -> None:
    sent = await bot.say("通知 第一网格 周六上午消防演练", sender="s1", room="room-staff")
    assert "将发送到 2 个群" in texts_to(sent, "room-staff")[0]
    sent = await bot.say("通知 3号楼 电梯年检暂停使用半天", sender="s1", room="room-staff")
    assert "将发送到 1 个群" in texts_to(sent, "room-staff")[0]


async def test_broadcast_cancel_and_bad_forms(bot) -> None:
    await bot.say("通知 全部 测试", sender="s1", room="room-staff")
    sent = await bot.say("取消通知 1", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["通知 1 已作废。"]
    sent = await bot.say("确认通知 1", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["没有找到待确认的通知 1。"]
    sent = await bot.say("通知", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff")[0].startswith("格式:通知 全部|网格名|楼栋名 内容")
    sent = await bot.say("通知 火星网格 开会", sender="s1", room="room-staff")
    assert "没有找到“火星网格”对应的楼栋群" in texts_to(sent, "room-staff")[0]


async def test_only_staff_may_broadcast(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("通知 全部 大家好我卖土鸡蛋", sender="r01", room=room)
    assert texts_to(sent, room) == ["“通知”只有社区工作人员可以使用。发送“帮助”查看您能用的命令。"]
    sent = await bot.say("统计", sender="m01")
    assert "只有网格员和社区工作人员可以使用" in texts_to(sent, "m01")[0]


async def test_ticket_list_and_filters(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    await bot.say("垃圾桶满了好几天没人清", sender="r02", room=building_room_of(bot, "r02"))
    sent = await bot.say("工单", sender="s1", room="room-staff")
    [text] = texts_to(sent, "room-staff")
    assert text.startswith("工单(未办结,共 2 件):") and "1001" in text and "1002" in text
    sent = await bot.say("工单 已关闭", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["没有已关闭的工单。"]


async def test_statistics_count_received_in_time_resolved_and_satisfied(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    await bot.say("垃圾没人清理,臭气熏天", sender="r02", room=building_room_of(bot, "r02"))
    sent = await bot.say("统计", sender="s1", room="room-staff")
    [text] = texts_to(sent, "room-staff")
    today = text.splitlines()[1]
    # the second ticket is still inside its acceptance time: not a miss (issue 13), so 1 of 1
    assert today.startswith("今日:受理 2 件,按时接单 1 件(响应率 100%)")
    assert "办结 1 件(解决率 50%)" in today and "评价 1 件(满意率 100%)" in today


async def test_binding_an_unknown_group_to_a_building(bot) -> None:
    sent = await bot.say("电梯坏了", sender="x1", room="wx-room-9", room_name="老小区群")
    assert sent == []
    sent = await bot.say("你好", sender="x1", room="wx-room-9", room_name="老小区群", mention_bot=True)
    assert texts_to(sent, "wx-room-9")[0].startswith("本群尚未绑定楼栋")
    sent = await bot.say("绑定 3号楼", sender="s1", room="wx-room-9")
    # 3号楼 had a group: staff chose this one, and are told the old one is unbound
    assert texts_to(sent, "wx-room-9") == ["本群已绑定为 3号楼 的楼栋群。居民在本群反映的问题会生成工单。"
                                           "原来的群「幸福里3号楼邻里群」已解除绑定。"]
    sent = await bot.say("3单元电梯坏了,按了没反应", sender="x1", room="wx-room-9")
    assert "工单号 1001" in texts_to(sent, "wx-room-9")[0]


async def test_a_group_named_like_a_building_is_only_proposed_to_staff(bot) -> None:
    sent = await bot.say("楼道灯坏了", sender="x1", room="wx-new", room_name="幸福里2号楼邻里群")
    assert texts_to(sent, "wx-new") == []  # not bound by its name: no ticket, nothing routed
    [proposal] = texts_to(sent, "room-staff")
    assert "确认绑定 1" in proposal and "已有楼栋群「幸福里2号楼邻里群」" in proposal
    assert await bot.say("楼道灯坏了", sender="x1", room="wx-new") == []  # proposed once
    sent = await bot.say("确认绑定 1", sender="s1", room="room-staff")
    assert "已将群「幸福里2号楼邻里群」绑定为 2号楼 的楼栋群" in texts_to(sent, "room-staff")[0]
    sent = await bot.say("楼道灯坏了", sender="x1", room="wx-new")
    assert "工单号 1001" in texts_to(sent, "wx-new")[0]


async def test_staff_register_someone_else(bot) -> None:
    await bot.say("大家好", sender="newbie", name="钱大爷", room="room-1")
    sent = await bot.say("登记 @钱大爷 1-2-301", sender="s1", room="room-1", mentions=("newbie",))
    assert texts_to(sent, "room-1") == ["已私信发给您。"]  # a name and an address: privately
    assert texts_to(sent, "s1") == ["已将钱大爷登记为 1-2-301 的住户。"]
    assert person(bot, "newbie").household_id is not None
