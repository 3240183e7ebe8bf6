"""The console's 待处理, 台账 and 通知与宣传 pages over real HTTP (no browser): each button does
what its chat command does, and each page keeps to the viewer's scope. The browser versions
(and the phone-width screenshots): tests/test_web_pages_browser.py."""
from __future__ import annotations

import re

import aiohttp
from sqlalchemy import select

from storage.models import Campaign, HeadsUp, Household, Person
from tests.test_web_console import csrf_of, http, login
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture

UNSURE = "3单元门口有点问题"


async def post(s: aiohttp.ClientSession, rig: Rig, path: str, data: dict[str, object],
               page: str) -> str:
    """Post a console form (with the CSRF token of ``page``) and read where it leads."""
    token = await csrf_of(s, rig.console + page)
    async with s.post(rig.console + path, data={"csrf": token, **data}) as res:
        assert res.status == 200, await res.text()
        return await res.text()


async def heads_up(rig: Rig) -> tuple[int, str]:
    """An unsure message in 1号楼's group: (the heads-up's number, the member told)."""
    res = await rig.post("room-1", "r01", UNSURE)
    assert not [r for r in res["replies"] if r["conversation"] == "room-1"], "nothing said in the group"
    told = next(r for r in res["replies"] if not r["is_room"])
    number = re.search(r"待确认 (\d+)", told["text"])
    assert number, told["text"]
    return int(number.group(1)), told["conversation"]


async def test_pending_heads_up_becomes_a_ticket_with_the_receipt_in_the_group(rig: Rig) -> None:
    number, member = await heads_up(rig)
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/pending") as res:
            page = await res.text()
        assert f'id="headsup-{number}"' in page and UNSURE in page
        body = await post(s, rig, f"/pending/headsup/{number}/ticket", {}, "/pending")
        found = re.search(r"已转为工单 (\d+)", body)
        assert found, body
        assert f'id="headsup-{number}"' not in body  # decided: no longer waiting
        again = await post(s, rig, f"/pending/headsup/{number}/ticket", {}, "/pending")
        assert "已经处理过了" in again
    await rig.app.outbox.drain()
    receipt = [t for t in await rig.transcript("room-1") if f"工单号 {found.group(1)}" in t]
    assert receipt, await rig.transcript("room-1")
    with rig.app.sessions() as session:
        item = session.get(HeadsUp, number)
        assert item is not None and item.status == "ticketed"


async def test_pending_is_scoped_and_ignoring_is_the_chat_ignore(rig: Rig) -> None:
    number, _ = await heads_up(rig)
    async with http() as s:
        await login(s, rig, await rig.account("g2"))  # 第二网格: not 1号楼
        async with s.get(rig.console + "/pending") as res:
            assert f'id="headsup-{number}"' not in await res.text()
        body = await post(s, rig, f"/pending/headsup/{number}/ignore", {}, "/pending")
        assert "没有找到待确认" in body
    async with http() as s:
        await login(s, rig, await rig.account("g1"))
        body = await post(s, rig, f"/pending/headsup/{number}/ignore", {}, "/pending")
        assert f"待确认 {number} 已忽略" in body
    with rig.app.sessions() as session:
        item = session.get(HeadsUp, number)
        assert item is not None and item.status == "ignored"


