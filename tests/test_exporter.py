"""`lianhu export`: the 台账 as a workbook that opens in Excel and imports back unchanged."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.main import main
from domain.workbook import exporter
from domain.workbook.exporter import Header, export_workbook, write_table
from domain.workbook.importer import import_file
from domain.workbook.schema import SHEETS
from kernel.clock import FrozenClock
from storage import db
from storage.demo import load_demo
from storage.models import Base, Building, Community, Grid, Household, Person, Role
from tests.conftest import START

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "community.xlsx"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(db_url)
    yield db.session_factory(engine)
    engine.dispose()


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as s:
        load_demo(s, FrozenClock(START))
        s.commit()
    return sessions


def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """The sheets the importer reads (other modules may add more: see EXTRA_SHEETS)."""
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == list(SHEETS)
    return {name: list(wb[name].iter_rows(values_only=True)) for name in SHEETS}


def export(sessions: sessionmaker[Session], path: Path, community: str | None = None) -> str:
    with sessions() as s:
        return export_workbook(s, path, community)


def wipe(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        s.execute(update(Grid).values(worker_id=None))
        s.execute(update(Building).values(default_member_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(table.delete())
        s.commit()


def test_demo_round_trips_cell_by_cell_through_an_empty_database(demo, tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    assert export(demo, first).startswith(f"已导出 {first}:4 栋楼、144 户、40 人")
    wipe(demo)
    with demo() as s:
        assert "4 栋楼、144 户、40 人、144 户已联户" in import_file(s, first)
        s.commit()
    second = tmp_path / "second.xlsx"
    export(demo, second)
    a, b = cells(first), cells(second)
    assert [len(rows) for rows in a.values()] == [5, 145, 41]
    for sheet in a:
        for i, (row_a, row_b) in enumerate(zip(a[sheet], b[sheet], strict=True), start=1):
            assert row_a == row_b, f"{sheet} 第{i}行"


def test_the_example_file_round_trips_too(sessions, tmp_path: Path) -> None:
    with sessions() as s:
        import_file(s, EXAMPLE)
        s.commit()
    path = tmp_path / "ledger.xlsx"
    export(sessions, path)
    assert cells(path) == cells(EXAMPLE)


def test_the_ledger_reads_as_a_community_worker_expects(demo, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    export(demo, path)
    wb = load_workbook(path)
    assert [c.value for c in wb["楼栋"][1]] == ["社区", "网格", "楼号", "楼栋", "群名", "楼栋长"]
    assert [c.value for c in wb["住户"][1]] == ["楼号", "单元", "门牌", "楼层", "户主", "电话", "颜色", "颜色原因",
                                              "备注", "联户党员", "出生年份", "标签"]
    assert [c.value for c in wb["人员"][1]] == ["社区", "姓名", "角色", "微信号", "电话", "住址", "网格", "特长",
                                              "联户上限"]
    for ws in (wb[name] for name in SHEETS):
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert all(ws.column_dimensions[col].width >= 6 for col in "ABCDE")
    assert wb["住户"].column_dimensions["I"].width > wb["住户"].column_dimensions["B"].width  # 备注 is wide
    households = list(wb["住户"].iter_rows(min_row=2, values_only=True))
    # sorted by address; phone numbers and room numbers kept as text (no 1.38E+10 in Excel)
    assert [h[:3] for h in households[:3]] == [("1", "1", "101"), ("1", "1", "102"), ("1", "1", "201")]
    assert all(isinstance(h[5], str) and len(h[5]) == 11 for h in households)
    assert {h[6] for h in households} == {"绿", "蓝", "黄", "橙"}
    with demo() as s:
        orange = s.scalars(select(Household).where(Household.colour == "orange").order_by(Household.id)).first()
        row = next(h for h in households if "-".join(h[:3]) == orange.address)
        assert row[4:10] == (orange.head_name, orange.phone, "橙", orange.colour_reason, orange.notes,
                             orange.link.member.name)
    people = list(wb["人员"].iter_rows(min_row=2, values_only=True))
    assert [p[2] for p in people[:4]] == ["社区干部", "社区干部", "网格员", "网格员"]
    assert {p[2] for p in people} == {"社区干部", "网格员", "楼栋长", "联户党员", "居民"}
    assert people[2][6] == "第一网格" and people[3][6] == "第二网格"
    residents = [p for p in people if p[2] == "居民"]
    assert len(residents) == 24 and all(p[5] for p in residents)


def test_residents_who_only_chatted_are_not_in_the_ledger(demo, tmp_path: Path) -> None:
    with demo() as s:
        community = s.scalars(select(Community)).one()
        s.add(Person(name="路过的网友", chat_id="wx_passer_by", role=Role.RESIDENT, community=community,
                     created_at=START))
        s.commit()
    path = tmp_path / "ledger.xlsx"
    export(demo, path)
    assert "路过的网友" not in {row[1] for row in cells(path)["人员"]}


def test_extra_sheets_are_added_and_ignored_on_import(demo, tmp_path: Path, monkeypatch) -> None:
    def visits(session: Session, ws, communities) -> None:  # type: ignore[no-untyped-def]
        write_table(ws, [Header("日期", 12), Header("社区", 16)], [("2026-11-23", c.name) for c in communities])

    monkeypatch.setattr(exporter, "EXTRA_SHEETS", [("走访记录", visits)])
    path = tmp_path / "ledger.xlsx"
    assert "、另有 走访记录" in export(demo, path)
    extra = load_workbook(path)["走访记录"]
    assert list(extra.iter_rows(values_only=True)) == [("日期", "社区"), ("2026-11-23", "幸福里社区")]
    assert extra.freeze_panes == "A2"
    with demo() as s:
        assert "新增 0 条" in import_file(s, path)


def test_lianhu_export_command(demo, db_url: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "out" / "台账.xlsx"
    assert main(["--database-url", db_url, "export", str(path)]) == 0
    assert "4 栋楼、144 户、40 人" in capsys.readouterr().out and path.exists()
    assert main(["--database-url", db_url, "export", str(tmp_path / "a.xlsx"), "--community", "幸福里社区"]) == 0
    assert main(["--database-url", db_url, "export", str(tmp_path / "b.xlsx"), "--community", "和平里社区"]) == 1
    assert "没有叫“和平里社区”的社区。现有:幸福里社区" in capsys.readouterr().err
    assert main(["--database-url", db_url, "export", str(tmp_path / "c.csv")]) == 1
    assert "导出的文件名应以 .xlsx 结尾" in capsys.readouterr().err
    assert not (tmp_path / "b.xlsx").exists() and not (tmp_path / "c.csv").exists()
