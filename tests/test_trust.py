"""Verification (我是 is a claim), each reporter's rating, binding groups, grid workers' scope."""
from __future__ import annotations

from sqlalchemy import select

from storage import repo
from storage.models import ChatRoom, Household, Person, RoomKind, TicketRating
from tests.conftest import texts_to
from tests.helpers import (
    building_room_of,
    grid_worker_for,
    linked_member_of,
    person,
    ticket,
)


def resident_of_same_building(bot, chat_id: str) -> str:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        me = repo.person_by_chat_id(s, chat_id)
        assert me is not None and me.household is not None
        other = s.scalar(select(Person).join(Household, Person.household_id == Household.id).where(
            Household.building_id == me.household.building_id, Person.id != me.id,
            Person.role == "resident").order_by(Person.id))
        assert other is not None and other.chat_id
        return other.chat_id


def household_address(bot, chat_id: str) -> str:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        me = repo.person_by_chat_id(s, chat_id)
        assert me is not None and me.household is not None
        return me.household.address


# --- 我是 ------------------------------------------------------------------------------------------

async def test_a_claim_waits_for_the_linked_member_and_can_be_denied(bot) -> None:
    address = household_address(bot, "r01")
    member = linked_member_of(bot, "r01")
    room = building_room_of(bot, "r01")
    sent = await bot.say(f"我是 {address}", sender="u7", name="自称住户")
    assert texts_to(sent, "u7")[0].startswith(f"已收到:您说自己是 {address} 的住户")
    assert texts_to(sent, member.chat_id) == [f"自称住户 说自己是 {address} 的住户,回复 确认住户 1 / 不是 1"]
    assert person(bot, "u7").household_id is None

    # unverified: may report, and see that ticket, but not a neighbour's
    await bot.say("楼道灯坏了", sender="r01", room=room)  # 1001, by a verified neighbour
    sent = await bot.say("查询 1001", sender="u7", room=room)
    assert texts_to(sent, room)[0].startswith("无权查看工单 1001")
    sent = await bot.say("门口的垃圾好几天没人收了", sender="u7", room=room)
    assert "工单号 1002" in texts_to(sent, room)[0]
    sent = await bot.say("查询 1002", sender="u7")
    assert "内容:门口的垃圾好几天没人收了" in texts_to(sent, "u7")[0]

    # someone else's member cannot decide; "不是吧…" is a message, not a denial
    sent = await bot.say("确认住户 1", sender="m12")
    assert texts_to(sent, "m12") == ["住户登记 1 应由联系该户的联户党员或社区工作人员确认。"]
    sent = await bot.say("不是吧,楼道灯又坏了", sender=member.chat_id)
    assert not any("住户登记" in t for t in texts_to(sent, member.chat_id))
    sent = await bot.say("不是 1", sender=member.chat_id)
    assert "登记未通过" in texts_to(sent, member.chat_id)[0]
    assert texts_to(sent, "u7") == [f"您登记 {address} 的申请没有通过确认。如有疑问,请联系网格员或社区工作人员。"]
    assert person(bot, "u7").household_id is None
    sent = await bot.say("确认住户 1", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["没有待确认的住户登记 1。"]

    # claimed again, staff confirm: verified, and the building group shows the status line
    await bot.say(f"我是 {address}", sender="u7")
    sent = await bot.say("确认住户 2", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["已私信发给您。"]
    assert texts_to(sent, "u7")[0].startswith(f"已登记:您是 {address} 的住户")
    sent = await bot.say("查询 1001", sender="u7", room=room)
    assert texts_to(sent, room)[0].startswith("工单 1001:【")


async def test_a_claim_in_a_group_never_shows_the_address_there(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("我是 1-2-301", sender="u8", room=room)
    assert all("1-2-301" not in m.text for m in sent if m.is_room)
    assert texts_to(sent, room) == ["已收到您的住户登记,确认后会私信告诉您。门牌属于个人信息,以后请私聊我发送。"]
    sent = await bot.say("我是 1-2-301", sender="u8", room=room)  # asked once
    assert not [m for m in sent if not m.is_room]
    sent = await bot.say(f"我是 {household_address(bot, 'r01')}", sender="r01", room=room)
    assert texts_to(sent, room) == ["已私信发给您。"]


# --- ratings -------------------------------------------------------------------------------------

async def test_each_reporter_rates_for_themselves_and_only_the_first_decides(bot) -> None:
    room = building_room_of(bot, "r01")
    neighbour = resident_of_same_building(bot, "r01")
    await bot.say("2单元楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("楼道的灯不亮了", sender=neighbour, room=room)
    assert "1001" in texts_to(sent, room)[0]  # merged: a co-reporter
    assignee = ticket(bot, 1001).assignee
    assert assignee is not None and assignee.chat_id
    await bot.say("办结 1001 已换灯泡", sender=assignee.chat_id)

    assert await bot.say("3", sender="x5", room=room) == []  # digits from anyone else: ignored
    sent = await bot.say("3", sender=neighbour, room=room)
    assert "是否重新处理由最先反映的居民确认" in texts_to(sent, room)[0]
    assert "另一位反映人" in texts_to(sent, assignee.chat_id)[0]
    assert ticket(bot, 1001).status == "resolved"  # not reopened by a co-reporter alone
    assert await bot.say("1", sender=neighbour, room=room) == []  # answered already

    sent = await bot.say("又坏了 1001", sender="x5", room=room)
    assert "只能由反映人或负责处理的人重新打开" in texts_to(sent, room)[0]
    sent = await bot.say("1", sender="r01", room=room)
    assert texts_to(sent, room) == ["感谢您的评价(满意)!工单 1001 已关闭。"]
    t = ticket(bot, 1001)
    assert t.status == "closed" and t.rating == 1
    with bot.sessions() as s:
        answers = {r.person.chat_id: r.value for r in s.scalars(select(TicketRating))}
    assert answers == {neighbour: 3, "r01": 1}


# --- groups --------------------------------------------------------------------------------------

async def test_staff_bind_a_group_by_community_and_building_name_and_make_a_staff_group(bot) -> None:
    sent = await bot.say("绑定 幸福里2号楼", sender="s1", room="wx-a", room_name="二号楼新群")
    assert texts_to(sent, "wx-a")[0].startswith("本群已绑定为 2号楼 的楼栋群")
    sent = await bot.say("绑定 2号楼", sender="r01", room="wx-b", room_name="随便一个群")
    assert "只有社区工作人员可以使用" in texts_to(sent, "wx-b")[0]
    sent = await bot.say("绑定 工作群", sender="s1", room="wx-staff", room_name="社区干部群")
    assert texts_to(sent, "wx-staff")[0].startswith("本群已设为幸福里社区的社区工作群")
    with bot.sessions() as s:
        rooms = {r.chat_id: (r.kind, r.building_id) for r in s.scalars(select(ChatRoom))}
    assert rooms["wx-staff"] == (RoomKind.STAFF, None)
    assert rooms["room-2"] == (RoomKind.OTHER, None)  # one building, one group
    assert rooms["wx-a"][0] == RoomKind.BUILDING


# --- grid workers --------------------------------------------------------------------------------

async def test_grid_workers_list_and_count_their_own_grid(bot) -> None:
    room1 = building_room_of(bot, "r01")
    await bot.say("2单元楼道灯坏了", sender="r01", room=room1)  # 1001 in 1号楼, 第一网格
    await bot.say("楼下垃圾没人收", sender="x3", room="room-4")  # 1002 in 4号楼, 第二网格
    worker = grid_worker_for(bot, "r01")
    sent = await bot.say("工单", sender=worker.chat_id)
    [listing] = texts_to(sent, worker.chat_id)
    assert "1001" in listing and "1002" not in listing
    sent = await bot.say("统计", sender=worker.chat_id)
    assert "今日:受理 1 件" in texts_to(sent, worker.chat_id)[0]
    sent = await bot.say("统计", sender="s1")
    assert "今日:受理 2 件" in texts_to(sent, "s1")[0]
    sent = await bot.say("帮助", sender=worker.chat_id)
    assert texts_to(sent, worker.chat_id)[0].startswith("【网格员 命令】")


# --- the staff group ------------------------------------------------------------------------------

async def test_an_urgent_alert_in_the_staff_group_says_what_happened_but_no_household_details(bot) -> None:
    room = building_room_of(bot, "r01")
    address = household_address(bot, "r01")
    sent = await bot.say("我家老人突然晕倒了,叫不醒", sender="r01", room=room)
    [alert] = texts_to(sent, "room-staff")
    assert "晕倒" in alert and "1号楼" in alert  # what happened, and where
    assert address not in alert
    with bot.sessions() as s:
        r01 = repo.person_by_chat_id(s, "r01")
        assert r01 is not None and r01.household is not None
        notes, reason = r01.household.notes, r01.household.colour_reason
    for private in (notes, reason):
        if private:
            assert private not in alert


async def test_a_co_reporters_answer_counts_in_the_figures(bot) -> None:
    room = building_room_of(bot, "r01")
    neighbour = resident_of_same_building(bot, "r01")
    await bot.say("2单元楼道灯坏了", sender="r01", room=room)
    await bot.say("楼道的灯不亮了", sender=neighbour, room=room)
    assignee = ticket(bot, 1001).assignee
    assert assignee is not None and assignee.chat_id
    await bot.say("办结 1001 已换灯泡", sender=assignee.chat_id)
    await bot.say("2", sender=neighbour, room=room)
    await bot.say("1", sender="r01", room=room)
    sent = await bot.say("统计", sender="s1")
    assert "评价 2 件(满意率 100%)" in texts_to(sent, "s1")[0]


async def test_staff_of_another_community_neither_see_nor_act(bot) -> None:
    from storage.models import Community

    with bot.sessions() as s:
        other = Community(name="和平里社区")
        s.add(other)
        s.add(Person(name="外社区干部", chat_id="s9", role="staff", community=other, created_at=bot.clock.now()))
        s.commit()
    await bot.say("2单元楼道灯坏了", sender="r01", room=building_room_of(bot, "r01"))
    sent = await bot.say("查询 1001", sender="s9")
    assert texts_to(sent, "s9")[0].startswith("无权查看工单 1001")
    sent = await bot.say("工单 1001", sender="s9")
    assert texts_to(sent, "s9")[0].startswith("无权查看工单 1001")
    sent = await bot.say("派单 1001 外社区干部", sender="s9")
    assert "不是派给您的" in texts_to(sent, "s9")[0]
    sent = await bot.say("办结 1001 随便", sender="s9")
    assert "不是派给您的" in texts_to(sent, "s9")[0]
    assert ticket(bot, 1001).status == "assigned"


async def test_staff_registering_a_resident_settles_their_waiting_claim(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say(f"我是 {household_address(bot, 'r01')}", sender="u9", name="孙大妈", room=room)
    await bot.say("登记 @孙大妈 1-2-301", sender="s1", room="room-staff", mentions=("u9",))
    sent = await bot.say("确认住户 1", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["没有待确认的住户登记 1。"]
    with bot.sessions() as s:
        u9 = repo.person_by_chat_id(s, "u9")
        assert u9 is not None and u9.household is not None and u9.household.address == "1-2-301"
