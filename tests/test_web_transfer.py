"""Import and export of the ledger in the console, in Chromium: the `lianhu export` workbook
downloads; an uploaded workbook gets the `lianhu import` checks (Chinese, with rows) before
anything is written, and is written only once confirmed; staff only, their community only."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from storage.models import Community, Household
from tests.test_web_browser import browser, open_as, shot  # noqa: F401 - the fixture
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture


async def download(page: Any, folder: Path) -> Path:
    async with page.expect_download() as info:
        await page.click("#export-link")
    dl = await info.value
    path = folder / "export.xlsx"
    await dl.save_as(str(path))
    assert dl.suggested_filename.startswith("台账-") and dl.suggested_filename.endswith(".xlsx")
    return path


def households_sheet(path: Path) -> tuple[list[str], list[list[Any]]]:
    wb = load_workbook(path)
    rows = [list(r) for r in wb["住户"].iter_rows(values_only=True)]
    wb.close()
    return [str(h) for h in rows[0]], rows[1:]


def edit_household(path: Path, out: Path, column: str, value: str) -> str:
    """Change one household's cell; returns its address (楼号-单元-门牌)."""
    wb = load_workbook(path)
    ws = wb["住户"]
    header = [c.value for c in ws[1]]
    row = ws[2]
    row[header.index(column)].value = value
    address = "-".join(str(row[header.index(k)].value) for k in ("楼号", "单元", "门牌"))
    wb.save(out)
    return address


def notes_of(rig: Rig, address: str) -> str | None:
    with rig.app.sessions() as session:
        h = next(h for h in session.scalars(select(Household)) if h.address == address)
        return h.notes


async def staff_page(browser: Any, rig: Rig) -> Any:
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click("header nav a:has-text('导入导出')")
    await page.wait_for_selector("#import-form")
    return page


async def test_export_then_import_a_change_after_checking_it(browser: Any, rig: Rig, tmp_path: Path) -> None:
    page = await staff_page(browser, rig)
    exported = await download(page, tmp_path)
    wb = load_workbook(exported, read_only=True)
    assert wb.sheetnames[:3] == ["楼栋", "住户", "人员"] and "月报" in wb.sheetnames
    wb.close()
    header, rows = households_sheet(exported)
    assert len(rows) == 144 and "电话" in header

    changed = tmp_path / "改过的台账.xlsx"
    address = edit_household(exported, changed, "备注", "独居老人,子女在外地")
    assert notes_of(rig, address) != "独居老人,子女在外地"
    await page.set_input_files("#import-form input[type=file]", str(changed))
    await page.click("#import-form button")
    await page.wait_for_selector("#checked")
    summary = await page.inner_text("#check-summary")
    assert summary.startswith("检查通过") and "144 户" in summary
    assert notes_of(rig, address) != "独居老人,子女在外地"  # checked, not written
    await shot(page, "transfer-checked")
    await page.click("#apply-form button")
    await page.wait_for_selector("#flash")
    assert (await page.inner_text("#flash")).startswith("已导入。导入完成")
    assert notes_of(rig, address) == "独居老人,子女在外地"
    # confirming again does nothing: the upload is gone
    token = await page.evaluate("document.querySelector('#import-form input[name=csrf]').value")
    res = await page.request.post(rig.console + "/transfer/apply", form={"csrf": token})
    assert res.status == 409 and "已过期或已导入" in await res.text()
    await shot(page, "transfer")


async def test_bad_rows_are_listed_in_chinese_and_nothing_is_written(browser: Any, rig: Rig, tmp_path: Path) -> None:
    page = await staff_page(browser, rig)
    exported = await download(page, tmp_path)
    bad = tmp_path / "有错的台账.xlsx"
    address = edit_household(exported, bad, "颜色", "紫")
    before = [h.colour for h in households_at(rig, address)]
    await page.set_input_files("#import-form input[type=file]", str(bad))
    await page.click("#import-form button")
    await page.wait_for_selector("#problems")
    problems = await page.inner_text("#problems")
    assert "有错的台账.xlsx 住户 第2行" in problems and "颜色“紫”不认识" in problems
    assert "import-" not in problems  # not the name it was kept under
    assert not await page.is_visible("#apply-form")
    assert [h.colour for h in households_at(rig, address)] == before
    await shot(page, "transfer-problems")


def households_at(rig: Rig, address: str) -> list[Household]:
    with rig.app.sessions() as session:
        return [h for h in session.scalars(select(Household)) if h.address == address]


async def test_another_communitys_workbook_is_refused(browser: Any, rig: Rig, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "楼栋"
    ws.append(["社区", "网格", "楼号", "楼栋", "群名"])
    ws.append(["清河社区", "第一网格", "Z9", "Z9号楼", "清河Z9号楼"])
    path = tmp_path / "清河.xlsx"
    wb.save(path)
    page = await staff_page(browser, rig)
    await page.set_input_files("#import-form input[type=file]", str(path))
    await page.click("#import-form button")
    await page.wait_for_selector("#problems")
    assert "您只能导入本社区" in await page.inner_text("#problems")
    with rig.app.sessions() as session:
        assert session.scalar(select(Community).where(Community.name == "清河社区")) is None


async def test_import_and_export_are_for_staff_with_their_token(browser: Any, rig: Rig, tmp_path: Path) -> None:
    page = await open_as(browser, rig, await rig.account("g1"))
    assert await page.locator("header nav a:has-text('导入导出')").count() == 0
    for url in ("/transfer", "/transfer/export"):
        res = await page.request.get(rig.console + url)
        assert res.status == 403 and "只对社区工作人员开放" in await res.text()
    staff = await staff_page(browser, rig)
    res = await staff.request.post(rig.console + "/transfer/check", multipart={
        "file": {"name": "x.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK"}})
    assert res.status == 403  # no CSRF token
