"""Reading what people type."""
from __future__ import annotations

import handlers  # noqa: F401  (routers register their command words)
from handlers.dispatcher import build_dispatcher
from kernel.parsing import parse_address, parse_command, parse_rating, ticket_number

build_dispatcher()


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
