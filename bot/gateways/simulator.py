"""The simulator gateway: the embedded default, a web page on localhost where you type
as residents, members and staff, and a JSON API for tests and scripted demos.

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
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import and_, or_, select

from bot.driver.gateway import Gateway
from kernel.messages import Inbound, Kind, Outbound
from storage.models import (
    ChatRoom,
    InboundMessage,
    OutboxMessage,
    OutboxStatus,
    Person,
)

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
PAGE = Path(__file__).with_name("simulator.html")
MAX_BODY = 1024 * 1024


class SimulatorGateway(Gateway):
    name = "simulator"
    paced = False  # nobody's account to protect

    def __init__(self, host: str = "127.0.0.1", port: int = 8080) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.app: App | None = None
        self._runner: web.AppRunner | None = None
        self.sent: list[Outbound] = []

    def attach(self, app: App) -> None:
        self.app = app

    # --- the gateway interface -------------------------------------------------------------------

    async def start(self) -> None:
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.add_routes([
            web.get("/", self.page),
            web.get("/api/sim/rooms", self.rooms),
            web.get("/api/sim/people", self.people),
            web.post("/api/sim/messages", self.post_message),
            web.get("/api/sim/transcript", self.transcript),
        ])
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # a free port was asked for: remember which
            server = getattr(site, "_server", None)
            if server is not None and server.sockets:
                self.port = server.sockets[0].getsockname()[1]
        log.info("simulator on http://%s:%s/", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def send(self, message: Outbound) -> None:
        # the transcript is read back from the outbox; keeping a copy helps a scripted demo
        self.sent.append(message)

    # --- http -------------------------------------------------------------------------------------

    @property
    def _app(self) -> App:
        assert self.app is not None, "simulator not attached to an app"
        return self.app

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")

    async def rooms(self, request: web.Request) -> web.Response:
        with self._app.sessions() as session:
            rooms = session.scalars(select(ChatRoom).order_by(ChatRoom.id)).all()
            # building groups first: that is where residents talk
            rooms = sorted(rooms, key=lambda r: (r.kind != "building", r.id))
            data = [{"id": r.chat_id, "name": r.name, "kind": r.kind} for r in rooms]
        return web.json_response(data)

    async def people(self, request: web.Request) -> web.Response:
        with self._app.sessions() as session:
            people = session.scalars(select(Person).where(Person.chat_id.is_not(None))
                                     .order_by(Person.id)).all()
            order = {"resident": 0, "member": 1, "grid_worker": 2, "staff": 3, "admin": 4}
            people = sorted(people, key=lambda p: (order.get(p.role, 9), p.id))
            data = [{"id": p.chat_id, "name": p.name, "role": p.role,
                     "address": p.household.address if p.household else None} for p in people]
        return web.json_response(data)

    def _resolve_sender(self, sender: str) -> tuple[str, str]:
        """A demo person by chat id or name; anyone else is a new resident by that name."""
        sender = sender.strip()
        with self._app.sessions() as session:
            person = session.scalar(select(Person).where(Person.chat_id == sender))
            if person is None:
                person = session.scalar(select(Person).where(Person.name == sender).order_by(Person.id))
            if person is not None and person.chat_id:
                return person.chat_id, person.name
        return f"sim-{sender}", sender

    async def post_message(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error("请求不是有效的 JSON")
        if not isinstance(body, dict):
            return _error("请求应是 JSON 对象")
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
            with self._app.sessions() as session:
                r = session.scalar(select(ChatRoom).where(ChatRoom.chat_id == str(room)))
                room_name = r.name if r is not None else body.get("room_name") or str(room)
        elif to and isinstance(to, str):
            to_id, _ = self._resolve_sender(to)
            if to_id != sender_id:
                return _error("私聊只能是本人和助手之间:to 应与 sender 相同")
        mentions_bot = bool(body.get("mention_bot")) or "@联户助手" in text
        message = Inbound(gateway=self.name, message_id=str(body.get("id") or uuid.uuid4()),
                          sender_id=sender_id, sender_name=sender_name, text=text,
                          room=str(room) if room is not None else None, room_name=room_name,
                          kind=kind, mentions=("bot",) if mentions_bot else (),
                          mentions_bot=mentions_bot)
        inbound_id = await self._app.receive(message)
        await self._app.outbox.drain()
        replies: list[dict[str, Any]] = []
        if inbound_id is not None:
            with self._app.sessions() as session:
                rows = session.scalars(select(OutboxMessage).where(OutboxMessage.cause_id == inbound_id)
                                       .order_by(OutboxMessage.id)).all()
                replies = [_out_json(r) for r in rows]
        return web.json_response({"inbound": inbound_id, "duplicate": inbound_id is None,
                                  "sender": sender_id, "replies": replies})

    async def transcript(self, request: web.Request) -> web.Response:
        conversation = request.query.get("conversation", "")
        if not conversation:
            return _error("缺少 conversation 参数")
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return _error("after 应是数字")
        with self._app.sessions() as session:
            ins = session.scalars(select(InboundMessage).where(or_(
                InboundMessage.room == conversation,
                and_(InboundMessage.room.is_(None), InboundMessage.sender_id == conversation)))).all()
            # sent messages, and those still waiting (quiet hours, pace) so nobody wonders
            outs = session.scalars(select(OutboxMessage).where(
                OutboxMessage.conversation == conversation,
                OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.PENDING)))).all()
            clock = self._app.clock
            names = {p.chat_id: p.name for p in session.scalars(select(Person)).all()}
            items = [{"from": m.sender_id, "name": m.sender_name, "text": m.text, "kind": m.kind,
                      "at": m.received_at.isoformat(), "bot": False,
                      "_order": (m.received_at, m.id, 0)} for m in ins]
            items += [{**_out_json(m), "from": "bot", "name": "联户助手", "bot": True,
                       "at": (m.sent_at or m.created_at).isoformat(),
                       "mention_names": [names.get(c, c) for c in (m.mentions or [])],
                       "waiting_until": None if m.status == OutboxStatus.SENT else clock.show(m.not_before),
                       "_order": (m.created_at, m.cause_id or 0, m.id)} for m in outs]
        # by time; a reply sent in the same instant comes after the message that caused it
        items.sort(key=lambda i: i.pop("_order"))
        return web.json_response({"conversation": conversation, "messages": items[after:],
                                  "total": len(items)})


def _out_json(row: OutboxMessage) -> dict[str, Any]:
    return {"conversation": row.conversation, "text": row.text, "mentions": list(row.mentions or []),
            "is_room": row.is_room, "status": row.status}


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)
