"""App wiring: database, classifier, dispatcher, inbox, outbox sender, a gateway and the
HTTP server.

    app = App(settings)    # the gateway named in the settings (bot/gateways), or App(settings, gateway)
    await app.start()      # migrate, load the demo on first run, start the server and the gateway,
    ...                    # replay unfinished messages; the gateway delivers each message
    await app.stop()

or ``await app.run(stop_event)`` (``lianhu run``): start, run until the event is set or the
gateway fails for good, stop; returns the exit status.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from bot.driver.gateway import Gateway, GatewayFatalError
from bot.driver.lookups import Lookups
from bot.driver.port import ClockFixed, ClockMoved, ClockReading, Heard, PersonEntry, Queued, RoomEntry
from bot.driver.server import HttpServer
from bot.gateways import create_gateway
from bot.inbox import Inbox, Ingested, Lane
from bot.outbox import OutboxSender
from bot.web import Host as WebHost
from bot.web import plugins as web_plugins
from handlers.dispatcher import build_dispatcher
from kernel import texts
from kernel.clock import Clock
from kernel.config import Settings
from kernel.memory import release_free_memory
from kernel.messages import Inbound
from kernel.timing import check_settings
from schedules.jobqueue import JobQueue
from schedules.leadership import Leadership
from storage import db
from storage.models import (
    ChatRoom,
    Community,
    Household,
    InboundMessage,
    MemberLink,
    OutboxMessage,
    OutboxStatus,
    Person,
)

log = logging.getLogger(__name__)
run_log = logging.getLogger("lianhu")

NO_COMMUNITY = ("数据库里还没有社区:机器人认不出任何楼栋群和工作人员。请先导入社区台账:\n"
                "  lianhu import 社区.xlsx   (格式见 docs/import.md,样例 examples/community.xlsx)\n"
                "导入后重新启动即可。演示社区只随模拟器载入(lianhu run --gateway simulator)。")


def load_classifier(settings: Settings) -> Any:
    from domain.classifier import Classifier

    return Classifier(rules_path=settings.rules_path or None, cache_dir=settings.data_dir)


class LazyClassifier:
    """The classifier, loaded once when first used (jieba's dictionary takes a second or more
    even from its cache): `lianhu run` answers before it is loaded, ``warm`` loads it in a
    thread after that, and a message that needs it meanwhile waits for that one load (and for
    the warm-up's work after it: ``warm``'s ``then``)."""

    #: at most this long a message waits for the warm-up's work after the load (the guide's index)
    WARM_WAIT = 60.0

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._loaded: Any = None
        self._warming: threading.Event | None = None  # set when the warm-up's thread is done
        self._warmer: threading.Thread | None = None

    def get(self) -> Any:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        warming = self._warming
        if warming is not None and threading.current_thread() is not self._warmer:
            # the warm-up's build (the guide's index) ends before a message is handled: its
            # one-off objects come and go before the messages' own, not among them
            warming.wait(self.WARM_WAIT)
        return self._loaded

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def warm(self, then: Callable[[Any], None] | None = None) -> threading.Thread:
        """Load it in a thread (returned, started); ``then``: work for the loaded classifier in
        the same thread after it (the guide's index), before the heap's free pages go back."""
        def load() -> None:
            try:
                try:
                    classifier = self.get()
                    classifier.tokenize("楼道灯坏了")  # and jieba's dictionary, shared by the process
                except Exception:  # the first message that needs it tries again, and fails visibly
                    log.exception("could not load the classifier")
                else:
                    if then is not None:
                        try:
                            then(classifier)
                        except Exception:  # the first question builds it then, as without a warm-up
                            log.exception("could not build the guide's index at start")
                release_free_memory()  # what parsing the model files and jieba's cache left behind
            finally:
                done.set()
                self._warming = None

        done = threading.Event()
        thread = threading.Thread(target=load, name="classifier-warm", daemon=True)
        self._warmer, self._warming = thread, done
        thread.start()
        return thread


class App:
    def __init__(self, settings: Settings, gateway: Gateway | None = None, *, clock: Clock | None = None,
                 engine: Engine | None = None, classifier: Any = None, paced: bool | None = None) -> None:
        self.settings = settings
        # first: a gateway that cannot be made (GatewayUnavailable) says so before anything loads
        self.gateway = gateway = gateway if gateway is not None else create_gateway(settings)
        # the simulator's demo clock (快进, kept in data_dir) or the wall clock
        self.clock = clock or gateway.demo_clock(settings) or Clock(settings.timezone)
        self.engine = engine or db.make_engine(settings.db_url)
        self.sessions = db.session_factory(self.engine)
        self.classifier: Any = classifier or LazyClassifier(self._loaded_classifier)
        self.dispatcher = build_dispatcher()
        self.inbox = Inbox(self.sessions, self.clock, settings, self.classifier, self.dispatcher)
        if paced is None:
            paced = gateway.paced
        self.outbox = OutboxSender(self.sessions, gateway, self.clock, settings, paced=paced)
        check_settings(settings)  # bad quiet hours / deadlines: a clear message, not a late crash
        # deadlines, follow-ups, campaigns, reports (schedules/): jobs get a JobContext, not the app
        # several accounts on one PostgreSQL: the jobs run in one process (schedules/leadership.py)
        self.jobs = JobQueue(self.sessions, self.clock, settings, wake=self.outbox.wake,
                             leadership=Leadership(self.engine, needed=bool(settings.account)))
        self.scheduler: Any = self.jobs.scheduler
        #: messages are stored and handled in batches, in the order they came (bot/inbox.py)
        self.lane = Lane(self.inbox, self._after_batch)
        self._batches = 0
        #: the latest messages whose batch wrote nothing to the outbox (``caused_nothing``)
        self._silent: dict[int, None] = {}
        self._trim_waiting = False
        gateway.set_handler(self.receive)
        self.server = self._make_server()
        self.no_community = False  # set by prepare_database: a real gateway and nothing imported
        self.desk = AppDesk(self)
        gateway.bind(self.desk)
        self._warm_timer: asyncio.TimerHandle | None = None
        self._warming: threading.Thread | None = None
        self._stopping = False

    # --- life ----------------------------------------------------------------------------------

    #: seconds after the start before the classifier loads in its thread: reading jieba's
    #: cache (marshal) holds the GIL for its whole length (0.3 s quiet, seconds on a loaded
    #: machine), which would stall the server's first answers (health checks, the page)
    WARM_AFTER = 1.0

    #: the gateways the demo community may load with: its rooms (room-1, room-staff) and people
    #: exist only there; on real WeChat they would get alerts nobody could ever receive
    DEMO_GATEWAYS = ("simulator", "test")

    def prepare_database(self) -> None:
        """Apply migrations; load the demo community on first run if configured (with the
        simulator only); on another gateway an empty database is said, with how to import."""
        db.upgrade(self.engine)
        with self.sessions() as session:
            empty = not session.scalar(select(func.count(Community.id)))
        self.no_community = empty and self.gateway.name not in self.DEMO_GATEWAYS
        if self.no_community:
            run_log.warning(NO_COMMUNITY)
        elif self.settings.demo_on_first_run:
            if empty:
                from storage.demo import load_demo

                with self.sessions() as session:
                    load_demo(session, self.clock)
                    session.commit()
                log.info("loaded the demo community")

    async def start(self, *, start_gateway: bool = True) -> None:
        self.prepare_database()
        if not isinstance(self.classifier, LazyClassifier):  # else when it is loaded
            self.load_rule_changes()
        for plugin in self.server.plugins:  # e.g. the web console's demo login, once the data is there
            if plugin is not self.gateway and hasattr(plugin, "prepare"):
                plugin.prepare()
        if self.server.wanted:
            await self.server.start()
        if start_gateway:
            await self.gateway.start()
        await self.record_presence()
        await self.replay_unfinished()
        await self.jobs.start()
        self.outbox.start()
        self.outbox.wake()
        if isinstance(self.classifier, LazyClassifier):  # the first message waits for it if need be
            self._warm_timer = asyncio.get_running_loop().call_later(self.WARM_AFTER, self._warm)

    def _warm(self) -> None:
        if not self._stopping and isinstance(self.classifier, LazyClassifier):
            self._warming = self.classifier.warm(then=self._warm_guide)

    def _warm_guide(self, classifier: Any) -> None:
        """The guide's index, built once the classifier is loaded, before the messages come: the
        communities' first questions then share its body (domain/guide.py ``warm``) and no
        question pays for the build. A message that comes meanwhile waits for it (``LazyClassifier
        .get``): a build among the first messages' objects once left ~15 MB more in the heap
        after 10,000 messages on a loaded machine (bench/README.md, twenty-second round)."""
        if self._stopping:
            return
        from domain import guide

        with self.sessions() as session:
            guide.warm(session, classifier.tokenize)

    def _make_server(self) -> HttpServer:
        """The one HTTP server: the gateway's pages (if it has any) and the web console's."""
        server = HttpServer(self.settings.sim_host, self.settings.sim_port,
                            health=lambda: {"gateway": self.gateway.name, "connected": self.gateway.connected})
        if self.gateway.needs_server:
            server.add_plugin(self.gateway)
        host = WebHost(self.sessions, self.clock, self.settings, self.outbox.wake, self.jobs.settle,
                       classifier=self.classifier)
        for plugin in web_plugins(self.settings, host, serving=self.gateway.needs_server):
            server.add_plugin(plugin)
        return server

    async def run(self, stop: asyncio.Event, announce: Callable[[str], object] = print) -> int:
        """Start, run until ``stop`` is set or the gateway fails for good, stop: the exit status."""
        try:
            await self.start()
        except Exception as exc:
            run_log.error("无法启动 could not start: %s", exc, exc_info=not isinstance(exc, GatewayFatalError))
            await self.stop()
            return 2
        welcome = self.gateway.welcome()
        if welcome:
            announce(welcome)
        if self.no_community:
            announce(NO_COMMUNITY)

        for plugin in self.server.plugins:  # the web console: its address and the demo login
            if plugin is not self.gateway:  # in a thread: the console checks the demo password (argon2)
                line = await asyncio.to_thread(getattr(plugin, "welcome", lambda: None))
                if line:
                    announce(line)
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.gateway.wait_fatal())]
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        code = 0
        for task in done:
            if isinstance(task.result(), GatewayFatalError):
                run_log.error("网关已无法继续 gateway failed: %s", task.result())
                code = 2
        await self.stop()
        return code

    def load_rule_changes(self, classifier: Any = None) -> None:
        """Keywords staff changed from chat (规则 加/删) apply again after a restart."""
        from domain.classifier.corrections import apply_stored_rules

        with self.sessions() as session:
            apply_stored_rules(session, classifier if classifier is not None else self.classifier)

    def _loaded_classifier(self) -> Any:
        """The classifier with the keywords staff changed from chat (for ``LazyClassifier``)."""
        classifier = load_classifier(self.settings)
        self.load_rule_changes(classifier)
        return classifier

    async def stop(self) -> None:
        self._stopping = True
        if self._warm_timer is not None:
            self._warm_timer.cancel()
        if self._warming is not None and self._warming.is_alive():  # not a session left open on a closing database
            await asyncio.to_thread(self._warming.join, 60)
        await self.lane.close()
        await self.jobs.stop()
        await self.outbox.stop()
        await self.gateway.stop()
        await self.server.stop()
        self.desk.close()
        self.engine.dispose()

    async def record_presence(self) -> None:
        """Several accounts: the groups and contacts the gateway's account has, recorded so the
        outbox routes their messages to this process (bot/outbox.py)."""
        if not self.settings.account:
            return
        if self.engine.dialect.name != "postgresql":
            run_log.warning(texts.ACCOUNTS_NEED_POSTGRES)
        try:
            known = await self.gateway.presence()
        except Exception:
            log.exception("could not list the account's groups and contacts")
            return
        if known is not None:
            self.outbox.record_presence(*known)

    # --- messages ------------------------------------------------------------------------------

    async def receive(self, message: Inbound) -> int | None:
        """Store, then handle, one inbound message. Returns the stored id (None: a duplicate).

        Messages handed over together are stored and handled together (bot/inbox.py Lane), in
        the order they came; nobody waits for another's answer or for the outbox."""
        self.outbox.seen(message)  # several accounts: this one is in that group / knows the sender
        return await self.lane.submit(message)

    #: handled batches between two returns of the C heap's free pages to the system
    TRIM_EVERY = 200

    #: messages remembered as having caused nothing (a gateway asks right after they are handled)
    SILENT_KEPT = 1000
    #: seconds without a handled batch after which the heap's free pages go back to the system
    TRIM_WHEN_QUIET = 1.0

    def _after_batch(self, batch: Ingested) -> None:
        self._batches += 1
        if self._batches % self.TRIM_EVERY == 0:
            release_free_memory()
        if batch.quiet:  # chatter: nothing said, no route taken
            for inbound_id in batch.ids:
                if inbound_id is not None:
                    self._silent[inbound_id] = None
            while len(self._silent) > self.SILENT_KEPT:
                del self._silent[next(iter(self._silent))]
        if not self._trim_waiting:  # once the messages stop: what their handling left free
            self._trim_waiting = True
            asyncio.get_running_loop().call_later(self.TRIM_WHEN_QUIET, self._trim_if_quiet, self._batches)
        for route in batch.routes:
            self.jobs.after_route(route)
        if not batch.quiet:  # the replies it wrote are all due now
            self.outbox.wake(only_due_now=True)

    def _trim_if_quiet(self, batches: int) -> None:
        if self._batches != batches:  # still busy: look again later
            asyncio.get_running_loop().call_later(self.TRIM_WHEN_QUIET, self._trim_if_quiet, self._batches)
            return
        self._trim_waiting = False
        release_free_memory()

    async def replay_unfinished(self) -> int:
        """Handle what was stored but not handled before the last stop."""
        ids = self.inbox.unfinished()
        for inbound_id in ids:
            self.jobs.after_route(await asyncio.to_thread(self.inbox.process, inbound_id))
        if ids:
            log.info("replayed %d unfinished messages", len(ids))
        return len(ids)

    def caused_nothing(self, inbound_id: int) -> bool:
        """Whether the message was handled in a batch that wrote nothing to the outbox (asked once:
        forgotten as it answers): no reply of it can be waiting or be sent."""
        return self._silent.pop(inbound_id, 0) is None

    async def send_due(self) -> int:
        """Send what is due now, for callers that wait for it (the simulator answers a message
        with what it sent): the outbox sender's next pass, begun after this call, so it sees
        what they wrote. Callers that come together share that pass, which is also the one the
        handled batch woke the sender for: one pass, not one each and one for the sender."""
        return await self.outbox.next_pass()


#: what the simulator asks for every message it is given, built once
_PERSON_BY_CHAT_ID = select(Person).where(Person.chat_id == bindparam("key"))
_PERSON_BY_NAME = select(Person).where(Person.name == bindparam("key")).order_by(Person.id)
_WAITING_REPLIES = (select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                                OutboxMessage.cause_id == bindparam("reply_to"))
                    .order_by(OutboxMessage.id))


