"""四色调色 by message: a member proposes, staff confirm or reject, both sides are told, and
a household's colour or its reason never reaches a group."""
from __future__ import annotations

from sqlalchemy import select

from storage import repo
from storage.models import ColourChange, Household, MemberLink
from tests.conftest import texts_to

COLOUR_WORDS = ("绿色", "蓝色", "黄色", "橙色", "和谐平稳", "经济困难", "矛盾纠纷", "孤老留守")


def linked_household(bot, member_chat: str, colour: str | None = None, not_colour: str | None = None):  # type: ignore[no-untyped-def]
    """(address, colour, reason) of a household linked to the member."""
    with bot.sessions() as s:
        member = repo.person_by_chat_id(s, member_chat)
        q = select(Household).join(MemberLink).where(MemberLink.member_id == member.id).order_by(Household.id)
        if colour:
            q = q.where(Household.colour == colour)
        if not_colour:
            q = q.where(Household.colour != not_colour)
        h = s.scalars(q).first()
        assert h is not None
        return h.address, h.colour, h.colour_reason


def household(bot, address: str) -> Household:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        h = repo.household_at(s, *address.split("-"))
        s.expunge(h)
        return h


def changes(bot) -> list[ColourChange]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        rows = list(s.scalars(select(ColourChange).order_by(ColourChange.id)))
        s.expunge_all()
        return rows


def assert_no_colour_in_groups(bot) -> None:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        reasons = {r for r in s.scalars(select(Household.colour_reason)) if r}
        reasons |= {c.reason for c in s.scalars(select(ColourChange))}
    for m in bot.gw.sent:
        if m.is_room:
            assert not any(w in m.text for w in COLOUR_WORDS), m.text
            assert not any(r in m.text for r in reasons), m.text