async def test_claims_and_colour_changes_are_decided_from_the_page(rig: Rig) -> None:
    with rig.app.sessions() as session:
        h = session.scalar(select(Household).where(Household.link.has(), Household.colour == "green")
                           .order_by(Household.id))
        assert h is not None
        address, member = h.address, h.link.member.chat_id
    newcomer = (await rig.post(None, "新邻居", f"我是 {address}"))["sender"]
    await rig.post(None, str(member), f"调色 {address} 黄 邻里有些矛盾")
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/pending") as res:
            page = await res.text()
        claim = re.search(r'id="claim-(\d+)"', page)
        colour = re.search(r'id="colour-(\d+)"', page)
        assert claim and colour, page
        assert "邻里有些矛盾" in page
        body = await post(s, rig, f"/pending/claim/{claim.group(1)}/confirm", {}, "/pending")
        assert f"是 {address} 的住户" in body
        body = await post(s, rig, f"/pending/colour/{colour.group(1)}/reject", {"note": ""}, "/pending")
        assert "请写上驳回的原因" in body and f'id="colour-{colour.group(1)}"' in body  # still waiting
        body = await post(s, rig, f"/pending/colour/{colour.group(1)}/confirm", {}, "/pending")
        assert f"已确认调色申请 {colour.group(1)}" in body
    await rig.app.outbox.drain()
    assert any(f"已登记:您是 {address} 的住户" in t for t in await rig.transcript(newcomer))
    assert any(f"调色申请 {colour.group(1)}" in t for t in await rig.transcript(str(member)))
    with rig.app.sessions() as session:
        person = session.scalar(select(Person).where(Person.chat_id == newcomer))
        assert person is not None and person.household is not None and person.household.address == address
        changed = session.scalar(select(Household).where(Household.id == h.id))
        assert changed is not None and changed.colour == "yellow"


async def test_a_grid_worker_sees_no_colour_changes_and_no_colours(rig: Rig) -> None:
    with rig.app.sessions() as session:
        h = session.scalar(select(Household).where(Household.link.has(), Household.colour == "green")
                           .order_by(Household.id))
        assert h is not None
        address, member = h.address, h.link.member.chat_id
    res = await rig.post(None, str(member), f"调色 {address} 黄 邻里有些矛盾")
    assert any("调色申请" in r["text"] for r in res["replies"]), res
    async with http() as s:
        await login(s, rig, await rig.account("g1"))
        async with s.get(rig.console + "/pending") as res:
            page = await res.text()
        assert 'id="section-colour"' not in page and "邻里有些矛盾" not in page
        async with s.get(rig.console + "/ledger") as res:
            page = await res.text()
        assert "1号楼" in page and "2号楼" in page and "3号楼" not in page and "4号楼" not in page
        assert "<th>四色" not in page and 'class="dot c-' not in page
        building = re.search(r'/ledger/buildings/(\d+)', page)
        assert building
        async with s.get(rig.console + f"/ledger/buildings/{building.group(1)}") as res:
            page = await res.text()
        assert address.split("-", 1)[1] in page or "household" in page
        assert 'class="dot' not in page and "<th>颜色" not in page
        with rig.app.sessions() as session:
            reasons = [r for r in session.scalars(select(Household.colour_reason)) if r]
        assert not any(r in page for r in reasons)
        async with s.get(rig.console + "/ledger/buildings/3") as res:
            assert res.status == 404 and "不在您的管辖范围" in await res.text()
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/ledger") as res:
            page = await res.text()
        assert "<th>四色" in page and 'class="dot c-' in page and "4号楼" in page


async def test_ledger_members_load_and_visits(rig: Rig) -> None:
    rig.clock.advance(days=40)  # every household's first visit is overdue by now
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/ledger?tab=members") as res:
            page = await res.text()
        with rig.app.sessions() as session:
            member = session.scalar(select(Person).where(Person.chat_id == "m01"))
            assert member is not None
            load = len(session.scalars(select(Household).where(Household.link.has(member_id=member.id))).all())
        row = re.search(rf"<b>{member.name}</b>.*?</tr>", page, re.DOTALL)
        assert row and f"{load} / 15" in row.group(0)
        assert ("超额" in row.group(0)) == (load > 15) and ("偏少" in row.group(0)) == (load < 5)
        async with s.get(rig.console + "/ledger?tab=visits") as res:
            page = await res.text()
        assert "第一网格" in page and "第二网格" in page and "num-bad" in page
        async with s.get(rig.console + "/ledger?tab=wishes") as res:
            assert res.status == 200


