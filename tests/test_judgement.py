"""Judgement residents can trust (issue 10): the bot acts by the classifier's tier in a building
group — sure → ticket and receipt; unsure → nothing in the group, a private heads-up (待确认) to
one person who answers 转工单 / 忽略; chatter → nothing — tells people at once when someone may be
in danger, and merges a report only into a ticket about the same problem.

Where a test needs a message of a given tier, the classifier's answer is made explicit (``fake``);
the merge tests use real, unambiguous sentences end to end.
"""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from domain.classifier import Classification
from storage import repo
from storage.models import LabelledExample, OutboxMessage
from tests.conftest import texts_to
from storage.models import Ticket
from tests.helpers import building_room_of, grid_worker_for, linked_member_of, ticket


def tickets(bot) -> list[Ticket]:  # type: ignore[no-untyped-def]
    """Every ticket, with its reporters and events loaded."""
    with bot.sessions() as s:
        rows = list(s.scalars(select(Ticket).order_by(Ticket.number)))
        _ = [(t.reporters, t.events, t.assignee) for t in rows]
        s.expunge_all()
        return rows


@pytest.fixture
def fake(bot, monkeypatch):  # type: ignore[no-untyped-def]
    """``fake(text, **fields)``: the classifier answers ``fields`` for exactly ``text`` (and as
    always for every other text)."""
    real = bot.app.classifier.classify
    answers: dict[str, Classification] = {}

    def classify(text: str, tokens: list[str] | None = None) -> Classification:
        for known, answer in answers.items():
            if text.strip() == known:
                return answer
        return real(text, tokens)

    def add(text: str, **fields: object) -> None:
        base = Classification(category="none", urgent=False, evidence=(), score=0.0, tier="none")
        answers[text] = replace(base, **fields)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.app.classifier, "classify", classify)
    return add


def labelled(bot) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        return [(e.text, e.category) for e in s.scalars(select(LabelledExample).order_by(LabelledExample.id))]


def urgent_rows_to(bot, conversation: str) -> list[bool]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        return [bool(r.urgent) for r in s.scalars(
            select(OutboxMessage).where(OutboxMessage.conversation == conversation))]


UNSURE = "楼下那个东西好像不太对劲,大家注意点"


# --- 1. three tiers -------------------------------------------------------------------------------

