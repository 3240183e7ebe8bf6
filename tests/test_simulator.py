"""The simulator gateway's page and JSON API, driven over real HTTP on loopback."""
from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import App
from bot.gateways.simulator import SimulatorGateway
from tests.conftest import START


@pytest.fixture
async def sim(settings, classifier) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    from kernel.clock import FrozenClock

    settings.sim_port = 0  # a free port: the app's HTTP server serves the simulator
    # no gateway given: the app makes the one named in the settings (the simulator by default)
    app = App(settings, clock=FrozenClock(START), classifier=classifier)
    assert isinstance(app.gateway, SimulatorGateway)
    await app.start()
    yield f"http://127.0.0.1:{app.server.port}"
    await app.stop()


async def post(base: str, **body: object) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/sim/messages", json=body) as res:
            assert res.status == 200, await res.text()
            return await res.json()


async def get(base: str, path: str) -> object:
    async with aiohttp.ClientSession() as http:
        async with http.get(base + path) as res:
            assert res.status == 200
            return await res.json()


async def test_the_page_and_the_rooms(sim: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(sim + "/") as res:
            assert res.status == 200 and "联户助手" in await res.text()
    rooms = await get(sim, "/api/sim/rooms")
    assert {"id": "room-1", "name": "幸福里1号楼邻里群", "kind": "building"} in rooms
    assert any(r["kind"] == "staff" for r in rooms)


async def test_the_whole_loop_through_the_api(sim: str) -> None:
    people = await get(sim, "/api/sim/people")
    r01 = next(p for p in people if p["id"] == "r01")
    res = await post(sim, room="room-1", sender=r01["name"], text="2单元楼道灯坏了,晚上看不见")
    receipt = next(r for r in res["replies"] if r["conversation"] == "room-1")
    assert "工单号 1001" in receipt["text"] and receipt["mentions"] == ["r01"]
    member = next(r for r in res["replies"] if not r["is_room"])["conversation"]

    res = await post(sim, room=None, to=member, sender=member, text="接单 1001")
    assert any("已接单" in r["text"] for r in res["replies"])
    res = await post(sim, room=None, to=member, sender=member, text="办结 1001 已换灯泡")
    assert any("请回复数字" in r["text"] for r in res["replies"] if r["conversation"] == "room-1")
    res = await post(sim, room="room-1", sender="r01", text="1")
    assert any("感谢您的评价" in r["text"] for r in res["replies"])

    transcript = await get(sim, "/api/sim/transcript?conversation=room-1")
    texts = [m["text"] for m in transcript["messages"]]
    assert texts[0] == "2单元楼道灯坏了,晚上看不见" and "工单号 1001" in texts[1]
    assert texts[-2] == "1" and "感谢您的评价" in texts[-1]


async def test_a_new_resident_by_name_and_a_repeated_message_id(sim: str) -> None:
    res = await post(sim, room="room-2", sender="新来的小王", text="垃圾桶满了没人清,味道很大", id="abc")
    assert res["sender"] == "sim-新来的小王" and res["replies"]
    again = await post(sim, room="room-2", sender="新来的小王", text="垃圾桶满了没人清,味道很大", id="abc")
    # handled once; a client that lost the first answer gets the same replies again
    assert again["duplicate"] is True and again["replies"] == res["replies"]
    assert again["inbound"] == res["inbound"]


async def test_bad_requests_get_a_chinese_error(sim: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim}/api/sim/messages", data="not json") as res:
            assert res.status == 400 and "JSON" in (await res.json())["error"]
        async with http.post(f"{sim}/api/sim/messages", json={"text": "hi"}) as res:
            assert res.status == 400 and "sender" in (await res.json())["error"]
        async with http.post(f"{sim}/api/sim/messages", json={"sender": "r01", "text": "x", "kind": "hologram"}) as res:
            assert res.status == 400
        async with http.get(f"{sim}/api/sim/transcript") as res:
            assert res.status == 400


@pytest.fixture
async def night_sim(settings, classifier) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from kernel.clock import FrozenClock

    settings.sim_port = 0
    # 23:00 in Shanghai: quiet hours
    app = App(settings, SimulatorGateway(), clock=FrozenClock(START + timedelta(hours=13)), classifier=classifier)
    await app.start()
    yield f"http://127.0.0.1:{app.server.port}"
    await app.stop()


async def test_messages_held_for_quiet_hours_show_as_waiting(night_sim: str) -> None:
    res = await post(night_sim, room="room-1", sender="r01", text="单元门的门禁坏了,刷卡打不开")
    member = next(r for r in res["replies"] if not r["is_room"])
    assert member["status"] == "pending"  # the member is not woken at 23:00
    transcript = await get(night_sim, f"/api/sim/transcript?conversation={member['conversation']}")
    [waiting] = transcript["messages"]
    assert "新工单 1001" in waiting["text"] and waiting["waiting_until"] == "11-24 07:30"


async def test_the_server_answers_healthz(sim: str) -> None:
    health = await get(sim, "/healthz")
    assert health == {"ok": True, "gateway": "simulator", "connected": True}


async def test_an_app_whose_gateway_serves_nothing_opens_no_port(bot) -> None:  # type: ignore[no-untyped-def]
    assert not bot.app.gateway.needs_server and not bot.app.server.started


async def test_the_server_registers_routes_once_before_it_starts() -> None:
    from aiohttp import web

    from bot.driver.server import HttpServer

    class Hello:
        def setup(self, server: HttpServer) -> None:
            async def hello(request: web.Request) -> web.Response:
                return web.json_response({"hello": "world"})

            server.add_routes([web.get("/hello", hello)])

    server = HttpServer("127.0.0.1", 0)
    assert not server.wanted
    server.add_plugin(Hello())
    assert server.wanted
    await server.start()
    try:
        assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}/"
        base = server.url.rstrip("/")
        assert await get(base, "/hello") == {"hello": "world"}
        assert await get(base, "/healthz") == {"ok": True}
        with pytest.raises(RuntimeError):
            server.add_plugin(Hello())
    finally:
        await server.stop()
    assert not server.started


