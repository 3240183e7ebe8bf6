"""The simulator gateway: the embedded default, a web page on localhost where you type
as residents, members and staff, and a JSON API for tests and scripted demos. Its routes are
served by the app's HTTP server (bot/driver/server.py); what it shows comes from the app's
port (bot/driver/port.py); messages go in through ``deliver()`` and come back through ``send()``.

    GET  /                               the page
    GET  /api/sim/rooms                  the groups: [{"id", "name", "kind"}]
    GET  /api/sim/people                 who you can be: [{"id", "name", "role", "address", "building"}]
    POST /api/sim/messages               {"room": ID|null, "to": person, "sender": name|id,
                                          "text": "...", "kind": "text"|"image"|..., "id": optional}
                                         → {"replies": [{"conversation", "text", "mentions"}]}
    GET  /api/sim/transcript?conversation=ID[&after=N][&as=PERSON]   the conversation so far
                                         (``as``: whoever reads it has now seen it, for unread)
    GET  /api/sim/unread?as=PERSON       {"conversations": {ID: n}}: messages from the bot and
                                         others since PERSON last read each group / their chat
    GET  /api/sim/clock                  the demo clock: {"now", "weekday", "offset_seconds"}
    POST /api/sim/clock                  {"advance": "1h" | "1d" | "30m" | seconds} → the clock moves
                                         on, the jobs that fell due run (escalation, reminders,
                                         回访) and their messages are sent: {"now", "jobs", "sent"}

Who may talk to it: every request must name a known Host (localhost, 127.0.0.1, ::1, the
address it is bound to, ``sim_hosts``: a page on another site that rebinds its name to this
machine is refused); a POST whose Origin (or Referer) is another site is refused, so a page
on another origin cannot post staff commands. On an address other than loopback it needs the
token ``sim_token`` (the page: ``/?token=...``, which sets a cookie; scripts:
``Authorization: Bearer ...``) for everything: the page, people, groups, transcripts and
private chats.

The demo clock exists only here: the app runs on the wall clock plus an offset that only grows
(kernel.clock.ShiftedClock), kept in ``data_dir/sim_clock.json`` so a restart keeps the demo's
time; delete that file together with the database to start over. Real gateways have no such
clock and no such call.

The same message id posted again is handled once and answers with the replies it produced
the first time (a client that crashed gets them); ``"id": 0`` is an id like any other.

As one account of several (``lianhu run --account a1`` with ``sim_rooms``, tests and demos of
a district on PostgreSQL): the simulated account is in those groups only: a message posted to
another group is refused, and a group message it is asked to send to another group fails (as
WeChat would). With ``sim_send_log`` every send is also written to that file as a JSON line,
which is the account's journal too: an outbox id found there is not sent again after a kill -9
(as the Wechaty gateway's journal does).
"""
from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.driver.gateway import Gateway, SendError
from bot.driver.port import ClockFixed, ClockMoved, ClockReading, Heard, Queued
from bot.driver.server import HttpServer
from kernel import texts as T
from kernel.clock import Clock, ShiftedClock
from kernel.config import Settings
from kernel.messages import Inbound, Kind, Outbound

log = logging.getLogger(__name__)
PAGE = Path(__file__).with_name("simulator.html")
BOT_NAME = "联户助手"


