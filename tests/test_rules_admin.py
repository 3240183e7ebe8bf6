"""Classifier rules from chat (规则 看/加/删) and corrections (改类, 非诉求) through the real bot."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import App
from bot.cli.classifier import main as classifier_cli
from bot.gateways.testing import TestGateway
from domain.classifier import Classifier
from kernel.clock import FrozenClock
from storage.models import LabelledExample, RuleChange
from tests.conftest import START, texts_to
from tests.helpers import building_room_of, linked_member_of, person, ticket, tickets

SILENT = "门口的雨搭昨晚被风吹歪了"  # 雨搭 (a door canopy) is not in the rules file, and the model is not sure of it


@pytest.fixture(autouse=True)
def forget_runtime_rules(classifier) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The classifier is shared by the whole test session: leave it as found."""
    yield
    classifier.set_runtime_rules([])


def rule_changes(bot) -> list[RuleChange]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        rows = list(s.scalars(select(RuleChange).order_by(RuleChange.id)))
        s.expunge_all()
        return rows


def examples(bot) -> list[LabelledExample]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        rows = list(s.scalars(select(LabelledExample).order_by(LabelledExample.id)))
        s.expunge_all()
        return rows


async def test_staff_adds_a_keyword_and_a_silent_message_now_makes_a_ticket(bot) -> None:
    room = building_room_of(bot, "r01")
    # nothing public and no ticket (the judge may still ask the member privately: a heads-up)
    assert texts_to(await bot.say(SILENT, sender="r01", room=room), room) == [] and tickets(bot) == []

    sent = await bot.say("规则 加 设施报修 雨搭", sender="s1")
    [reply] = texts_to(sent, "s1")
    assert "“雨搭”" in reply and "设施报修" in reply and "立即生效" in reply

    sent = await bot.say(SILENT, sender="r01", room=room)
    [receipt] = texts_to(sent, room)
    assert "工单号 1001" in receipt and "设施报修" in receipt
    assert "repair:雨搭" in (ticket(bot, 1001).evidence or "")

    [change] = rule_changes(bot)
    assert (change.action, change.category, change.keyword, change.weight) == ("add", "repair", "雨搭", 3.0)
    assert change.by_id == person(bot, "s1").id and change.created_at == START


