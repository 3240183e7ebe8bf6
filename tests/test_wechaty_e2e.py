"""The real bot through real python-wechaty against the official Node puppet service.

The demo community's people and building groups exist in the mock WeChat with
the demo's ids and group names (幸福里1号楼邻里群 ...); residents and members
talk through the puppet service; the bot (App + WechatyGateway, or the
``lianhu run --gateway wechaty`` process) answers through it.
"""
from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kernel.clock import Clock
from tests.helpers import building_room_of, linked_member_of, person, ticket
from tests.wechaty_rig import BOT_ID, PuppetRig, require_rig

ROOT = Path(__file__).resolve().parents[1]
#: a Monday, 10:00 in Shanghai (as in conftest): office hours, whatever the real time
START = datetime(2026, 11, 23, 2, 0, 0)


class DaytimeClock(Clock):
    """Real time passing, but starting on a Monday morning (no quiet hours)."""

    def __init__(self, start: datetime, tz: str = "Asia/Shanghai") -> None:
        super().__init__(tz)
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class World:
    def __init__(self, rig: PuppetRig, app, gateway) -> None:  # type: ignore[no-untyped-def]
        self.rig = rig
        self.app = app
        self.gw = gateway
        self.sessions = app.sessions  # for tests.helpers
        self.delivered: list[str] = []

    async def wait_delivered(self, message_id: str, timeout: float = 10.0) -> None:
        """Wait until the bot stored and handled the message with this id."""
        deadline = time.monotonic() + timeout
        while message_id not in self.delivered:
            assert time.monotonic() < deadline, f"message {message_id} never reached the bot"
            await asyncio.sleep(0.02)

    def outbox_rows(self, replies_only: bool = False) -> int:
        """Rows in the outbox (``replies_only``: not a scheduled job's, which carries its batch)."""
        from storage.models import OutboxMessage

        query = select(func.count(OutboxMessage.id))
        if replies_only:
            query = query.where(OutboxMessage.batch.is_(None))
        with self.sessions() as s:
            return s.scalar(query) or 0


async def _populate(rig: PuppetRig, sessions) -> None:  # type: ignore[no-untyped-def]
    """The demo's people as WeChat contacts, its groups as WeChat rooms with the
    demo's names (the mock does not check membership: everyone is in every room)."""
    from storage.models import ChatRoom, Person

    with sessions() as s:
        people = s.scalars(select(Person).where(Person.chat_id.is_not(None)).order_by(Person.id)).all()
        rooms = s.scalars(select(ChatRoom).order_by(ChatRoom.id)).all()
        contacts = [(p.chat_id, p.name) for p in people]
        groups = [(r.chat_id, r.name) for r in rooms]
    for chat_id, name in contacts:
        await rig.contact(chat_id, name)
    for chat_id, name in groups:
        await rig.room(chat_id, name, [c for c, _ in contacts])


def _load_demo(app) -> None:  # type: ignore[no-untyped-def]
    from storage.demo import load_demo

    with app.sessions() as session:
        load_demo(session, app.clock)
        session.commit()


@pytest.fixture
async def world(tmp_path, classifier):  # type: ignore[no-untyped-def]
    require_rig()
    from bot.app import App
    from bot.gateways.wechaty import WechatyGateway
    from kernel.config import Settings

    rig = PuppetRig(tmp_path / "puppet")
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    gateway = WechatyGateway(rig.endpoint, rig.token, settings.data_dir, connect_timeout=3.0,
                             give_up_after=10.0, max_backoff=2.0, rpc_timeout=5.0)
    app = App(settings, gateway, clock=DaytimeClock(START), classifier=classifier)
    w = World(rig, app, gateway)

    async def receive(message):  # type: ignore[no-untyped-def]
        try:
            return await app.receive(message)
        finally:
            w.delivered.append(message.message_id)

    gateway.set_handler(receive)
    started = False
    try:
        await rig.start()
        app.prepare_database()
        _load_demo(app)  # with WeChat the demo loads only when asked (`lianhu demo`)
        await _populate(rig, app.sessions)
        await asyncio.wait_for(app.start(), 30)
        started = True
        yield w
    finally:
        if started:
            await asyncio.wait_for(app.stop(), 20)
        else:
            await asyncio.wait_for(gateway.stop(), 10)
        rig.close()


def _in(conversation: str, *needles: str):  # type: ignore[no-untyped-def]
    return lambda m: m["conversationId"] == conversation and all(n in m["text"] for n in needles)


