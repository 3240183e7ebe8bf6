"""Monday's visit reminders (schedules/visits.py), driven with the frozen clock."""
from __future__ import annotations

from sqlalchemy import select

from schedules.visits import send_visit_due_lists
from storage import repo
from storage.models import Household, MemberLink


def set_colours(bot, colour_by_member: dict[str, str]) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Every household green except: all of each named member's households get that colour."""
    out: dict[str, list[str]] = {}
    with bot.sessions() as s:
        for h in s.scalars(select(Household)):
            h.colour = "green"
        for chat_id, colour in colour_by_member.items():
            member = repo.person_by_chat_id(s, chat_id)
            hs = list(s.scalars(select(Household).join(MemberLink).where(MemberLink.member_id == member.id)))
            for h in hs:
                h.colour = colour
            out[chat_id] = [h.address for h in hs]
        s.commit()
    return out


async def drain(bot) -> list:  # type: ignore[no-untyped-def]
    before = len(bot.gw.sent)
    await bot.app.outbox.drain()
    return bot.gw.sent[before:]


async def test_each_member_gets_their_due_and_overdue_households_privately(bot) -> None:
    addresses = set_colours(bot, {"m01": "orange", "m02": "yellow"})
    bot.clock.advance(days=7)  # the next Monday, 11-30: m01's orange households are due today
    assert send_visit_due_lists(bot.app.jobs.context) == 1
    sent = await drain(bot)
    assert [m.conversation for m in sent] == ["m01"] and not sent[0].is_room
    text = sent[0].text
    assert "需要走访 12 户,其中逾期 0 户" in text
    assert all(a in text for a in addresses["m01"])

    bot.clock.advance(days=7)  # 12-07: m01 seven days late, m02's yellow households due today
    assert send_visit_due_lists(bot.app.jobs.context) == 2
    sent = {m.conversation: m.text for m in await drain(bot)}
    assert set(sent) == {"m01", "m02"}
    assert "其中逾期 12 户" in sent["m01"] and "已逾期 7 天" in sent["m01"]
    assert "需要走访 12 户,其中逾期 0 户" in sent["m02"] and "请在 12-07 前走访" in sent["m02"]


async def test_a_visit_takes_the_household_off_the_list(bot) -> None:
    addresses = set_colours(bot, {"m01": "yellow"})  # every two weeks: due Monday 12-07
    bot.clock.advance(days=13)  # Sunday 12-06: five visited, next due 12-20
    for address in addresses["m01"][:5]:
        await bot.say(f"走访 {address} 一切都好", sender="m01")
    bot.clock.advance(days=1)
    send_visit_due_lists(bot.app.jobs.context)
    [message] = await drain(bot)
    assert "需要走访 7 户" in message.text
    assert not any(a in message.text for a in addresses["m01"][:5])


async def test_running_twice_the_same_day_sends_once(bot) -> None:
    set_colours(bot, {"m01": "orange"})
    bot.clock.advance(days=7)
    assert send_visit_due_lists(bot.app.jobs.context) == 1
    bot.clock.advance(hours=2)
    assert send_visit_due_lists(bot.app.jobs.context) == 0
    assert len(await drain(bot)) == 1


async def test_nobody_due_nobody_messaged(bot) -> None:
    set_colours(bot, {})
    assert send_visit_due_lists(bot.app.jobs.context) == 0  # all green, linked today: due in 30 days
    assert await drain(bot) == []


async def test_the_job_queue_sends_them_on_monday_morning(bot) -> None:
    set_colours(bot, {"m01": "orange"})
    bot.clock.advance(days=6, hours=21, minutes=59)  # Monday 11-30 07:59
    await bot.app.jobs.run_due()
    assert await drain(bot) == []
    bot.clock.advance(minutes=1)  # 08:00
    await bot.app.jobs.run_due()
    sent = await drain(bot)
    assert [m.conversation for m in sent] == ["m01"] and "【本周走访提醒】" in sent[0].text
