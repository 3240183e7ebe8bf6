"""Nothing private in a group: every written form of a phone, ID or bank card number is
masked, and members' notes about hardship, health, disputes, family or a household go to
the reporter privately while the group gets a neutral line."""
from __future__ import annotations

import re

import pytest

from kernel.privacy import SENSITIVE_WORDS, redact, sensitive_kind
from tests.conftest import texts_to
from tests.helpers import building_room_of, linked_member_of

PHONE_FORMS = [
    "13812345678", "+8613812345678", "8613812345678", "+86 138 1234 5678", "0086-138-1234-5678",
    "138.1234.5678", "138/1234/5678", "138 1234 5678", "138-1234-5678", "１３８１２３４５６７８",
    "138１２３４5678", "１３８-１２３４-５６７８", "一三八一二三四五六七八", "幺三八幺二三四五六七八",
    "一三八 一二三四 五六七八",
]
ID_FORMS = ["110105194912310021", "110105 19491231 0021", "110105-1949-1231-0021",
            "11010519491231002X", "110105491231002"]
CARD_FORMS = ["6222021234567890128", "6222 0212 3456 7890 128", "4111 1111 1111 1111",
              "4111-1111-1111-1111"]

_TO_DIGIT = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)},
                           **dict(zip("零〇一二三四五六七八九幺", "001234567891"))})


def digits_of(text: str) -> str:
    """Every digit a reader could make out, separators dropped: what must not hold a number."""
    return re.sub(r"[^0-9Xx]", "", text.translate(_TO_DIGIT))


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_each_phone_form_is_masked(form: str) -> None:
    masked = redact(f"师傅电话{form},明天上午来")
    assert masked == "师傅电话138****5678,明天上午来"


@pytest.mark.parametrize("form", ID_FORMS)
def test_each_id_form_is_masked(form: str) -> None:
    masked = redact(f"身份证 {form} 已核对")
    assert "1949" not in masked and "491231" not in masked and masked.startswith("身份证 110*")


@pytest.mark.parametrize("form", CARD_FORMS)
def test_each_bank_card_form_is_masked(form: str) -> None:
    masked = redact(f"银行卡 {form} 收到")
    assert len(digits_of(masked)) == 8 and "****" in masked, masked


def test_landlines_are_masked_and_ordinary_numbers_are_not() -> None:
    assert redact("座机 0571 8888 6666") == "座机 0571-****66"
    assert redact("座机 010-62345678") == "座机 010-****78"
    for text in ("工单1001,拨打 119 或 96777", "2026-11-23 10:00 停水", "工单 1001、1002、1003",
                 "3号楼 2单元 502", "认领 W99999999999999999999", "一二三四五", "工单 1001 1002 1003 1004"):
        assert redact(text) == text
    assert redact("工单1001 师傅13812345678") == "工单1001 师傅138****5678"


def test_the_vocabulary_finds_each_kind_and_leaves_repairs_alone() -> None:
    assert set(SENSITIVE_WORDS) == {"hardship", "health", "dispute", "family", "household"}
    assert sensitive_kind("该户是低保户,生活困难") == "hardship"
    assert sensitive_kind("老人刚出院,需要人照看") == "health"
    assert sensitive_kind("双方已和解") == "dispute"
    assert sensitive_kind("儿子在外地,联系不上") == "family"
    assert sensitive_kind("3-2-502 家里没人") == "household"
    for note in ("已换灯泡", "电梯老毛病,已联系维保", "安全隐患已排除", "明天上午九点停水检修"):
        assert sensitive_kind(note) is None, note


SENSITIVE_NOTES = {
    "hardship": "该户是低保户,经济困难,物业费先缓缴",
    "health": "楼上住户有精神疾病史,家属已在陪护",
    "dispute": "已调解两户的矛盾,对方答应赔偿",
    "family": "老人和儿子闹离婚的事有关,先不上门",
    "household": "已联系 1-1-402 的户主,他说晚上在家",
}
SECRET_WORDS = ("低保", "经济困难", "精神", "疾病", "矛盾", "赔偿", "离婚", "儿子", "1-1-402", "户主")


async def test_every_form_and_every_sensitive_note_stays_out_of_the_group(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了好几天了,电话 +86 138 1234 5678", sender="r01", room=room)
    for form in PHONE_FORMS + ID_FORMS + CARD_FORMS:
        sent = await bot.say(f"进展 1001 师傅留的号码 {form}", sender=member.chat_id)
        assert len(texts_to(sent, room)) == 1  # the note itself is fine: it reaches the group masked
    for kind, note in SENSITIVE_NOTES.items():
        sent = await bot.say(f"进展 1001 {note}", sender=member.chat_id)
        assert texts_to(sent, room) == ["工单 1001 有新进展,已私信反映人。"], kind
        assert texts_to(sent, "r01") == [f"工单 1001 有新进展:{note}"]  # the reporter reads it privately
        assert "已私信反映人" in texts_to(sent, member.chat_id)[0]  # the member is told where it went
    sent = await bot.say("办结 1001 该户老人住院了,灯已换好", sender=member.chat_id)
    group = texts_to(sent, room)
    assert len(group) == 1 and "住院" not in group[0] and "1 满意" in group[0]
    assert texts_to(sent, "r01") == ["工单 1001 已办结:该户老人住院了,灯已换好"]
    assert "已私信反映人" in texts_to(sent, member.chat_id)[0]

    group_messages = [m.text for m in bot.gw.sent if m.is_room]
    assert len(group_messages) >= len(PHONE_FORMS + ID_FORMS + CARD_FORMS) + 6
    for text in group_messages:
        digits = digits_of(text)
        for secret in ("13812345678", "19491231", "491231002", "0212345678", "11111111"):
            assert secret not in digits, text
        for word in SECRET_WORDS + ("住院",):
            assert word not in text, (word, text)


async def test_a_plain_note_still_reaches_the_group_and_the_member_is_told(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("进展 1001 明天上午电工来换灯", sender=member.chat_id)
    assert texts_to(sent, room) == ["工单 1001 有新进展:明天上午电工来换灯"]
    assert "群" in texts_to(sent, member.chat_id)[0] and "私信" not in texts_to(sent, member.chat_id)[0]


async def test_a_broadcast_to_every_group_is_masked_in_each_form(bot) -> None:
    import re as _re

    forms = ["+86 138 1234 5678", "138/1234/5678", "一三八一二三四五六七八", "110105-1949-1231-0021",
             "6222 0212 3456 7890 128"]
    sent = await bot.say("通知 全部 停水期间有事请联系 " + "、".join(forms), sender="s1", room="room-staff")
    preview = " ".join(m.text for m in sent)
    number = _re.search(r"确认通知 (\d+)", preview)
    assert number is not None, preview
    sent = await bot.say(f"确认通知 {number.group(1)}", sender="s1", room="room-staff")
    await bot.app.outbox.drain()
    notices = [m.text for m in bot.gw.sent if m.is_room and "停水期间" in m.text and m.conversation != "room-staff"]
    assert len(notices) >= 4  # every building group got it
    for text in notices:
        digits = digits_of(text)
        for secret in ("13812345678", "19491231", "0212345678"):
            assert secret not in digits, text
        assert text.count("138****5678") == 3