async def test_a_notice_from_the_web_goes_to_the_grid_groups_only(rig: Rig) -> None:
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/notices") as res:
            page = await res.text()
        grid = re.search(r'<option value="(\d+)">第一网格</option>', page)
        assert grid
        body = await post(s, rig, "/notices", {"content": "周六上午停水,请提前储水", "kind": "grid",
                                               "grid": grid.group(1)}, "/notices")
        assert "幸福里1号楼邻里群" in body and "幸福里3号楼邻里群" not in body
        assert "【通知】周六上午停水" in body and "确认发送" in body
        assert not any("停水" in t for t in await rig.transcript("room-1")), "not before 确认"
        draft = re.search(r"/notices/(\d+)/send", body)
        assert draft
        body = await post(s, rig, f"/notices/{draft.group(1)}/send", {}, f"/notices/{draft.group(1)}")
        assert f"通知 {draft.group(1)} 已确认发送,共 2 条" in body
        await rig.app.outbox.drain()
        async with s.get(rig.console + f"/notices/{draft.group(1)}") as res:
            body = await res.text()
        assert "已发 2" in body and "待发 0" in body
    for room, expected in (("room-1", True), ("room-2", True), ("room-3", False), ("room-4", False)):
        assert any("【通知】周六上午停水" in t for t in await rig.transcript(room)) == expected, room


async def test_quiet_hours_are_said_before_sending_and_an_empty_notice_is_refused(rig: Rig) -> None:
    rig.clock.advance(hours=12)  # 22:00 in the community
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        body = await post(s, rig, "/notices", {"content": "  ", "kind": "all"}, "/notices")
        assert "请填写通知内容" in body
        body = await post(s, rig, "/notices", {"content": "消防检查", "kind": "buildings"}, "/notices")
        assert "请选择网格、楼栋或颜色" in body
        body = await post(s, rig, "/notices", {"content": "消防检查", "kind": "all"}, "/notices")
        assert "夜间免打扰" in body and "07:30" in body


async def test_a_colour_notice_goes_privately_to_the_members(rig: Rig) -> None:
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        body = await post(s, rig, "/notices", {"content": "寒潮来了,请上门看看", "kind": "colours",
                                               "colour": "orange"}, "/notices")
        draft = re.search(r"/notices/(\d+)/send", body)
        assert draft and "名联户党员" in body
        await post(s, rig, f"/notices/{draft.group(1)}/send", {}, f"/notices/{draft.group(1)}")
    await rig.app.outbox.drain()
    for room in ("room-1", "room-2", "room-3", "room-4"):
        assert not any("寒潮" in t for t in await rig.transcript(room))
    with rig.app.sessions() as session:
        orange = session.scalars(select(Household).where(Household.colour == "orange",
                                                         Household.link.has())).all()
        members = {h.link.member.chat_id for h in orange}
    for chat_id in members:
        assert any("寒潮" in t for t in await rig.transcript(str(chat_id))), chat_id


async def test_a_grid_worker_cannot_send_a_notice_and_sees_only_their_grids(rig: Rig) -> None:
    await rig.post(None, "s1", "通知 第二网格 二网格电梯检修")
    await rig.post(None, "s1", "确认通知 1")
    await rig.post(None, "s1", "通知 全部 全体大扫除")
    await rig.post(None, "s1", "确认通知 2")
    async with http() as s:
        await login(s, rig, await rig.account("g1"))
        async with s.get(rig.console + "/notices") as res:
            page = await res.text()
        assert 'id="notice-form"' not in page and "社区工作人员" in page
        assert "全体大扫除" in page and "二网格电梯检修" not in page
        async with s.get(rig.console + "/notices/1") as res:
            assert res.status == 404
        async with s.get(rig.console + "/notices/2") as res:
            assert res.status == 200 and "全体大扫除" in await res.text()
        body = await post(s, rig, "/notices", {"content": "测试", "kind": "all"}, "/notices")
        assert "您没有权限" in body


