"""微心愿: post, list, claim, fulfil; the resident hears each step where they posted."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Wish
from tests.conftest import texts_to
from tests.helpers import building_room_of, linked_member_of


def wishes(bot) -> list[Wish]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        rows = list(s.scalars(select(Wish).order_by(Wish.id)))
        s.expunge_all()
        return rows


async def test_wish_posted_in_the_group_claimed_and_fulfilled(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    sent = await bot.say("心愿 想请人帮忙修一下家里的旧收音机", sender="r01", room=room)
    [receipt] = [m for m in sent if m.conversation == room]
    assert receipt.text == "已登记您的微心愿 W1,联户党员认领后会告诉您。" and receipt.mentions == ("r01",)
    [notice] = texts_to(sent, member.chat_id)
    assert "【微心愿 W1】" in notice and "旧收音机" in notice and "认领 W1" in notice
    assert wishes(bot)[0].status == "open"

    sent = await bot.say("心愿单", sender="s1", room="room-staff")
    listing = texts_to(sent, "room-staff")[0]
    assert "W1 待认领" in listing and "旧收音机" in listing

    sent = await bot.say("认领 W1", sender=member.chat_id)
    assert "已认领微心愿 W1" in texts_to(sent, member.chat_id)[0]
    [told] = [m for m in sent if m.conversation == room]
    assert told.mentions == ("r01",) and f"已由联户党员{member.name}认领" in told.text

    sent = await bot.say("认领 w1", sender="m05")
    assert f"已认领({member.name})" in texts_to(sent, "m05")[0]
    sent = await bot.say("完成心愿 W1 收音机修好了", sender="m05")
    assert "只有认领人或社区工作人员可以标记完成" in texts_to(sent, "m05")[0]

    sent = await bot.say("完成心愿 W1 收音机修好了", sender=member.chat_id)
    assert "已标记微心愿 W1 实现" in texts_to(sent, member.chat_id)[0]
    [told] = [m for m in sent if m.conversation == room]
    assert told.text == f"您的微心愿 W1 已经实现,感谢联户党员{member.name}!"
    w = wishes(bot)[0]
    assert w.status == "done" and w.claimed_by_id == member.id and w.done_note == "收音机修好了"
    assert w.done_at == bot.clock.now()
    assert "已经实现了" in texts_to(await bot.say("完成心愿 W1", sender="s1"), "s1")[0]
    assert texts_to(await bot.say("心愿单", sender="s1"), "s1") == ["目前没有待实现的微心愿。"]


async def test_wish_posted_privately_is_answered_privately(bot) -> None:
    sent = await bot.say("心愿:希望有人陪我去医院复查", sender="r02")
    assert texts_to(sent, "r02") == ["已登记您的微心愿 W1,联户党员认领后会告诉您。"]
    sent = await bot.say("完成心愿 W1 已陪同复查", sender="s1")  # staff may claim and fulfil at once
    assert "已经实现" in texts_to(sent, "r02")[0]
    assert not [m for m in sent if m.is_room]


async def test_bad_wish_input_and_rights(bot) -> None:
    room = building_room_of(bot, "r01")
    assert "格式:心愿 内容" in texts_to(await bot.say("心愿", sender="r01", room=room), room)[0]
    sent = await bot.say("心愿 想要一副老花镜", sender="stranger")
    assert "请在所在楼栋的群里发送心愿" in texts_to(sent, "stranger")[0]
    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(
        await bot.say("认领 W1", sender="r01"), "r01")[0]
    assert "请写上心愿编号" in texts_to(await bot.say("认领 这个", sender="m01"), "m01")[0]
    assert "没有找到微心愿 W9" in texts_to(await bot.say("认领 W9", sender="m01"), "m01")[0]
    assert wishes(bot) == []


async def test_a_member_listing_wishes_in_a_residents_group_gets_it_privately(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("心愿 想学用智能手机", sender="r01", room=room)
    sent = await bot.say("心愿单", sender="m01", room="room-1")
    assert texts_to(sent, "room-1") == ["已私信发给您。"]
    assert "W1 待认领" in texts_to(sent, "m01")[0]
