"""`lianhu import`: a community from a workbook or CSV files, as a community worker fills them in."""
from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.main import main
from domain.workbook.importer import ImportError_, import_file
from storage import db
from storage.models import (
    Base,
    Building,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
XLSX = EXAMPLES / "community.xlsx"
CSV_DIR = EXAMPLES / "community-csv"

B_HEAD = ["社区", "网格", "楼号", "楼栋", "群名", "楼栋长"]
H_HEAD = ["楼号", "单元", "门牌", "楼层", "户主", "电话", "颜色", "颜色原因", "备注", "联户党员"]
P_HEAD = ["社区", "姓名", "角色", "微信号", "电话", "住址", "网格", "特长", "联户上限"]


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.make_engine(db_url)
    yield db.session_factory(engine)
    engine.dispose()


def run_import(sessions: sessionmaker[Session], path: Path) -> str:
    with sessions() as s:
        summary = import_file(s, path)
        s.commit()
    return summary


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Community, Grid, Building, Household, Person, MemberLink)}


def ledger(sessions: sessionmaker[Session]) -> set[tuple[object, ...]]:
    """Everything the import sets, by natural keys (ids left out)."""
    with sessions() as s:
        rows: set[tuple[object, ...]] = set()
        for b in s.scalars(select(Building)):
            rows.add(("楼", b.grid.community.name, b.grid.name, b.code, b.name, b.group_name,
                      b.default_member.name if b.default_member else None,
                      b.grid.worker.name if b.grid.worker else None))
        for h in s.scalars(select(Household)):
            rows.add(("户", h.address, h.floor, h.head_name, h.phone, h.colour, h.colour_reason, h.notes,
                      h.link.member.name if h.link else None))
        for p in s.scalars(select(Person)):
            rows.add(("人", p.community.name if p.community else None, p.name, p.role, p.chat_id, p.phone,
                      p.household.address if p.household else None, p.strengths, p.capacity))
        return rows


