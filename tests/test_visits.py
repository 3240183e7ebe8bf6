"""走访 by private message: plain visits, findings and suggestions that become tickets, the
pace by colour, and the due list a member asks for."""
from __future__ import annotations

from sqlalchemy import select

from storage import repo
from storage.models import Household, MemberLink, Visit
from tests.conftest import texts_to
from tests.helpers import tickets


def linked(bot, member_chat: str, colour: str) -> str:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        member = repo.person_by_chat_id(s, member_chat)
        h = s.scalars(select(Household).join(MemberLink).where(
            MemberLink.member_id == member.id, Household.colour == colour).order_by(Household.id)).first()
        assert h is not None, (member_chat, colour)
        return h.address


def visits(bot) -> list[Visit]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        rows = list(s.scalars(select(Visit).order_by(Visit.id)))
        s.expunge_all()
        return rows


async def test_a_visit_is_logged_with_the_next_due_date_by_colour(bot) -> None:
    orange = linked(bot, "m01", "orange")
    green = linked(bot, "m01", "green")
    sent = await bot.say(f"走访 {orange} 老人身体不错,血压正常", sender="m01")
    # 2026-11-23 (Monday) + 7 days for orange
    assert texts_to(sent, "m01") == [f"已记录对 {orange} 的走访。按走访频次,下次请在 11-30 前走访。"]
    sent = await bot.say(f"走访 {green}", sender="m01")
    assert "12-23 前" in texts_to(sent, "m01")[0]  # green: 30 days
    [v1, v2] = visits(bot)
    assert v1.kind == "visit" and v1.content == "老人身体不错,血压正常" and v1.ticket_id is None
    assert v2.content == "走访"
    assert tickets(bot) == []


async def test_a_finding_becomes_a_ticket_for_the_member_and_a_suggestion_a_suggestion_ticket(bot) -> None:
    address = linked(bot, "m01", "green")
    sent = await bot.say(f"走访 {address} 发现:楼道堆放杂物,堵了消防通道", sender="m01")
    reply = texts_to(sent, "m01")[0]
    assert "已记录" in reply and "发现的问题已生成工单 1001,由您跟进" in reply
    sent = await bot.say(f"走访 {address} 建议:楼下增设休息座椅", sender="m01")
    assert "收集的建议已生成工单 1002" in texts_to(sent, "m01")[0]
    t1, t2 = tickets(bot)
    assert t1.category != "suggestion" and "楼道堆放杂物" in t1.text and t1.assignee_id is not None
    assert t2.category == "suggestion"
    assert [v.kind for v in visits(bot)] == ["finding", "suggestion"]
    assert [v.ticket_id for v in visits(bot)] == [t1.id, t2.id]
    assert not [m for m in sent if m.is_room]


async def test_grid_worker_finding_goes_to_the_linked_member(bot) -> None:
    address = linked(bot, "m01", "green")
    sent = await bot.say(f"走访 {address} 发现:单元门禁坏了", sender="g1")
    reply = texts_to(sent, "g1")[0]
    assert "已生成工单 1001,已转给联户党员" in reply
    assert "【新工单 1001】" in texts_to(sent, "m01")[0]


async def test_visits_are_private_and_only_for_own_households(bot) -> None:
    address = linked(bot, "m01", "green")
    sent = await bot.say(f"走访 {address} 聊了聊", sender="m01", room="room-1")
    assert "请私聊我" in texts_to(sent, "room-1")[0]
    sent = await bot.say(f"走访 {address} 聊了聊", sender="m05")
    assert "不是您联系的住户" in texts_to(sent, "m05")[0]
    sent = await bot.say(f"走访 {address} 聊了聊", sender="r01")
    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(sent, "r01")[0]
    for text, expected in {"走访": "格式:走访 门牌 内容", "走访 家里": "格式:走访 门牌 内容",
                           "走访 9-9-909 好": "没有找到门牌 9-9-909",
                           f"走访 {address} 发现:": "请在“发现:”或“建议:”后面写上内容"}.items():
        assert expected in texts_to(await bot.say(text, sender="m01"), "m01")[0], text
    assert visits(bot) == [] and tickets(bot) == []


def paint(bot, member_chat: str, colours: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Give the member's households these colours in order (the rest green); their addresses."""
    with bot.sessions() as s:
        member = repo.person_by_chat_id(s, member_chat)
        hs = list(s.scalars(select(Household).join(MemberLink).where(MemberLink.member_id == member.id)
                            .order_by(Household.id)))
        for h, colour in zip(hs, colours + ["green"] * len(hs)):
            h.colour = colour
        s.commit()
        return [h.address for h in hs[:len(colours)]]


async def test_due_list_on_request_follows_the_pace(bot) -> None:
    orange, yellow = paint(bot, "m01", ["orange", "yellow"])
    # linked Monday 11-23: orange due 11-30, yellow 12-07, the 10 green 12-23; the week is 11-23..11-29
    sent = await bot.say("走访清单", sender="m01")
    assert texts_to(sent, "m01") == ["您联系的住户本周都不用走访,辛苦了!"]
    bot.clock.advance(days=1)  # Tuesday 11-24: the week runs to 11-30
    text = texts_to(await bot.say("走访清单", sender="m01"), "m01")[0]
    assert "需要走访 1 户,其中逾期 0 户" in text
    assert f"· {orange}(橙)请在 11-30 前走访,上次走访:还没有走访" in text
    bot.clock.advance(days=14)  # 12-08: orange 8 days late, yellow 1 day; green not yet
    text = texts_to(await bot.say("走访清单", sender="m01"), "m01")[0]
    assert "需要走访 2 户,其中逾期 2 户" in text
    assert text.index(orange) < text.index(yellow)  # the most overdue first
    assert f"· {orange}(橙)已逾期 8 天" in text and f"· {yellow}(黄)已逾期 1 天" in text
    await bot.say(f"走访 {orange} 送了药", sender="m01")
    text = texts_to(await bot.say("走访清单", sender="m01"), "m01")[0]
    assert orange not in text and "需要走访 1 户,其中逾期 1 户" in text


async def test_staff_see_overdue_households_by_grid_and_member_not_in_a_residents_group(bot) -> None:
    bot.clock.advance(days=40)  # everything is overdue now
    sent = await bot.say("走访清单", sender="s1", room="room-staff")
    text = texts_to(sent, "room-staff")[0]
    assert "【逾期未走访】共 144 户" in text and "第一网格:72 户" in text and "第二网格:72 户" in text
    sent = await bot.say("走访清单", sender="s1", room="room-1")
    assert texts_to(sent, "room-1") == ["已私信发给您。"]
    assert "【逾期未走访】" in texts_to(sent, "s1")[0]
