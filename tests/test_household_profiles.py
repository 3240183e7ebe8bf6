"""Household ages and tags from the ledger (住户 sheet columns 出生年份, 标签) and by chat (标签 …),
and the policy campaigns that use them."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, select

from domain.workbook.exporter import export_workbook
from domain.workbook.importer import ImportError_, import_file
from storage.models import HouseholdProfile, MemberLink
from tests.conftest import texts_to
from tests.helpers import building_room_of

H_HEAD = ["楼号", "单元", "门牌", "出生年份", "标签"]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "住户"
    for row in [H_HEAD, *rows]:
        ws.append(row)
    wb.save(path)
    return path


def member_of(bot, address: str) -> str:  # type: ignore[no-untyped-def]
    from storage import repo

    with bot.sessions() as s:
        h = repo.household_at(s, *address.split("-"))
        link = s.scalar(select(MemberLink).where(MemberLink.household_id == h.id))
        return str(link.member.chat_id)


def profile(bot, address: str) -> tuple[list[int], list[str]]:  # type: ignore[no-untyped-def]
    from storage import repo

    with bot.sessions() as s:
        h = repo.household_at(s, *address.split("-"))
        p = s.scalar(select(HouseholdProfile).where(HouseholdProfile.household_id == h.id))
        return (list(p.birth_years), list(p.tags)) if p else ([], [])


def forget_profiles(bot) -> None:  # type: ignore[no-untyped-def]
    """Start from a ledger without ages or tags (the demo seeds some)."""
    with bot.sessions() as s:
        s.execute(delete(HouseholdProfile))
        s.commit()


async def test_an_imported_85_year_old_household_gets_the_elderly_allowance_campaign(bot, tmp_path: Path) -> None:
    forget_profiles(bot)
    path = workbook(tmp_path / "台账.xlsx", [["1", "1", "101", 1941, "老人、独居"],
                                            ["1", "1", "102", "1990 2026", "新生儿"],
                                            ["1", "1", "201", "", ""]])
    with bot.sessions() as s:
        import_file(s, path)
        s.commit()
    assert profile(bot, "1-1-101") == ([1941], ["老人", "独居"])
    assert profile(bot, "1-1-102") == ([1990, 2026], ["新生儿"])
    sent = await bot.say("政策宣传 高龄补贴 对象:80岁以上 内容:满80岁每月可领高龄补贴", sender="s1", room="room-staff")
    assert "已派给联户党员:1 户" in texts_to(sent, "room-staff")[0]
    member = member_of(bot, "1-1-101")
    [tasks] = texts_to(sent, member)
    assert "【政策宣传 D1】高龄补贴" in tasks and "1-1-101" in tasks and "1-1-102" not in tasks
    sent = await bot.say("政策宣传 新生儿落户 对象:新生儿", sender="s1", room="room-staff")
    assert "已派给联户党员:1 户" in texts_to(sent, "room-staff")[0]
    assert "1-1-102" in texts_to(sent, member_of(bot, "1-1-102"))[0]
    assert not [m for m in sent if m.is_room and m.conversation != "room-staff"]  # never a building group

    # exported back in the same columns, and a re-import of the export changes nothing
    out = tmp_path / "导出.xlsx"
    with bot.sessions() as s:
        export_workbook(s, out)
    ws = load_workbook(out)["住户"]
    head = [c.value for c in ws[1]]
    rows = {(r[0], r[1], r[2]): r for r in ws.iter_rows(min_row=2, values_only=True)}
    years, tags = head.index("出生年份"), head.index("标签")
    assert rows["1", "1", "101"][years] == "1941" and rows["1", "1", "101"][tags] == "老人、独居"
    assert rows["1", "1", "102"][years] == "1990、2026"
    assert not rows["1", "1", "201"][years] and not rows["1", "1", "201"][tags]


def test_bad_ages_and_tags_are_reported_in_chinese_with_their_rows(bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    forget_profiles(bot)
    path = workbook(tmp_path / "台账.xlsx", [["1", "1", "101", "去年", "老人"],
                                            ["1", "1", "102", "1990", "有钱人、新生儿"],
                                            ["1", "1", "201", "3026", ""]])
    with bot.sessions() as s, pytest.raises(ImportError_) as e:
        import_file(s, path)
    problems = "\n".join(e.value.problems)
    assert "第2行" in problems and "出生年份“去年”不对" in problems
    assert "第3行" in problems and "标签“有钱人”不认识,可用:老人、独居、残疾" in problems
    assert "第4行" in problems and "出生年份“3026”不对" in problems
    assert profile(bot, "1-1-102") == ([], [])  # nothing written


async def test_members_set_tags_and_ages_by_private_chat(bot) -> None:
    forget_profiles(bot)
    member = member_of(bot, "1-1-101")
    sent = await bot.say("标签 1-1-101 新生儿 低保户", sender=member)
    assert texts_to(sent, member) == ["已更新 1-1-101:标签 新生儿、低保;年龄 无。政策宣传按这些对象派发。"]
    sent = await bot.say("出生年份 1-1-101 1941 2026", sender=member)
    assert "年龄 85岁、0岁" in texts_to(sent, member)[0]
    sent = await bot.say("去掉标签 1-1-101 低保", sender=member)
    assert "标签 新生儿;" in texts_to(sent, member)[0]
    assert profile(bot, "1-1-101") == ([1941, 2026], ["新生儿"])
    assert "标签 新生儿;年龄 85岁、0岁" in texts_to(await bot.say("标签 1-1-101", sender=member), member)[0]

    assert "不认识" in texts_to(await bot.say("标签 1-1-101 有钱人", sender=member), member)[0]
    assert "出生年份“明年”不对" in texts_to(await bot.say("出生年份 1-1-101 明年", sender=member), member)[0]
    assert "请这样写" in texts_to(await bot.say("标签 一楼", sender=member), member)[0]

    # in a group: nothing is set and nothing about the household is said there
    room = building_room_of(bot, "r01")
    sent = await bot.say("标签 1-1-101 残疾", sender=member, room=room)
    assert "请私聊我" in texts_to(sent, room)[0] and "残疾" not in profile(bot, "1-1-101")[1]
    # only the household's member, grid worker or staff; never a resident
    other = next(m for m in (member_of(bot, a) for a in ("3-1-101", "5-1-101", "7-1-101")) if m != member)
    sent = await bot.say("标签 1-1-101 残疾", sender=other)
    assert "不是您联系的住户" in texts_to(sent, other)[0]
    assert "联户党员、网格员和社区工作人员" in texts_to(await bot.say("标签 1-1-101 残疾", sender="r01"), "r01")[0]
    sent = await bot.say("标签 1-1-101 残疾", sender="s1")
    assert "标签 新生儿、残疾" in texts_to(sent, "s1")[0]

    sent = await bot.say("政策宣传 新生儿疫苗 对象:新生儿", sender="s1", room="room-staff")
    assert "已派给联户党员:1 户" in texts_to(sent, "room-staff")[0]
    assert "1-1-101" in texts_to(sent, member)[0]
