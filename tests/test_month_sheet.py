"""The 月报 sheet of `lianhu export`: the month's figures as the monthly report gives them."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import domain.workbook.ledger_sheets  # noqa: F401 - registers the sheets
from domain.reports.month import month_report
from domain.workbook import exporter, month_sheet
from tests.test_ledger_export import sheet_rows, some_ledger


@pytest.fixture
def on_the_bots_clock(bot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The sheet's "this month" is the bot's (frozen) month, not the machine's."""
    monkeypatch.setattr(month_sheet, "_context", lambda: (bot.app.settings, bot.clock))


async def test_the_month_sheet_has_the_months_figures(bot, tmp_path: Path, on_the_bots_clock: Any) -> None:  # type: ignore[no-untyped-def]
    await some_ledger(bot)  # a ticket received, resolved, rated 满意; a visit whose finding is a second ticket
    path = tmp_path / "台账.xlsx"
    with bot.sessions() as s:
        summary = exporter.export_workbook(s, path)
        local = bot.clock.local()
        report = month_report(s, bot.clock, bot.app.settings, local.year, local.month)
    assert "月报" in summary
    header, *rows = sheet_rows(path, "月报")
    assert header[:4] == ("月份", "层级", "范围", "走访户次") and "响应率(%)" in header
    by = {(r[1], r[2]): dict(zip(header, r)) for r in rows}
    community = report.communities[0]
    row = by[("社区", community.name)]
    assert row["月份"] == f"{local.year}-{local.month:02d}"
    assert (row["走访户次"], row["发现问题隐患"], row["受理诉求"], row["解决问题"]) == (1, 1, 2, 1)
    assert (row["解决率(%)"], row["满意率(%)"]) == (50, 100)
    assert sum(row[f"{c}色户"] for c in "绿蓝黄橙") == 144
    assert row["橙色户"] == community.figures.colours["orange"]
    levels = [r[1] for r in rows]
    assert levels.count("社区") == 1 and levels.count("网格") == 2 and levels.count("楼栋") == 4
