"""The ledger's sheets in `lianhu export`, and the export → import round trip."""
from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

import domain.workbook.ledger_sheets  # noqa: F401 - registers the sheets
from bot.cli.main import main
from domain.workbook import exporter, importer
from storage import db, repo
from storage.models import Household, Person
from tests.helpers import building_room_of, linked_member_of

BASE = ("楼栋", "住户", "人员")
LEDGER = ("走访情况", "走访记录", "工单", "调色记录", "微心愿", "党员台账")


async def some_ledger(bot) -> dict[str, str]:  # type: ignore[no-untyped-def]
    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    with bot.sessions() as s:
        address = repo.person_by_chat_id(s, "r01").household.address
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    await bot.say(f"走访 {address} 发现:楼道堆放杂物", sender=member.chat_id)
    await bot.say(f"调色 {address} 橙 老伴去世,独居", sender=member.chat_id)
    await bot.say("确认调色 1", sender="s1")
    await bot.say("心愿 想学用智能手机", sender="r01", room=room)
    await bot.say("认领 W1", sender=member.chat_id)
    return {"address": address, "member": member.name}


def sheet_rows(path: Path, name: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


def export(bot, path: Path) -> str:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        return exporter.export_workbook(s, path)


async def test_the_workbook_has_the_ledger_sheets_with_chinese_headers(bot, tmp_path: Path) -> None:
    known = await some_ledger(bot)
    path = tmp_path / "台账.xlsx"
    summary = export(bot, path)
    assert "走访记录" in summary
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames[:len(BASE) + len(LEDGER)] == [*BASE, *LEDGER]  # other features' sheets may follow
    wb.close()

    status = {r[0]: r for r in sheet_rows(path, "走访情况")[1:]}
    assert sheet_rows(path, "走访情况")[0] == ("住址", "颜色", "联户党员", "最近走访", "应走访日期", "逾期天数")
    row = status[known["address"]]
    assert row[1] == "橙" and row[2] == known["member"] and row[3] is not None and row[5] == 0
    assert len(status) == 144

    [header, visit] = sheet_rows(path, "走访记录")
    assert header[:5] == ("时间", "住址", "走访人", "类型", "内容")
    assert visit[1:6] == (known["address"], known["member"], "发现问题", "楼道堆放杂物", 1002)

    tickets = sheet_rows(path, "工单")
    assert tickets[0][0] == "工单号" and tickets[0][-1] == "经过"
    first = tickets[1]
    assert first[0] == 1001 and first[6] == "已关闭" and first[13] == "满意"
    events = [re.split(r"[ :]", line.split(" ", 2)[2])[0] for line in first[-1].splitlines()]
    assert events == ["受理", "派单", "接单", "办结", "评价", "关闭"]

    [_, change] = sheet_rows(path, "调色记录")
    assert change[1] == known["address"] and change[3:6] == ("橙", "老伴去世,独居", "已确认")

    [_, wish] = sheet_rows(path, "微心愿")
    assert wish[0] == "W1" and wish[5] == "想学用智能手机" and wish[6] == "已认领" and wish[7] == known["member"]

    members = {r[0]: r for r in sheet_rows(path, "党员台账")[1:]}
    row = members[known["member"]]
    assert row[4] == 12 and known["address"] in row[5]
    assert row[6] == 1 + 2 + 2 + 1  # in time accepted, resolved, satisfied, one visit
    assert len(members) == 12


async def test_export_then_import_reproduces_the_same_ledger(bot, tmp_path: Path) -> None:
    await some_ledger(bot)
    first = tmp_path / "first.xlsx"
    export(bot, first)

    # into an empty database
    engine = db.make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    db.upgrade(engine)
    with db.session_factory(engine)() as s:
        importer.import_file(s, first)
        s.commit()
        second = tmp_path / "second.xlsx"
        exporter.export_workbook(s, second)
        fresh = {h.address: (h.colour, h.colour_reason, h.notes, h.head_name, h.phone,
                             h.link.member.name if h.link else None)
                 for h in s.scalars(select(Household))}
        people = {(p.name, p.role, p.chat_id, p.strengths, p.capacity) for p in s.scalars(select(Person))}
    engine.dispose()
    for sheet in BASE:
        assert sheet_rows(first, sheet) == sheet_rows(second, sheet), sheet

    with bot.sessions() as s:
        original = {h.address: (h.colour, h.colour_reason, h.notes, h.head_name, h.phone,
                                h.link.member.name if h.link else None)
                    for h in s.scalars(select(Household))}
        ledger_people = {(p.name, p.role, p.chat_id, p.strengths, p.capacity) for p in s.scalars(select(Person))
                         if p.role != "resident" or p.household_id is not None}
    assert fresh == original
    assert people == ledger_people

    # and importing it back into the same database changes nothing
    with bot.sessions() as s:
        importer.import_file(s, first)
        s.commit()
    third = tmp_path / "third.xlsx"
    export(bot, third)
    for sheet in BASE:
        assert sheet_rows(first, sheet) == sheet_rows(third, sheet), sheet


def test_cli_report_and_match_on_the_demo(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--database-url", url, "demo"]) == 0
    capsys.readouterr()
    assert main(["--database-url", url, "report", "--month", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert "【2026年11月 台账统计】" in out and "■ 1号楼" in out and "四色分布(共 144 户)" in out
    assert main(["--database-url", url, "report", "--month", "2026-13"]) == 2
    assert "格式不对" in capsys.readouterr().err
    assert main(["--database-url", url, "report", "--grid", "第九网格"]) == 2
    assert main(["--database-url", url, "match"]) == 0
    assert "所有住户都已联系到合适的党员" in capsys.readouterr().out
    assert main(["--database-url", url, "export", str(tmp_path / "x.xlsx")]) == 0
    wb = load_workbook(tmp_path / "x.xlsx", read_only=True)
    assert set(LEDGER) <= set(wb.sheetnames)
    wb.close()