class AppDesk:
    """The app as its gateway's port (bot/driver/port.py): what a gateway may read of it."""

    #: the order people are listed in: residents first, those who help them after
    ROLE_ORDER = {"resident": 0, "member": 1, "grid_worker": 2, "staff": 3, "admin": 4}

    def __init__(self, app: App) -> None:
        self._app = app
        self._sessions = app.sessions
        #: who a sender is and what a group is, kept between requests (never stale: see there)
        self._lookups = Lookups(app.engine)

    def close(self) -> None:
        self._lookups.close()

    def rooms(self) -> list[RoomEntry]:
        with self._sessions() as session:
            rooms = session.scalars(select(ChatRoom).order_by(ChatRoom.id)).all()
            rooms = sorted(rooms, key=lambda r: (r.kind != "building", r.id))
            return [RoomEntry(r.chat_id, r.name, r.kind) for r in rooms]

    def people(self) -> list[PersonEntry]:
        with self._sessions() as session:
            people = session.scalars(select(Person).where(Person.chat_id.is_not(None)).order_by(Person.id)
                                     .options(selectinload(Person.household).selectinload(Household.building),
                                              selectinload(Person.links).selectinload(MemberLink.household)
                                              .selectinload(Household.building))).all()
            people = sorted(people, key=lambda p: (self.ROLE_ORDER.get(p.role, 9), p.id))
            return [_person_entry(p) for p in people]

    def person(self, key: str) -> PersonEntry | None:
        with self._sessions() as session:
            found = session.scalar(_PERSON_BY_CHAT_ID, {"key": key})
            if found is None:
                found = session.scalar(_PERSON_BY_NAME, {"key": key})
            return _person_entry(found) if found is not None and found.chat_id else None

    def speaker(self, key: str) -> tuple[str, str] | None:
        # asked for every message the simulator is given: from memory once asked (bot/driver/lookups.py)
        return self._lookups.speaker(key)

    def room(self, chat_id: str) -> RoomEntry | None:
        r = self._lookups.room(chat_id)
        return RoomEntry(r[0], r[1], r[2]) if r is not None else None

    def transcript(self, conversation: str) -> list[Heard | Queued]:
        with self._sessions() as session:
            ins = session.scalars(select(InboundMessage).where(or_(
                InboundMessage.room == conversation,
                and_(InboundMessage.room.is_(None), InboundMessage.sender_id == conversation)))).all()
            # sent messages, and those still waiting (quiet hours, pace) so nobody wonders
            outs = session.scalars(select(OutboxMessage).where(
                OutboxMessage.conversation == conversation,
                OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.PENDING)))).all()
            names = {p.chat_id: p.name for p in session.scalars(select(Person)).all()}
            lines: list[tuple[tuple[Any, ...], Heard | Queued]] = [
                ((m.received_at, m.id, 0), Heard(m.sender_id, m.sender_name, m.text, m.kind, m.received_at))
                for m in ins]
            lines += [((m.created_at, m.cause_id or 0, m.id), self._queued(m, names)) for m in outs]
        # by time; a reply sent in the same instant comes after the message that caused it
        lines.sort(key=lambda line: line[0])
        return [line for _, line in lines]

    def waiting(self, *, conversation: str | None = None, reply_to: int | None = None) -> list[Queued]:
        q = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        if conversation is None and reply_to is not None:  # the simulator, after each message
            with self._sessions() as session:
                rows = session.scalars(_WAITING_REPLIES, {"reply_to": reply_to}).all()
                names = {p.chat_id: p.name for p in session.scalars(select(Person)).all()} if rows else {}
                return [self._queued(m, names) for m in rows]
        if conversation is not None:
            q = q.where(OutboxMessage.conversation == conversation)
        if reply_to is not None:
            q = q.where(OutboxMessage.cause_id == reply_to)
        with self._sessions() as session:
            rows = session.scalars(q.order_by(OutboxMessage.id)).all()
            names = {p.chat_id: p.name for p in session.scalars(select(Person)).all()} if rows else {}
            return [self._queued(m, names) for m in rows]

    async def send_due(self) -> int:
        return await self._app.send_due()

    async def send_due_then_waiting(self, reply_to: int) -> list[Queued]:
        """The pass answers it: when it left nothing behind of what was due as it began (which
        is everything the message wrote, committed before this call), nothing of it waits and
        no query is needed; else the outbox is asked. A message that caused nothing (chatter)
        has no reply to wait for: answered at once, no pass."""
        if self._app.caused_nothing(reply_to):
            return []
        _, cleared = await self._app.outbox.next_pass_cleared()
        return [] if cleared else self.waiting(reply_to=reply_to)

    def clock_now(self) -> ClockReading:
        clock = self._app.clock
        return ClockReading(now=clock.show(clock.now(), "%Y-%m-%d %H:%M"), weekday=clock.local().weekday(),
                            movable=callable(getattr(clock, "advance", None)),
                            offset_seconds=_offset_seconds(clock))

    async def advance_clock(self, seconds: float) -> ClockMoved:
        advance = getattr(self._app.clock, "advance", None)
        if not callable(advance):
            raise ClockFixed("the app runs on the wall clock")
        advance(seconds=seconds)
        ran = await self._app.jobs.run_due()  # escalation, reminders, 回访 … that fell due
        sent = await self._app.outbox.drain()
        return ClockMoved(reading=self.clock_now(), jobs=tuple(ran), sent=sent)

    def _queued(self, m: OutboxMessage, names: dict[str | None, str]) -> Queued:
        mentions = tuple(m.mentions or ())
        return Queued(id=m.id, conversation=m.conversation, text=m.text, is_room=m.is_room, status=m.status,
                      at=m.sent_at or m.created_at, mentions=mentions,
                      mention_names=tuple(names.get(c, c) for c in mentions),
                      waiting_until=None if m.status == OutboxStatus.SENT else self._app.clock.show(m.not_before),
                      reply_to=m.cause_id)


def _offset_seconds(clock: Clock) -> float:
    offset = getattr(clock, "offset", None)
    return offset.total_seconds() if isinstance(offset, timedelta) else 0.0


def _person_entry(p: Person) -> PersonEntry:
    return PersonEntry(p.chat_id or "", p.name, p.role, p.household.address if p.household else None,
                       _building_of(p))


def _building_of(p: Person) -> str | None:
    """Where someone belongs in the simulator's picker: their home's building, else (a member
    living elsewhere) the building of the first household they look after."""
    if p.household is not None:
        return p.household.building.name
    linked = sorted(p.links, key=lambda link: link.household_id)
    return linked[0].household.building.name if linked else None