def wipe(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        s.execute(update(Grid).values(worker_id=None))
        s.execute(update(Building).values(default_member_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(table.delete())
        s.commit()


def workbook(path: Path, **sheets: list[list[object]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def one_building(code: str = "1") -> list[list[object]]:
    return [B_HEAD, ["和平里社区", "第一网格", code, "", "", ""]]


# --- the examples -------------------------------------------------------------------------------


def test_example_workbook_imports_the_whole_community(sessions) -> None:
    summary = run_import(sessions, XLSX)
    assert summary.startswith("导入完成:1 个社区、2 个网格、3 栋楼、20 户、11 人、20 户已联户(新增 57 条")
    assert counts(sessions) == {"community": 1, "grid": 2, "building": 3, "household": 20, "person": 11,
                                "member_link": 20}
    rows = ledger(sessions)
    assert ("楼", "和平里社区", "第一网格", "1", "1号楼", "和平里1号楼邻里群", "王建国", "赵德明") in rows
    assert ("楼", "和平里社区", "第二网格", "3", "3号楼", "和平里3号楼邻里群", "张志强", "黄淑珍") in rows
    assert ("户", "1-1-102", 1, "周海燕", "13800001002", "orange", "独居老人,子女在外地", "耳背,敲门请大声些",
            "王建国") in rows
    assert ("户", "1-1-401", 4, "林振华", "010-62345678", "green", None, None, "王建国") in rows
    assert ("户", "2-2-101", 1, "吴春梅", "13800002101", "orange", "空巢老人,行动不便", "腿脚不便,很少下楼",
            "刘丽娟") in rows
    assert ("人", "和平里社区", "王建国", "member", "wx_wangjianguo", "13800001001", "1-1-101", "调解沟通", 15) in rows
    assert ("人", "和平里社区", "刘丽娟", "member", "wx_liulijuan", "13800002103", "2-2-201", "致富带富", 10) in rows
    assert ("人", "和平里社区", "赵德明", "grid_worker", "wx_zhaodeming", "13900000011", None, None, 15) in rows
    assert ("人", "和平里社区", "徐永红", "resident", None, "13800003003", "3-1-201", None, 15) in rows
    assert {r[5] for r in rows if r[0] == "户"} == {"green", "blue", "yellow", "orange"}


def test_example_csv_folder_gives_the_same_ledger_as_the_workbook(sessions) -> None:
    run_import(sessions, XLSX)
    from_xlsx = ledger(sessions)
    wipe(sessions)
    summary = run_import(sessions, CSV_DIR)
    assert "3 栋楼、20 户、11 人" in summary
    assert ledger(sessions) == from_xlsx


def test_the_imported_community_works_in_the_bot_right_away(sessions) -> None:
    """The imported building's group binds by its name, and the address is one the bot reads."""
    from storage import repo

    run_import(sessions, XLSX)
    with sessions() as s:
        household = repo.household_at(s, "2", "2", "101")
        assert household is not None and repo.linked_member(s, household.id).chat_id == "wx_liulijuan"
        assert s.scalar(select(Building.code).where(Building.group_name == "和平里2号楼邻里群")) == "2"


def test_importing_the_same_file_twice_changes_nothing(sessions) -> None:
    run_import(sessions, XLSX)
    before, rows = counts(sessions), ledger(sessions)
    summary = run_import(sessions, XLSX)
    assert "新增 0 条,其余 37 条已存在" in summary
    summary = run_import(sessions, CSV_DIR)
    assert "新增 0 条" in summary
    assert counts(sessions) == before and ledger(sessions) == rows


def test_an_edited_file_updates_in_place(sessions, tmp_path: Path) -> None:
    run_import(sessions, XLSX)
    path = tmp_path / "edited.xlsx"
    shutil.copy(XLSX, path)
    wb = load_workbook(path)
    ws = wb["住户"]
    for row in ws.iter_rows(min_row=2):
        address = "-".join(str(c.value) for c in row[:3])
        if address == "1-1-201":  # turns blue, looked after by 刘丽娟 now
            row[6].value, row[7].value, row[9].value = "蓝", "家人患大病", "刘丽娟"
        if address == "1-1-202":  # back to green, the reason cleared; nobody assigned
            row[6].value, row[7].value, row[9].value = "绿", None, None
    wb["人员"]["E2"] = "139 0000 0099"  # typed with spaces
    wb.save(path)
    before = counts(sessions)
    run_import(sessions, path)
    rows = ledger(sessions)
    assert ("户", "1-1-201", 2, "孙德明", "13800001003", "blue", "家人患大病", None, "刘丽娟") in rows
    assert ("户", "1-1-202", 2, "胡桂兰", "13800001004", "green", None, None, None) in rows
    assert ("人", "和平里社区", "陈国华", "staff", "wx_chenguohua", "13900000099", None, None, 15) in rows
    assert counts(sessions) == before | {"member_link": before["member_link"] - 1}


# --- CSV: one table at a time, encodings, English headers -------------------------------------------


def test_csv_files_can_be_imported_one_table_at_a_time(sessions, tmp_path: Path) -> None:
    # 楼栋 names its 楼栋长, who are in 人员: so 人员 must come with it or before it
    with pytest.raises(ImportError_) as err:
        run_import(sessions, CSV_DIR / "楼栋.csv")
    assert "楼栋.csv 楼栋 第2行: 楼栋长“王建国”不在“人员”表里,也不在系统中" in err.value.problems
    folder = tmp_path / "first"
    folder.mkdir()
    shutil.copy(CSV_DIR / "楼栋.csv", folder)
    shutil.copy(CSV_DIR / "人员.csv", folder)
    # 人员 gives addresses, which need 住户: without it every resident's row is reported
    with pytest.raises(ImportError_) as err:
        run_import(sessions, folder)
    assert "人员.csv 人员 第6行: 住址 1-1-101 不在“住户”表里,也不在系统中" in err.value.problems
    assert counts(sessions)["building"] == 0
    run_import(sessions, CSV_DIR)  # all at once works
    # and later one file on its own updates what it names
    path = tmp_path / "住户.csv"
    write_csv(path, [H_HEAD[:3] + ["颜色", "颜色原因"], ["3", "1", "301", "黄", "与楼下因漏水有纠纷"]])
    summary = run_import(sessions, path)
    assert "0 栋楼、1 户" in summary
    assert ("户", "3-1-301", 3, "郑丽华", "13800003005", "yellow", "与楼下因漏水有纠纷", None, "张志强") in ledger(sessions)


def test_gbk_csv_from_excel_on_chinese_windows(sessions, tmp_path: Path) -> None:
    folder = tmp_path / "gbk"
    folder.mkdir()
    write_csv(folder / "楼栋.csv", [B_HEAD, ["和平里社区", "第一网格", "7", "七号楼", "和平里七号楼群", ""]],
              encoding="gbk")
    write_csv(folder / "住户.csv", [H_HEAD, ["7", "1", "101", "", "欧阳淑珍", "", "橙", "独居老人", "", ""]],
              encoding="gbk")
    run_import(sessions, folder)
    rows = ledger(sessions)
    assert ("楼", "和平里社区", "第一网格", "7", "七号楼", "和平里七号楼群", None, None) in rows
    assert ("户", "7-1-101", 1, "欧阳淑珍", None, "orange", "独居老人", None, None) in rows


def test_utf8_without_bom_utf16_and_english_headers(sessions, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_csv(folder / "buildings.csv", [["community", "grid", "code"], ["和平里社区", "第一网格", "5"]],
              encoding="utf-8")
    with open(folder / "households.csv", "w", encoding="utf-16", newline="") as f:  # Excel "Unicode text"
        csv.writer(f, delimiter="\t").writerows([["code", "unit", "room", "colour"], ["5", "2", "1201", "blue"]])
    run_import(sessions, folder)
    rows = ledger(sessions)
    assert ("楼", "和平里社区", "第一网格", "5", "5号楼", None, None, None) in rows
    assert ("户", "5-2-1201", 12, None, None, "blue", None, None, None) in rows


def test_numbers_typed_as_numbers_in_excel_are_read_as_written(sessions, tmp_path: Path) -> None:
    path = workbook(tmp_path / "numbers.xlsx", 楼栋=one_building(), 住户=[
        H_HEAD, [1, 2.0, 502, None, "王芳", 13800001234, "绿", None, None, None]])
    run_import(sessions, path)
    assert ("户", "1-2-502", 5, "王芳", "13800001234", "green", None, None, None) in ledger(sessions)


# --- bad rows ------------------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_written(sessions, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "bad.xlsx",
        楼栋=[B_HEAD,
             ["和平里社区", "第一网格", "1", "", "一号楼群", ""],
             ["和平里社区", "", "2", "", "", ""],                       # 3: no grid
             ["和平里社区", "第一网格", "1", "", "", ""],                # 4: 楼号 twice
             ["和平里社区", "第二网格", "3-1", "", "", ""]],             # 5: 楼号 with a dash
        住户=[H_HEAD,
             ["1", "1", "101", "", "甲", "13800000001", "绿", "", "", ""],
             ["1", "1", "102", "", "乙", "", "紫", "", "", ""],         # 3: colour
             ["9", "1", "101", "", "丙", "", "绿", "", "", ""],         # 4: unknown building
             ["1", "1", "101", "", "丁", "", "蓝", "", "", ""],         # 5: same address as row 2
             ["1", "1", "", "", "戊", "", "", "", "", ""],              # 6: no room
             ["1", "1", "5楼", "", "己", "", "", "", "", ""],           # 7: room not a number
             ["1", "1", "201", "", "庚", "12345", "", "", "", ""],      # 8: phone
             [],                                                       # 9: blank lines are fine
             ["1", "2", "301", "三楼", "辛", "", "", "", "", "李四"]],   # 10: floor; unknown member
        人员=[P_HEAD,
             ["", "张三", "联户党员", "wx_zs", "", "1-1-101", "", "", "3"],
             ["", "李五", "书记", "", "", "", "", "", ""],              # 3: role
             ["", "王六", "居民", "", "", "1号楼101", "", "", ""],       # 4: address
             ["", "", "居民", "", "", "", "", "", ""],                  # 5: no name
             ["", "赵七", "联户党员", "wx_zs", "", "", "", "", "很多"],   # 6: 微信号 twice; capacity
             ["", "钱八", "网格员", "", "", "", "第九网格", "", ""],       # 7: unknown grid
             ["", "孙九", "居民", "", "", "1-1-999", "", "", ""]],       # 8: unknown address
    )
    with pytest.raises(ImportError_) as err:
        with sessions() as s:
            try:
                import_file(s, path)
            finally:
                assert not s.new and not s.dirty  # nothing half-imported, even before a rollback
    assert err.value.problems == [
        "bad.xlsx 楼栋 第3行: “网格”不能为空",
        "bad.xlsx 楼栋 第4行: 楼号“1”与第2行重复",
        "bad.xlsx 楼栋 第5行: 楼号“3-1”只能是数字或字母,如 3 或 A3(住户用“3-2-502”报地址)",
        "bad.xlsx 住户 第3行: 颜色“紫”不认识,应为 绿、蓝、黄、橙 之一",
        "bad.xlsx 住户 第4行: 楼号“9”不在“楼栋”表里,也不在系统中",
        "bad.xlsx 住户 第5行: 住址 1-1-101 与第2行重复",
        "bad.xlsx 住户 第6行: “门牌”不能为空",
        "bad.xlsx 住户 第7行: 门牌“5楼”应为 2 到 5 位数字,如 502",
        "bad.xlsx 住户 第8行: 电话“12345”格式不对:手机应为 11 位数字,座机如 010-12345678",
        "bad.xlsx 住户 第10行: 楼层“三楼”应为整数",
        "bad.xlsx 人员 第3行: 角色“书记”不认识,应为 居民、联户党员、楼栋长、网格员、社区干部、管理员 之一",
        "bad.xlsx 人员 第4行: 住址“1号楼101”格式不对,应写成 楼号-单元-门牌,如 3-2-502",
        "bad.xlsx 人员 第5行: “姓名”不能为空",
        "bad.xlsx 人员 第6行: 联户上限“很多”应为 1 到 200 的整数",
        "bad.xlsx 人员 第6行: 微信号“wx_zs”与第2行重复",
        "bad.xlsx 人员 第7行: 网格“第九网格”不在“楼栋”表里,也不在系统中",
        "bad.xlsx 人员 第8行: 住址 1-1-999 不在“住户”表里,也不在系统中",
    ]
    assert str(err.value).startswith("导入失败,没有写入任何数据。请改正以下 17 处问题后重新导入:\n")
    assert counts(sessions) == dict.fromkeys(counts(sessions), 0)


def test_references_to_people_are_checked(sessions, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "refs.xlsx",
        楼栋=[B_HEAD, ["和平里社区", "第一网格", "1", "", "", "周居民"]],
        住户=[H_HEAD,
             ["1", "1", "101", "", "", "", "", "", "", "不存在"],
             ["1", "1", "102", "", "", "", "", "", "", "同名"]],
        人员=[P_HEAD,
             ["", "周居民", "居民", "", "", "1-1-101", "", "", ""],
             ["", "同名", "联户党员", "wx_a", "", "", "", "", ""],
             ["", "同名", "联户党员", "wx_b", "", "", "", "", ""],
             ["", "同名", "居民", "", "", "", "", "", ""],
             ["", "同名", "居民", "", "", "", "", "", ""]],
    )
    with pytest.raises(ImportError_) as err:
        run_import(sessions, path)
    assert err.value.problems == [
        "refs.xlsx 楼栋 第2行: 楼栋长“周居民”的角色是居民,不能联户",
        "refs.xlsx 住户 第2行: 联户党员“不存在”不在“人员”表里,也不在系统中",
        "refs.xlsx 住户 第3行: 联户党员“同名”有多人同名,请改填其微信号",
        "refs.xlsx 人员 第6行: 居民“同名”与第5行重名,请填写微信号以区分",
    ]


def test_missing_columns_and_unreadable_files_are_explained(sessions, tmp_path: Path) -> None:
    path = workbook(tmp_path / "cols.xlsx", 住户=[["楼号", "单元", "房间"]], 说明=[["随便写"]])
    with pytest.raises(ImportError_) as err:
        run_import(sessions, path)
    assert err.value.problems == ["cols.xlsx 住户 第1行: 缺少必填列:门牌(第1行应是表头)"]

    path = workbook(tmp_path / "none.xlsx", Sheet1=[["楼号"]])
    with pytest.raises(ImportError_) as err:
        run_import(sessions, path)
    assert err.value.problems == ["none.xlsx: 没有找到可导入的工作表:工作表应叫 楼栋、住户、人员(至少一张)。现有:Sheet1"]

    for name, expected in (("old.xls", "请在 Excel 里“另存为” .xlsx"), ("notes.txt", "不支持的文件类型“.txt”"),
                           ("fake.xlsx", "无法打开")):
        (tmp_path / name).write_bytes(b"not a spreadsheet")
        with pytest.raises(ImportError_) as err:
            run_import(sessions, tmp_path / name)
        assert expected in str(err.value)
    with pytest.raises(ImportError_, match="找不到文件或文件夹"):
        run_import(sessions, tmp_path / "missing.xlsx")
    write_csv(tmp_path / "list.csv", [["甲", "乙"], ["1", "2"]])
    with pytest.raises(ImportError_, match="认不出这是哪张表"):
        run_import(sessions, tmp_path / "list.csv")
    folder = tmp_path / "folder"
    folder.mkdir()
    write_csv(folder / "list.csv", [["甲", "乙"], ["1", "2"]])
    with pytest.raises(ImportError_, match="文件夹里没有 楼栋.csv、住户.csv 或 人员.csv"):
        run_import(sessions, folder)


def test_a_folder_of_an_exported_ledger_imports_its_three_tables(sessions, tmp_path: Path) -> None:
    """LibreOffice saves each sheet as 台账-楼栋.csv ...; the ledger's other sheets are skipped."""
    folder = tmp_path / "ledger"
    folder.mkdir()
    for name in ("楼栋", "住户", "人员"):
        shutil.copy(CSV_DIR / f"{name}.csv", folder / f"台账-{name}.csv")
    write_csv(folder / "台账-走访情况.csv", [["楼号", "单元", "门牌", "走访日期"], ["1", "1", "101", "2026-11-01"]])
    assert "3 栋楼、20 户、11 人" in run_import(sessions, folder)


def test_building_codes_are_unique_across_communities(sessions, tmp_path: Path) -> None:
    """Residents say "3-2-502" without naming the community, so 楼号 cannot repeat."""
    run_import(sessions, XLSX)
    path = workbook(tmp_path / "other.xlsx", 楼栋=[B_HEAD, ["幸福里社区", "第一网格", "2", "", "", ""],
                                                  ["幸福里社区", "第一网格", "12", "", "和平里1号楼邻里群", ""]])
    with pytest.raises(ImportError_) as err:
        run_import(sessions, path)
    assert err.value.problems == [
        "other.xlsx 楼栋 第2行: 楼号“2”已是“和平里社区”的楼栋(楼号在全系统里不能重复)",
        "other.xlsx 楼栋 第3行: 群名“和平里1号楼邻里群”与系统中楼号为“1”的楼栋重复(机器人按群名认楼栋)",
    ]


def test_a_member_over_capacity_is_a_warning_not_an_error(sessions, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "busy.xlsx", 楼栋=one_building(),
        住户=[H_HEAD] + [["1", "1", room, "", "", "", "", "", "", "张三"] for room in ("101", "102", "201")],
        人员=[P_HEAD, ["", "张三", "联户党员", "", "", "", "", "", "2"]])
    summary = run_import(sessions, path)
    assert "3 户已联户" in summary
    assert "党员 张三 联系 3 户,超过上限 2 户" in summary
    assert "联户党员 张三 没有填微信号:机器人认不出他,也无法私信派单" in summary
    assert counts(sessions)["member_link"] == 3


# --- the command ---------------------------------------------------------------------------------------


def test_lianhu_import_command(db_url: str, sessions, tmp_path: Path, capsys) -> None:
    assert main(["--database-url", db_url, "import", str(XLSX)]) == 0
    assert "导入完成:1 个社区" in capsys.readouterr().out
    bad = workbook(tmp_path / "bad.xlsx", 楼栋=one_building("8"), 住户=[H_HEAD, ["8", "1", "101", "", "", "", "红", "", "", ""]])
    assert main(["--database-url", db_url, "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.xlsx 住户 第2行: 颜色“红”不认识" in err
    assert counts(sessions)["building"] == 3  # building 8 was not half-imported
