"""办事指南 on the kinds of question the third fresh batch missed, asked through the test gateway
with hand-written lines: a story whose asking clause names no topic, sibling entries told apart
by the words of their titles, everyday names, requests for someone to act, and another city
opening the question."""
from __future__ import annotations

from tests.conftest import texts_to
from tests.helpers import building_room_of
from tests.test_guide import ask_in_turn, entry_id, ticket_count


def _answered_by(bot, sent, key: str) -> bool:  # type: ignore[no-untyped-def]
    return any(m.text.startswith(f"【办事指南 {entry_id(bot, key)}】") for m in sent)


async def test_a_story_whose_asking_clause_names_no_topic_is_answered_from_the_story(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("社区每年给老人做的免费体检 我妈上回住院错过了 这回还有没有 大概几月份",
                         sender="r01", room=room)
    assert _answered_by(bot, sent, "elderly-checkup")
    assert ticket_count(bot) == 0


async def test_sibling_entries_are_told_apart_by_what_the_question_names(bot) -> None:
    cases = [("大人漏打的疫苗还能补吗", "adult-vaccine"), ("成年人还能补种疫苗吗", "adult-vaccine"),
             ("孩子的疫苗漏打了能补吗", "child-vaccine"), ("孩子户口能落在外婆家吗", "newborn-hukou"),
             ("户口随爸爸还是随妈妈", "newborn-hukou"), ("新生儿医保在哪交", "newborn-medical-insurance")]
    for (text, sent), (_, key) in zip(await ask_in_turn(bot, [t for t, _ in cases]), cases):
        assert _answered_by(bot, sent, key), text


async def test_everyday_names_reach_the_entry(bot) -> None:
    for text, key in [("防疫本找不到了咋办", "child-vaccine"), ("居委会中午午休吗", "office-hours")]:
        sent = await bot.say(text, sender="r02", room=building_room_of(bot, "r02"))
        assert _answered_by(bot, sent, key), text


async def test_a_request_for_someone_to_act_becomes_a_ticket_not_an_answer(bot) -> None:
    lines = ["我妈腿脚不便 能不能帮她把医保交了", "能不能给我开一张居住证明 我下午来取",
             "能不能让社区医生下午去看看我爸 他血压有点高"]
    for n, text in enumerate(lines):
        resident = f"r0{n + 3}"
        room = building_room_of(bot, resident)
        sent = await bot.say(text, sender=resident, room=room)
        assert not any("办事指南" in m.text for m in sent), text
        assert any("工单号" in t for t in texts_to(sent, room)), text
    # asking what to bring for the same paper is still a question for the guide
    sent = await bot.say("给我开居住证明要带什么", sender="r01", room=building_room_of(bot, "r01"))
    assert _answered_by(bot, sent, "residence-proof")


async def test_another_city_opening_the_question_is_not_ours(bot) -> None:
    sent = await bot.say("广州新生儿落户要啥材料", sender="r01", room=building_room_of(bot, "r01"))
    assert not any("办事指南" in m.text for m in sent)
    sent = await bot.say("新生儿落户要啥材料", sender="r02", room=building_room_of(bot, "r02"))
    assert _answered_by(bot, sent, "newborn-hukou")
