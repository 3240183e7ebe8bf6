"""The web console in a real browser: Playwright for Python driving Debian's Chromium
(/usr/bin/chromium, never a browser download) against the real app on a free port (simulator
gateway, demo community, a temporary SQLite file). Skipped when Chromium or Playwright is
missing, except in CI (CI=true), where that is a failure. Phone-width screenshots of each page
go to tests/screenshots/ (gitignored)."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Colour, Household
from tests.web_rig import PASSWORD, Rig, rig  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need it in CI: {why}")
    pytest.skip(why)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e .[test])")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield b
        await b.close()


async def open_as(browser: Any, rig: Rig, name: str, password: str = PASSWORD) -> Any:
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    page = await context.new_page()
    await page.goto(rig.console + "/login")
    await page.fill("input[name=login]", name)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    return page


async def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def numbers(page: Any) -> list[int]:
    return [int(n) for n in await page.locator("tr.ticket").evaluate_all(
        "rows => rows.map(r => r.dataset.number)")]


async def three_tickets(rig: Rig) -> dict[str, int]:
    lamp, _ = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    gas, _ = await rig.report("room-3", "r13", "楼道里好大一股煤气味")
    rubbish, _ = await rig.report("room-2", "r07", "楼下垃圾桶满了好几天没人清")
    return {"lamp": lamp, "gas": gas, "rubbish": rubbish}


async def test_login_a_wrong_password_and_logout(browser: Any, rig: Rig) -> None:
    staff = await rig.name_of("s1")
    page = await open_as(browser, rig, staff, "wrong-password")
    assert "用户名或密码不对" in await page.inner_text("#login-error")
    await shot(page, "login")
    await page.fill("input[name=password]", "demo1234")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/tickets")
    assert staff in await page.inner_text("#me")
    await page.click("header button")  # 退出
    await page.wait_for_url("**/console/login")
    await page.goto(rig.console + "/tickets")
    assert page.url.endswith("/console/login")


async def test_a_form_without_csrf_is_refused_in_the_browser(browser: Any, rig: Rig) -> None:
    t = await three_tickets(rig)
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    # the page's own cookies, but a form without the token (as a forged cross-site post would be)
    res = await page.request.post(f"{rig.console}/tickets/{t['lamp']}/reply", form={"text": "伪造"})
    assert res.status == 403
    await page.goto(f"{rig.console}/tickets/{t['lamp']}")
    await page.evaluate("document.querySelector('#reply-form input[name=csrf]').value = 'forged'")
    await page.fill("#reply-form textarea", "伪造的回复")
    await page.click("#reply-form button")
    assert "校验码" in await page.inner_text("body")
    assert not any("伪造" in line for line in await rig.transcript("room-1"))


async def test_a_grid_worker_sees_only_their_grid(browser: Any, rig: Rig) -> None:
    t = await three_tickets(rig)  # lamp: 1号楼, rubbish: 2号楼 (第一网格); gas: 3号楼 (第二网格)
    page = await open_as(browser, rig, await rig.account("g1"))
    assert sorted(await numbers(page)) == sorted([t["lamp"], t["rubbish"]])
    grids = await page.locator("select[name=grid] option").all_inner_texts()
    assert grids == ["全部网格", "第一网格"]
    await page.fill("input[name=q]", str(t["gas"]))
    await page.click("#filters button[type=submit]")
    assert await numbers(page) == [] and await page.is_visible("#no-tickets")
    await page.goto(f"{rig.console}/tickets/{t['gas']}")
    assert "不在您的管辖范围" in await page.inner_text("#page-error")


async def test_assign_from_the_web_reaches_the_member_and_the_staff_group(browser: Any, rig: Rig) -> None:
    number, first = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    target = "m02" if first != "m02" else "m03"
    name = await rig.name_of(target)
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click(f"a[href$='/tickets/{number}']")
    await page.select_option("#assign-form select", label=f"{name}(联户党员)")
    await page.click("#assign-form button")
    await page.wait_for_selector("#flash")
    assert f"已派单给联户党员{name}" in await page.inner_text("#flash")
    assert name in await page.inner_text("#assignee")
    await page.fill("#reply-form textarea", "物业明天上午来换灯泡")
    await page.click("#reply-form button")
    await page.wait_for_selector("#flash")
    await rig.app.outbox.drain()
    private = await rig.transcript(target)
    assert any(f"工单 {number}" in line and "楼道灯" in line for line in private)
    assert f"工单 {number} 已派给联户党员{name}。" in await rig.transcript("room-staff")
    assert f"工单 {number} 有新进展:物业明天上午来换灯泡" in await rig.transcript("room-1")
    timeline = await page.inner_text("#timeline")
    assert f"派单给{name}" in timeline and "进展:物业明天上午来换灯泡" in timeline
    await shot(page, "ticket")


async def test_filters_and_search_find_the_right_tickets(browser: Any, rig: Rig) -> None:
    t = await three_tickets(rig)
    r01 = next(p for p in await rig.people() if p["id"] == "r01")
    rig.clock.advance(hours=1)  # the gas ticket's 30 minutes are over; the others have 24 hours
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    assert sorted(await numbers(page)) == sorted(t.values())
    assert "urgent" in (await page.locator(f"tr[data-number='{t['gas']}']").get_attribute("class") or "")

    async def search(**fields: str) -> list[int]:
        await page.goto(rig.console + "/tickets")
        for key, value in fields.items():
            if key in ("urgent", "overdue", "unrated"):
                await page.check(f"input[name={key}]")
            elif key in ("category", "status", "grid", "building"):
                await page.select_option(f"select[name={key}]", label=value)
            else:
                await page.fill(f"input[name={key}]", value)
        await page.click("#filters button[type=submit]")
        return await numbers(page)

    assert await search(urgent="1") == [t["gas"]]
    assert await search(overdue="1") == [t["gas"]]
    assert "overdue" in (await page.locator(f"tr[data-number='{t['gas']}']").get_attribute("class") or "")
    assert await search(category="环境卫生") == [t["rubbish"]]
    assert await search(grid="第二网格") == [t["gas"]]
    assert await search(building="2号楼") == [t["rubbish"]]
    assert await search(q="垃圾桶") == [t["rubbish"]]
    assert await search(q=str(t["lamp"])) == [t["lamp"]]
    assert await search(q=r01["name"]) == [t["lamp"]]
    assert await search(q=r01["address"]) == [t["lamp"]]
    assert await search(unrated="1") == []
    await page.goto(rig.console + "/tickets")
    await shot(page, "tickets")


async def test_the_charts_show_the_right_numbers(browser: Any, rig: Rig) -> None:
    t = await three_tickets(rig)
    with rig.app.sessions() as session:
        from storage.models import Ticket

        lamp = session.scalar(select(Ticket).where(Ticket.number == t["lamp"]))
        assert lamp is not None and lamp.assignee is not None
        handler = lamp.assignee.chat_id
        colours = dict(session.execute(select(Household.colour, func.count(Household.id))
                                       .group_by(Household.colour)).all())
    await rig.post(None, str(handler), f"接单 {t['lamp']}")
    await rig.post(None, str(handler), f"办结 {t['lamp']} 已换灯泡")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click("header nav a:has-text('统计')")
    await page.wait_for_selector("#chart-rates")

    async def bars(chart: str) -> dict[str, int]:
        items = await page.locator(f"#{chart} g.bar").evaluate_all(
            "gs => gs.map(g => [g.dataset.label, g.dataset.value])")
        return {label: int(value) for label, value in items}

    async def point(series: str, month: str = "2026-11") -> str:
        value: str = await page.locator(
            f"#chart-rates g[data-series={series}] circle[data-month='{month}']").get_attribute("data-value")
        return value

    assert await bars("chart-categories") == {"设施报修": 1, "水电气暖": 1, "环境卫生": 1}
    assert await bars("chart-colours") == {"绿": colours[Colour.GREEN], "蓝": colours[Colour.BLUE],
                                            "黄": colours[Colour.YELLOW], "橙": colours[Colour.ORANGE]}
    assert sum((await bars("chart-colours")).values()) == 144
    assert await bars("chart-visits") == {"第一网格": 0, "第二网格": 0}
    # one of three resolved: 解决率 33 %; the only ticket past acceptance was accepted in time
    assert await point("resolve") == "33"
    assert await point("response") == "100"
    assert await point("satisfaction") == ""  # nobody rated: no point, not 0 %
    assert await point("resolve", "2026-10") == ""
    assert await page.inner_text("[data-figure=received]") == "3"
    assert await page.inner_text("[data-figure=resolve]") == "33%"
    await shot(page, "stats")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await shot(page, "stats-desk")
