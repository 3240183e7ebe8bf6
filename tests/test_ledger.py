"""党员积分: earned by tickets handled in time, satisfied residents, visits and wishes, with the
rules from the settings; seen by the member and staff, never in a residents' group."""
from __future__ import annotations

from domain import ledger
from storage import repo
from tests.conftest import texts_to
from tests.helpers import building_room_of, linked_member_of


async def earn_points(bot) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """One ticket accepted and resolved in time and rated 满意, two households visited (one of
    them twice the same day), one wish fulfilled: 1 + 2 + 2 + 2×1 + 3 = 10 points."""
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    with bot.sessions() as s:
        p = repo.person_by_chat_id(s, "r01")
        first = p.household.address
        second = next(link.household.address for link in repo.person_by_chat_id(s, member.chat_id).links
                      if link.household.address != first)
    await bot.say(f"走访 {first} 聊了聊", sender=member.chat_id)
    await bot.say(f"走访 {first} 又去送了药", sender=member.chat_id)  # same day: counts once
    await bot.say(f"走访 {second} 一切都好", sender=member.chat_id)
    await bot.say("心愿 想学用智能手机", sender="r01", room=room)
    await bot.say("完成心愿 W1 教会了", sender=member.chat_id)
    return member.chat_id, member.name


async def test_a_member_sees_their_points_with_the_breakdown(bot) -> None:
    chat_id, name = await earn_points(bot)
    text = texts_to(await bot.say("积分", sender=chat_id), chat_id)[0]
    assert f"【{name} 的党员积分】本月 10 分,累计 10 分" in text
    assert "按时接单 1 件" in text and "按时办结 1 件" in text and "群众满意 1 件" in text
    assert "走访 2 户次" in text and "实现微心愿 1 个" in text
    bot.clock.advance(days=40)  # a new month: this month's are gone, the total stays
    text = texts_to(await bot.say("积分", sender=chat_id), chat_id)[0]
    assert "本月 0 分,累计 10 分" in text


async def test_late_work_earns_nothing_for_timeliness(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    bot.clock.advance(days=10)  # past both deadlines
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    await bot.say("2", sender="r01", room=room)  # 基本满意 still counts as satisfied
    with bot.sessions() as s:
        p = ledger.member_points(s, bot.clock, bot.app.settings, None, None, [member.id])[member.id]
    assert (p.accepted_in_time, p.resolved_in_time, p.satisfied, p.total) == (0, 0, 1, 2)


async def test_point_rules_come_from_the_settings(bot) -> None:
    chat_id, _ = await earn_points(bot)
    bot.app.settings.points_visit = 5
    bot.app.settings.points_wish = 0
    text = texts_to(await bot.say("积分", sender=chat_id), chat_id)[0]
    assert "本月 15 分" in text  # 1 + 2 + 2 + 2×5 + 0


async def test_staff_see_everyone_members_only_themselves_residents_nothing(bot) -> None:
    chat_id, name = await earn_points(bot)
    text = texts_to(await bot.say("积分", sender="s1", room="room-staff"), "room-staff")[0]
    assert "【本月党员积分】共 12 名党员" in text
    assert text.splitlines()[1] == f"{name}:10 分(走访 2 户次)"
    text = texts_to(await bot.say(f"积分 {name}", sender="s1"), "s1")[0]
    assert f"【{name} 的党员积分】本月 10 分" in text
    other = "m05" if chat_id != "m05" else "m06"
    assert texts_to(await bot.say(f"积分 {name}", sender=other), other) == ["只能查看自己的积分。"]
    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(await bot.say("积分", sender="r01"), "r01")[0]
    # never a ranking in a residents' group: the answer goes privately
    room = building_room_of(bot, "r01")
    sent = await bot.say("积分", sender="s1", room=room)
    assert texts_to(sent, room) == ["已私信发给您。"]
    assert "【本月党员积分】" in texts_to(sent, "s1")[0]
    sent = await bot.say("积分", sender=chat_id, room=room)
    assert texts_to(sent, room) == ["已私信发给您。"]
    assert not [m for m in bot.gw.sent if m.conversation == room and "分(走访" in m.text]
