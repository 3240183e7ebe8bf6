"""Group messages never show phone numbers, ID numbers, colours, or dispute/hardship details."""
from __future__ import annotations

from kernel.privacy import redact
from tests.conftest import texts_to
from tests.helpers import building_room_of, linked_member_of


def test_phone_and_id_numbers_are_masked() -> None:
    assert redact("请打13912345678找我") == "请打139****5678找我"
    assert redact("座机 010-62345678") == "座机 010-****78"
    assert redact("身份证110105194912310021") == "身份证110***********0021"
    assert redact("工单 1024,拨打 119 或 96777") == "工单 1024,拨打 119 或 96777"


def test_the_fewest_digits_anything_is_masked_with_still_count_in_every_form() -> None:
    """``redact`` returns a text without ten digit characters close together at once: a landline of
    ten digits, a mobile in Chinese numerals, an ID number in another script's digits and a
    number split by a line break are still masked, and every text gives what the patterns
    themselves give (fails when the shortcut counts fewer kinds of digits or gaps than the
    patterns mask, or takes texts it should not)."""
    import random

    from kernel import privacy

    assert redact("座机010-1234567") == "座机010-****67"
    assert redact("一三八一二三四五六七八") == "138****5678"
    assert redact("身份证\u0661\u0661\u0660\u0661\u0660\u0665\u0661\u0669\u0664\u0669\u0661\u0662"
                  "\u0663\u0661\u0660\u0660\u0662\u0661") == (
        "身份证\u0661\u0661\u0660***********\u0660\u0660\u0662\u0661")
    assert redact("工单１００１,三单元5楼") == "工单１００１,三单元5楼"
    assert redact("电话0571\n88886666") == "电话0571-****66"
    assert redact("工单号 1024,24小时内联系您,查询 1024") == "工单号 1024,24小时内联系您,查询 1024"

    def patterns(text: str) -> str:  # redact without the shortcut
        text = privacy._RUN.sub(lambda m: privacy._mask_run(m.group()), text)
        text = privacy._ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(3)[-4:], text)
        return privacy._LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)[-2:]}", text)

    pieces = ["0", "1", "3", "8", "9", "6", "2", "１", "一", "幺", "零", "〇", "\u0663", "X", "x", "-", " ", "  ",
              "\n", "\u2003", "．", "。", "/", "楼", "+", "工单", "a"]
    rng = random.Random(17)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert redact(text) == patterns(text), text


async def test_a_phone_number_in_a_progress_note_is_masked_in_the_group(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("进展 1001 电工师傅电话13812345678,明天来", sender=member.chat_id)
    assert texts_to(sent, room) == ["工单 1001 有新进展:电工师傅电话138****5678,明天来"]


async def test_dispute_details_and_colours_stay_out_of_the_group(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    sent = await bot.say("楼上天天半夜蹦迪吵得我们没法睡觉,说了好几次也不听", sender="r01", room=room)
    group = texts_to(sent, room)
    private = texts_to(sent, member.chat_id)
    assert "邻里纠纷" in group[0] and "蹦迪" not in group[0]
    assert "蹦迪" in private[0]  # the member gets the details privately
    sent = await bot.say("进展 1001 已上门和楼上住户沟通,对方答应晚上十点后不放音乐", sender=member.chat_id)
    assert texts_to(sent, room) == [f"工单 1001 有新进展,联户党员{member.name}正在处理。"]
    sent = await bot.say("办结 1001 双方已和解", sender=member.chat_id)
    assert "和解" not in texts_to(sent, room)[0]
    for m in bot.gw.sent:
        if m.is_room:
            for word in ("绿色", "蓝色", "黄色", "橙色", "经济困难", "矛盾纠纷", "孤老"):
                assert word not in m.text, (word, m.text)