async def test_campaigns_pause_and_resume_from_the_page(rig: Rig) -> None:
    await rig.post(None, "s1", "新建宣传 防电诈 对象:全部 时间:每周一 09:00 内容:谨防电信诈骗")
    with rig.app.sessions() as session:
        campaign = session.scalar(select(Campaign))
        assert campaign is not None
        cid = campaign.id
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/notices") as res:
            page = await res.text()
        assert "防电诈" in page and 'class="ev"' in page
        body = await post(s, rig, f"/campaigns/{cid}/pause", {}, "/notices")
        assert f"宣传 {cid}「防电诈」已暂停" in body and 'data-status="paused"' in body
        assert rig.app.scheduler.get_job(f"campaign:{cid}") is None
        body = await post(s, rig, f"/campaigns/{cid}/pause", {}, "/notices")
        assert "不能暂停" in body
        body = await post(s, rig, f"/campaigns/{cid}/resume", {}, "/notices")
        assert f"宣传 {cid}「防电诈」已恢复" in body and 'data-status="active"' in body
        assert rig.app.scheduler.get_job(f"campaign:{cid}") is not None


async def test_the_new_pages_refuse_a_post_without_csrf(rig: Rig) -> None:
    number, _ = await heads_up(rig)
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        for path, data in ((f"/pending/headsup/{number}/ticket", {}), ("/notices", {"content": "x", "kind": "all"})):
            async with s.post(rig.console + path, data=data) as res:
                assert res.status == 403, path
    with rig.app.sessions() as session:
        item = session.get(HeadsUp, number)
        assert item is not None and item.status == "open"


async def test_a_matching_proposal_is_accepted_from_the_page(rig: Rig) -> None:
    from storage.models import MemberLink

    with rig.app.sessions() as session:
        links = session.scalars(select(MemberLink).order_by(MemberLink.id).limit(2)).all()
        unlinked = {link.household_id for link in links}
        for link in links:
            session.delete(link)
        session.commit()
    reply = await rig.post(None, "s1", "匹配")
    assert any("确认匹配" in r["text"] for r in reply["replies"]), reply
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/pending") as res:
            page = await res.text()
        batch = re.search(r'id="match-(\d+)"', page)
        assert batch and "2 户待确认" in page
        body = await post(s, rig, f"/pending/match/{batch.group(1)}/accept", {"note": "1"}, "/pending")
        assert f"匹配建议 {batch.group(1)}:已建立 1 户联系" in body
        assert "1 户待确认" in body  # line 2 still waits
        body = await post(s, rig, f"/pending/match/{batch.group(1)}/accept", {"note": ""}, "/pending")
        assert "已建立 1 户联系" in body and f'id="match-{batch.group(1)}"' not in body
    with rig.app.sessions() as session:
        linked = set(session.scalars(select(MemberLink.household_id).where(MemberLink.household_id.in_(unlinked))))
    assert linked == unlinked


async def test_a_group_binding_is_confirmed_from_the_page_and_the_group_is_told(rig: Rig) -> None:
    async with aiohttp.ClientSession() as s:
        body = {"room": "room-new", "room_name": "幸福里4号楼邻里群", "sender": "r20", "text": "大家好"}
        async with s.post(f"{rig.base}/api/sim/messages", json=body) as res:
            assert res.status == 200
    async with http() as s:
        await login(s, rig, await rig.account("g2"))  # grid workers do not bind groups
        async with s.get(rig.console + "/pending") as res:
            assert 'id="section-binding"' not in await res.text()
    async with http() as s:
        await login(s, rig, await rig.name_of("s1"), "demo1234")
        async with s.get(rig.console + "/pending") as res:
            page = await res.text()
        proposal = re.search(r'id="binding-(\d+)"', page)
        assert proposal and "幸福里4号楼邻里群" in page
        body = await post(s, rig, f"/pending/binding/{proposal.group(1)}/confirm", {}, "/pending")
        assert "已将群「幸福里4号楼邻里群」绑定为 4号楼 的楼栋群" in body
    await rig.app.outbox.drain()
    assert "本群已绑定为 4号楼 的楼栋群。居民在本群反映的问题会生成工单。" in await rig.transcript("room-new")
