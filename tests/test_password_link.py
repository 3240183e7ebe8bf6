"""设置密码: the one-time link the bot sends privately, and its page, over real HTTP (simulator
gateway, the console on the app's server): works once, expires, refused in groups and to
residents and members, CSRF, the password's rules."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from storage.models import OutboxMessage, PasswordLink
from tests.test_web_console import CSRF, http, login
from tests.web_rig import Rig, rig  # noqa: F401 - the fixture

LINK = re.compile(r"https?://\S+/console/password/[A-Za-z0-9_-]+")
NEW = "new-password-1"


async def ask_link(rig: Rig, chat_id: str) -> str:
    """``chat_id`` privately asks for the link; returns its path (the test server's port differs)."""
    res = await rig.post(None, chat_id, "设置密码")
    [reply] = [r for r in res["replies"] if r["conversation"] == chat_id]
    found = LINK.search(reply["text"])
    assert found, reply["text"]
    assert "30 分钟内有效" in reply["text"] and "只能用一次" in reply["text"]
    return urlsplit(found.group(0)).path


async def open_form(s, rig: Rig, path: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    async with s.get(rig.base + path) as res:
        page = await res.text()
        found = CSRF.search(page)
        return res.status, page, found.group(1) if found else ""


async def set_password(s, rig: Rig, path: str, password: str = NEW, again: str | None = None):  # type: ignore[no-untyped-def]
    status, page, csrf = await open_form(s, rig, path)
    assert status == 200 and "form" in page, page
    res = await s.post(rig.base + path, data={"csrf": csrf, "password": password,
                                              "again": password if again is None else again})
    return res.status, await res.text()


def links(rig: Rig) -> int:
    with rig.app.sessions() as session:
        return int(session.scalar(select(func.count(PasswordLink.id))) or 0)


async def test_a_staff_member_sets_a_password_once_and_logs_in(rig: Rig) -> None:
    staff = await rig.name_of("s1")
    path = await ask_link(rig, "s1")
    token = path.rsplit("/", 1)[1]
    with rig.app.sessions() as session:  # only the token's hash is kept
        [row] = session.scalars(select(PasswordLink)).all()
        assert row.token_hash != token and len(row.token_hash) == 64
    async with http() as s:
        status, page = await set_password(s, rig, path)
        assert status == 200 and f"用户名“{staff}”" in page and "密码已设置" in page
        res = await login(s, rig, staff, NEW)
        assert res.status == 200 and res.url.path == "/console/tickets"
    async with http() as s:  # the demo password no longer works
        res = await login(s, rig, staff, "demo1234")
        assert res.status == 401

    async with http() as s:  # the same link again: used up
        status, page, csrf = await open_form(s, rig, path)
        assert status == 410 and "已经用过" in page and not csrf
        async with s.get(rig.console + "/login") as res:
            csrf = CSRF.search(await res.text()).group(1)  # type: ignore[union-attr]
        res = await s.post(rig.base + path, data={"csrf": csrf, "password": "another-pass", "again": "another-pass"})
        assert res.status == 410 and "已经用过" in await res.text()
        res = await login(s, rig, staff, "another-pass")
        assert res.status == 401  # the password stayed as set


async def test_a_grid_worker_gets_a_link_too_and_the_help_says_how(rig: Rig) -> None:
    worker = await rig.name_of("g1")
    res = await rig.post(None, "g1", "帮助")
    assert any("设置密码" in r["text"] for r in res["replies"])
    res = await rig.post(None, "s1", "帮助")
    assert any("设置密码" in r["text"] for r in res["replies"])
    path = await ask_link(rig, "g1")
    async with http() as s:
        status, page = await set_password(s, rig, path)
        assert status == 200 and "密码已设置" in page
        res = await login(s, rig, worker, NEW)
        assert res.status == 200 and "(网格员)" in await res.text()


async def test_an_expired_link_is_refused(rig: Rig) -> None:
    path = await ask_link(rig, "s1")
    rig.clock.advance(minutes=31)
    async with http() as s:
        status, page, csrf = await open_form(s, rig, path)
        assert status == 410 and "已过期" in page and "设置密码" in page and not csrf


async def test_a_new_link_replaces_the_older_one_and_a_made_up_one_opens_nothing(rig: Rig) -> None:
    first = await ask_link(rig, "s1")
    second = await ask_link(rig, "s1")
    assert first != second
    async with http() as s:
        status, page, _ = await open_form(s, rig, first)
        assert status == 410 and "已被新链接取代" in page
        status, page, _ = await open_form(s, rig, "/console/password/not-a-real-token")
        assert status == 410 and "链接无效" in page
        status, page = await set_password(s, rig, second)
        assert status == 200 and "密码已设置" in page


async def test_in_a_group_the_bot_asks_to_write_privately_and_sends_nothing_secret(rig: Rig) -> None:
    res = await rig.post("room-staff", "s1", "设置密码")
    assert res["replies"] and all(r["conversation"] == "room-staff" for r in res["replies"])
    assert any("请私聊我" in r["text"] for r in res["replies"])
    assert not any("/console/password/" in r["text"] for r in res["replies"])
    res = await rig.post("room-1", "g1", "设置密码")
    assert any("请私聊我" in r["text"] for r in res["replies"])
    assert links(rig) == 0
    with rig.app.sessions() as session:
        sent = session.scalars(select(OutboxMessage.text)).all()
        assert not any("/console/password/" in t for t in sent)


async def test_residents_and_members_are_refused_politely(rig: Rig) -> None:
    for chat_id, role in (("r01", "居民"), ("m01", "联户党员")):
        res = await rig.post(None, chat_id, "设置密码")
        [reply] = [r["text"] for r in res["replies"] if r["conversation"] == chat_id]
        assert "网页控制台只供社区工作人员和网格员使用" in reply and role in reply
        assert "/console/password/" not in reply
    res = await rig.post("room-1", "r01", "设置密码")
    assert not any("/console/password/" in r["text"] for r in res["replies"])
    assert links(rig) == 0


async def test_the_form_needs_its_csrf_token_and_a_good_password(rig: Rig) -> None:
    path = await ask_link(rig, "s1")
    async with http() as s:
        await open_form(s, rig, path)
        res = await s.post(rig.base + path, data={"password": NEW, "again": NEW})  # no CSRF token
        assert res.status == 403 and "校验码" in await res.text()
        status, page = await set_password(s, rig, path, "short")
        assert status == 400 and "密码太短:至少 8 位" in page
        status, page = await set_password(s, rig, path, NEW, "something-else")
        assert status == 400 and "两次输入的密码不一致" in page
        status, page = await set_password(s, rig, path)  # refusals did not use the link up
        assert status == 200 and "密码已设置" in page
