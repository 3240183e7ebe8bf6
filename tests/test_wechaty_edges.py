"""The WeChat gateway across a lost connection and a kill -9 (issue 11): a message whose
content was not fetched when the puppet service went away is kept pending and fetched after
the reconnect; a message the bot was sending when it died is not sent twice where the
gateway can tell it went out."""
from __future__ import annotations

import asyncio
import json
import time

from kernel.messages import Outbound
from tests.test_wechaty_gateway import ROOM, Collector, make_gateway, rig  # noqa: F401 - fixtures


async def test_a_message_not_fetched_when_the_connection_went_away_is_fetched_after_it(rig, make_gateway):  # noqa: F811
    gw = make_gateway(rig.endpoint, rig.token, connect_timeout=1.0)
    inbox = Collector()
    gw.set_handler(inbox)
    await gw.start()
    real = gw._puppet.message_payload
    failures = {"left": 3}

    async def flaky(message_id: str):  # type: ignore[no-untyped-def]
        if failures["left"]:
            failures["left"] -= 1
            gw._close_channel()  # the connection goes away between the event and the payload
            raise ConnectionResetError("puppet service went away")
        return await real(message_id)

    gw._puppet.message_payload = flaky
    said = await rig.say("u1", "楼道灯坏了", room=ROOM)
    # before: "could not be handed to the bot" and the message was gone
    msg = await inbox.next(timeout=20)
    assert msg.text == "楼道灯坏了" and msg.message_id == said["id"]
    assert gw.connects >= 2  # it came after a reconnect
    await asyncio.sleep(0.3)
    assert [m.text for m in inbox.all] == ["楼道灯坏了"]  # once
    journal = json.loads((gw.data_dir / "wechaty-journal.json").read_text("utf-8"))
    assert journal["pending"] == {}


async def test_a_pending_message_survives_a_kill_9_of_the_bot(rig, make_gateway):  # noqa: F811
    said = await rig.say("u2", "电梯又坏了", room=ROOM)  # the event reached a bot that died before fetching it
    first = make_gateway(rig.endpoint, rig.token)
    first._journal.arrived(said["id"])  # what the dead bot had written
    second = make_gateway(rig.endpoint, rig.token)  # the bot started again, same data folder
    inbox = Collector()
    second.set_handler(inbox)
    await second.start()
    msg = await inbox.next(timeout=15)
    assert msg.text == "电梯又坏了" and msg.message_id == said["id"]


async def test_a_message_sent_just_before_a_kill_9_is_not_sent_again(rig, make_gateway):  # noqa: F811
    gw = make_gateway(rig.endpoint, rig.token)
    gw.set_handler(Collector())
    await gw.start()
    notice = Outbound(ROOM, "明天上午9点停水", is_room=True, id=41)
    receipt = Outbound(ROOM, "工单 1002 已办结", is_room=True, mentions=("u1",), id=42)
    await gw.send(notice)  # the service took it; the bot dies before the outbox marks it sent
    # the second one: killed while the call was under way (journal "in flight"), and its echo came back
    gw._journal.sending(42, ROOM, receipt.text)
    await gw._send_call(gw._puppet.message_send_text(ROOM, "@张三\u2005" + receipt.text, ["u1"]))
    await rig.wait_sent(lambda m: "工单 1002" in m["text"])
    deadline = time.monotonic() + 5
    while not gw._journal.echoed_since(ROOM, receipt.text, 0) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)

    await gw.stop()  # the process is gone (its journal file is what a kill -9 leaves)
    await rig.restart()  # the mock serves one event stream at a time: a fresh service for the new bot
    again = make_gateway(rig.endpoint, rig.token)  # restarted; the outbox retries both
    again.set_handler(Collector())
    await again.start()
    await again.send(notice)
    await again.send(receipt)
    await asyncio.sleep(0.3)
    sent = await rig.sent()
    assert len([m for m in sent if m["text"] == "明天上午9点停水"]) == 1
    assert len([m for m in sent if "工单 1002 已办结" in m["text"]]) == 1


async def test_an_interrupted_send_with_no_echo_is_sent(rig, make_gateway):  # noqa: F811
    gw = make_gateway(rig.endpoint, rig.token)
    gw.set_handler(Collector())
    await gw.start()
    gw.echo_wait = 0.5
    gw._journal.sending(43, ROOM, "通知:周六义诊")  # the bot died before the call reached WeChat
    await gw.send(Outbound(ROOM, "通知:周六义诊", is_room=True, id=43))
    sent = await rig.wait_sent(lambda m: m["text"] == "通知:周六义诊")
    assert len(sent) == 1
    # an outbox id reused for another text (a new database) is not mistaken for it
    await gw.send(Outbound(ROOM, "另一条消息", is_room=True, id=43))
    await rig.wait_sent(lambda m: m["text"] == "另一条消息")
