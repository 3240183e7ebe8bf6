"""The web console over real HTTP (no browser): logins, CSRF, lockout, scope, and actions that
tell the member and the group exactly as chat does. Browser tests: tests/test_web_browser.py."""
from __future__ import annotations

import re

import aiohttp

from bot.cli.main import main as lianhu
from tests.web_rig import PASSWORD, Rig, rig  # noqa: F401 - the fixture

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def http() -> aiohttp.ClientSession:
    # the console's cookie lives on 127.0.0.1: aiohttp keeps cookies for IP hosts only if unsafe
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def csrf_of(s: aiohttp.ClientSession, url: str) -> str:
    async with s.get(url) as res:
        found = CSRF.search(await res.text())
        assert found, url
        return found.group(1)


async def login(s: aiohttp.ClientSession, rig: Rig, name: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
    token = await csrf_of(s, rig.console + "/login")
    return await s.post(rig.console + "/login", data={"csrf": token, "login": name, "password": password},
                        allow_redirects=True)


async def test_the_demo_staff_login_works_and_pages_need_a_login(rig: Rig) -> None:
    staff = await rig.name_of("s1")
    async with http() as s:
        async with s.get(rig.console + "/tickets", allow_redirects=False) as res:
            assert res.status == 302 and res.headers["Location"].endswith("/console/login")
        res = await login(s, rig, staff, "demo1234")
        page = await res.text()
        assert res.status == 200 and res.url.path == "/console/tickets"
        assert f"{staff}(社区工作人员)" in page and "没有符合条件的工单" in page


async def test_a_wrong_password_is_refused_and_five_lock_the_account(rig: Rig) -> None:
    worker = await rig.account("g1")
    async with http() as s:
        res = await login(s, rig, worker, "not-the-password")
        assert res.status == 401 and "用户名或密码不对" in await res.text()
        for _ in range(4):
            res = await login(s, rig, worker, "still-wrong!")
        assert "账号已锁定" in await res.text()
        res = await login(s, rig, worker)  # the right password, but locked
        assert res.status == 401 and "账号已锁定" in await res.text()
        rig.clock.advance(minutes=16)
        res = await login(s, rig, worker)
        assert res.status == 200 and "(网格员)" in await res.text()


async def test_a_form_without_its_csrf_token_is_refused(rig: Rig) -> None:
    number, member = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    staff = await rig.name_of("s1")
    async with http() as s:
        await csrf_of(s, rig.console + "/login")
        async with s.post(rig.console + "/login", data={"login": staff, "password": "demo1234"}) as res:
            assert res.status == 403 and "校验码" in await res.text()
        await login(s, rig, staff, "demo1234")
        async with s.post(f"{rig.console}/tickets/{number}/reply", data={"text": "马上来"}) as res:
            assert res.status == 403
        async with s.post(f"{rig.console}/tickets/{number}/reply", data={"text": "马上来", "csrf": "forged"}) as res:
            assert res.status == 403
    assert not any("马上来" in t for t in await rig.transcript("room-1"))


async def test_assign_and_reply_from_the_web_tell_the_member_and_the_group(rig: Rig) -> None:
    number, first = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    other = "m02" if first != "m02" else "m03"
    other_name = await rig.name_of(other)
    staff = await rig.name_of("s1")
    async with http() as s:
        await login(s, rig, staff, "demo1234")
        page = f"{rig.console}/tickets/{number}"
        token = await csrf_of(s, page)
        with rig.app.sessions() as session:
            from storage.models import Person
            from sqlalchemy import select
            target = session.scalar(select(Person.id).where(Person.chat_id == other))
        async with s.post(page + "/assign", data={"csrf": token, "person": str(target)}) as res:
            text = await res.text()
            assert f"已派单给联户党员{other_name}" in text and f"{other_name}" in text
        await rig.app.outbox.drain()
        assert any(f"工单 {number}" in t for t in await rig.transcript(other))
        assert any(f"工单 {number} 已派给联户党员{other_name}" in t for t in await rig.transcript("room-staff"))
        token = await csrf_of(s, page)
        async with s.post(page + "/reply", data={"csrf": token, "text": "物业明天上午来换灯泡"}) as res:
            assert "已回复反映人" in await res.text()
        await rig.app.outbox.drain()
        assert f"工单 {number} 有新进展:物业明天上午来换灯泡" in await rig.transcript("room-1")
        async with s.get(page) as res:
            body = await res.text()
        assert f"{staff}派单给{other_name}" in body and f"{staff}进展:物业明天上午来换灯泡" in body


async def test_a_grid_worker_sees_only_their_grid(rig: Rig) -> None:
    mine, _ = await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    theirs, _ = await rig.report("room-3", "r13", "垃圾桶满了好几天没人清")
    worker = await rig.account("g1")  # 第一网格: 1号楼, 2号楼
    async with http() as s:
        res = await login(s, rig, worker)
        page = await res.text()
        assert f'data-number="{mine}"' in page and f'data-number="{theirs}"' not in page
        assert "第一网格" in page and "第二网格" not in page and "3号楼" not in page
        async with s.get(f"{rig.console}/tickets?status=all&q={theirs}") as res:
            assert f'data-number="{theirs}"' not in await res.text()
        async with s.get(f"{rig.console}/tickets/{theirs}") as res:
            assert res.status == 404 and "不在您的管辖范围" in await res.text()
        async with s.get(f"{rig.console}/tickets/{mine}") as res:
            body = await res.text()
        # a grid worker may reply but not 派单, and sees no household colour
        assert 'id="reply-form"' in body and 'id="assign-form"' not in body and 'id="household"' not in body


async def test_lianhu_user_add(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = ["--data-dir", str(tmp_path / "data")]
    assert lianhu([*data, "demo"]) == 0
    from kernel.config import Settings
    from storage import db
    from storage.models import Person
    from sqlalchemy import select

    engine = db.make_engine(Settings(data_dir=tmp_path / "data").db_url)
    with db.session_factory(engine)() as session:
        worker = session.scalar(select(Person.name).where(Person.chat_id == "g2"))
        member = session.scalar(select(Person.name).where(Person.chat_id == "m01"))
    engine.dispose()
    capsys.readouterr()
    assert lianhu([*data, "user", "add", str(worker), "--password", "short"]) == 1
    assert "密码太短" in capsys.readouterr().err
    assert lianhu([*data, "user", "add", str(member), "--password", "long-enough"]) == 1
    assert "只有社区工作人员和网格员可以登录" in capsys.readouterr().err
    assert lianhu([*data, "user", "add", "无此人", "--password", "long-enough"]) == 1
    assert "台账里没有叫“无此人”的人" in capsys.readouterr().err
    assert lianhu([*data, "user", "add", str(worker), "--password", "long-enough"]) == 0
    assert f"已为网格员{worker}开通控制台账号" in capsys.readouterr().out
    assert lianhu([*data, "user", "add", str(worker), "--password", "another-one"]) == 0
    assert "重设控制台密码" in capsys.readouterr().out


async def test_a_login_whose_person_is_no_longer_a_grid_worker_sees_nothing(rig: Rig) -> None:
    from sqlalchemy import update

    from storage.models import Person

    await rig.report("room-1", "r01", "2单元楼道灯坏了好几天了")
    worker = await rig.account("g1")
    async with http() as s:
        res = await login(s, rig, worker)
        assert 'data-number="1001"' in await res.text()
        with rig.app.sessions() as session:
            session.execute(update(Person).where(Person.chat_id == "g1").values(role="member"))
            session.commit()
        async with s.get(rig.console + "/tickets") as res:
            body = await res.text()
        assert res.url.path == "/console/login" and 'data-number="1001"' not in body
        res = await login(s, rig, worker)
        assert res.status == 401 and "用户名或密码不对" in await res.text()


async def test_the_ticket_list_carries_the_live_update_note_from_the_first_page(rig: Rig) -> None:
    """The template engine is made at the first page, not at start (bot/web/console.py
    ``_templates``), with the live updates' texts: the list's note is there from the first page
    on, and the same on the next."""
    import json

    from kernel import texts as T

    note = json.dumps(T.CONSOLE_LIVE_NEW)  # as the page's script holds it (tojson)
    staff = await rig.name_of("s1")
    async with http() as s:
        res = await login(s, rig, staff, "demo1234")
        assert res.status == 200 and f"note = {note}" in await res.text()
        async with s.get(rig.console + "/tickets") as again:
            assert f"note = {note}" in await again.text()
