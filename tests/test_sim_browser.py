"""The simulator's page in a real browser (Debian's Chromium through Playwright, as in
tests/test_web_browser.py): unread badges, the demo clock's 快进 buttons, the phone layout.
Screenshots go to tests/screenshots/."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.test_web_browser import PHONE, browser, shot  # noqa: F401 - the fixture
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
DESK = {"width": 1200, "height": 800}


async def open_sim(browser: Any, rig: Rig, viewport: dict[str, int], person: str) -> Any:  # noqa: F811
    context = await browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    page = await context.new_page()
    await page.goto(rig.base + "/")
    await page.wait_for_selector(".conv")
    await page.select_option("#person", person)
    return page


def conv(page: Any, conversation: str) -> Any:
    return page.locator(f'.conv[data-id="{conversation}"]')


async def test_an_unread_badge_appears_and_clears_when_the_group_is_read(browser: Any, rig: Rig) -> None:  # noqa: F811
    page = await open_sim(browser, rig, DESK, "r02")
    await conv(page, "room-2").click()
    badge = conv(page, "room-1").locator(".badge")
    assert await badge.is_hidden()
    await rig.post("room-1", "r01", "2单元楼道灯坏了好几天了")  # a neighbour reports; the bot answers
    # the neighbour's line and the bot's receipt (a polling round may fall between the two:
    # the badge may read 1 for a moment, then 2)
    await expect(badge).to_have_text("2", timeout=10_000)
    assert await conv(page, "room-2").locator(".badge").is_hidden()

    await conv(page, "room-1").click()  # reading it clears the badge
    await page.locator("#log .msg.bot").first.wait_for()
    await badge.wait_for(state="hidden")
    await conv(page, "room-2").click()
    await page.wait_for_timeout(1700)  # a polling round: read stays read
    assert await badge.is_hidden()
    # someone else has not read it: their badge counts what they have not seen
    await page.select_option("#person", "r03")
    await expect(badge).to_have_text("2", timeout=10_000)


async def test_fast_forward_a_day_shows_the_rating_reminder(browser: Any, rig: Rig) -> None:  # noqa: F811
    number, member = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    await rig.post(None, member, f"接单 {number}")
    await rig.post(None, member, f"办结 {number} 已换灯泡")
    page = await open_sim(browser, rig, DESK, "r01")
    await conv(page, "room-1").click()
    await page.get_by_text("请回复数字").first.wait_for()
    assert "办结一天了" not in await page.inner_text("#log")
    before = await page.inner_text("#now")
    await page.get_by_role("button", name="快进 1 天").click()
    await page.get_by_text(f"工单 {number} 办结一天了").wait_for()
    assert await page.inner_text("#now") != before and "11-24" in await page.inner_text("#now")
    assert "已快进到 11-24 10:00" in await page.inner_text("#toast")
    await shot(page, "simulator-desk")


async def test_at_phone_width_the_list_then_the_conversation_with_the_input_in_reach(browser: Any, rig: Rig) -> None:  # noqa: F811
    page = await open_sim(browser, rig, PHONE, "r01")
    assert await page.locator("#side").is_visible() and not await page.locator("#text").is_visible()
    # the picker groups people by building and role
    labels = await page.locator("#person optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert "1号楼 · 居民" in labels and "1号楼 · 联户党员" in labels and "网格员" in labels and "社区工作人员" in labels
    assert labels[:3] == ["1号楼 · 居民", "1号楼 · 联户党员", "2号楼 · 居民"]  # buildings in order, then the rest
    assert labels[-2:] == ["网格员", "社区工作人员"]
    await shot(page, "simulator-phone-list")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing sticks out sideways

    await conv(page, "room-1").click()
    text = page.locator("#text")
    assert await text.is_visible() and not await page.locator("#side").is_visible()
    box = await text.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"]  # in reach without scrolling
    await text.fill("2单元楼道灯坏了好几天了")
    await page.locator("#send").click()
    await page.get_by_text("工单号 1001").first.wait_for()
    send = await page.locator("#send").bounding_box()
    assert send is not None and send["x"] + send["width"] <= PHONE["width"]
    assert await page.locator("#back-badge").is_hidden()  # nothing unread elsewhere: no "0" badge
    await shot(page, "simulator-phone")

    await page.locator("#back").click()
    assert await page.locator("#side").is_visible() and not await text.is_visible()
