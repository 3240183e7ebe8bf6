"""三级督办: reminders before a deadline, then the grid worker, then the staff group, driven by a
frozen clock through the job queue; working days, holidays, per-category deadlines, quiet hours."""
from __future__ import annotations

import pytest

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.config import Settings
from tests.conftest import texts_to
from tests.helpers import (
    building_room_of,
    grid_worker_for,
    linked_member_of,
    tick,
    ticket,
)


async def test_urgent_ticket_left_unaccepted_climbs_the_ladder_once(bot) -> None:
    room = building_room_of(bot, "r03")
    member, worker = linked_member_of(bot, "r03"), grid_worker_for(bot, "r03")
    await bot.say("楼道里好大一股煤气味,是不是哪家漏气了!", sender="r03", room=room)  # 10:00, accept by 10:30

    assert await tick(bot, minutes=20) == []
    sent = await tick(bot, minutes=5)  # 10:25: the assignee is reminded
    assert [m.conversation for m in sent] == [member.chat_id]
    assert "请在 11-23 10:30 前接单" in sent[0].text and "接单 1001" in sent[0].text

    sent = await tick(bot, minutes=6)  # 10:31: the grid worker
    [to_worker] = texts_to(sent, worker.chat_id)
    assert "【督办】工单 1001 接单已超时(时限 11-23 10:30)" in to_worker and member.name in to_worker
    assert "已报告网格员" in texts_to(sent, member.chat_id)[0]
    assert texts_to(sent, "room-staff") == [] and texts_to(sent, room) == []

    sent = await tick(bot, minutes=15)  # 10:46: the staff group
    [to_staff] = texts_to(sent, "room-staff")
    assert to_staff.startswith("【督办·社区】工单 1001 接单已超时") and "派单 1001" in to_staff
    assert "已报告社区" in texts_to(sent, member.chat_id)[0]

    assert await tick(bot, minutes=30) == []  # each step happens once
    t = ticket(bot, 1001)
    assert [(e.kind, e.note) for e in t.events if e.kind in ("reminded", "escalated")] == [
        ("reminded", "接单时限提醒"), ("escalated", f"接单超时,已报网格员{worker.name}"),
        ("escalated", "接单超时,已报社区")]
    assert t.escalation_level == 2


async def test_accepted_in_time_stops_the_accept_ladder_and_resolution_has_its_own(bot) -> None:
    room = building_room_of(bot, "r01")
    member, worker = linked_member_of(bot, "r01"), grid_worker_for(bot, "r01")
    await bot.say("2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", sender="r01", room=room)  # Monday 10:00
    t = ticket(bot, 1001)
    assert bot.app.clock.show(t.accept_due) == "11-24 10:00"
    assert bot.app.clock.show(t.resolve_due) == "11-30 10:00"  # 5 working days, the weekend skipped
    await bot.say("接单 1001", sender=member.chat_id)

    assert await tick(bot, hours=25) == []  # Tuesday 11:00: accepted in time, nothing to chase
    assert await tick(bot, days=4) == []  # Saturday
    sent = await tick(bot, hours=22)  # Sunday 09:00: the resolve reminder (it waited out the night)
    assert [m.conversation for m in sent] == [member.chat_id]
    assert "请在 11-30 10:00 前办结" in sent[0].text
    sent = await tick(bot, hours=25, minutes=1)  # Monday 10:01
    assert "【督办】工单 1001 办结已超时(时限 11-30 10:00)" in texts_to(sent, worker.chat_id)[0]
    assert [t for t in texts_to(sent, "room-staff") if "督办" in t] == []  # (the weekly report went)
    sent = await tick(bot, hours=24)  # a day later: staff
    assert "办结已超时" in texts_to(sent, "room-staff")[0]


async def test_holidays_and_per_category_deadlines(bot) -> None:
    bot.app.settings.holidays = ["2026-11-24", "2026-11-25"]
    bot.app.settings.category_deadlines = {"sanitation": "2h/1d"}
    await bot.say("楼下垃圾堆了好几天没人清理,臭死了", sender="r01", room=building_room_of(bot, "r01"))
    await bot.say("单元门禁坏了,刷卡没反应", sender="r24", room=building_room_of(bot, "r24"))
    show = bot.app.clock.show
    sanitation, repair = ticket(bot, 1001), ticket(bot, 1002)
    assert (sanitation.category, show(sanitation.accept_due), show(sanitation.resolve_due)) == (
        "sanitation", "11-23 12:00", "11-26 10:00")  # one working day after two holidays
    assert (repair.category, show(repair.accept_due), show(repair.resolve_due)) == (
        "repair", "11-24 10:00", "12-02 10:00")


async def test_quiet_hours_hold_a_non_urgent_escalation_until_morning(bot) -> None:
    bot.app.settings.category_deadlines = {"repair": "3h/5d"}
    room = building_room_of(bot, "r01")
    member, worker = linked_member_of(bot, "r01"), grid_worker_for(bot, "r01")
    bot.clock.advance(hours=9)  # 19:00
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)  # accept by 22:00
    sent = await tick(bot, hours=2, minutes=25)  # 21:25, before quiet hours
    assert [m.conversation for m in sent] == [member.chat_id]
    assert await tick(bot, minutes=40) == []  # 22:05: overdue, but the grid worker sleeps
    assert await tick(bot, hours=2) == []  # 00:05: the staff step is due, and waits too
    assert await tick(bot, hours=7, minutes=20) == []  # 07:25
    sent = await tick(bot, minutes=6)  # 07:31
    assert "接单已超时" in texts_to(sent, worker.chat_id)[0]
    assert "接单已超时" in texts_to(sent, "room-staff")[0]


async def test_staff_see_each_deadline_and_whether_it_was_met(bot) -> None:
    member = linked_member_of(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=building_room_of(bot, "r01"))
    [reply] = await bot.say("工单 1001", sender="s1")
    assert "接单时限 11-24 10:00(未到期)" in reply.text and "办结时限 11-30 10:00(未到期)" in reply.text
    bot.clock.advance(hours=25)
    [reply] = await bot.say("工单 1001", sender="s1")
    assert "接单时限 11-24 10:00(已超时)" in reply.text
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    [reply] = await bot.say("工单 1001", sender="s1")
    assert "接单时限 11-24 10:00(超时完成)" in reply.text and "办结时限 11-30 10:00(按时)" in reply.text


def test_a_deadline_setting_that_cannot_work_stops_the_start_with_a_clear_message(tmp_path, classifier) -> None:
    settings = Settings(data_dir=tmp_path, category_deadlines={"repair": "尽快"})
    with pytest.raises(ValueError, match="category_deadlines.repair"):
        App(settings, TestGateway(), classifier=classifier)
    settings = Settings(data_dir=tmp_path, quiet_start="9点半")
    with pytest.raises(ValueError, match="quiet_start"):
        App(settings, TestGateway(), classifier=classifier)
    settings = Settings(data_dir=tmp_path, weekly_report="每周八 08:30")
    with pytest.raises(ValueError, match="weekly_report"):
        App(settings, TestGateway(), classifier=classifier)
