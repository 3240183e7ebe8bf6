"""待处理, 台账 and 通知与宣传 in a real browser (Playwright on Debian's Chromium, as
tests/test_web_browser.py): an unsure heads-up turned into a ticket from the page puts the
receipt in the group; a notice from the web reaches the groups; a grid worker's 台账 shows
their grid and no colours. Phone-width screenshots go to tests/screenshots/."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Household
from tests.test_web_browser import browser, open_as, shot  # noqa: F401 - the fixture
from tests.test_web_pages import UNSURE, heads_up
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


async def test_pending_heads_up_to_ticket_puts_the_receipt_in_the_group(browser: Any, rig: Rig) -> None:
    number, member = await heads_up(rig)
    with rig.app.sessions() as session:
        h = session.scalar(select(Household).where(Household.link.has(), Household.colour == "green")
                           .order_by(Household.id))
        assert h is not None
        address, linked = h.address, h.link.member.chat_id
    await rig.post(None, "新邻居", f"我是 {address}")
    await rig.post(None, str(linked), f"调色 {address} 蓝 家里有人失业")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click("header nav a:has-text('待处理')")
    item = page.locator(f"#headsup-{number}")
    assert UNSURE in await item.inner_text()
    assert await page.locator("#section-claim .pending-item").count() == 1
    assert await page.locator("#section-colour .pending-item").count() == 1
    await shot(page, "pending")
    await item.locator("button[data-action=ticket]").click()
    await page.wait_for_selector("#flash")
    flash = await page.inner_text("#flash")
    found = re.search(r"已转为工单 (\d+)", flash)
    assert found, flash
    assert await page.locator(f"#headsup-{number}").count() == 0
    await rig.app.outbox.drain()
    receipts = [t for t in await rig.transcript("room-1") if f"工单号 {found.group(1)}" in t]
    assert receipts, await rig.transcript("room-1")


async def test_a_notice_from_the_web_reaches_the_groups(browser: Any, rig: Rig) -> None:
    await rig.post(None, "s1", "新建宣传 防电诈 对象:全部 时间:每周三 09:00 内容:谨防电信诈骗")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click("header nav a:has-text('通知与宣传')")
    await page.fill("#notice-form textarea[name=content]", "本周六上午9点开展消防演练,请各位邻居参加")
    await page.check("#kinds input[value=buildings]")
    await page.check("#building-choices label:has-text('2号楼') input")
    await page.check("#building-choices label:has-text('3号楼') input")
    await shot(page, "notices")
    await page.click("#notice-form button[type=submit]")
    await page.wait_for_selector("#send-form")
    targets = await page.inner_text("#targets")
    assert "幸福里2号楼邻里群" in targets and "幸福里3号楼邻里群" in targets and "1号楼" not in targets
    assert "【通知】本周六上午9点开展消防演练" in await page.inner_text("#sample")
    assert "不在免打扰时段" in await page.inner_text("#quiet")
    await shot(page, "notice-preview")
    await page.click("#send-form button")
    await page.wait_for_selector("#flash")
    assert "已确认发送,共 2 条" in await page.inner_text("#flash")
    await rig.app.outbox.drain()
    await page.reload()
    assert "已发 2" in await page.inner_text("#progress")
    await shot(page, "notice-progress")
    for room, expected in (("room-1", False), ("room-2", True), ("room-3", True), ("room-4", False)):
        got = any("【通知】本周六上午9点开展消防演练" in t for t in await rig.transcript(room))
        assert got == expected, room
    # the campaigns: on the calendar each Wednesday, and paused from the list
    await page.goto(rig.console + "/notices")
    assert await page.locator("#calendar .ev:has-text('防电诈')").count() >= 2
    await page.click("#campaign-list tr.campaign button:has-text('暂停')")
    await page.wait_for_selector("#flash")
    assert "已暂停" in await page.inner_text("#flash")
    assert await page.locator("#campaign-list tr.campaign").get_attribute("data-status") == "paused"
    assert await page.locator("#calendar .ev").count() == 0
    assert await page.locator("#recent tr.notice").count() == 1
    await shot(page, "notices-sent")


async def test_a_grid_workers_ledger_shows_their_grid_and_no_colours(browser: Any, rig: Rig) -> None:
    with rig.app.sessions() as session:
        reasons = {r for r in session.scalars(select(Household.colour_reason)) if r}
    page = await open_as(browser, rig, await rig.account("g1"))
    await page.click("header nav a:has-text('台账')")
    names = await page.locator("#buildings tr.building td:first-child").all_inner_texts()
    assert names == ["1号楼", "2号楼"]
    assert set(await page.locator("#buildings .grid-name").all_inner_texts()) == {"第一网格"}
    assert await page.locator(".dot").count() == 0
    await shot(page, "ledger-grid-worker")
    await page.click("#buildings a:has-text('1号楼')")
    await page.wait_for_selector("#households")
    body = await page.inner_text("body")
    assert await page.locator("#households .household").count() > 0
    assert await page.locator(".colour").count() == 0 and "颜色" not in body
    assert not any(reason in body for reason in reasons)
    await page.goto(rig.console + "/ledger?tab=members")
    assert await page.locator("#members tr.member").count() > 0
    assert set(await page.locator("#members .grid-name").all_inner_texts()) == {"第一网格"}
    await shot(page, "ledger-members")


async def test_staff_see_colours_in_the_ledger(browser: Any, rig: Rig) -> None:
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.goto(rig.console + "/ledger")
    names = await page.locator("#buildings tr.building td:first-child").all_inner_texts()
    assert names == ["1号楼", "2号楼", "3号楼", "4号楼"]
    assert await page.locator("#buildings .dot").count() > 0
    await shot(page, "ledger")
    await page.click("#buildings a:has-text('3号楼')")
    await page.wait_for_selector("#households")
    assert await page.locator("#households .colour").count() == await page.locator(
        "#households .household").count()
    await shot(page, "ledger-building")
    rig.clock.advance(days=40)
    await page.goto(rig.console + "/ledger?tab=visits")
    assert await page.locator("#visits-by-grid tr.grid-row").count() == 2
    await shot(page, "ledger-visits")
