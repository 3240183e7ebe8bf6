"""A question inside an emergency or a danger: the alert and ticket path exactly as before, and the
question answered privately beside it (the group sees only what the alert path sends)."""
from __future__ import annotations

from tests.conftest import texts_to
from tests.helpers import building_room_of, grid_worker_for, linked_member_of, tickets
from tests.test_guide import entry_id


async def test_a_question_inside_an_alert_is_answered_privately_and_the_alert_still_goes_out(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    worker = grid_worker_for(bot, "r01")
    text = "我爸昨晚中风送医院了,出院后半边身子动不了,他这种能不能办残疾证,去哪鉴定"
    sent = await bot.say(text, sender="r01", room=room)
    # the alert path as before: a ticket, its receipt in the group, the danger told to the member and grid worker
    [receipt] = texts_to(sent, room)
    assert "工单号 1001" in receipt and "办事指南" not in receipt and "已私信" not in receipt
    assert any("险情提醒" in m for m in texts_to(sent, member.chat_id))
    assert any("险情提醒" in m for m in texts_to(sent, worker.chat_id))
    # and the question answered, privately, in full
    [answer] = texts_to(sent, "r01")
    n = entry_id(bot, "disability-certificate")
    assert answer.startswith(f"【办事指南 {n}】残疾人证办理") and "所需材料" in answer
    assert "转告联户党员" in answer
    # 人工: the ticket the message opened already holds the question
    again = await bot.say("人工", sender="r01", room=room)
    assert texts_to(again, room) == ["您的问题已转为工单 1001,请等待联户党员联系您。"]
    assert len(tickets(bot)) == 1


async def test_privately_a_question_inside_a_danger_gets_the_acknowledgement_and_the_answer(bot) -> None:
    text = "厨房起火把家里的东西都烧坏了,这种情况社区有没有临时救助可以申请"
    sent = await bot.say(text, sender="r02")
    mine = texts_to(sent, "r02")
    n = entry_id(bot, "temporary-assistance")
    assert any(m.startswith(f"【办事指南 {n}】临时救助") for m in mine)
    assert mine[0].startswith("收到") or "工单号" in mine[0]  # the danger path answered first, as before
    assert any("险情提醒" in m for m in texts_to(sent, linked_member_of(bot, "r02").chat_id))


async def test_an_emergency_without_a_guide_question_gets_no_guide_answer(bot) -> None:
    for sender, text in [("r03", "着火了!3单元502冒烟了快来人"), ("r04", "楼道里好大一股煤气味怎么办"),
                         ("r05", "我妈突然晕倒了叫不醒怎么办")]:
        sent = await bot.say(text, sender=sender, room=building_room_of(bot, sender))
        assert sent and not any("办事指南" in m.text for m in sent), text
