"""Who is who and where is kept between messages (storage/ledger_cache.py), and never served
after it changed: a group just bound, a resident just confirmed, a household moved — also when
the change came from another process on the same database."""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from kernel.config import Settings
from storage import ledger_version
from storage.models import Building, Household, Person
from tests.conftest import START, Harness, texts_to
from tests.helpers import building_room_of, linked_member_of


@pytest.fixture
async def other(settings: Settings, classifier, bot: Harness) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    """A second bot process on the same database (its own engine, its own cache)."""
    gateway = TestGateway()
    gateway._ids = itertools.count(100_000)  # its own message ids: the same one twice is a redelivery
    clock = FrozenClock(START)
    app = App(settings, gateway, clock=clock, classifier=classifier)
    await app.start()
    yield Harness(app, gateway, clock)
    await app.stop()


async def say_elsewhere(bot: Harness, other: Harness, text: str, **kw: object) -> list:  # type: ignore[type-arg]
    """``other`` handles the message; what it says may be sent by either process's outbox."""
    before = len(bot.gw.sent)
    sent = await other.say(text, **kw)  # type: ignore[arg-type]
    await bot.app.outbox.drain()
    return sent + bot.gw.sent[before:]


async def test_a_group_bound_is_a_building_group_from_the_next_message(bot: Harness) -> None:
    await bot.say("大家好", sender="r01", room="wx-new", room_name="新群")  # the group is kept from here
    sent = await bot.say("楼道灯坏了,黑咕隆咚的", sender="r01", room="wx-new", room_name="新群")
    assert not any("工单号" in t for t in texts_to(sent, "wx-new"))  # an unbound group: no ticket
    await bot.say("绑定 幸福里2号楼", sender="s1", room="wx-new", room_name="新群")
    sent = await bot.say("电梯坏了,停在三楼不动", sender="r02", room="wx-new", room_name="新群")
    assert any("工单号 1001" in t for t in texts_to(sent, "wx-new"))


async def test_a_group_bound_by_another_process_is_seen_by_the_next_message(
        bot: Harness, other: Harness) -> None:
    await bot.say("大家好", sender="r01", room="wx-new", room_name="新群")  # the group is kept from here
    sent = await bot.say("楼道灯坏了,黑咕隆咚的", sender="r01", room="wx-new", room_name="新群")
    assert not any("工单号" in t for t in texts_to(sent, "wx-new"))
    sent = await say_elsewhere(bot, other, "绑定 幸福里2号楼", sender="s1", room="wx-new", room_name="新群")
    assert texts_to(sent, "wx-new")[0].startswith("本群已绑定为 2号楼 的楼栋群")
    sent = await bot.say("电梯坏了,停在三楼不动", sender="r02", room="wx-new", room_name="新群")
    assert any("工单号 1001" in t for t in texts_to(sent, "wx-new"))


async def test_a_resident_confirmed_in_another_process_is_known_at_their_next_message(
        bot: Harness, other: Harness) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)  # 1001, by a confirmed neighbour
    await bot.say("大家好", sender="u7", room=room, name="新住户")
    sent = await bot.say("查询 1001", sender="u7", room=room, name="新住户")  # u7 is kept from here
    assert texts_to(sent, room)[0].startswith("无权查看工单 1001")
    with bot.sessions() as s:
        r01 = s.scalar(select(Person).where(Person.chat_id == "r01"))
        assert r01 is not None and r01.household is not None
        address = r01.household.address
    await bot.say(f"我是 {address}", sender="u7", name="新住户")
    sent = await say_elsewhere(bot, other, "确认住户 1", sender=member.chat_id)
    assert "新住户" in texts_to(sent, member.chat_id)[0]
    sent = await bot.say("查询 1001", sender="u7", room=room, name="新住户")
    assert texts_to(sent, room)[0].startswith("工单 1001:【")


async def test_a_household_moved_elsewhere_reports_from_its_new_building(
        bot: Harness, other: Harness) -> None:
    sent = await bot.say("查询", sender="r01")  # r01 and their home are kept from here on
    with bot.sessions() as s:
        r01 = s.scalar(select(Person).where(Person.chat_id == "r01"))
        assert r01 is not None and r01.household is not None
        old = r01.household.building
        new = s.scalar(select(Building).where(Building.id != old.id).order_by(Building.id.desc()))
        assert new is not None
        household_id, new_id, new_name, old_name = r01.household_id, new.id, new.name, old.name
    with other.sessions() as s:  # the console of another process moves the household
        s.execute(update(Household).where(Household.id == household_id).values(building_id=new_id, room="9901"))
        s.commit()
    await bot.say("家门口的下水道堵了,污水往外冒", sender="r01")
    sent = await bot.say("查询 1001", sender="r01")
    reply = texts_to(sent, "r01")[0]
    assert new_name in reply and old_name not in reply


