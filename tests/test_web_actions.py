"""The ticket page's 转办 / 改类 / 非诉求, live updates and photos, in Debian's Chromium against the
real app (tests/web_rig.py): each action must tell the member and the group exactly as the chat
command does, and a page must show a new ticket without being reloaded."""
from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from kernel.messages import Inbound, Kind
from storage.models import LabelledExample, Ticket
from tests.test_web_browser import browser, numbers, open_as, shot  # noqa: F401 - the fixture
from tests.test_web_console import http, login
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture

# a 1×1 PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2cb1b2a0000000049454e44ae426082")


async def test_hand_up_from_the_web_reaches_staff_and_the_group(browser: Any, rig: Rig) -> None:
    number, _ = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    page = await open_as(browser, rig, await rig.account("g1"))  # the grid worker of 1号楼
    await page.goto(f"{rig.console}/tickets/{number}")
    assert not await page.is_visible("#assign-form")  # 派单 is staff's
    await page.fill("#hand-up-form textarea", "需要物业公司更换线路")
    await page.click("#hand-up-form button")
    await page.wait_for_selector("#flash")
    staff = await rig.name_of("s1")
    assert f"已转给社区工作人员{staff}" in await page.inner_text("#flash")
    assert await page.inner_text("#status") == "已转办"
    assert "转办" in await page.inner_text("#timeline")
    await rig.app.outbox.drain()
    assert any(f"【转办工单 {number}】" in t and "需要物业公司更换线路" in t for t in await rig.transcript("s1"))
    assert f"工单 {number} 已转交社区工作人员处理。" in await rig.transcript("room-1")
    await shot(page, "ticket-hand-up")


async def test_hand_up_needs_a_reason(browser: Any, rig: Rig) -> None:
    number, _ = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    page = await open_as(browser, rig, await rig.account("g1"))
    await page.goto(f"{rig.console}/tickets/{number}")
    await page.evaluate("document.querySelector('#hand-up-form textarea').removeAttribute('required')")
    await page.fill("#hand-up-form textarea", "   ")
    await page.click("#hand-up-form button")
    await page.wait_for_selector("#error")
    assert "请写上转办的原因" in await page.inner_text("#error")
    assert await page.inner_text("#status") != "已转办"


async def test_recategorise_and_not_request_are_recorded_as_in_chat(browser: Any, rig: Rig) -> None:
    number, member = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.goto(f"{rig.console}/tickets/{number}")
    await page.select_option("#recategorise-form select", label="环境卫生")
    await page.click("#recategorise-form button")
    await page.wait_for_selector("#flash")
    assert f"工单 {number} 已从【设施报修】改为【环境卫生】" in await page.inner_text("#flash")
    assert "环境卫生" in await page.inner_text("h1")
    assert "改类:设施报修→环境卫生" in await page.inner_text("#timeline")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.click("#not-request-form button")
    await page.wait_for_selector("#flash")
    assert f"工单 {number} 已按非诉求关闭" in await page.inner_text("#flash")
    assert await page.inner_text("#status") == "已关闭"
    assert not await page.is_visible("#not-request-form") and not await page.is_visible("#hand-up-form")
    assert await page.is_visible("#recategorise-form")  # as in chat, 改类 still corrects a closed ticket
    await rig.app.outbox.drain()
    assert any(f"工单 {number} 不属于需要社区处理的诉求" in t for t in await rig.transcript("room-1"))
    staff = await rig.name_of("s1")
    assert f"工单 {number} 已由社区工作人员{staff}按非诉求关闭,您无需再处理。" in await rig.transcript(member)
    with rig.app.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        examples = session.scalars(select(LabelledExample).where(LabelledExample.ticket_id == ticket.id)).all()
        assert [(e.category, e.predicted) for e in examples] == [("none", "repair")]  # one per ticket
    await shot(page, "ticket-closed")


async def test_a_new_ticket_appears_in_the_list_without_reloading(browser: Any, rig: Rig) -> None:
    first, _ = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.wait_for_function("document.body.dataset.live === 'on'")
    await page.evaluate("window.notReloaded = true")
    assert await numbers(page) == [first]
    second, _ = await rig.report("room-2", "r07", "楼下垃圾桶满了好几天没人清")
    await page.wait_for_selector(f"tr[data-number='{second}']", timeout=10_000)
    assert await page.evaluate("window.notReloaded") is True
    assert sorted(await numbers(page)) == sorted([first, second])
    assert "共 2 件" in await page.inner_text("#ticket-count")
    assert "fresh" in (await page.locator(f"tr[data-number='{second}']").get_attribute("class") or "")
    assert "fresh" not in (await page.locator(f"tr[data-number='{first}']").get_attribute("class") or "")
    await shot(page, "tickets-live")


