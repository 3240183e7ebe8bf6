"""Reading what people type."""
from __future__ import annotations

from handlers.dispatcher import build_dispatcher
from kernel.parsing import CommandText, parse_address, parse_rating, ticket_number
from kernel.parsing import parse_command as parse_with

#: the command words are the ones the routes declare
WORDS = build_dispatcher().command_words


def parse_command(text: str) -> CommandText | None:
    return parse_with(text, WORDS)


def test_commands_with_and_without_spaces_mentions_and_full_width() -> None:
    assert parse_command("接单 1024") == parse_command("接单1024")
    assert parse_command("@联户助手 接单 1024").word == "接单"
    assert parse_command("@联户助手\u2005办结 12 好了").rest == "12 好了"
    assert parse_command("查询 1024").rest == "1024"
    assert parse_command("我的工单").word == "我的工单"
    assert parse_command("确认通知 3").word == "确认通知"


def test_ordinary_talk_that_starts_like_a_command_is_not_one() -> None:
    for text in ("查询一下快递", "我是新来的", "通知大家一下", "帮助一下老人吧", "统计局的人来了"):
        assert parse_command(text) is None, text


def test_ticket_numbers() -> None:
    assert ticket_number("#1024 已修好") == (1024, "已修好")
    assert ticket_number("1024号,已修好") == (1024, "已修好")
    assert ticket_number("已修好") == (None, "已修好")


def test_addresses() -> None:
    assert parse_address("3-2-502") == ("3", "2", "502")
    assert parse_address("3号楼2单元502") == ("3", "2", "502")
    assert parse_address("3栋2单元502室") == ("3", "2", "502")
    assert parse_address("三楼") is None


def test_ratings() -> None:
    assert parse_rating("1") == 1 and parse_rating("满意!") == 1
    assert parse_rating("基本满意") == 2 and parse_rating("3") == 3
    assert parse_rating("13") is None and parse_rating("还行吧") is None


def test_the_command_words_are_the_ones_the_routes_declare() -> None:
    every = {"接单", "进展", "办结", "转办", "退回", "我的工单", "查询", "我的诉求", "帮助", "我是",
             "通知", "确认通知", "取消通知", "通知进度", "工单", "派单", "统计", "登记", "绑定",
             "调色", "确认调色", "驳回调色", "档案", "匹配", "确认匹配", "婉拒", "积分",
             "走访", "走访清单", "心愿", "心愿单", "认领", "完成心愿",
             "新建宣传", "宣传列表", "暂停宣传", "恢复宣传", "删除宣传", "规则", "改类", "非诉求",
             "转工单", "忽略", "不是一个问题", "不是同一个问题", "不是一个事", "不是一回事",
             "确认住户", "确认绑定"}
    every |= {"指南", "办事指南", "人工", "存为指南", "确认指南", "驳回指南",  # 办事指南 (issue 14)
              "议事", "议事结果", "政策宣传", "宣传覆盖"}  # 议事, 宣传到户 (issue 14)
    every |= {"设置密码", "重置密码", "控制台密码"}  # the console's one-time password link (issue 13)

    every |= {"投票", "表态", "评价",  # which question a number answers, said outright (issue 14)
              "标签", "去掉标签", "出生年份"}  # a household's tags and ages (issue 14)
    assert WORDS == every
    assert "又坏了" not in WORDS
    assert "不是" not in WORDS  # "不是吧,灯又坏了" is a report; only a handler's "不是 12" denies a claim  # a new report unless a ticket number follows (followup.py)


def test_only_the_given_words_are_commands() -> None:
    assert parse_with("接单 12", {"接单"}) == CommandText("接单", "12")
    assert parse_with("接单 12", {"办结"}) is None
    assert parse_with("确认通知 3", {"通知", "确认通知"}) == CommandText("确认通知", "3")