async def test_staff_removes_a_keyword_and_the_message_is_chatter_again(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("规则 加 repair 雨搭 4", sender="s1")
    sent = await bot.say("规则 删 设施报修 雨搭", sender="s2")
    assert "已从【设施报修】删除“雨搭”" in texts_to(sent, "s2")[0]
    assert await bot.say(SILENT, sender="r01", room=room) == []
    assert [(c.action, c.by_id) for c in rule_changes(bot)] == [
        ("add", person(bot, "s1").id), ("remove", person(bot, "s2").id)]

    sent = await bot.say("规则 删 设施报修 雨搭", sender="s2")
    assert "没有“雨搭”" in texts_to(sent, "s2")[0]
    assert len(rule_changes(bot)) == 2


async def test_a_keyword_from_the_rules_file_can_be_switched_off(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("规则 删 设施报修 信报箱", sender="s1")
    assert await bot.say("信报箱", sender="r01", room=room) == []
    sent = await bot.say("规则 加 设施报修 信报箱", sender="s1")
    assert "已把“信报箱”加入" in texts_to(sent, "s1")[0]
    assert "工单号 1001" in texts_to(await bot.say("信报箱", sender="r01", room=room), room)[0]


@pytest.mark.parametrize("sender, room", [("m01", None), ("r01", "room-1")])
async def test_only_staff_may_change_or_read_rules(bot, sender: str, room: str | None) -> None:
    for command in ("规则 加 设施报修 雨搭", "规则 看 设施报修", "规则 删 设施报修 电梯"):
        sent = await bot.say(command, sender=sender, room=room)
        [reply] = texts_to(sent, room or sender)
        assert "只有社区工作人员可以使用" in reply
    assert rule_changes(bot) == []
    room = building_room_of(bot, "r01")  # the refused keyword made no ticket of it
    assert texts_to(await bot.say(SILENT, sender="r01", room=room), room) == [] and tickets(bot) == []


async def test_rule_changes_survive_a_restart(bot, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    await bot.say("规则 加 设施报修 雨搭", sender="s1")
    await bot.say("规则 加 环境卫生 白色垃圾 5", sender="s1")
    await bot.say("规则 删 环境卫生 白色垃圾", sender="s1")
    await bot.app.stop()

    gateway = TestGateway()
    fresh = Classifier(cache_dir=tmp_path / "jieba2")  # a new process knows only the rules file
    app = App(settings, gateway, clock=FrozenClock(START), classifier=fresh)
    await app.start()
    try:
        room = building_room_of(bot, "r01")
        await app.receive(gateway.inbound(SILENT, sender="r01", room=room, message_id="after-restart"))
        await app.outbox.drain()
        assert any("设施报修" in m.text and "1001" in m.text for m in gateway.sent if m.conversation == room)
        evidence = fresh.classify("楼下全是白色垃圾").evidence  # added, then removed: not there
        assert "sanitation:垃圾(+2.5)" in evidence and "白色垃圾" not in " ".join(evidence)
    finally:
        await app.stop()
        bot.app.engine.dispose()


async def test_rules_list_is_short_enough_for_chat_and_pages(bot) -> None:
    await bot.say("规则 加 设施报修 雨搭", sender="s1")
    [first] = texts_to(await bot.say("规则 看 设施报修", sender="s1"), "s1")
    assert first.startswith("【设施报修】现有关键词") and "第 1/" in first
    assert "规则 看 设施报修 2" in first and len(first) < 1200
    assert "楼道灯(3)" in first and "雨搭(3)" in first  # file and chat keywords, with weights
    assert "最近在聊天里的改动" in first and "加“雨搭”(3)" in first
    [second] = texts_to(await bot.say("规则 看 repair 2", sender="s1"), "s1")
    assert "第 2/" in second

    [bad] = texts_to(await bot.say("规则 看 卫生间", sender="s1"), "s1")
    assert "没有“卫生间”这个类别" in bad and "环境卫生(sanitation)" in bad
    [usage] = texts_to(await bot.say("规则", sender="s1"), "s1")
    assert "规则 加 设施报修 升降机" in usage
    [weight] = texts_to(await bot.say("规则 加 设施报修 雨搭 很多", sender="s1"), "s1")
    assert "权重“很多”不对" in weight
    [regex] = texts_to(await bot.say("规则 加 设施报修 re:雨.搭", sender="s1"), "s1")
    assert "不能写正则" in regex
    assert len(rule_changes(bot)) == 1


async def test_recategorise_keeps_an_example_that_eval_db_measures(bot, settings, capsys) -> None:  # type: ignore[no-untyped-def]
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道里堆满了别人家的旧家具 味道很大", sender="r01", room=room)
    assert ticket(bot, 1001).category == "sanitation"

    sent = await bot.say("改类 1001 邻里纠纷", sender=member.chat_id)
    assert "已从【环境卫生】改为【邻里纠纷】" in texts_to(sent, member.chat_id)[0]
    t = ticket(bot, 1001)
    assert t.category == "dispute"
    assert (t.events[-1].kind, t.events[-1].note) == ("recategorised", "环境卫生→邻里纠纷")
    [ex] = examples(bot)
    assert (ex.text, ex.category, ex.predicted, ex.ticket_id, ex.by_id) == (
        "楼道里堆满了别人家的旧家具 味道很大", "dispute", "sanitation", t.id, member.id)

    # a second correction of the same ticket updates its example instead of adding one
    await bot.say("改类 1001 治安消防", sender="s1")
    [ex] = examples(bot)
    assert (ex.category, ex.predicted) == ("safety", "sanitation")

    capsys.readouterr()
    code = classifier_cli(["eval", "--db", "--database-url", settings.db_url,
                           "--data-dir", str(settings.data_dir), "--errors"])
    out = capsys.readouterr().out
    assert code == 0
    assert "messages: 1" in out and "label safety" in out and "got sanitation" in out


async def test_eval_db_without_examples_says_so(bot, settings, capsys) -> None:  # type: ignore[no-untyped-def]
    code = classifier_cli(["eval", "--db", "--database-url", settings.db_url, "--data-dir", str(settings.data_dir)])
    assert code == 0 and "还没有纠正样本" in capsys.readouterr().out
    assert classifier_cli(["eval"]) == 2


async def test_not_a_request_closes_the_ticket_and_tells_the_reporter_politely(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("单元门口的垃圾桶坏了 盖子都没了", sender="r01", room=room)

    sent = await bot.say("非诉求 1001", sender="s1")
    assert "已按非诉求关闭" in texts_to(sent, "s1")[0]
    [group] = [m for m in sent if m.conversation == room]
    assert "不属于需要社区处理的诉求" in group.text and group.mentions == ("r01",)
    assert "垃圾" not in group.text  # no details in the group
    assert "无需再处理" in texts_to(sent, member.chat_id)[0]
    t = ticket(bot, 1001)
    assert t.status == "closed" and t.resolution == "非诉求" and t.events[-1].kind == "closed"
    [ex] = examples(bot)
    assert (ex.category, ex.predicted, ex.urgent) == ("none", "sanitation", False)

    sent = await bot.say("非诉求 1001", sender="s1")
    assert "已经已关闭" in texts_to(sent, "s1")[0] or "已关闭" in texts_to(sent, "s1")[0]


@pytest.mark.parametrize("command", ["办结 1001 非诉求", "改类 1001 非诉求"])
async def test_member_closes_as_not_a_request_with_either_command(bot, command: str) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯不亮了", sender="r01", room=room)
    sent = await bot.say(command, sender=member.chat_id)
    assert "已按非诉求关闭" in texts_to(sent, member.chat_id)[0]
    assert ticket(bot, 1001).status == "closed"
    assert [e.category for e in examples(bot)] == ["none"]


async def test_corrections_need_the_tickets_handler(bot) -> None:
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("楼道灯不亮了", sender="r01", room=room)
    other = next(m for m in ("m01", "m02", "m03") if m != member.chat_id)

    assert "只有联户党员、网格员和社区工作人员可以使用" in texts_to(
        await bot.say("改类 1001 环境卫生", sender="r01", room=room), room)[0]
    assert "不是派给您的" in texts_to(await bot.say("非诉求 1001", sender=other), other)[0]
    assert "没有“乱写”这个类别" in texts_to(await bot.say("改类 1001 乱写", sender="s1"), "s1")[0]
    assert "改类 1024 环境卫生" in texts_to(await bot.say("改类 1001", sender="s1"), "s1")[0]
    assert "已经是【设施报修】" in texts_to(await bot.say("改类 1001 设施报修", sender="s1"), "s1")[0]
    assert ticket(bot, 1001).category == "repair" and ticket(bot, 1001).status == "assigned"
    assert examples(bot) == [] and len(tickets(bot)) == 1


async def test_private_query_shows_staff_why_the_classifier_decided(bot) -> None:
    room = building_room_of(bot, "r01")
    await bot.say("楼道灯不亮了", sender="r01", room=room)
    [private] = texts_to(await bot.say("查询 1001", sender="s1"), "s1")
    assert "repair:楼道灯(+3)" in private
    [public] = texts_to(await bot.say("查询 1001", sender="r01", room=room), room)
    assert "楼道灯(+3)" not in public
