"""The Wechaty gateway through the real python-wechaty client against the official
Node puppet-service server with the mock puppet (see tests/wechaty_rig.py)."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.driver.gateway import GatewayFatalError, SendError
from kernel.messages import Inbound, Kind, Outbound
from tests.wechaty_rig import (
    BOT_ID,
    BOT_NAME,
    PuppetRig,
    free_port,
    require_rig,
    tiny_png,
)

ROOM = "r3@chatroom"
TOPIC = "幸福里小区3号楼居民群"
ALIAS = "3-2-301 张阿姨"


class Collector:
    """The app's side: collects delivered messages."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Inbound] = asyncio.Queue()
        self.all: list[Inbound] = []

    async def __call__(self, message: Inbound) -> None:
        self.all.append(message)
        await self.queue.put(message)

    async def next(self, timeout: float = 10.0) -> Inbound:
        return await asyncio.wait_for(self.queue.get(), timeout)


@pytest.fixture
async def rig(tmp_path):
    require_rig()
    r = PuppetRig(tmp_path / "puppet")
    try:
        await r.start()
        await r.contact("u1", "张三")
        await r.contact("u2", "李四")
        await r.room(ROOM, TOPIC, ["u1", "u2"], aliases={"u1": ALIAS})
        yield r
    finally:
        r.close()


@pytest.fixture
async def make_gateway(tmp_path):
    require_rig()
    from bot.gateways.wechaty import WechatyGateway

    made: list[WechatyGateway] = []

    def make(endpoint: str, token: str, **kwargs) -> WechatyGateway:
        kwargs.setdefault("connect_timeout", 3.0)
        kwargs.setdefault("give_up_after", 5.0)
        kwargs.setdefault("rpc_timeout", 5.0)
        kwargs.setdefault("max_backoff", 2.0)
        gw = WechatyGateway(endpoint, token, tmp_path / "data", **kwargs)
        made.append(gw)
        return gw

    yield make
    for gw in made:
        await asyncio.wait_for(gw.stop(), 15)


@pytest.fixture
async def gateway(rig, make_gateway):
    gw = make_gateway(rig.endpoint, rig.token)
    inbox = Collector()
    gw.set_handler(inbox)
    await asyncio.wait_for(gw.start(), 15)
    gw.inbox = inbox  # type: ignore[attr-defined]
    return gw


# --------------------------------------------------------------------- inbound


async def test_room_text_mentioning_the_bot(rig, gateway):
    assert gateway.connected
    assert gateway.self_id == BOT_ID and gateway.self_name == BOT_NAME
    said = await rig.say("u1", f"@{BOT_NAME}\u2005厨房水管漏水了", room=ROOM, mentions=[BOT_ID])
    msg = await gateway.inbox.next()
    assert msg == Inbound(
        gateway="wechaty",
        message_id=said["id"],
        sender_id="u1",
        sender_name=ALIAS,  # the group nickname, as WeChat shows it in the group
        text=f"@{BOT_NAME}\u2005厨房水管漏水了",
        room=ROOM,
        room_name=TOPIC,
        kind=Kind.TEXT,
        mentions=(BOT_ID,),
        mentions_bot=True,
    )


async def test_room_text_mentions_others_or_nobody(rig, gateway):
    await rig.say("u2", "@张三 你家漏水了吗", room=ROOM, mentions=["u1"])
    msg = await gateway.inbox.next()
    assert (msg.sender_id, msg.sender_name) == ("u2", "李四")  # no group nickname: the name
    assert msg.mentions == ("u1",) and msg.mentions_bot is False
    await rig.say("u2", "今天天气不错", room=ROOM)
    msg = await gateway.inbox.next()
    assert msg.mentions == () and msg.mentions_bot is False and msg.text == "今天天气不错"
    # "@联户助手" typed by hand, without mention ids: still addressed to the bot
    await rig.say("u2", f"@{BOT_NAME} 电梯坏了", room=ROOM)
    msg = await gateway.inbox.next()
    assert msg.mentions == () and msg.mentions_bot is True


async def test_private_message(rig, gateway):
    said = await rig.say("u1", "接单 12")
    msg = await gateway.inbox.next()
    assert msg.message_id == said["id"]
    assert msg.is_private and msg.room is None and msg.room_name is None
    assert (msg.sender_id, msg.sender_name, msg.text, msg.kind) == ("u1", "张三", "接单 12", Kind.TEXT)
    assert msg.conversation == "u1"


