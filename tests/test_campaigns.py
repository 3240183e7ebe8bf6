"""Outreach campaigns: made by chat or by file, sent on schedule to groups or as visit tasks to
members, paused, resumed, deleted; each slot sent exactly once, across restarts."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from storage.models import Campaign, CampaignSend, Household, MemberLink, Person
from tests.conftest import START, texts_to
from tests.helpers import tick

FRAUD = ("新建宣传 防电诈\n对象:全部\n时间:每周一 09:00\n起止:2026-11-23 至 2027-02-28\n"
         "内容:警惕冒充公检法的电话,不转账、不透露验证码。")
ROOMS = ["room-1", "room-2", "room-3", "room-4"]



def campaign_texts(sent) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(m.conversation for m in sent if m.text.startswith("【防电诈】"))


async def test_staff_create_a_weekly_campaign_by_chat_and_it_goes_out_on_monday(bot) -> None:
    [reply] = await bot.say(FRAUD, sender="s1")
    assert reply.text.startswith("已创建宣传 1「防电诈」:每周一 09:00,发给全部(4 个群)。下次发送:2026-11-30 09:00。")
    assert campaign_texts(await tick(bot, days=6, hours=22, minutes=59)) == Counter()  # Monday 08:59
    sent = await tick(bot, minutes=1)
    assert campaign_texts(sent) == Counter(ROOMS)
    assert texts_to(sent, "room-1") == ["【防电诈】警惕冒充公检法的电话,不转账、不透露验证码。"]
    assert campaign_texts(await tick(bot, days=6)) == Counter()
    assert campaign_texts(await tick(bot, days=1)) == Counter(ROOMS)  # the next Monday
    with bot.sessions() as s:
        sends = s.scalars(select(CampaignSend)).all()
        assert len(sends) == 8 and {x.target for x in sends} == set(ROOMS)
        assert all(x.outbox is not None and x.outbox.sent_at is not None for x in sends)
    [listing] = await bot.say("宣传列表", sender="s1")
    assert "1「防电诈」每周一 09:00 · 全部 · 进行中 · 下次 2026-12-14 09:00 · 已发 2 次" in listing.text


async def test_a_cron_campaign_keeps_its_schedule_across_a_restart_and_a_missed_slot_runs_once(
        settings, classifier) -> None:  # type: ignore[no-untyped-def]
    clock = FrozenClock(START)
    gw = TestGateway()
    app = App(settings, gw, clock=clock, classifier=classifier)
    await app.start()
    await app.receive(gw.inbound(FRAUD, sender="s1"))
    clock.advance(days=6, hours=23)  # Monday 09:00
    await app.jobs.run_due()
    await app.outbox.drain()
    assert campaign_texts(gw.sent) == Counter(ROOMS)
    await app.stop()

    # down from then until Monday 12-14 10:00: the 12-07 and 12-14 slots were missed
    later = FrozenClock(START + timedelta(days=21))
    gw2 = TestGateway()
    app2 = App(settings, gw2, clock=later, classifier=classifier)
    await app2.start()
    assert app2.jobs.next_run("campaign:1") == START + timedelta(days=13, hours=23)  # kept: 12-07 09:00
    assert "campaign:1" in await app2.jobs.run_due()
    assert "campaign:1" not in await app2.jobs.run_due()
    await app2.outbox.drain()
    assert campaign_texts(gw2.sent) == Counter(ROOMS)  # once, not once per missed slot
    with app2.sessions() as s:
        slots = sorted(later.show(x.slot, "%m-%d %H:%M") for x in s.scalars(select(CampaignSend)))
    assert slots == ["11-30 09:00"] * 4 + ["12-14 09:00"] * 4  # 12-07 is past its grace: skipped
    assert app2.jobs.next_run("campaign:1") == START + timedelta(days=27, hours=23)  # 12-21 09:00
    await app2.stop()


async def test_pause_resume_delete_and_list(bot) -> None:
    await bot.say(FRAUD, sender="s1")
    [r] = await bot.say("暂停宣传 1", sender="s1")
    assert r.text == "宣传 1「防电诈」已暂停。恢复请发送:恢复宣传 1"
    assert bot.app.jobs.get("campaign:1") is None
    assert campaign_texts(await tick(bot, days=7)) == Counter()  # Monday 10:00: nothing while paused
    assert "已暂停" in (await bot.say("宣传列表", sender="s1"))[0].text
    [r] = await bot.say("恢复宣传 1", sender="s1")
    assert r.text == "宣传 1「防电诈」已恢复,下次发送:2026-12-07 09:00。"  # the missed slot is not made up
    assert bot.app.jobs.next_run("campaign:1") == START + timedelta(days=13, hours=23)
    assert "不能恢复" in (await bot.say("恢复宣传 1", sender="s1"))[0].text
    [r] = await bot.say("删除宣传 1", sender="s1")
    assert r.text == "宣传 1「防电诈」已删除(已发送的记录保留)。"
    assert bot.app.jobs.get("campaign:1") is None
    assert (await bot.say("宣传列表", sender="s1"))[0].text.startswith("还没有宣传活动")
    assert "没有找到宣传 1" in (await bot.say("暂停宣传 1", sender="s1"))[0].text
    assert "请写上宣传编号" in (await bot.say("暂停宣传", sender="s1"))[0].text


async def test_campaign_commands_answer_bad_input_and_outsiders_clearly(bot) -> None:
    assert "只有社区工作人员可以使用" in (await bot.say("新建宣传 防电诈", sender="r01"))[0].text
    assert "只有社区工作人员可以使用" in (await bot.say("宣传列表", sender="m01"))[0].text
    assert (await bot.say("新建宣传", sender="s1"))[0].text.startswith("格式(每项一行")
    r = (await bot.say("新建宣传 防溺水\n对象:全部\n时间:每周八 9点\n内容:不去野外游泳", sender="s1"))[0].text
    assert r.startswith("宣传没有创建:看不懂的时间“每周八 9点”")
    r = (await bot.say("新建宣传 防溺水\n对象:全部\n时间:每周五 16:00", sender="s1"))[0].text
    assert r.startswith("宣传没有创建:缺少“内容”")
    r = (await bot.say("新建宣传 防溺水\n对象:9号楼\n时间:每周五 16:00\n内容:不去野外游泳", sender="s1"))[0].text
    assert r.startswith("没有找到“9号楼”对应的楼栋群或住户")
    r = (await bot.say("新建宣传 防溺水\n对象:全部\n时间:2026-11-01 09:00\n内容:不去野外游泳", sender="s1"))[0].text
    assert "时间已经过了" in r
    r = (await bot.say("新建宣传 防溺水\n对象:全部\n时间:每天 09:00\n起止:2026-12-01 至 2026-11-01\n内容:x",
                       sender="s1"))[0].text
    assert "结束日期早于开始日期" in r
    with bot.sessions() as s:
        assert s.scalars(select(Campaign)).all() == []


async def test_a_grid_or_listed_buildings_get_it_the_others_do_not(bot) -> None:
    r = (await bot.say("新建宣传 消防安全 对象:1号楼,3号楼 时间:每天 09:00 内容:楼道不堆放杂物", sender="s1"))[0].text
    assert "发给1号楼,3号楼(2 个群)" in r
    await bot.say("新建宣传 医保缴费\n对象:第二网格\n时间:工作日 10:00\n内容:年底前缴纳城乡居民医保", sender="s1")
    sent = await tick(bot, hours=23, minutes=1)  # Tuesday 09:01
    assert Counter(m.conversation for m in sent if m.text.startswith("【消防安全】")) == Counter(["room-1", "room-3"])
    sent = await tick(bot, hours=1)
    assert Counter(m.conversation for m in sent if m.text.startswith("【医保缴费】")) == Counter(["room-3", "room-4"])


async def test_a_colour_audience_becomes_private_visit_tasks_for_linked_members(bot) -> None:
    with bot.sessions() as s:
        rows = s.execute(select(Person.chat_id, Household).join(MemberLink, MemberLink.member_id == Person.id)
                         .join(Household, MemberLink.household_id == Household.id)
                         .where(Household.colour == "orange")).all()
        expected: dict[str, list[str]] = {}
        for chat_id, h in rows:
            expected.setdefault(chat_id, []).append(h.address)
    assert expected
    r = (await bot.say("新建宣传 冬季防寒 对象:橙色 时间:2026-11-23 15:00 内容:检查取暖设施,留好紧急联系电话",
                       sender="s1"))[0].text
    assert f"由 {len(expected)} 位联户党员走访" in r
    sent = await tick(bot, hours=5)
    tasks = [m for m in sent if m.text.startswith("【走访任务 · 冬季防寒】")]
    assert {m.conversation for m in tasks} == set(expected) and not any(m.is_room for m in tasks)
    for m in tasks:
        assert all(address in m.text for address in expected[m.conversation])
    assert await tick(bot, days=1) == []  # a one-off: done
    with bot.sessions() as s:
        assert s.scalar(select(Campaign)).status == "finished"


async def test_campaigns_from_a_file_in_the_data_folder(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    folder = settings.data_dir / "campaigns"
    folder.mkdir(parents=True)
    (folder / "summer.toml").write_text(
        '[[campaign]]\nname = "防溺水"\naudience = "全部"\nschedule = "每周五 16:00"\n'
        'start = "2026-11-23"\nend = "2026-12-31"\ncontent = "不私自下水游泳,不到无安全设施的水域玩耍。"\n',
        encoding="utf-8")
    (folder / "broken.toml").write_text('[[campaign]]\nname = "坏的"\nschedule = "每周五"\n', encoding="utf-8")
    clock = FrozenClock(START)
    gw = TestGateway()
    app = App(settings, gw, clock=clock, classifier=classifier)
    await app.start()
    await app.outbox.drain()
    assert any("宣传文件 broken.toml 有错误" in t for t in texts_to(gw.sent, "room-staff"))
    assert app.jobs.next_run("campaign:1") == START + timedelta(days=4, hours=6)  # Friday 16:00
    clock.advance(days=4, hours=6)
    await app.jobs.run_due()
    await app.outbox.drain()
    assert Counter(m.conversation for m in gw.sent if m.text.startswith("【防溺水】")) == Counter(ROOMS)
    await app.stop()
    # a restart reads the file again without making a second campaign
    app = App(settings, TestGateway(), clock=clock, classifier=classifier)
    await app.start()
    with app.sessions() as s:
        assert [c.name for c in s.scalars(select(Campaign))] == ["防溺水"]
    await app.stop()