async def test_unsure_goes_privately_to_the_member_and_becomes_a_ticket_on_their_word(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    fake(UNSURE, tier="unsure", category="repair")

    sent = await bot.say(UNSURE, sender="r01", room=room)
    assert texts_to(sent, room) == [], "nothing is said in the group"
    [heads_up] = texts_to(sent, member.chat_id)
    assert "待确认 1" in heads_up and UNSURE in heads_up
    assert "转工单 1" in heads_up and "忽略 1" in heads_up
    assert tickets(bot) == []

    mine = texts_to(await bot.say("我的工单", sender=member.chat_id), member.chat_id)[0]
    assert "待确认 1" in mine and "不太对劲" in mine

    sent = await bot.say("转工单 1", sender=member.chat_id)
    [receipt] = [m for m in sent if m.conversation == room]
    assert receipt.mentions == ("r01",) and "工单号 1001" in receipt.text and "设施报修" in receipt.text
    assert "工单 1001" in texts_to(sent, member.chat_id)[0]
    t = ticket(bot, 1001)
    assert t.text == UNSURE and t.category == "repair" and not t.urgent
    assert labelled(bot) == [(UNSURE, "repair")]

    again = texts_to(await bot.say("转工单 1", sender=member.chat_id), member.chat_id)
    assert again == ["待确认 1 已经处理过了(已转工单 1001)。"]
    assert "待确认" not in texts_to(await bot.say("我的工单", sender=member.chat_id), member.chat_id)[0]


async def test_convert_with_another_category_and_bad_input(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    fake(UNSURE, tier="unsure", category="repair")
    await bot.say(UNSURE, sender="r01", room=room)

    assert "没有“乱写”这个类别" in texts_to(await bot.say("转工单 1 乱写", sender=member.chat_id),
                                         member.chat_id)[0]
    assert "没有找到待确认 9" in texts_to(await bot.say("转工单 9", sender=member.chat_id), member.chat_id)[0]
    assert "请在命令后写上工单号" in texts_to(await bot.say("转工单", sender=member.chat_id), member.chat_id)[0]
    other = "m02" if member.chat_id == "m01" else "m01"  # a member the heads-up was not sent to
    assert "不是发给您的" in texts_to(await bot.say("忽略 1", sender=other), other)[0]
    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(
        await bot.say("转工单 1", sender="r02"), "r02")[0]
    sent = await bot.say("转工单 1 环境卫生", sender=member.chat_id)
    assert "【环境卫生】" in texts_to(sent, room)[0]
    assert labelled(bot) == [(UNSURE, "sanitation")]


async def test_ignore_closes_the_heads_up_quietly_and_keeps_it_as_chatter(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    fake(UNSURE, tier="unsure", category="repair")
    await bot.say(UNSURE, sender="r01", room=room)

    sent = await bot.say("忽略 1", sender=member.chat_id)
    assert texts_to(sent, member.chat_id) == ["待确认 1 已忽略,这条消息已记为分类样本(非诉求)。"]
    assert texts_to(sent, room) == [] and tickets(bot) == []
    assert labelled(bot) == [(UNSURE, "none")]
    assert texts_to(await bot.say("我的工单", sender=member.chat_id), member.chat_id) == [
        "您手上没有未完成的工单。"]
    # a resident saying 忽略 in the group is talk, not a command
    assert await bot.say("忽略", sender="r02", room=room) == []


async def test_chatter_and_sure_requests_keep_their_behaviour(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    assert await bot.say("今天天气真好", sender="r01", room=room) == []
    sent = await bot.say("2单元楼道灯坏了好几天了", sender="r01", room=room)
    assert "工单号 1001" in texts_to(sent, room)[0] and texts_to(sent, member.chat_id)


async def test_an_unanswered_heads_up_is_reminded_once(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    fake(UNSURE, tier="unsure", category="repair")
    fake("另一件说不清的事", tier="unsure", category="other")
    await bot.say(UNSURE, sender="r01", room=room)
    await bot.say("另一件说不清的事", sender="r01", room=room)
    await bot.say("忽略 2", sender=member.chat_id)  # answered: never reminded

    async def tick(minutes: int) -> list[str]:
        before = len(bot.gw.sent)
        bot.clock.advance(minutes=minutes)
        await bot.app.jobs.run_due()
        await bot.app.outbox.drain()
        return [m.text for m in bot.gw.sent[before:] if m.conversation == member.chat_id]

    assert await tick(60) == []
    [reminder] = await tick(61)
    assert "待确认 1" in reminder and "转工单 1" in reminder and "待确认 2" not in reminder
    assert await tick(180) == []
    assert await tick(24 * 60) == []


# --- 2. the safety net ----------------------------------------------------------------------------

ELDERLY = "对门王奶奶好几天没见着人了,敲门也没人应"


async def test_an_alert_from_an_unsure_message_reaches_three_people_at_once_even_at_night(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    fake(ELDERLY, tier="unsure", category="care", alert=True, danger="unseen")
    bot.clock.advance(hours=13)  # 23:00 in Shanghai: quiet hours hold everything not urgent

    sent = await bot.say(ELDERLY, sender="r01", room=room)
    assert texts_to(sent, room) == [], "no public receipt when unsure"
    [heads_up] = texts_to(sent, member.chat_id)
    assert heads_up.startswith("🔴【待确认 1】") and ELDERLY in heads_up
    [to_worker] = texts_to(sent, worker.chat_id)
    [to_staff] = texts_to(sent, "room-staff")
    for alert in (to_worker, to_staff):
        assert "险情提醒" in alert and ELDERLY in alert and "号楼" in alert and "转工单 1" in alert
    assert all(urgent_rows_to(bot, c) == [True] for c in (member.chat_id, worker.chat_id, "room-staff"))
    assert tickets(bot) == []

    # the member confirms: an urgent ticket, its receipt in the group with what to do now
    sent = await bot.say("转工单 1", sender=member.chat_id)
    receipt = texts_to(sent, room)[0]
    assert "工单号 1001" in receipt and "⚠️" in receipt
    assert ticket(bot, 1001).urgent


async def test_a_sure_urgent_report_after_an_open_ordinary_ticket_of_the_same_category_opens_its_own(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    await bot.say("2单元楼道灯坏了好几天了", sender="r01", room=room)
    sent = await bot.say("5单元电梯坏了,困了人出不来了", sender="r02", room=room)
    receipt = texts_to(sent, room)[0]
    assert "工单号 1002" in receipt and "电梯" in receipt and "合并" not in receipt
    assert "紧急" in texts_to(sent, worker.chat_id)[0] and "紧急" in texts_to(sent, "room-staff")[0]
    assert [(t.number, t.urgent, len(t.reporters)) for t in tickets(bot)] == [(1001, False, 1), (1002, True, 1)]
    assert "困" in texts_to(sent, linked_member_of(bot, "r02").chat_id)[0]


async def test_an_urgent_report_of_the_same_thing_upgrades_the_ticket(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    await bot.say("3单元电梯坏了,一直停在五楼不动", sender="r01", room=room)
    assert not ticket(bot, 1001).urgent
    text = "3单元电梯里困了人,出不来了"
    sent = await bot.say(text, sender="r02", room=room)
    reply = texts_to(sent, room)[0]
    assert "已合并到工单 1001" in reply and "⚠️" in reply  # what to do now, in public: it is sure
    t = ticket(bot, 1001)
    assert t.urgent and "upgraded" in [e.kind for e in t.events] and len(t.reporters) == 2
    assert "1001" in texts_to(sent, worker.chat_id)[0] and texts_to(sent, "room-staff")
    assert len(tickets(bot)) == 1


async def test_an_alert_joining_an_existing_ticket_is_not_silenced(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    await bot.say("3单元电梯里困了人,出不来了", sender="r01", room=room)
    again = "3单元电梯里还有人困着,喊了半天了"
    fake(again, tier="sure", category="repair", urgent=True, alert=True, danger="trapped",
         subject="3单元电梯")
    sent = await bot.say(again, sender="r02", room=room)
    assert "已合并到工单 1001" in texts_to(sent, room)[0]
    alerts = texts_to(sent, worker.chat_id)
    assert alerts and "险情提醒" in alerts[0] and again in alerts[0] and "工单 1001" in alerts[0]
    assert any(again in t for t in texts_to(sent, "room-staff"))


# --- 3. merge only the same problem ---------------------------------------------------------------

async def test_the_same_lift_reported_twice_merges_and_names_the_problem(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("3单元电梯坏了,一直停在五楼不动", sender="r01", room=room)
    sent = await bot.say("3单元的电梯又停了,上不去楼", sender="r02", room=room)
    [reply] = texts_to(sent, room)
    assert reply.startswith("已有邻居反映同样的问题,已合并到工单 1001(") and "电梯" in reply
    assert "不是一个问题" in reply
    assert "上不去楼" in texts_to(sent, member.chat_id)[0]
    assert [len(t.reporters) for t in tickets(bot)] == [2]


async def test_a_lamp_and_a_lift_do_not_merge(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("2单元楼道灯坏了好几天了", sender="r01", room=room)
    sent = await bot.say("电梯坏了,一直停在五楼", sender="r02", room=room)
    assert "工单号 1002" in texts_to(sent, room)[0]
    assert [(t.number, len(t.reporters)) for t in tickets(bot)] == [(1001, 1), (1002, 1)]


async def test_a_report_naming_no_object_is_never_merged(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    fake("楼里东西坏了,麻烦来看看", tier="sure", category="repair", subject=None)
    fake("我家这边也坏了,麻烦处理", tier="sure", category="repair", subject=None)
    await bot.say("楼里东西坏了,麻烦来看看", sender="r01", room=room)
    await bot.say("我家这边也坏了,麻烦处理", sender="r02", room=room)
    assert [t.number for t in tickets(bot)] == [1001, 1002]


async def test_care_goes_by_household_and_never_merges_across_households(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    fake("家里老人行动不便,想申请上门帮助", tier="sure", category="care", subject="老人")
    fake("我家老人也需要上门帮助", tier="sure", category="care", subject="老人")
    await bot.say("家里老人行动不便,想申请上门帮助", sender="r01", room=room)
    await bot.say("我家老人也需要上门帮助", sender="r02", room=room)
    assert [(t.number, len(t.reporters)) for t in tickets(bot)] == [(1001, 1), (1002, 1)]


async def test_not_the_same_problem_splits_the_report_into_its_own_ticket(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("3单元电梯坏了,一直停在五楼不动", sender="r01", room=room)
    mine = "3单元电梯按钮不灵,按了没反应"
    await bot.say(mine, sender="r02", room=room)
    assert [len(t.reporters) for t in tickets(bot)] == [2]
    first_member = ticket(bot, 1001).assignee

    sent = await bot.say("不是一个问题", sender="r02", room=room)
    [receipt] = [m for m in sent if m.conversation == room]
    assert receipt.mentions == ("r02",) and "工单号 1002" in receipt.text
    assert any("另开工单 1002" in t for t in texts_to(sent, first_member.chat_id))
    old, new = tickets(bot)
    assert len(old.reporters) == 1 and old.events[-1].kind == "split"
    assert new.text == mine and new.category == old.category
    # nothing left to split: in the group that is talk, privately the resident is told
    assert await bot.say("不是一个问题", sender="r01", room=room) == []
    assert texts_to(await bot.say("不是一个问题", sender="r01"), "r01") == [
        "没有找到您最近被合并的反映。有新问题请直接在群里说明。"]


async def test_danger_said_privately_is_passed_on_and_answered(bot, fake) -> None:
    member = linked_member_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    fake(ELDERLY, tier="unsure", category="care", alert=True, danger="unseen")
    sent = await bot.say(ELDERLY, sender="r01")
    assert texts_to(sent, "r01") == ["收到,已转告联户党员和社区。情况紧急请直接拨打 110 / 119 / 120。"]
    assert "私信说" in texts_to(sent, member.chat_id)[0]
    assert "险情提醒" in texts_to(sent, worker.chat_id)[0] and texts_to(sent, "room-staff")


async def test_a_member_talking_in_the_group_gets_no_heads_up(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    fake("电梯的事我在跟进,大家别急", tier="unsure", category="repair")
    assert await bot.say("电梯的事我在跟进,大家别急", sender=member.chat_id, room=room) == []


async def test_a_merge_in_a_household_matter_names_only_the_category_in_the_group(bot, fake) -> None:
    room = building_room_of(bot, "r01")
    first, again = "家里失业了生活困难,想申请低保", "低保的事能不能快点,家里真揭不开锅了"
    fake(first, tier="sure", category="care", subject="低保", summary="低保申请")
    fake(again, tier="sure", category="care", subject="低保", summary="低保申请")
    with bot.sessions() as s:
        r01 = repo.person_by_chat_id(s, "r01")
        assert r01 is not None and r01.household is not None
        address = r01.household.address
    await bot.say(f"我是 {address}", sender="spouse", name="老伴", room=room)
    await bot.say(f"登记 老伴 {address}", sender="s1", room="room-staff")  # a claim: staff verify it
    await bot.say(first, sender="r01", room=room)
    sent = await bot.say(again, sender="spouse", room=room)  # the same household: the same ticket
    [reply] = texts_to(sent, room)
    assert "已合并到工单 1001(帮扶关爱)" in reply and "低保" not in reply
    assert len(tickets(bot)) == 1