async def test_report_accept_resolve_rate_through_wechat(world) -> None:
    rig = world.rig
    room = building_room_of(world, "r01")
    member = linked_member_of(world, "r01")
    resident = person(world, "r01")

    said = await rig.say("r01", "2单元楼道灯坏了好几天了,晚上上楼黑漆漆的", room=room)
    [receipt] = await rig.wait_sent(_in(room, "工单号 1001"), timeout=15)
    assert receipt["isRoom"] and receipt["mentionIds"] == ["r01"]
    assert receipt["text"].startswith(f"@{resident.name}\u2005")  # rendered as a WeChat mention
    assert "设施报修" in receipt["text"] and member.name in receipt["text"]
    [private] = await rig.wait_sent(_in(member.chat_id, "1001"), timeout=15)
    assert not private["isRoom"] and "接单 1001" in private["text"] and "楼道灯坏了" in private["text"]
    print(f"\nreport -> receipt in the room: {receipt['at'] - said['at']} ms (paced outbox, idle bot)")

    await rig.say(member.chat_id, "接单 1001")
    await rig.wait_sent(_in(member.chat_id, "已接单"), timeout=15)
    await rig.wait_sent(_in(room, f"{member.name}接单"), timeout=15)

    await rig.say(member.chat_id, "办结 1001 已更换楼道灯泡")
    [ask] = await rig.wait_sent(_in(room, "已办结"), timeout=15)
    assert "1 满意" in ask["text"] and "3 不满意" in ask["text"]

    await rig.say("r01", "1", room=room)
    await rig.wait_sent(_in(room, "感谢您的评价(满意)"), timeout=15)

    t = ticket(world, 1001)
    assert t.status == "closed" and t.rating == 1
    assert [e.kind for e in t.events] == ["created", "assigned", "accepted", "resolved", "rated", "closed"]
    # every message went out exactly once
    texts = [(m["conversationId"], m["text"]) for m in await rig.sent()]
    assert len(texts) == len(set(texts))


async def test_chatter_gets_silence(world) -> None:
    """Nothing is said to anyone because of chatter. (The world starts on a Monday at 10:00, when the
    weekly report for the staff group is due: that job may run while the chatter is said — the
    start's warm-up can hold it a moment — so it is not counted.)"""
    rig = world.rig
    room = building_room_of(world, "r01")

    async def said_outside_the_staff_group() -> int:
        return sum(1 for m in await rig.sent() if m["conversationId"] != "room-staff")

    before_rows, before_sent = world.outbox_rows(replies_only=True), await said_outside_the_staff_group()
    for text in ("大家早上好", "收到,谢谢", "电梯修好了,谢谢物业", "今天天气真好"):
        said = await rig.say("r01", text, room=room)
        await world.wait_delivered(said["id"])
    await asyncio.sleep(0.5)
    assert world.outbox_rows(replies_only=True) == before_rows
    assert await said_outside_the_staff_group() == before_sent


async def test_puppet_service_restart_mid_flow(world) -> None:
    """The service dies after a message reached the bot: the replies wait in the
    outbox, go out once after the reconnect, and the flow goes on."""
    from kernel.messages import Inbound

    rig, gw = world.rig, world.gw
    room = building_room_of(world, "r01")
    member = linked_member_of(world, "r01")
    await rig.say("r01", "单元门禁坏了,刷卡没反应", room=room)
    await rig.wait_sent(_in(room, "工单号 1001"), timeout=15)
    await rig.wait_sent(_in(member.chat_id, "1001"), timeout=15)

    await rig.stop()  # killed
    deadline = time.monotonic() + 5
    while gw.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not gw.connected
    # the member's 接单 had reached the bot just before the service died
    rows = world.outbox_rows()
    await world.app.receive(Inbound(gateway="wechaty", message_id="received-before-the-drop",
                                    sender_id=member.chat_id, sender_name=member.name, text="接单 1001"))
    assert world.outbox_rows() >= rows + 2  # a reply to the member, a notice in the group
    await asyncio.sleep(1.0)

    await rig.start()
    t0 = time.monotonic()
    assert await gw.wait_connected(10), "no reconnect within 10 s"
    print(f"\nreconnected {time.monotonic() - t0:.2f} s after the puppet service came back")

    await rig.wait_sent(_in(member.chat_id, "已接单"), timeout=15)
    await rig.wait_sent(_in(room, f"{member.name}接单"), timeout=15)
    await asyncio.sleep(2.0)  # nothing comes twice
    assert len([m for m in await rig.sent() if _in(member.chat_id, "已接单")(m)]) == 1
    assert len([m for m in await rig.sent() if _in(room, f"{member.name}接单")(m)]) == 1

    # and the conversation goes on through the new connection
    await rig.say(member.chat_id, "办结 1001 门禁已修好")
    await rig.wait_sent(_in(room, "已办结"), timeout=15)
    await rig.say("r01", "1", room=room)
    await rig.wait_sent(_in(room, "感谢您的评价"), timeout=15)
    assert ticket(world, 1001).status == "closed"


REPORTS = (
    "楼道灯坏了,晚上上楼看不见",
    "单元门禁坏了,刷卡没反应",
    "家里水龙头一点水都没有,停水了吗",
    "2单元楼道灯坏了好几天了,晚上上楼黑漆漆的",
)


