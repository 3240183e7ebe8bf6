"""The 办事指南 in the web console: staff edit, add, retire and confirm entries; the next question
in a group gets the new answer at once, and the data folder's guide/console.toml keeps it. Over
HTTP here; in a real browser (phone width, screenshots) at the end."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.guide_files import load_guide_folder
from storage.models import GuideEntry
from tests.test_web_browser import SHOTS, browser, open_as, shot  # noqa: F401 - the fixture
from tests.test_web_console import csrf_of, http, login
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture

QUESTION = "居住证在哪里办,要什么材料"


def entry_id(rig: Rig, key: str) -> int:
    with rig.app.sessions() as s:
        return int(s.scalar(select(GuideEntry.id).where(GuideEntry.key == key)))


def form_of(page: str) -> dict[str, str]:
    """The entry form's fields as the page shows them (text inputs and textareas)."""
    fields = dict(re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"', page))
    fields |= {k: v for k, v in re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', page)}
    return {k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}


async def answer_to(rig: Rig, room: str, sender: str, text: str) -> str:
    res = await rig.post(room, sender, text)
    return "\n".join(r["text"] for r in res["replies"] if r["conversation"] == room)


async def test_staff_edit_an_answer_and_the_next_question_gets_it(rig: Rig) -> None:
    n = entry_id(rig, "residence-permit")
    staff = await rig.name_of("s1")
    async with http() as s:
        await login(s, rig, staff, "demo1234")
        async with s.get(rig.console + "/guide") as res:
            page = await res.text()
            assert res.status == 200 and "居住证办理" in page and 'href="/console/guide"' in page
        async with s.get(f"{rig.console}/guide/{n}") as res:
            page = await res.text()
        fields = form_of(page)
        assert fields["title"] == "居住证办理" and "外地人怎么办居住证" in fields["asks"]
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        new = "请带身份证和租房合同到社区服务中心2号窗口办理居住证。\n以窗口最新要求为准"
        async with s.post(f"{rig.console}/guide/{n}", data={**fields, "answer": new, "csrf": token}) as res:
            assert res.status == 200 and "已保存办事指南" in await res.text()
        # a bad form: a clear Chinese error, the typed text kept, nothing saved
        async with s.post(f"{rig.console}/guide/{n}", data={**fields, "answer": "", "csrf": token}) as res:
            page = await res.text()
            assert res.status == 400 and "请填写答复" in page and "外地人怎么办居住证" in page
        async with s.post(f"{rig.console}/guide/{n}", data={**fields, "checked": "昨天", "csrf": token}) as res:
            assert res.status == 400 and "核对日期“昨天”应写成" in await res.text()

    reply = await answer_to(rig, "room-1", "r01", QUESTION)
    assert reply.startswith(f"【办事指南 {n}】居住证办理") and "社区服务中心2号窗口" in reply
    async with http() as s:  # edited again in the same instant (the test clock stands still): seen too
        await login(s, rig, staff, "demo1234")
        token = await csrf_of(s, f"{rig.console}/guide/{n}")
        again = "居住证请到派出所户籍窗口办理,带身份证。\n以窗口最新要求为准"
        async with s.post(f"{rig.console}/guide/{n}", data={**fields, "answer": again, "csrf": token}) as res:
            assert "已保存办事指南" in await res.text()
    assert "派出所户籍窗口" in await answer_to(rig, "room-1", "r02", QUESTION)
    async with http() as s:
        await login(s, rig, staff, "demo1234")
        token = await csrf_of(s, f"{rig.console}/guide/{n}")
        async with s.post(f"{rig.console}/guide/{n}", data={**fields, "answer": new, "csrf": token}) as res:
            assert "已保存办事指南" in await res.text()
    saved = (rig.app.settings.data_dir / "guide" / "console.toml").read_text(encoding="utf-8")
    assert 'id = "residence-permit"' in saved and "2号窗口" in saved

    # the file outlives the database row: read at start, it puts the edit back
    with rig.app.sessions() as session:
        entry = session.get(GuideEntry, n)
        entry.answer = "旧的答复"
        load_guide_folder(session, rig.app.settings.data_dir / "guide", rig.clock.now())
        session.commit()
        assert "2号窗口" in session.get(GuideEntry, n).answer


async def test_add_retire_restore_and_only_staff(rig: Rig) -> None:
    staff = await rig.name_of("s1")
    async with http() as s:
        await login(s, rig, staff, "demo1234")
        token = await csrf_of(s, rig.console + "/guide/new")
        entry = {"title": "小区游泳池开放时间", "asks": "小区游泳池几点开门\n游泳池什么时候开放",
                 "answer": "小区游泳池夏季每天 9:00-21:00 开放,冬季关闭。", "tags": "全体", "csrf": token}
        async with s.post(rig.console + "/guide/new", data=entry) as res:
            assert "已保存办事指南" in await res.text()
        with rig.app.sessions() as session:
            k = int(session.scalar(select(GuideEntry.id).where(GuideEntry.title == "小区游泳池开放时间")))
        assert (await answer_to(rig, "room-2", "r07", "小区游泳池几点开门?")).startswith(f"【办事指南 {k}】")

        async with s.post(f"{rig.console}/guide/{k}/status", data={"action": "retire", "csrf": token}) as res:
            page = await res.text()
            assert "已停用办事指南" in page and "已停用" in page
        assert f"【办事指南 {k}】" not in await answer_to(rig, "room-2", "r08", "小区游泳池几点开门?")
        async with s.post(f"{rig.console}/guide/{k}/status", data={"action": "restore", "csrf": token}) as res:
            assert "已恢复办事指南" in await res.text()
        async with s.post(f"{rig.console}/guide/{k}/status", data={"action": "retire"}) as res:
            assert res.status == 403  # no CSRF token
    assert (await answer_to(rig, "room-2", "r09", "游泳池什么时候开放")).startswith(f"【办事指南 {k}】")

    worker = await rig.account("g1")
    async with http() as s:
        res = await login(s, rig, worker)
        assert "办事指南" not in await res.text()  # not in a grid worker's nav
        async with s.get(rig.console + "/guide") as res:
            assert res.status == 403 and "只有社区工作人员" in await res.text()


async def test_an_entry_saved_from_chat_is_confirmed_on_the_page(rig: Rig) -> None:
    number, member = await rig.report("room-1", "r01", "请问小区新装的充电桩怎么办充电卡?")
    await rig.post(None, member, f"接单 {number}")
    await rig.post(None, member, f"办结 {number} 充电卡在物业服务中心办理,带身份证和车辆信息,工本费20元")
    await rig.post(None, member, f"存为指南 {number} 充电桩充电卡办理")
    staff = await rig.name_of("s1")
    async with http() as s:
        await login(s, rig, staff, "demo1234")
        async with s.get(rig.console + "/guide") as res:
            page = await res.text()
        assert "1 条待确认" in page and "充电桩充电卡办理" in page and "(群聊存入)" in page
        k = int(re.search(r'data-id="(\d+)"', page).group(1))  # type: ignore[union-attr]  # pending first
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        async with s.post(f"{rig.console}/guide/{k}/status", data={"action": "confirm", "csrf": token}) as res:
            assert "已确认生效" in await res.text()
    await rig.app.outbox.drain()
    assert any("已由社区确认生效" in t for t in await rig.transcript(member))
    reply = await answer_to(rig, "room-2", "r07", "小区新装的充电桩怎么办充电卡")
    assert reply.startswith(f"【办事指南 {k}】充电桩充电卡办理") and "物业服务中心" in reply


@pytest.mark.browser
async def test_in_the_browser_an_edited_answer_reaches_the_next_resident(browser: Any, rig: Rig) -> None:  # noqa: F811
    n = entry_id(rig, "office-hours")
    page = await open_as(browser, rig, await rig.name_of("s1"), "demo1234")
    await page.click("header nav >> text=办事指南")
    await page.wait_for_selector("#entries")
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "guide-list.png"))  # the first screen: 45 entries are long
    await page.click(f"tr[data-id='{n}'] a")
    await page.wait_for_selector("#entry-form")
    await page.fill("textarea[name=answer]", "社区服务中心周一至周六 8:30-18:00 办公,周日休息。\n以窗口最新要求为准")
    await shot(page, "guide-entry")
    await page.click("#save")
    await page.wait_for_selector("#flash")
    assert "已保存办事指南" in await page.inner_text("#flash")
    reply = await answer_to(rig, "room-3", "r13", "社区办公时间")
    assert reply.startswith(f"【办事指南 {n}】") and "周一至周六 8:30-18:00" in reply