async def test_the_version_moves_with_each_change_of_the_ledger_and_not_with_a_message(bot: Harness) -> None:
    room = building_room_of(bot, "r01")
    with bot.sessions() as s:
        before = ledger_version.read(s)
    await bot.say("楼道灯坏了", sender="r01", room=room)
    await bot.say("今天天气不错", sender="newcomer", room=room, name="新来的")  # a new person
    with bot.sessions() as s:
        assert ledger_version.read(s) == before
    await bot.say("绑定 幸福里2号楼", sender="s1", room="wx-new", room_name="新群")
    with bot.sessions() as s:
        assert ledger_version.read(s) == before + 1
        s.execute(update(Person).where(Person.chat_id == "r01").values(name="改名"))
        s.rollback()  # nothing written: nothing moved
        assert ledger_version.read(s) == before + 1


async def test_a_building_given_a_new_member_sends_its_next_ticket_to_them(bot: Harness) -> None:
    """Who gets a building's tickets is kept with the building; a change of its 楼栋长 (here by
    the console's way, an ORM update committed elsewhere) is seen by the next report."""
    room = building_room_of(bot, "r01")
    await bot.say("大家好", sender="u9", room=room, name="新住户")  # u9 and the group are kept from here
    await bot.say("楼道灯坏了,黑咕隆咚的", sender="u9", room=room, name="新住户")
    with bot.sessions() as s:
        from storage.models import ChatRoom, Ticket

        building = s.scalar(select(Building).join(ChatRoom, ChatRoom.building_id == Building.id)
                            .where(ChatRoom.chat_id == room))
        first = s.scalar(select(Ticket).where(Ticket.number == 1001))
        assert building is not None and first is not None
        assert first.household_id is None and first.assignee_id == building.default_member_id
        other = s.scalar(select(Person).where(Person.role == "member", Person.id != building.default_member_id))
        assert other is not None
        building.default_member = other
        s.commit()
        other_id, other_name = other.id, other.name
    sent = await bot.say("电梯坏了,停在三楼不动", sender="u9", room=room, name="新住户")
    assert any("工单号 1002" in t and other_name in t for t in texts_to(sent, room))
    with bot.sessions() as s:
        second = s.scalar(select(Ticket).where(Ticket.number == 1002))
        assert second is not None and second.assignee_id == other_id


async def test_alerts_go_to_the_staff_group_of_the_moment(bot: Harness, other: Harness) -> None:
    """Which group is the staff group is kept between batches; when it changes (here the old one
    given up in the console's way and another bound by another process) the next alert goes to
    the new one."""
    from storage.models import ChatRoom

    room = building_room_of(bot, "r01")
    sent = await bot.say("楼道里着火了,好大的烟", sender="r01", room=room)
    assert texts_to(sent, "room-staff")  # the staff group heard it (and is kept from here)
    sent = await bot.say("三楼楼梯间起火了,有浓烟", sender="r02", room=room)
    assert texts_to(sent, "room-staff")
    with bot.sessions() as s:
        old = s.scalar(select(ChatRoom).where(ChatRoom.chat_id == "room-staff"))
        assert old is not None and old.kind == "staff"
        old.kind = "other"
        s.commit()
    sent = await say_elsewhere(bot, other, "绑定 工作群", sender="s1", room="wx-staff2", room_name="新工作群")
    assert texts_to(sent, "wx-staff2")
    sent = await bot.say("地下车库着火了,冒黑烟", sender="r03", room=room)
    assert texts_to(sent, "wx-staff2") and not texts_to(sent, "room-staff")


async def test_a_staff_group_given_up_in_the_same_transaction_is_not_served_before_it_is_flushed(
        bot: Harness) -> None:
    """The cache's staff group is not served while the open transaction holds a change of the
    ledger not flushed yet (here the staff group given up): it is flushed and the database asked;
    pending rows of other tables (a reply for the outbox) do not make it ask."""
    from storage import repo
    from storage.models import ChatRoom, OutboxMessage

    room = building_room_of(bot, "r01")
    sent = await bot.say("楼道里着火了,好大的烟", sender="r01", room=room)
    assert texts_to(sent, "room-staff")
    await bot.say("好的", sender="r02", room=room)  # the staff group is kept from here
    await bot.app.lane.idle()  # (by the batch's thread, after r02 was answered)
    cache = bot.app.inbox.cache
    with bot.sessions() as s:
        s.begin()
        cache.begin(s)
        staff = s.scalar(select(ChatRoom).where(ChatRoom.chat_id == "room-staff"))
        assert staff is not None and staff.community_id is not None
        community = staff.community_id
        s.add(OutboxMessage(conversation=room, is_room=True, text="收到", mentions=[], urgent=False,
                            not_before=START, created_at=START))
        assert repo.staff_room_chat_id(s, community) == "room-staff"  # kept: no flush needed
        assert any(isinstance(o, OutboxMessage) for o in s.new)  # nothing flushed for it
        staff.kind = "other"  # given up, not flushed yet
        assert repo.staff_room_chat_id(s, community) is None
        s.rollback()