async def test_latency_report_to_receipt(world) -> None:
    """From a resident's report (at the puppet service) to the bot's reply in the
    room (at the puppet service), for each of the demo's 24 residents. Pacing off:
    this is the bot's own time; the paced outbox adds nothing to the first message
    after a quiet spell (see the flow test's print)."""
    world.app.outbox.paced = False
    rig = world.rig
    latencies = []
    for i in range(1, 25):
        chat_id = f"r{i:02d}"
        room = building_room_of(world, chat_id)
        said = await rig.say(chat_id, REPORTS[i % len(REPORTS)], room=room)
        [reply] = await rig.wait_sent(
            lambda m, c=chat_id, r=room, at=said["at"]: m["conversationId"] == r and c in m["mentionIds"]
            and m["at"] >= at, timeout=15)
        latencies.append(reply["at"] - said["at"])
        await rig.wait_sent(lambda m, at=said["at"]: not m["isRoom"] and m["at"] >= at, timeout=15)
    median = statistics.median(latencies)
    print(f"\nresident report -> receipt in the room through WeChat (puppet service, real bot): "
          f"median {median:.0f} ms, min {min(latencies)} ms, max {max(latencies)} ms, n={len(latencies)}")
    assert median < 2000


# --------------------------------------------------------------- the lianhu command


def _lianhu(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """The real command; its output goes to cwd/lianhu.log (read with _output)."""
    with open(cwd / "lianhu.log", "w") as log:
        return subprocess.Popen([sys.executable, "-m", "bot.cli.main", *args], cwd=cwd, env=env, text=True,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _output(cwd: Path) -> str:
    return (cwd / "lianhu.log").read_text("utf-8", "replace")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _env(rig: PuppetRig, token: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), WECHATY_PUPPET_SERVICE_ENDPOINT=rig.endpoint,
               WECHATY_PUPPET_SERVICE_TOKEN=token)
    for key in [k for k in env if k.startswith("LIANHU_")]:
        env.pop(key)
    return env


async def test_lianhu_run_wrong_token_exits_nonzero(tmp_path) -> None:
    require_rig()
    rig = PuppetRig(tmp_path / "puppet")
    try:
        await rig.start()
        from bot.cli.main import main

        assert main(["--data-dir", str(tmp_path / "data"), "demo"]) == 0  # not loaded by itself with WeChat
        proc = _lianhu(["--data-dir", str(tmp_path / "data"), "run", "--gateway", "wechaty"],
                       _env(rig, "wrong-token"), tmp_path)
        try:
            await asyncio.to_thread(proc.wait, 60)
        finally:
            _stop(proc)
        out = _output(tmp_path)
        assert proc.returncode not in (0, None), out
        assert "rejected the token" in out and "WECHATY_PUPPET_SERVICE_TOKEN" in out, out
        assert "wrong-token" not in out
    finally:
        rig.close()


async def test_lianhu_run_answers_in_the_building_group(tmp_path) -> None:
    """`lianhu run --gateway wechaty` (the real process) answers a report in a group
    named like a demo building, and stops cleanly on SIGINT."""
    require_rig()
    rig = PuppetRig(tmp_path / "puppet")
    proc = None
    try:
        await rig.start()
        await rig.contact("wxid_newbie", "周阿姨")
        room = "20261123001@chatroom"  # a real-looking group id, bound by its name
        await rig.room(room, "幸福里2号楼邻里群", ["wxid_newbie"])
        from bot.cli.main import main

        assert main(["--data-dir", str(tmp_path / "data"), "demo"]) == 0  # not loaded by itself with WeChat
        proc = _lianhu(["--data-dir", str(tmp_path / "data"), "run", "--gateway", "wechaty"],
                       _env(rig, rig.token), tmp_path)
        try:
            await rig.wait_client(timeout=60)
        except AssertionError:
            raise AssertionError(_output(tmp_path)) from None
        await asyncio.sleep(0.5)  # the app starts its outbox right after the gateway
        await rig.say("wxid_newbie", "@联户助手\u2005楼道灯坏了,晚上上楼看不见", room=room, mentions=[BOT_ID])
        try:
            [receipt] = await rig.wait_sent(lambda m: m["conversationId"] == room, timeout=20)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- lianhu run output:\n{_output(tmp_path)[-6000:]}") from None
        assert receipt["mentionIds"] == ["wxid_newbie"]
        proc.send_signal(signal.SIGINT)
        try:  # it exits in about a second; once, late in a loaded full run, it took over 30 s (see
            # the issue notes: a write on the event loop waiting out SQLite's 30 s busy timeout is the
            # suspect), so the test allows 60 s and prints the bot's log when even that is not enough
            await asyncio.to_thread(proc.wait, 60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)  # the bot writes every thread's stack to its log
            await asyncio.sleep(2)
            raise AssertionError(f"no exit 60 s after Ctrl+C\n--- lianhu run output:\n{_output(tmp_path)[-12000:]}") from None
        assert proc.returncode == 0, _output(tmp_path)
    finally:
        if proc is not None:
            _stop(proc)
        rig.close()