async def test_member_proposes_staff_confirm_both_told_and_counts_as_upgrade(bot) -> None:
    address, old, old_reason = linked_household(bot, "m01", not_colour="green")
    sent = await bot.say(f"调色 {address} 绿 已就业,收入稳定", sender="m01")
    [reply] = texts_to(sent, "m01")
    assert "调色申请 1" in reply and "绿色" in reply and "等社区工作人员确认" in reply
    for staff in ("s1", "s2"):  # each member of staff privately, with colour and reason
        [notice] = texts_to(sent, staff)
        assert address in notice and "已就业,收入稳定" in notice and "确认调色 1" in notice
    assert not [m for m in sent if m.is_room]  # nothing in any group, the staff group included
    assert household(bot, address).colour == old  # not yet

    sent = await bot.say("确认调色 1", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["已私信发给您。"]  # an address: privately
    [ok] = texts_to(sent, "s1")
    assert "已确认调色申请 1" in ok and address in ok
    [told] = texts_to(sent, "m01")
    assert "确认" in told and "绿色" in told and "升级调色" in told
    h = household(bot, address)
    assert h.colour == "green" and h.colour_reason == "已就业,收入稳定"
    [change] = changes(bot)
    assert change.status == "confirmed" and change.from_colour == old and change.is_upgrade
    assert change.decided_at == bot.clock.now()
    assert old_reason not in ok
    assert_no_colour_in_groups(bot)


async def test_reject_needs_a_reason_and_leaves_the_colour(bot) -> None:
    address, old, _ = linked_household(bot, "m02", colour="green")
    await bot.say(f"调色 {address} 蓝 家里有人生病住院", sender="m02")
    sent = await bot.say("驳回调色 1", sender="s1")
    assert "请写上驳回的原因" in texts_to(sent, "s1")[0]
    sent = await bot.say("驳回调色 1 请先走访核实", sender="s1")
    assert "已驳回调色申请 1" in texts_to(sent, "s1")[0]
    [told] = texts_to(sent, "m02")
    assert "未通过" in told and "请先走访核实" in told
    assert household(bot, address).colour == old
    sent = await bot.say("确认调色 1", sender="s2")
    assert "已驳回" in texts_to(sent, "s2")[0]  # decided already: nothing happens twice
    assert household(bot, address).colour == old


async def test_colour_change_in_a_group_is_refused_with_a_hint(bot) -> None:
    address, old, _ = linked_household(bot, "m01")
    sent = await bot.say(f"调色 {address} 橙 独居老人", sender="m01", room="room-1")
    [reply] = texts_to(sent, "room-1")
    assert "请私聊我" in reply
    assert "橙" not in reply and "独居老人" not in reply
    assert changes(bot) == [] and household(bot, address).colour == old
    sent = await bot.say(f"档案 {address}", sender="m01", room="room-1")
    assert "请私聊我" in texts_to(sent, "room-1")[0]
    assert_no_colour_in_groups(bot)


async def test_only_the_linked_member_and_staff_may_propose(bot) -> None:
    address, _, _ = linked_household(bot, "m01")
    sent = await bot.say(f"调色 {address} 黄 与邻居有矛盾", sender="m05")
    assert "不是您联系的住户" in texts_to(sent, "m05")[0]
    sent = await bot.say(f"调色 {address} 黄 与邻居有矛盾", sender="r01")
    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(sent, "r01")[0]
    sent = await bot.say("确认调色 1", sender="m01")
    assert "只有社区工作人员可以使用" in texts_to(sent, "m01")[0]
    assert changes(bot) == []


async def test_bad_input_gets_a_clear_answer(bot) -> None:
    address, colour, _ = linked_household(bot, "m01", colour="green")
    cases = {
        "调色": "格式:调色 门牌 颜色 原因",
        f"调色 {address}": "格式:调色 门牌 颜色 原因",
        f"调色 {address} 紫 不知道": "没看懂颜色“紫”",
        f"调色 {address} 蓝": "请写上调色的原因",
        "调色 9-9-909 蓝 失业": "没有找到门牌 9-9-909",
        f"调色 {address} 绿 一直很好": "现在已经是绿色",
    }
    for text, expected in cases.items():
        sent = await bot.say(text, sender="m01")
        assert expected in texts_to(sent, "m01")[0], text
    for text, expected in {"确认调色": "请写上调色申请编号", "确认调色 99": "没有找到调色申请 99"}.items():
        assert expected in texts_to(await bot.say(text, sender="s1"), "s1")[0]
    assert changes(bot) == []


async def test_a_newer_proposal_replaces_the_pending_one(bot) -> None:
    address, _, _ = linked_household(bot, "m01", colour="green")
    await bot.say(f"调色 {address} 蓝 失业", sender="m01")
    sent = await bot.say(f"调色 {address} 橙 老人独居", sender="m01")
    assert "此前未确认的申请 1 已作废" in texts_to(sent, "m01")[0]
    assert [c.status for c in changes(bot)] == ["superseded", "pending"]
    assert "已被新申请替代" in texts_to(await bot.say("确认调色 1", sender="s1"), "s1")[0]


async def test_staff_change_a_colour_at_once_and_the_member_is_told(bot) -> None:
    address, _, _ = linked_household(bot, "m03", colour="green")
    sent = await bot.say(f"调色 {address} 黄 与楼上因漏水有纠纷", sender="s1")
    assert "已将" in texts_to(sent, "s1")[0]
    assert "黄色" in texts_to(sent, "m03")[0] and "与楼上因漏水有纠纷" in texts_to(sent, "m03")[0]
    assert household(bot, address).colour == "yellow"
    [change] = changes(bot)
    assert change.status == "confirmed" and not change.is_upgrade


async def test_record_shows_colour_and_dated_history_privately(bot) -> None:
    address, _, _ = linked_household(bot, "m01", colour="green")
    await bot.say(f"调色 {address} 蓝 主要劳动力失业", sender="m01")
    await bot.say("确认调色 1", sender="s1")
    bot.clock.advance(days=40)
    await bot.say(f"调色 {address} 绿 已再就业", sender="m01")
    await bot.say("确认调色 2", sender="s2")
    await bot.say(f"走访 {address} 聊了聊新工作", sender="m01")
    sent = await bot.say(f"档案 {address}", sender="m01")
    record = texts_to(sent, "m01")[0]
    assert "绿色(和谐平稳),原因:已再就业" in record
    assert "2026-11-23 绿色(和谐平稳)→蓝色(经济困难):主要劳动力失业" in record
    assert "2027-01-02 蓝色(经济困难)→绿色(和谐平稳):已再就业" in record
    assert "最近走访:2027-01-02" in record
    # another member may not read it
    assert "不是您联系的住户" in texts_to(await bot.say(f"档案 {address}", sender="m07"), "m07")[0]
    assert_no_colour_in_groups(bot)
