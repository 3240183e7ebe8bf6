"""Members' commands: 接单 进展 办结 转办 退回 我的工单, and what goes wrong with them."""
from __future__ import annotations

import pytest

from tests.conftest import texts_to
from tests.helpers import (
    building_room_of,
    grid_worker_for,
    linked_member_of,
    person,
    ticket,
)


@pytest.fixture
async def reported(bot):  # type: ignore[no-untyped-def]
    """r01 has reported a broken entry door: ticket 1001, assigned to r01's member."""
    room = building_room_of(bot, "r01")
    await bot.say("单元门的门禁坏了,刷卡打不开", sender="r01", room=room)
    return room, linked_member_of(bot, "r01")


async def test_accept_tells_the_reporter_in_the_group(bot, reported) -> None:
    room, member = reported
    sent = await bot.say("接单 1001", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == [
        "已接单:工单 1001。处理中可发送“进展 1001 内容”,完成后发送“办结 1001 说明”。"]
    assert texts_to(sent, room) == [f"您反映的问题(工单 1001)已由联户党员{member.name}接单处理。"]
    again = await bot.say("接单 1001", sender=member.chat_id)
    assert "已经接单" in texts_to(again, member.chat_id)[0]


async def test_commands_work_with_full_width_digits_hash_and_at_mention_in_group(bot, reported) -> None:
    room, member = reported
    sent = await bot.say("接单 #1001", sender=member.chat_id, room=room, mention_bot=True)
    assert any("已接单" in t for t in texts_to(sent, room))
    sent = await bot.say("进展 1001 已联系物业,明天上午来修", sender=member.chat_id)
    assert texts_to(sent, room) == ["工单 1001 有新进展:已联系物业,明天上午来修"]
    assert [e.kind for e in ticket(bot, 1001).events][-2:] == ["accepted", "progress"]


async def test_progress_and_resolve_need_a_note(bot, reported) -> None:
    _, member = reported
    sent = await bot.say("进展 1001", sender=member.chat_id)
    assert "请写上说明" in texts_to(sent, member.chat_id)[0]
    sent = await bot.say("办结 1001", sender=member.chat_id)
    assert "请写上说明" in texts_to(sent, member.chat_id)[0]
    assert ticket(bot, 1001).status == "assigned"


async def test_wrong_or_missing_ticket_numbers_get_a_clear_answer(bot, reported) -> None:
    _, member = reported
    sent = await bot.say("接单 9999", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == [
        "没有找到工单 9999,请核对工单号。发送“我的诉求”或“我的工单”可以查看您的工单。"]
    sent = await bot.say("接单", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["请在命令后写上工单号,例如:接单 1024"]
    sent = await bot.say("办结 abc 修好了", sender=member.chat_id)
    assert "请在命令后写上工单号" in texts_to(sent, member.chat_id)[0]


async def test_a_member_cannot_close_someone_elses_ticket(bot, reported) -> None:
    _, member = reported
    other = "m05" if member.chat_id != "m05" else "m06"
    sent = await bot.say("办结 1001 修好了", sender=other)
    assert texts_to(sent, other) == ["工单 1001 不是派给您的,不能操作。如需协助请联系网格员。"]
    assert ticket(bot, 1001).status == "assigned"


async def test_residents_may_not_use_member_commands(bot, reported) -> None:
    room, _ = reported
    sent = await bot.say("办结 1001 好了", sender="r02", room=room)
    assert texts_to(sent, room) == ["“办结”只有联户党员、网格员和社区工作人员可以使用。发送“帮助”查看您能用的命令。"]
    assert ticket(bot, 1001).status == "assigned"


async def test_closed_ticket_cannot_be_closed_again(bot, reported) -> None:
    room, member = reported
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    sent = await bot.say("办结 1001 再修一次", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["工单 1001 已经已关闭,不能再办结。"]


async def test_hand_up_goes_to_grid_worker_then_staff(bot, reported) -> None:
    room, member = reported
    worker = grid_worker_for(bot, "r01")
    sent = await bot.say("转办 1001 需要物业公司换门禁主板", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == [f"工单 1001 已转给网格员{worker.name}。"]
    assert "转办工单 1001" in texts_to(sent, worker.chat_id)[0]
    assert texts_to(sent, room) == ["工单 1001 已转交网格员处理。"]
    assert ticket(bot, 1001).assignee_id == worker.id

    sent = await bot.say("转办 1001 物业不配合", sender=worker.chat_id)
    t = ticket(bot, 1001)
    assert t.assignee.role == "staff" and t.status == "handed_up"
    assert texts_to(sent, "room-staff") and "转办工单 1001" in texts_to(sent, "room-staff")[0]
    # the original member may no longer act on it
    sent = await bot.say("办结 1001 好了", sender=member.chat_id)
    assert "不是派给您的" in texts_to(sent, member.chat_id)[0]


async def test_hand_up_needs_a_reason(bot, reported) -> None:
    _, member = reported
    sent = await bot.say("转办 1001", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["请写上原因,例如:转办 1024 需要物业公司处理"]


async def test_return_lets_staff_decide_and_staff_reassign(bot, reported) -> None:
    room, member = reported
    sent = await bot.say("退回 1001 属于物业公司维保范围", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["工单 1001 已退回,由社区工作人员决定下一步。"]
    staff_note = texts_to(sent, "room-staff")[0]
    assert "退回工单 1001" in staff_note and "属于物业公司维保范围" in staff_note
    assert ticket(bot, 1001).status == "returned"

    other = person(bot, "m02")
    sent = await bot.say(f"派单 1001 {other.name}", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff")[-1] == f"工单 1001 已派给联户党员{other.name}。"
    assert "新工单 1001" in texts_to(sent, "m02")[0]
    t = ticket(bot, 1001)
    assert t.assignee_id == other.id and t.status == "assigned"


async def test_my_tickets_lists_open_work_only(bot, reported) -> None:
    room, member = reported
    sent = await bot.say("我的工单", sender=member.chat_id)
    [text] = texts_to(sent, member.chat_id)
    assert text.startswith("您手上未完成的工单(1件):") and "1001 待接单 设施报修" in text
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    sent = await bot.say("我的工单", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["您手上没有未完成的工单。"]