# --- trust boundaries (issue 11) -------------------------------------------------------------------


async def raw_post(base: str, body: object, **headers: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/sim/messages", json=body, headers=headers) as res:
            return res.status, await res.json()


async def test_a_page_on_another_site_cannot_post_staff_commands(sim: str) -> None:
    body = {"room": "room-staff", "sender": "s01", "text": "通知 全部 明天停水"}
    status, res = await raw_post(sim, body, Origin="http://evil.example")
    assert status == 403 and "跨站" in res["error"]
    status, res = await raw_post(sim, body, Referer="http://evil.example/page.html")
    assert status == 403
    status, res = await raw_post(sim, body, **{"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    transcript = await get(sim, "/api/sim/transcript?conversation=room-staff")
    assert not any("明天停水" in m["text"] for m in transcript["messages"])  # nothing reached the bot
    status, res = await raw_post(sim, {**body, "text": "帮助"}, Origin=sim)  # the page itself is fine
    assert status == 200 and res["replies"]


async def test_an_unknown_host_header_is_refused(sim: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(sim + "/api/sim/people", headers={"Host": "attacker.example:8080"}) as res:
            assert res.status == 421 and "Host" in (await res.json())["error"]
        async with http.get(sim + "/api/sim/people", headers={"Host": "localhost"}) as res:
            assert res.status == 200


async def test_the_same_message_id_returns_the_first_replies_and_0_is_an_id(sim: str) -> None:
    first = await post(sim, room="room-1", sender="r01", text="2单元楼道灯坏了", id=0)
    assert first["replies"] and not first["duplicate"]
    again = await post(sim, room="room-1", sender="r01", text="2单元楼道灯坏了", id=0)
    assert again["duplicate"] and again["replies"] == first["replies"]
    other = await post(sim, room="room-1", sender="r02", text="3单元电梯坏了", id="0-b")
    assert not other["duplicate"]


async def test_mention_bot_false_as_a_string_is_false(sim: str) -> None:
    silent = await post(sim, room="room-1", sender="r01", kind="image", mention_bot="false")
    assert silent["replies"] == []  # a picture without an @ gets no answer
    asked = await post(sim, room="room-1", sender="r01", kind="image", mention_bot="true")
    assert asked["replies"]
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sim}/api/sim/messages", json={"room": "room-1", "sender": "r01",
                                                             "text": "x", "mention_bot": "maybe"}) as res:
            assert res.status == 400 and "mention_bot" in (await res.json())["error"]


@pytest.fixture
async def open_sim(settings, classifier) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    from kernel.clock import FrozenClock

    settings.sim_port, settings.sim_host, settings.sim_token = 0, "0.0.0.0", "s3cret-token"
    app = App(settings, clock=FrozenClock(START), classifier=classifier)
    await app.start()
    assert "⚠" in (app.gateway.welcome() or "")  # the person starting it is warned
    yield f"http://127.0.0.1:{app.server.port}"
    await app.stop()


def test_a_non_loopback_address_without_a_token_does_not_start(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    from bot.driver.gateway import GatewayUnavailable

    settings.sim_host = "0.0.0.0"
    with pytest.raises(GatewayUnavailable, match="sim_token"):
        App(settings, classifier=classifier)


async def test_beyond_loopback_people_transcripts_and_private_chats_need_the_token(open_sim: str) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/api/sim/people", "/api/sim/rooms", "/api/sim/transcript?conversation=m01"):
            async with http.get(open_sim + path) as res:
                assert res.status == 401, path
        async with http.post(f"{open_sim}/api/sim/messages", json={"sender": "m01", "text": "我的工单"}) as res:
            assert res.status == 401
        async with http.get(open_sim + "/api/sim/people", headers={"Authorization": "Bearer wrong"}) as res:
            assert res.status == 401
        async with http.get(open_sim + "/api/sim/people",
                            headers={"Authorization": "Bearer s3cret-token"}) as res:
            assert res.status == 200 and await res.json()
    # the page with ?token= sets a cookie the page's calls carry (a browser keeps cookies of an IP address)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(open_sim + "/?token=s3cret-token") as res:
            assert res.status == 200
        async with http.get(open_sim + "/api/sim/people") as res:
            assert res.status == 200


async def test_eight_people_posting_at_once_each_get_their_own_answer(sim: str) -> None:
    import asyncio

    problems = ["楼道灯坏了", "电梯坏了停在三楼", "下水道堵了往外冒水", "门禁坏了关不上",
                "楼顶漏水了", "单元门的锁坏了", "消防通道被电动车堵了", "垃圾好几天没人收了"]
    people = [f"r{i:02d}" for i in range(1, 25, 3)]  # eight residents of the four buildings
    rooms = [f"room-{(int(p[1:]) - 1) // 6 + 1}" for p in people]
    answers = await asyncio.gather(*(post(sim, room=room, sender=person, text=text)
                                     for person, room, text in zip(people, rooms, problems)))
    for person, room, answer in zip(people, rooms, answers):
        mine = [r for r in answer["replies"] if r["conversation"] == room]
        assert mine and all(r["mentions"] == [person] for r in mine), (person, answer["replies"])
        assert all(r["status"] == "sent" for r in answer["replies"])  # sent by the time it answers
    numbers = {n for a in answers for r in a["replies"] for n in range(1001, 1009) if f"工单号 {n}" in r["text"]}
    assert len(numbers) >= 4  # tickets, each answered to the one who reported it


class _PrivateFails(SimulatorGateway):
    """A simulator whose private messages fail once (the group answer goes out)."""

    async def send(self, message):  # type: ignore[no-untyped-def]
        from bot.driver.gateway import SendError

        if not message.is_room:
            raise SendError("network down")
        await super().send(message)


async def test_a_reply_whose_send_failed_shows_as_waiting(settings, classifier) -> None:  # type: ignore[no-untyped-def]
    """A pass that left something behind: the request's answer lists it as still waiting."""
    from kernel.clock import FrozenClock

    settings.sim_port = 0
    app = App(settings, _PrivateFails(), clock=FrozenClock(START), classifier=classifier)
    await app.start()
    try:
        base = f"http://127.0.0.1:{app.server.port}"
        res = await post(base, room="room-1", sender="r01", text="单元门的门禁坏了,刷卡打不开")
        by_kind = {r["is_room"]: r for r in res["replies"]}
        assert "1001" in by_kind[True]["text"] and by_kind[True]["status"] == "sent"
        assert "新工单 1001" in by_kind[False]["text"] and by_kind[False]["status"] == "pending"
        # the next request's pass leaves nothing of its own behind: only its own replies come
        res = await post(base, room="room-1", sender="r02", text="今天天气不错")
        assert all("新工单" not in r["text"] for r in res["replies"])
    finally:
        await app.stop()