async def test_an_open_ticket_page_shows_a_reply_typed_in_chat(browser: Any, rig: Rig) -> None:
    number, member = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.goto(f"{rig.console}/tickets/{number}")
    await page.wait_for_function("document.body.dataset.live === 'on'")
    await page.evaluate("window.notReloaded = true")
    await rig.post(None, member, f"接单 {number}")
    await page.wait_for_function("document.querySelector('#status').innerText === '处理中'", timeout=10_000)
    await rig.post(None, member, f"进展 {number} 电工下午到")
    await page.wait_for_function("document.querySelector('#timeline').innerText.includes('电工下午到')",
                                 timeout=10_000)
    assert await page.evaluate("window.notReloaded") is True


async def events_of(rig: Rig, name: str, password: str, during: Any) -> list[int]:
    """The ticket numbers a login's live stream carries while ``during()`` runs."""
    got: list[int] = []
    async with http() as s:
        await login(s, rig, name, password)
        async with s.get(rig.console + "/live") as res:
            assert res.status == 200 and res.headers["Content-Type"].startswith("text/event-stream")
            await res.content.readline()  # event: ready

            async def read() -> None:
                with contextlib.suppress(aiohttp.ClientError):
                    async for raw in res.content:
                        line = raw.decode().strip()
                        if line.startswith("data:") and line[5:].strip():
                            got.append(json.loads(line[5:])["number"])
            reader = asyncio.ensure_future(read())
            await during()
            await asyncio.sleep(2.5)  # two polls
            reader.cancel()
    return got


async def test_a_grid_workers_stream_carries_only_their_grid(rig: Rig) -> None:
    made: dict[str, int] = {}

    async def report_two() -> None:
        made["far"], _ = await rig.report("room-3", "r13", "楼道里好大一股煤气味")  # 3号楼, 第二网格
        made["near"], _ = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")  # 1号楼, 第一网格
    got = await events_of(rig, await rig.account("g1"), "correct-horse", report_two)
    assert made["near"] in got and made["far"] not in got

    async def two_more() -> None:
        made["far"], _ = await rig.report("room-3", "r14", "3单元电梯停了人被困")
        made["near"], _ = await rig.report("room-2", "r07", "楼下垃圾桶满了好几天没人清")
    staff_got = await events_of(rig, await rig.name_of("s1"), "demo1234", two_more)
    assert {made["near"], made["far"]} <= set(staff_got)


async def send_photo(rig: Rig, sender: str, room: str, path: Path) -> None:
    people = {p["id"]: p["name"] for p in await rig.people()}
    await rig.app.receive(Inbound(gateway="simulator", message_id=f"photo-{path.name}", sender_id=sender,
                                  sender_name=people[sender], text="", room=room, room_name=room,
                                  kind=Kind.IMAGE, attachment=str(path)))


async def test_photos_show_on_the_ticket_page_to_those_who_may_see_it(browser: Any, rig: Rig) -> None:
    number, _ = await rig.report("room-3", "r13", "楼道里好大一股煤气味")  # 3号楼, 第二网格
    folder = rig.app.settings.data_dir / "attachments" / "wechaty"
    folder.mkdir(parents=True)
    (folder / "gas.png").write_bytes(PNG)
    await send_photo(rig, "r13", "room-3", folder / "gas.png")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.goto(f"{rig.console}/tickets/{number}")
    img = page.locator("#photos img")
    assert await img.count() == 1
    assert await img.evaluate("i => i.complete && i.naturalWidth") == 1  # it loaded
    src = await img.get_attribute("src")
    assert src is not None
    res = await page.request.get(rig.base + src)
    assert res.status == 200 and res.headers["content-type"] == "image/png" and await res.body() == PNG
    await shot(page, "ticket-photo")
    other = await open_as(browser, rig, await rig.account("g1"))  # 第一网格: not theirs
    res = await other.request.get(rig.base + src)
    assert res.status == 404 and await res.body() != PNG
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(rig.base + src, allow_redirects=False) as r:
            assert r.status == 302  # to the login page


async def test_a_photo_outside_the_data_folder_is_never_served(browser: Any, rig: Rig, tmp_path: Path) -> None:
    number, _ = await rig.report("room-3", "r13", "楼道里好大一股煤气味")
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    await send_photo(rig, "r13", "room-3", outside)
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.goto(f"{rig.console}/tickets/{number}")
    src = await page.locator("#photos img").get_attribute("src")
    res = await page.request.get(rig.base + str(src))
    assert res.status == 404 and "没有这张图片" in await res.text()