async def test_image_is_stored_in_the_data_folder(rig, gateway, tmp_path):
    picture = tiny_png()
    said = await rig.image("u1", picture, "leak.png", room=ROOM)
    msg = await gateway.inbox.next()
    assert msg.message_id == said["id"]
    assert msg.kind == Kind.IMAGE and msg.room == ROOM and msg.sender_id == "u1"
    assert msg.attachment is not None
    path = Path(msg.attachment)
    assert path.is_file() and path.suffix == ".png"
    assert (tmp_path / "data") in path.parents
    assert path.read_bytes() == picture
    # privately, too
    await rig.image("u2", tiny_png(2, 2), "p.png")
    msg = await gateway.inbox.next()
    assert msg.kind == Kind.IMAGE and msg.is_private and Path(msg.attachment).read_bytes() == tiny_png(2, 2)


async def test_a_large_image_comes_as_uuid_and_is_downloaded(rig, gateway):
    """The service passes pictures over 20 KB as a UUID file box: fetched through
    its Download stream, which python-wechaty 0.10.7 has no stub for."""
    picture = tiny_png(160, 120, noise=True)
    assert len(picture) > 40_000
    await rig.image("u1", picture, "big.png", room=ROOM)
    msg = await gateway.inbox.next()
    assert msg.kind == Kind.IMAGE and msg.attachment is not None
    assert Path(msg.attachment).read_bytes() == picture


async def test_the_bots_own_messages_are_not_delivered(rig, gateway):
    await gateway.send(Outbound(ROOM, "大家好", is_room=True))
    await rig.wait_sent(lambda m: m["text"] == "大家好")
    await rig.say("u1", "好的", room=ROOM)
    msg = await gateway.inbox.next()
    assert msg.text == "好的"  # the echo of "大家好" was skipped
    assert all(m.sender_id != BOT_ID for m in gateway.inbox.all)


# -------------------------------------------------------------------- outbound


async def test_send_to_room_with_mention_and_to_contact(rig, gateway):
    await gateway.send(Outbound(ROOM, "已收到您的报修,工单号 7。", is_room=True, mentions=("u1",)))
    [sent] = await rig.wait_sent(lambda m: "工单号 7" in m["text"])
    assert sent["conversationId"] == ROOM and sent["isRoom"] is True
    assert sent["mentionIds"] == ["u1"]
    assert sent["text"] == f"@{ALIAS}\u2005已收到您的报修,工单号 7。"

    await gateway.send(Outbound("u2", "新工单 7:3号楼厨房漏水", is_room=False))
    [sent] = await rig.wait_sent(lambda m: m["text"].startswith("新工单 7"))
    assert sent["conversationId"] == "u2" and sent["isRoom"] is False and sent["mentionIds"] == []

    # a mention already written in the text is not doubled
    await gateway.send(Outbound(ROOM, "@李四 请看一下", is_room=True, mentions=("u2",)))
    [sent] = await rig.wait_sent(lambda m: "请看一下" in m["text"])
    assert sent["text"] == "@李四 请看一下" and sent["mentionIds"] == ["u2"]


async def test_send_file_to_contact(rig, gateway, tmp_path):
    path = tmp_path / "receipt.png"
    path.write_bytes(tiny_png(8, 8))
    await gateway.send(Outbound("u1", "办结照片", is_room=False, attachment=str(path)))
    files = await rig.wait_sent(lambda m: m["file"] is not None)
    texts = await rig.wait_sent(lambda m: m["text"] == "办结照片")
    assert len(files) == 1 and len(texts) == 1
    assert files[0]["conversationId"] == "u1"
    assert files[0]["file"]["name"] == "receipt.png"
    assert files[0]["file"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


async def test_send_missing_file_is_permanent(gateway, tmp_path):
    with pytest.raises(SendError) as err:
        await gateway.send(Outbound("u1", "", is_room=False, attachment=str(tmp_path / "nope.png")))
    assert err.value.permanent


# ------------------------------------------------------------ connection health


async def test_server_restart_reconnects_and_delivers_once(rig, gateway):
    assert gateway.connects == 1
    await rig.stop()  # the puppet service dies
    deadline = time.monotonic() + 5
    while gateway.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not gateway.connected, "the gateway did not notice the service went away"
    pending = Outbound(ROOM, "您的工单 9 已办结", is_room=True, mentions=("u1",))
    with pytest.raises(SendError):
        await gateway.send(pending)  # the outbox would keep it

    await asyncio.sleep(1.5)  # down for a while: the gateway retries meanwhile
    await rig.start()
    t0 = time.monotonic()
    assert await gateway.wait_connected(10), "no reconnect within 10 s"
    reconnect_s = time.monotonic() - t0
    assert gateway.connects == 2 and gateway.self_id == BOT_ID
    print(f"\nreconnected {reconnect_s:.2f} s after the service came back")

    await gateway.send(pending)  # the outbox's retry
    await asyncio.sleep(0.3)
    matches = [m for m in await rig.sent() if "工单 9 已办结" in m["text"]]
    assert len(matches) == 1
    # and inbound works again
    await rig.say("u1", "谢谢", room=ROOM)
    msg = await gateway.inbox.next()
    assert msg.text == "谢谢" and msg.room_name == TOPIC


async def test_wrong_token_fails_fast(rig, make_gateway):
    gw = make_gateway(rig.endpoint, "not-the-token")
    gw.set_handler(Collector())
    t0 = time.monotonic()
    with pytest.raises(GatewayFatalError) as err:
        await asyncio.wait_for(gw.start(), 10)
    assert time.monotonic() - t0 < 5  # no retries: at once (typically 0.1 s)
    text = str(err.value)
    assert "rejected the token" in text and "WECHATY_PUPPET_SERVICE_TOKEN" in text and "令牌" in text
    assert "not-the-token" not in text
    assert not gw.connected


async def test_unreachable_endpoint_retries_then_gives_up(make_gateway, caplog):
    caplog.set_level(logging.INFO, logger="lianhu.gateway.wechaty")
    gw = make_gateway(f"127.0.0.1:{free_port()}", "whatever", give_up_after=2.0, max_backoff=0.5)
    gw.set_handler(Collector())
    t0 = time.monotonic()
    with pytest.raises(GatewayFatalError) as err:
        await asyncio.wait_for(gw.start(), 10)
    assert 2.0 <= time.monotonic() - t0 < 8
    assert "cannot reach the puppet service" in str(err.value) and "无法连接" in str(err.value)
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) >= 2
    assert "unreachable" in retries[0].getMessage()
    with pytest.raises(SendError):
        await gw.send(Outbound("u1", "x", is_room=False))