class SimulatorGateway(Gateway):
    name = "simulator"
    paced = False  # nobody's account to protect
    needs_server = True

    def __init__(self, *, token: str = "", host: str = "127.0.0.1", hosts: list[str] | None = None,
                 account: str | None = None, rooms: list[str] | None = None, send_log: str | None = None,
                 send_seconds: float = 0.0) -> None:
        super().__init__()
        #: one simulated account of several: its name and the groups it is in (empty: any group)
        self.account = account
        self.account_rooms = set(rooms or ())
        self.send_log = Path(send_log) if send_log else None
        self._logged = _logged_ids(self.send_log)
        self.send_seconds = send_seconds  # how long a send takes (a broadcast in progress)
        self.server: HttpServer | None = None
        self.sent: deque[Outbound] = deque(maxlen=SENT_KEPT)  # the latest: a bot that runs for weeks
        #: by the app's id of what caused them, until the request that caused them answers (a
        #: reply sent after it answered stays, the oldest dropped past REPLIES_KEPT)
        self._replies: dict[int, list[Outbound]] = {}
        #: replies already answered, by message id: the same id again gets them back
        self._answered: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.token = token
        self.bind_host = host
        self.hosts = {h.strip().lower().strip("[]") for h in (*LOOPBACK_NAMES, host, *(hosts or ())) if h.strip()}
        #: how many lines of each conversation each person has seen: (person, conversation) → n
        self._seen: dict[tuple[str, str], int] = {}

    # --- the gateway interface -------------------------------------------------------------------

    def setup(self, server: HttpServer) -> None:
        self.server = server
        guard = self.guarded
        server.add_routes([
            web.get("/", guard(self.page)),
            web.get("/api/sim/rooms", guard(self.rooms)),
            web.get("/api/sim/people", guard(self.people)),
            web.post("/api/sim/messages", guard(self.post_message)),
            web.get("/api/sim/transcript", guard(self.transcript)),
            web.get("/api/sim/unread", guard(self.unread)),
            web.get("/api/sim/clock", guard(self.clock)),
            web.post("/api/sim/clock", guard(self.advance_clock)),
        ])
        if not is_loopback(self.bind_host):
            log.warning("the simulator listens on %s, beyond this machine: every request needs sim_token",
                        self.bind_host)

    # --- who may talk to it ----------------------------------------------------------------------

    def guarded(self, handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
            response = await handler(request)
            if self.token and request.path == "/" and request.query.get("token"):
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Strict")
            return response
        return checked

    def refusal(self, request: web.Request) -> web.Response | None:
        """Why a request is refused (an unknown Host, another site, no token), or None."""
        host = _hostname(request.host)
        if host not in self.hosts:
            return _error(f"未知的 Host:{request.host}(可在 sim_hosts 里加上)", 421)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.headers.get("Sec-Fetch-Site", "") == "cross-site":
                return _error("拒绝跨站请求", 403)
            for header in ("Origin", "Referer"):
                value = request.headers.get(header)
                if value is not None:
                    if value == "null" or urlsplit(value).netloc.lower() != request.host.lower():
                        return _error("拒绝跨站请求:只接受本页面发来的消息", 403)
                    break
        if self.token and not self._has_token(request):
            return _error("需要令牌:打开 /?token=令牌,或在请求头加 Authorization: Bearer 令牌", 401)
        return None

    def _has_token(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        offered = [auth[7:].strip() if auth.lower().startswith("bearer ") else "",
                   request.headers.get("X-Lianhu-Token", ""), request.cookies.get(TOKEN_COOKIE, ""),
                   request.query.get("token", "")]
        return any(o and hmac.compare_digest(o.encode(), self.token.encode()) for o in offered)

    def demo_clock(self, settings: Settings) -> Clock:
        return ShiftedClock(settings.timezone, state=settings.data_dir / CLOCK_FILE)

    async def start(self) -> None:
        pass  # the app's HTTP server serves the page and the API

    async def stop(self) -> None:
        pass

    async def presence(self) -> tuple[list[str], list[str] | None] | None:
        if not self.account:
            return None
        return sorted(self.account_rooms), None  # contacts: learnt as people write

    async def send(self, message: Outbound) -> None:
        if message.is_room and self.account_rooms and message.conversation not in self.account_rooms:
            raise SendError(f"account {self.account} is not in group {message.conversation}", permanent=True)
        if self.send_log is not None:
            if message.id is not None and message.id in self._logged:
                log.info("simulator: outbox message %s was sent before a restart; not again", message.id)
                return
            if self.send_seconds:
                await asyncio.sleep(self.send_seconds)
            line = json.dumps({"account": self.account, "id": message.id, "conversation": message.conversation,
                               "is_room": message.is_room, "text": message.text}, ensure_ascii=False)
            with self.send_log.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
            if message.id is not None:
                self._logged.add(message.id)
        # the transcript is read back from the app; keeping a copy helps a scripted demo
        self.sent.append(message)
        if message.reply_to is not None:
            self._replies.setdefault(message.reply_to, []).append(message)
            while len(self._replies) > REPLIES_KEPT:
                del self._replies[next(iter(self._replies))]

    def welcome(self) -> str | None:
        if self.server is None or not self.server.started:
            return None
        if not is_loopback(self.bind_host):
            return (f"\n  ⚠ 模拟器在 {self.bind_host} 上对外开放:能连上这台机器的人,凭令牌就能冒充任何人、"
                    f"读取全部对话。\n  在浏览器打开 {self.server.url}?token=令牌  (Ctrl+C 退出)\n")
        return f"\n  联户助手已启动:在浏览器打开 {self.server.url}  (Ctrl+C 退出)\n"

    # --- http -------------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")

    async def rooms(self, request: web.Request) -> web.Response:
        return web.json_response([{"id": r.chat_id, "name": r.name, "kind": r.kind}
                                  for r in self.app.rooms()])

    async def people(self, request: web.Request) -> web.Response:
        return web.json_response([{"id": p.chat_id, "name": p.name, "role": p.role, "address": p.address,
                                   "building": p.building} for p in self.app.people()])

    def _resolve_sender(self, sender: str) -> tuple[str, str]:
        """A demo person by chat id or name; anyone else is a new resident by that name."""
        sender = sender.strip()
        found = self.app.speaker(sender)
        if found is not None:
            return found
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
        replies: list[dict[str, Any]] = []
        if inbound_id is not None:
            # one pass shared with the requests that came together; what still waits is known
            # from it (a query only when it left something behind)
            waiting = await self.app.send_due_then_waiting(inbound_id)
            sent = self._replies.pop(inbound_id, [])
            ordered = sorted([(m.id or 0, _sent_json(m)) for m in sent]
                             + [(q.id, _out_json(q)) for q in waiting], key=lambda pair: pair[0])
            replies = [reply for _, reply in ordered]
            self._remember(message.message_id, inbound_id, replies)
            return web.json_response({"inbound": inbound_id, "duplicate": False,
                                      "sender": message.sender_id, "replies": replies})
        await self.app.send_due()
        if message.message_id in self._answered:  # the same id again: what it produced then
            inbound_id, replies = self._answered[message.message_id]
            return web.json_response({"inbound": inbound_id, "duplicate": True,
                                      "sender": message.sender_id, "replies": replies})
        return web.json_response({"inbound": inbound_id, "duplicate": inbound_id is None,
                                  "sender": message.sender_id, "replies": replies})

    def _remember(self, message_id: str, inbound_id: int, replies: list[dict[str, Any]]) -> None:
        self._answered[message_id] = (inbound_id, replies)
        while len(self._answered) > ANSWERED_KEPT:  # the oldest go first
            del self._answered[next(iter(self._answered))]

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
        if room is not None and self.account_rooms and str(room) not in self.account_rooms:
            return _error(f"账号 {self.account} 不在群 {room} 里")
        if room is not None:
            known = self.app.room(str(room))
            room_name = known.name if known is not None else body.get("room_name") or str(room)
        elif to and isinstance(to, str):
            to_id, _ = self._resolve_sender(to)
            if to_id != sender_id:
                return _error("私聊只能是本人和助手之间:to 应与 sender 相同")
        mention = _flag(body.get("mention_bot"))
        if mention is None:
            return _error("mention_bot 应是 true 或 false")
        message_id = body.get("id")
        if message_id is None or message_id == "":
            message_id = uuid.uuid4()
        elif isinstance(message_id, (bool, dict, list, float)):
            return _error("id 应是字符串或整数")
        mentions_bot = mention or f"@{BOT_NAME}" in text
        return Inbound(gateway=self.name, message_id=str(message_id),
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
        reader = request.query.get("as", "").strip()
        if reader:
            self._seen[(reader, conversation)] = len(items)
        return web.json_response({"conversation": conversation, "messages": items[after:],
                                  "total": len(items)})

    async def unread(self, request: web.Request) -> web.Response:
        """For the person ``as``: in each group and in their own chat with the bot, how many
        lines came from the bot or from others since they last read it."""
        reader = request.query.get("as", "").strip()
        if not reader:
            return _error(T.SIM_NEED_READER)
        counts: dict[str, int] = {}
        for conversation in [r.chat_id for r in self.app.rooms()] + [reader]:
            lines = self.app.transcript(conversation)[self._seen.get((reader, conversation), 0):]
            counts[conversation] = sum(1 for line in lines if not (isinstance(line, Heard)
                                                                   and line.sender_id == reader))
        return web.json_response({"as": reader, "conversations": counts})

    async def clock(self, request: web.Request) -> web.Response:
        return web.json_response(_clock_json(self.app.clock_now()))

    async def advance_clock(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error("请求不是有效的 JSON")
        seconds = advance_seconds(body.get("advance") if isinstance(body, dict) else None)
        if seconds is None:
            return _error(T.SIM_BAD_ADVANCE.format(days=MAX_ADVANCE_DAYS))
        try:
            moved = await self.app.advance_clock(seconds)
        except ClockFixed:
            return _error(T.SIM_CLOCK_FIXED, 409)
        return web.json_response(_moved_json(moved))


def advance_seconds(value: object) -> float | None:
    """How far 快进 goes: "1h", "1d", "30m", "90s" or a number of seconds; None if not that."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip().lower()
        unit = ADVANCE_UNITS.get(text[-1])
        try:
            seconds = float(text[:-1]) * unit if unit is not None else float(text)
        except ValueError:
            return None
    else:
        return None
    if not 0 < seconds <= MAX_ADVANCE_DAYS * 86400:  # also refuses nan
        return None
    return seconds


def _clock_json(reading: ClockReading) -> dict[str, Any]:
    return {"now": reading.now, "weekday": reading.weekday, "movable": reading.movable,
            "offset_seconds": reading.offset_seconds}


def _moved_json(moved: ClockMoved) -> dict[str, Any]:
    return {**_clock_json(moved.reading), "jobs": list(moved.jobs), "sent": moved.sent}


def _logged_ids(path: Path | None) -> set[int]:
    """The outbox ids a send log already holds (what went out before a restart)."""
    if path is None or not path.exists():
        return set()
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            ids.add(int(json.loads(line)["id"]))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill: it was not a send
    return ids


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


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
TOKEN_COOKIE = "lianhu_sim_token"
ANSWERED_KEPT = 2000  # message ids whose replies are kept for a repeated request
SENT_KEPT = 1000  # sent messages kept in memory (the transcript is read from the database)
REPLIES_KEPT = 2000  # messages whose replies wait for the request that caused them
CLOCK_FILE = "sim_clock.json"  # the demo clock's offset, in data_dir
ADVANCE_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
MAX_ADVANCE_DAYS = 30
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the simulator on this machine."""
    host = host.strip().strip("[]").lower()
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(host: str) -> str:
    """The name in a Host header, without its port: "[::1]:8080" → "::1"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _flag(value: object) -> bool | None:
    """A JSON true/false as scripts write it: true, "true", 1, "1", "yes" or their opposites."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "是", ""):
        return value.strip() != ""
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "否"):
        return False
    return None


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)
