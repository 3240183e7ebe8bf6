"""The simulator gateway: the embedded default, a web page on localhost where you type
as residents, members and staff, and a JSON API for tests and scripted demos. Its routes are
served by the app's HTTP server (bot/driver/server.py); what it shows comes from the app's
port (bot/driver/port.py); messages go in through ``deliver()`` and come back through ``send()``.

    GET  /                               the page
    GET  /api/sim/rooms                  the groups: [{"id", "name", "kind"}]
    GET  /api/sim/people                 who you can be: [{"id", "name", "role", "address"}]
    POST /api/sim/messages               {"room": ID|null, "to": person, "sender": name|id,
                                          "text": "...", "kind": "text"|"image"|..., "id": optional}
                                         → {"replies": [{"conversation", "text", "mentions"}]}
    GET  /api/sim/transcript?conversation=ID[&after=N]   the conversation so far
"""
from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.driver.gateway import Gateway
from bot.driver.port import Heard, Queued
from bot.driver.server import HttpServer
from kernel.messages import Inbound, Kind, Outbound

log = logging.getLogger(__name__)
PAGE = Path(__file__).with_name("simulator.html")
BOT_NAME = "联户助手"


class SimulatorGateway(Gateway):
    name = "simulator"
    paced = False  # nobody's account to protect
    needs_server = True

    def __init__(self) -> None:
        super().__init__()
        self.server: HttpServer | None = None
        self.sent: list[Outbound] = []
        self._replies: dict[int, list[Outbound]] = {}  # by the app's id of what caused them

    # --- the gateway interface -------------------------------------------------------------------

    def setup(self, server: HttpServer) -> None:
        self.server = server
        server.add_routes([
            web.get("/", self.page),
            web.get("/api/sim/rooms", self.rooms),
            web.get("/api/sim/people", self.people),
            web.post("/api/sim/messages", self.post_message),
            web.get("/api/sim/transcript", self.transcript),
        ])

    async def start(self) -> None:
        pass  # the app's HTTP server serves the page and the API

    async def stop(self) -> None:
        pass

    async def send(self, message: Outbound) -> None:
        # the transcript is read back from the app; keeping a copy helps a scripted demo
        self.sent.append(message)
        if message.reply_to is not None:
            self._replies.setdefault(message.reply_to, []).append(message)

    def welcome(self) -> str | None:
        if self.server is None or not self.server.started:
            return None
        return f"\n  联户助手已启动:在浏览器打开 {self.server.url}  (Ctrl+C 退出)\n"

    # --- http -------------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")

    async def rooms(self, request: web.Request) -> web.Response:
        return web.json_response([{"id": r.chat_id, "name": r.name, "kind": r.kind}
                                  for r in self.app.rooms()])

    async def people(self, request: web.Request) -> web.Response:
        return web.json_response([{"id": p.chat_id, "name": p.name, "role": p.role, "address": p.address}
                                  for p in self.app.people()])

    def _resolve_sender(self, sender: str) -> tuple[str, str]:
        """A demo person by chat id or name; anyone else is a new resident by that name."""
        sender = sender.strip()
        person = self.app.person(sender)
        if person is not None:
            return person.chat_id, person.name
        return f"sim-{sender}", sender

    async def post_message(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error("请求不是有效的 JSON")
        if not isinstance(body, dict):
            return _error("请求应是 JSON 对象")
        message = self._inbound(body)
        if isinstance(message, web.Response):
            return message
        inbound_id = await self.deliver(message)
        await self.app.send_due()
        replies: list[dict[str, Any]] = []
        if inbound_id is not None:
            sent = self._replies.pop(inbound_id, [])
            waiting = self.app.waiting(reply_to=inbound_id)
            ordered = sorted([(m.id or 0, _sent_json(m)) for m in sent]
                             + [(q.id, _out_json(q)) for q in waiting], key=lambda pair: pair[0])
            replies = [reply for _, reply in ordered]
        return web.json_response({"inbound": inbound_id, "duplicate": inbound_id is None,
                                  "sender": message.sender_id, "replies": replies})

    def _inbound(self, body: dict[str, Any]) -> Inbound | web.Response:
        """The message a request body describes, or the error to answer with."""
        room, to, sender = body.get("room"), body.get("to"), body.get("sender") or body.get("to")
        text = body.get("text", "")
        if not isinstance(sender, str) or not sender.strip():
            return _error("缺少 sender(发送人姓名或 id)")
        if not isinstance(text, str):
            return _error("text 应是字符串")
        try:
            kind = Kind(body.get("kind", "text"))
        except ValueError:
            return _error("kind 应是 text/image/voice/video/file/sticker/other 之一")
        sender_id, sender_name = self._resolve_sender(sender)
        room_name = None
        if room is not None:
            known = self.app.room(str(room))
            room_name = known.name if known is not None else body.get("room_name") or str(room)
        elif to and isinstance(to, str):
            to_id, _ = self._resolve_sender(to)
            if to_id != sender_id:
                return _error("私聊只能是本人和助手之间:to 应与 sender 相同")
        mentions_bot = bool(body.get("mention_bot")) or f"@{BOT_NAME}" in text
        return Inbound(gateway=self.name, message_id=str(body.get("id") or uuid.uuid4()),
                       sender_id=sender_id, sender_name=sender_name, text=text,
                       room=str(room) if room is not None else None, room_name=room_name,
                       kind=kind, mentions=("bot",) if mentions_bot else (),
                       mentions_bot=mentions_bot)

    async def transcript(self, request: web.Request) -> web.Response:
        conversation = request.query.get("conversation", "")
        if not conversation:
            return _error("缺少 conversation 参数")
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return _error("after 应是数字")
        items = [_line_json(line) for line in self.app.transcript(conversation)]
        return web.json_response({"conversation": conversation, "messages": items[after:],
                                  "total": len(items)})


def _sent_json(message: Outbound) -> dict[str, Any]:
    return {"conversation": message.conversation, "text": message.text, "mentions": list(message.mentions),
            "is_room": message.is_room, "status": "sent"}


def _out_json(item: Queued) -> dict[str, Any]:
    return {"conversation": item.conversation, "text": item.text, "mentions": list(item.mentions),
            "is_room": item.is_room, "status": item.status}


def _line_json(line: Heard | Queued) -> dict[str, Any]:
    if isinstance(line, Heard):
        return {"from": line.sender_id, "name": line.sender_name, "text": line.text, "kind": line.kind,
                "at": line.at.isoformat(), "bot": False}
    return {**_out_json(line), "from": "bot", "name": BOT_NAME, "bot": True, "at": line.at.isoformat(),
            "mention_names": list(line.mention_names), "waiting_until": line.waiting_until}


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)
