"""Bad and odd input: pictures, voice, stickers, huge texts, odd Unicode, SQL-looking text."""
from __future__ import annotations

from sqlalchemy import select

from kernel.messages import Kind
from storage.models import InboundMessage
from tests.conftest import texts_to
from tests.helpers import building_room_of, ticket, tickets


async def test_pictures_voice_and_stickers_in_a_group_make_no_ticket_and_no_noise(bot) -> None:
    room = building_room_of(bot, "r01")
    for kind in (Kind.IMAGE, Kind.VOICE, Kind.STICKER, Kind.FILE, Kind.VIDEO):
        assert await bot.say("", sender="r01", room=room, kind=kind) == []
    assert tickets(bot) == []


async def test_a_picture_that_mentions_the_bot_gets_a_short_answer(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("", sender="r01", room=room, kind=Kind.IMAGE, mention_bot=True)
    assert texts_to(sent, room) == ["暂时看不了图片、语音和文件,请用文字描述一下问题,比如“3单元楼道灯坏了”。"]
    assert sent[0].mentions == ("r01",)


async def test_voice_in_private_gets_an_answer(bot) -> None:
    sent = await bot.say("", sender="r01", kind=Kind.VOICE)
    assert texts_to(sent, "r01") == ["暂时看不了图片、语音和文件,请用文字描述一下问题,比如“3单元楼道灯坏了”。"]


async def test_mentioning_the_bot_with_chatter_gets_a_hint_not_silence(bot) -> None:
    room = building_room_of(bot, "r01")
    sent = await bot.say("你好呀", sender="r01", room=room, mention_bot=True)
    assert texts_to(sent, room)[0].startswith("您好!有问题请直接在群里描述")


async def test_private_gibberish_and_empty_text_get_an_answer(bot) -> None:
    assert texts_to(await bot.say("asdfgh", sender="r01"), "r01") == ["没看懂您的意思。发送“帮助”查看可以用的命令。"]
    assert texts_to(await bot.say("   ", sender="r01"), "r01") == ["消息是空的,请用文字描述问题。"]


async def test_a_huge_text_is_stored_whole_and_still_handled(bot) -> None:
    room = building_room_of(bot, "r01")
    text = "3单元楼道灯坏了,晚上看不见路。" + "我再说一遍情况," * 5000
    sent = await bot.say(text, sender="r01", room=room)
    assert "工单号 1001" in texts_to(sent, room)[0]
    assert ticket(bot, 1001).text == text
    with bot.sessions() as s:
        assert s.scalar(select(InboundMessage.text)) == text


async def test_emoji_odd_unicode_and_sql_are_stored_intact(bot) -> None:
    room = building_room_of(bot, "r01")
    odd = "楼道灯坏了😡😡\u200b\u202e𠮷𠮷 '; DROP TABLE ticket; --"
    sent = await bot.say(odd, sender="r01", room=room, name="王😀阿姨\u0000")
    assert "工单号 1001" in texts_to(sent, room)[0]
    assert ticket(bot, 1001).text == odd
    from tests.helpers import person

    assert person(bot, "r01").name == "王😀阿姨"  # NUL dropped (PostgreSQL cannot store it), the rest intact
    sent = await bot.say("查询 1001'; DELETE FROM ticket;--", sender="r01", room=room)
    assert "工单 1001" in texts_to(sent, room)[0]
    assert len(tickets(bot)) == 1


async def test_full_width_and_zero_width_commands_are_understood(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯坏了", sender="r01", room=room)
    sent = await bot.say("查询\u3000１００１\u200b", sender="r01", room=room)
    assert texts_to(sent, room)[0].startswith("工单 1001:")


async def test_a_picture_right_after_ones_report_joins_the_ticket_and_reaches_the_handler(bot, tmp_path) -> None:
    from tests.helpers import linked_member_of

    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    picture = tmp_path / "lamp.jpg"
    picture.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    await bot.say("楼道灯坏了,一直闪", sender="r01", room=room)
    bot.clock.advance(minutes=3)
    sent = await bot.say("", sender="r01", room=room, kind=Kind.IMAGE, attachment=str(picture))
    assert texts_to(sent, room) == ["图片已补充到工单 1001,会一并转给负责人。"]
    [forwarded] = [m for m in sent if m.conversation == member.chat_id]
    assert forwarded.attachment == str(picture) and "补充了一张图片" in forwarded.text
    assert ticket(bot, 1001).events[-1].kind == "attached"

    # much later, a picture is just a picture again
    bot.clock.advance(minutes=30)
    assert await bot.say("", sender="r01", room=room, kind=Kind.IMAGE, attachment=str(picture)) == []
