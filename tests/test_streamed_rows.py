"""Rows written as sheet XML (domain/workbook/streamed.py) read back exactly as the same rows
appended cell by cell with openpyxl, in a workbook that also has openpyxl's own sheets."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from domain.workbook import streamed
from domain.workbook.exporter import Header, write_table

ROWS = [
    ("3-1-502", "绿", 12, 2.5, datetime(2026, 11, 3, 9, 41, 7), date(2026, 12, 1), True),
    (" 前后有空格 ", "a < b & c > d", -7, 0.1, datetime(1999, 12, 31, 23, 59, 59), date(2000, 1, 1), False),
    ("行一\n行二\r\n行三", "", 0, 1e20, None, None, None),
    ("'=1+1", "王\t建国", 10**12, -0.0, datetime(2026, 1, 1), date(2026, 2, 28), None),
]


def read(path: Path, sheet: str) -> list[tuple[object, ...]]:
    return list(load_workbook(path)[sheet].iter_rows(values_only=True))


def test_streamed_rows_read_back_like_openpyxl_cells(tmp_path: Path) -> None:
    headers = [Header(f"列{i}", 10) for i in range(7)]
    fast = Workbook(write_only=True)
    write_table(fast.create_sheet("首页"), headers, [("x",) * 7])
    assert write_table(fast.create_sheet("走访"), headers, iter(ROWS)) == len(ROWS)
    streamed.save(fast, tmp_path / "fast.xlsx")

    slow = Workbook()  # a normal workbook: openpyxl writes every cell itself
    slow.remove(slow.active)
    write_table(slow.create_sheet("首页"), headers, [("x",) * 7])
    write_table(slow.create_sheet("走访"), headers, ROWS)
    slow.save(tmp_path / "slow.xlsx")

    for sheet in ("首页", "走访"):
        assert read(tmp_path / "fast.xlsx", sheet) == read(tmp_path / "slow.xlsx", sheet)
    rows = read(tmp_path / "fast.xlsx", "走访")
    assert rows[1][:2] == ("3-1-502", "绿") and rows[2][0] == " 前后有空格 " and rows[2][1] == "a < b & c > d"
    assert rows[1][4] == datetime(2026, 11, 3, 9, 41, 7) and rows[4][0] == "'=1+1"
    ws = load_workbook(tmp_path / "fast.xlsx")["走访"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G5" and ws["A1"].font.bold
    assert ws["E2"].is_date and ws["F2"].number_format == "yyyy-mm-dd"


def test_a_value_a_cell_cannot_hold_is_refused(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    with pytest.raises(TypeError):
        streamed.write_rows(wb.create_sheet("x"), [("a", object())])
