"""Live updates in the console without reloading: server-sent events (aiohttp-sse).

    GET /console/live      text/event-stream; one ``ticket`` event {"number": N} per change

How changes are found: ONE poller for the whole console (not one per browser) reads the ticket
events written since the last look (``ticket_event.id > last``, an indexed primary key: one
cheap query every ``POLL_SECONDS``, only while at least one page listens). Every change to a
ticket writes a TicketEvent in the same transaction as the change (created, 派单, 接单, 进展,
转办, 办结, 改类, 关闭, a merged reporter, a photo …), whether it came from chat, the console,
a scheduled job or another process on the same database — so polling the table sees them all,
where publishing from this process's event path would miss the others.

Scoped like every page (domain/console.py): staff get their community's tickets, a grid worker
only their grids' (the building's grid at the time of the change). The page then fetches
itself again and swaps the parts that changed (bot/web/templates/live.html).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp_session import Session as WebSession
from aiohttp_sse import EventSourceResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.web.host import Shell
from bot.web.session import ROOT, login_required
from domain.console import Viewer
from kernel import texts as T
from storage.models import Building, Ticket, TicketEvent

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
PING_SECONDS = 15.0
BATCH = 500


@dataclass(frozen=True)
class Change:
    number: int
    community_id: int | None
    grid_id: int | None
    kind: str


@dataclass(eq=False)
class Listener:
    viewer: Viewer
    queue: asyncio.Queue[Change | None] = field(default_factory=asyncio.Queue)

    def wants(self, change: Change) -> bool:
        v = self.viewer
        if v.is_staff:
            return v.community_id is None or v.community_id == change.community_id
        return change.grid_id is not None and change.grid_id in v.grid_ids


def changes_since(session: Session, last: int | None) -> tuple[int, list[Change]]:
    """The ticket events after ``last`` (None: just where the table ends now)."""
    if last is None:
        return int(session.scalar(select(func.max(TicketEvent.id))) or 0), []
    rows = session.execute(
        select(TicketEvent.id, TicketEvent.kind, Ticket.number, Ticket.community_id, Building.grid_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .outerjoin(Building, Building.id == Ticket.building_id)
        .where(TicketEvent.id > last).order_by(TicketEvent.id).limit(BATCH)).all()
    if not rows:
        return last, []
    return rows[-1].id, [Change(r.number, r.community_id, r.grid_id, r.kind) for r in rows]


class Live:
    def __init__(self, console: Shell) -> None:
        self.c = console
        self.listeners: set[Listener] = set()
        self._poller: asyncio.Task[None] | None = None
        self._last: int | None = None
        self._closing = False

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROOT + "/live", self.stream)]

    #: what the pages' script says of a change (put in the template engine's globals by the
    #: console when it makes the engine, at the first page)
    TEMPLATE_GLOBALS = {"live_texts": {"new": T.CONSOLE_LIVE_NEW, "changed": T.CONSOLE_LIVE_CHANGED}}

    def configure(self, app: web.Application) -> None:
        """Closing the streams when the server stops."""
        app.on_shutdown.append(self._shutdown)

    @login_required
    async def stream(self, request: web.Request, websession: WebSession, uid: int) -> web.StreamResponse:
        viewer = await self.c.db(lambda session: self.c.viewer(session, uid))
        listener = Listener(viewer)
        self._listen(listener)
        resp = EventSourceResponse(ping_interval=PING_SECONDS)
        try:
            await resp.prepare(request)
            async with resp:
                await resp.send("", event="ready")
                await self._relay(resp, listener)
        except (ConnectionResetError, RuntimeError):
            pass  # the browser went away
        finally:
            self.listeners.discard(listener)
        return resp

    async def _relay(self, resp: EventSourceResponse, listener: Listener) -> None:
        """Send the listener's changes until the browser goes away or the server stops."""
        closed = asyncio.ensure_future(resp.wait())
        try:
            while True:
                getter = asyncio.ensure_future(listener.queue.get())
                await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    return
                change = getter.result()
                if change is None:
                    return
                await resp.send(json.dumps({"number": change.number, "kind": change.kind}), event="ticket")
        finally:
            closed.cancel()

    def _listen(self, listener: Listener) -> None:
        self.listeners.add(listener)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.ensure_future(self._poll())

    async def _poll(self) -> None:
        """Read new ticket events while anyone listens; hand each to the listeners that may see it."""
        while self.listeners and not self._closing:
            try:
                self._last, changes = await asyncio.to_thread(self._read, self._last)
            except Exception:  # the database is busy or gone for a moment: try again
                log.warning("live updates: cannot read ticket events", exc_info=True)
                changes = []
            for change in changes:
                for listener in list(self.listeners):
                    if listener.wants(change):
                        listener.queue.put_nowait(change)
            await asyncio.sleep(POLL_SECONDS)
        self._last = None  # nobody listens: start from the end again next time

    def _read(self, last: int | None) -> tuple[int, list[Change]]:
        with self.c.host.sessions() as session:
            return changes_since(session, last)

    async def _shutdown(self, app: web.Application) -> None:
        self._closing = True
        for listener in list(self.listeners):
            listener.queue.put_nowait(None)
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