async def test_comes_up_when_the_service_starts_late(tmp_path, make_gateway):
    require_rig()
    r = PuppetRig(tmp_path / "late")
    try:
        gw = make_gateway(r.endpoint, r.token, give_up_after=20.0, max_backoff=1.0)
        gw.set_handler(Collector())
        starting = asyncio.create_task(gw.start())
        await asyncio.sleep(1.0)
        assert not starting.done()
        await r.start()
        await asyncio.wait_for(starting, 10)
        assert gw.connected
    finally:
        r.close()


async def test_handler_errors_do_not_stop_the_gateway(rig, make_gateway, caplog):
    gw = make_gateway(rig.endpoint, rig.token)
    got: list[Inbound] = []

    async def handler(message: Inbound) -> None:
        got.append(message)
        if message.text == "boom":
            raise RuntimeError("handler exploded")

    gw.set_handler(handler)
    await gw.start()
    await rig.say("u1", "boom", room=ROOM)
    await rig.say("u1", "after", room=ROOM)
    deadline = time.monotonic() + 10
    while len(got) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert [m.text for m in got] == ["boom", "after"]
    assert any("could not be handed" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------- latency


async def test_latency_resident_to_reply(rig, make_gateway):
    """Message in the room -> gateway -> an immediate reply -> back at the service.

    Measured on the server's clock (both timestamps are taken in node): the
    gateway's share of the bot's response time. N=40, median printed.
    """
    gw = make_gateway(rig.endpoint, rig.token)

    async def echo(message: Inbound) -> None:
        await gw.send(Outbound(message.room or message.sender_id, f"收到 {message.text}",
                               is_room=message.room is not None, mentions=(message.sender_id,)))

    gw.set_handler(echo)
    await gw.start()
    latencies = []
    for i in range(40):
        said = await rig.say("u1", f"L{i}", room=ROOM, mentions=[BOT_ID])
        [reply] = await rig.wait_sent(lambda m, i=i: m["text"].endswith(f"收到 L{i}"), timeout=10)
        latencies.append(reply["at"] - said["at"])
    median = statistics.median(latencies)
    p90 = sorted(latencies)[int(len(latencies) * 0.9) - 1]
    print(f"\nwechaty gateway round trip (resident -> reply at the service): "
          f"median {median:.1f} ms, p90 {p90:.1f} ms, max {max(latencies):.1f} ms, n={len(latencies)}")
    assert median < 1000


# -------------------------------------------------------------------- compat


def test_compat_makes_python_wechaty_importable(tmp_path):
    """`import wechaty` works through the shim and writes no .wechaty/ into the cwd."""
    require_rig()
    cache = tmp_path / "cache"
    code = (
        "from bot.gateways import wechaty_compat\n"
        f"wechaty_compat.apply({str(cache)!r})\n"
        "import wechaty, wechaty_puppet_service\n"
        "from wechaty import Wechaty, WechatyOptions\n"
        "print(WechatyOptions().puppet_options is not None)\n"
    )
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    env.pop("CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
    assert not (cwd / ".wechaty").exists()
    assert cache.is_dir()
