"""议事: from the question to the tally, one answer per household, nobody's answer in the group."""
from __future__ import annotations

import re

from tests.conftest import texts_to
from tests.helpers import person

QUESTION = "议事 3号楼 是否同意加装电梯 1 同意 2 不同意 3 再商量 截止 11-25"
ADDRESS = re.compile(r"\d+-\d+-\d+")


def address_of(bot, chat_id: str) -> str:  # type: ignore[no-untyped-def]
    from storage import repo

    with bot.sessions() as s:
        p = repo.person_by_chat_id(s, chat_id)
        assert p is not None and p.household is not None
        return p.household.address


def residents_of_building(bot, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import Building, Household, Person, Role

    with bot.sessions() as s:
        return list(s.scalars(select(Person.chat_id).join(Household, Person.household_id == Household.id)
                              .join(Building).where(Building.code == code, Person.role == Role.RESIDENT)
                              .order_by(Person.id)))


async def test_a_deliberation_from_question_to_tally(bot) -> None:
    a, b, *_ = residents_of_building(bot, "3")
    sent = await bot.say(QUESTION, sender="s1", room="room-staff")
    [posted] = texts_to(sent, "room-3")
    assert posted.startswith("【议事 1】是否同意加装电梯") and "1 同意\n2 不同意\n3 再商量" in posted
    assert "11-25 20:00" in posted and "不会在群里公开" in posted
    assert "议事 1 已发到3号楼群" in texts_to(sent, "room-staff")[0]

    sent = await bot.say("1", sender=a, room="room-3")
    assert texts_to(sent, "room-3") == ["已记下您家的表态(议事 1),截止前可以重新回复数字更改。"]
    await bot.say("2", sender=a, room="room-3")  # changed their mind: the latest counts
    await bot.say("1", sender=b, room="room-3")
    # a second person of a's household: still one answer for the household, theirs now
    await bot.say(f"我是 {address_of(bot, a)}", sender="spouse", name="配偶", room="room-3")
    await bot.say(f"登记 配偶 {address_of(bot, a)}", sender="s1", room="room-staff")  # a claim: staff verify it
    await bot.say("3", sender="spouse", room="room-3")

    sent = await bot.say("1", sender="stranger", name="路人", room="room-3")
    assert "请先登记您家" in texts_to(sent, "room-3")[0]
    sent = await bot.say("1", sender="r01", room="room-3")  # lives in 1号楼
    assert "3号楼的住户表态" in texts_to(sent, "room-3")[0]
    assert not any("表态" in m.text for m in await bot.say("7", sender=b, room="room-3"))  # no option 7

    sent = await bot.say("议事结果 1", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["已私信您。"]
    assert "还没到截止时间" in texts_to(sent, "s1")[0]

    bot.clock.advance(days=3)
    await bot.app.jobs.run_due()
    await bot.app.outbox.drain()
    sent = bot.gw.sent
    [tally] = [m.text for m in sent if m.conversation == "room-3" and m.text.startswith("【议事 1 结果】")]
    assert "1 同意:1 户" in tally and "2 不同意:0 户" in tally and "3 再商量:1 户" in tally
    assert "共 2 户表态(全楼 36 户)" in tally
    assert not ADDRESS.search(tally)  # nobody's answer in the group
    details = [m.text for m in sent if m.conversation in ("s1", "s2") and m.text.startswith("【议事 1 明细】")]
    assert len(details) == 2  # each staff member, privately (s1 also as the author: once)
    detail = details[0]
    assert f"3 再商量(1 户):{address_of(bot, a)}" in detail and f"1 同意(1 户):{address_of(bot, b)}" in detail
    assert "未表态 34 户" in detail

    before = len(bot.gw.sent)
    await bot.app.jobs.run_due()  # the tally is posted once
    await bot.app.outbox.drain()
    assert not [m for m in bot.gw.sent[before:] if "议事 1" in m.text]
    assert not any("表态" in m.text for m in await bot.say("1", sender=b, room="room-3"))  # closed


async def test_who_may_put_a_question_and_bad_input(bot) -> None:
    member = person(bot, "m07")
    sent = await bot.say("议事 3号楼 周末大扫除时间 1 周六上午 2 周日上午 截止 11-30 18:00", sender=member.chat_id)
    assert "议事 1 已发到3号楼群,截止 11-30 18:00" in texts_to(sent, member.chat_id)[0]
    assert texts_to(sent, "room-3")[0].startswith("【议事 1】周末大扫除时间")

    sent = await bot.say(QUESTION, sender="r01", room="room-1")
    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(sent, "room-1")[0]
    for bad in ("议事 3号楼 是否同意加装电梯", "议事 3号楼 是否同意加装电梯 1 同意 截止 12-05",
                "议事 3号楼 是否同意加装电梯 1 同意 2 不同意"):
        assert "请这样写" in texts_to(await bot.say(bad, sender="s1"), "s1")[0], bad
    assert "没有找到楼栋“9号楼”" in texts_to(await bot.say(QUESTION.replace("3号楼", "9号楼"), sender="s1"), "s1")[0]
    assert "截止时间" in texts_to(await bot.say(QUESTION.replace("11-25", "02-30"), sender="s1"), "s1")[0]
    assert "没有编号为 5 的议事" in texts_to(await bot.say("议事结果 5", sender="s1"), "s1")[0]


async def _resolved_ticket_of(bot, resident: str) -> str:  # type: ignore[no-untyped-def]
    """A ticket of ``resident`` (in 3号楼's group) done and waiting for their 1/2/3; its number."""
    from tests.helpers import linked_member_of

    member = linked_member_of(bot, resident).chat_id
    sent = await bot.say("2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", sender=resident, room="room-3")
    number = re.search(r"工单号 (\d+)", texts_to(sent, "room-3")[0]).group(1)  # type: ignore[union-attr]
    await bot.say(f"接单 {number}", sender=member)
    await bot.say(f"办结 {number} 已更换灯泡", sender=member)
    return number


async def test_a_number_answers_the_latest_question_a_vote_after_the_rating(bot) -> None:
    from tests.helpers import ticket

    a = residents_of_building(bot, "3")[0]
    number = await _resolved_ticket_of(bot, a)
    bot.clock.advance(minutes=5)
    await bot.say(QUESTION, sender="s1", room="room-staff")  # the 议事 comes after the rating question
    bot.clock.advance(minutes=5)
    [reply] = texts_to(await bot.say("1", sender=a, room="room-3"), "room-3")
    assert reply.startswith("已记下您家的表态(议事 1)") and f"如要评价工单 {number}" in reply
    assert ticket(bot, int(number)).status == "resolved"  # not rated
    [reply] = texts_to(await bot.say("评价 1", sender=a, room="room-3"), "room-3")
    assert reply.startswith(f"感谢您的评价(满意)!工单 {number} 已关闭")
    assert ticket(bot, int(number)).rating == 1
    assert "没有等待评价的工单" in texts_to(await bot.say("评价 2", sender=a, room="room-3"), "room-3")[0]
    sent = await bot.say("议事结果 1", sender="s1")
    assert f"1 同意(1 户):{address_of(bot, a)}" in texts_to(sent, "s1")[0]  # the vote stayed counted


async def test_a_number_answers_the_latest_question_a_rating_after_the_vote(bot) -> None:
    from tests.helpers import ticket

    a = residents_of_building(bot, "3")[0]
    await bot.say(QUESTION, sender="s1", room="room-staff")
    bot.clock.advance(minutes=5)
    number = await _resolved_ticket_of(bot, a)  # the rating question comes after the 议事
    bot.clock.advance(minutes=5)
    [reply] = texts_to(await bot.say("2", sender=a, room="room-3"), "room-3")
    assert reply.startswith(f"感谢您的评价(基本满意)!工单 {number}") and "如要给议事 1 表态" in reply
    assert "投票 数字" in reply and ticket(bot, int(number)).rating == 2
    [reply] = texts_to(await bot.say("投票 2", sender=a, room="room-3"), "room-3")
    assert reply == "已记下您家的表态(议事 1),截止前可以重新回复数字更改。"
    assert "只有 3 个选项" in texts_to(await bot.say("投票 7", sender=a, room="room-3"), "room-3")[0]
    assert "请这样写" in texts_to(await bot.say("投票 同意", sender=a, room="room-3"), "room-3")[0]
    assert "在您楼栋的群里" in texts_to(await bot.say("投票 1", sender=a), a)[0]
    sent = await bot.say("议事结果 1", sender="s1")
    assert f"2 不同意(1 户):{address_of(bot, a)}" in texts_to(sent, "s1")[0]


async def test_a_message_starting_with_the_word_rating_is_not_taken_for_a_rating(bot) -> None:
    """"评价 1" rates; "评价,…" with words after it is what the resident says, handled as any
    message (a complaint here becomes a ticket), and "评价" with a wrong number gets the usage."""
    a = residents_of_building(bot, "3")[0]
    [reply] = texts_to(await bot.say("评价,3单元电梯又坏了,老人下不了楼", sender=a, room="room-3"), "room-3")
    assert "工单号" in reply and "评价" not in reply
    [reply] = texts_to(await bot.say("评价 7", sender=a, room="room-3"), "room-3")
    assert "评价 1" in reply  # the usage shows how to rate
