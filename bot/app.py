"""App wiring: database, classifier, dispatcher, inbox, outbox sender and a gateway.

    app = App(settings, gateway)
    await app.start()      # migrate, load the demo on first run, replay unfinished messages
    ...                    # the gateway calls app.receive(message) for each message
    await app.stop()
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import Engine, func, select

from bot.driver.gateway import Gateway
from bot.inbox import Inbox
from bot.outbox import OutboxSender
from handlers.dispatcher import build_dispatcher
from kernel.clock import Clock
from kernel.config import Settings
from kernel.messages import Inbound
from kernel.timing import check_settings
from schedules.jobqueue import JobQueue
from storage import db
from storage.models import Community

log = logging.getLogger(__name__)


def load_classifier(settings: Settings) -> Any:
    from domain.classifier import Classifier

    return Classifier(rules_path=settings.rules_path or None, cache_dir=settings.data_dir)


class App:
    def __init__(self, settings: Settings, gateway: Gateway, *, clock: Clock | None = None,
                 engine: Engine | None = None, classifier: Any = None, paced: bool | None = None) -> None:
        self.settings = settings
        self.gateway = gateway
        self.clock = clock or Clock(settings.timezone)
        self.engine = engine or db.make_engine(settings.db_url)
        self.sessions = db.session_factory(self.engine)
        self.classifier = classifier or load_classifier(settings)
        self.dispatcher = build_dispatcher()
        self.inbox = Inbox(self.sessions, self.clock, settings, self.classifier, self.dispatcher)
        if paced is None:
            paced = getattr(gateway, "paced", True)
        self.outbox = OutboxSender(self.sessions, gateway, self.clock, settings, paced=paced)
        check_settings(settings)  # bad quiet hours / deadlines: a clear message, not a late crash
        # deadlines, follow-ups, campaigns, reports (schedules/): jobs get a JobContext, not the app
        self.jobs = JobQueue(self.sessions, self.clock, settings, wake=self.outbox.wake)
        self.scheduler: Any = self.jobs.scheduler
        self._handling = asyncio.Lock()
        gateway.set_handler(self.receive)

    # --- life ----------------------------------------------------------------------------------

    def prepare_database(self) -> None:
        """Apply migrations; load the demo community on first run if configured."""
        db.upgrade(self.engine)
        if self.settings.demo_on_first_run:
            with self.sessions() as session:
                empty = not session.scalar(select(func.count(Community.id)))
            if empty:
                from storage.demo import load_demo

                with self.sessions() as session:
                    load_demo(session, self.clock)
                    session.commit()
                log.info("loaded the demo community")

    async def start(self, *, start_gateway: bool = True) -> None:
        self.prepare_database()
        self.load_rule_changes()
        if start_gateway:
            await self.gateway.start()
        await self.replay_unfinished()
        await self.jobs.start()
        self.outbox.start()
        self.outbox.wake()

    def load_rule_changes(self) -> None:
        """Keywords staff changed from chat (规则 加/删) apply again after a restart."""
        from domain.classifier.corrections import apply_stored_rules

        with self.sessions() as session:
            apply_stored_rules(session, self.classifier)

    async def stop(self) -> None:
        await self.jobs.stop()
        await self.outbox.stop()
        await self.gateway.stop()
        self.engine.dispose()

    # --- messages ------------------------------------------------------------------------------

    async def receive(self, message: Inbound) -> int | None:
        """Store, then handle, one inbound message. Returns the stored id (None: a duplicate)."""
        inbound_id = self.inbox.store(message)
        if inbound_id is None:
            return None
        async with self._handling:  # one message at a time, in the order they came
            route = await asyncio.to_thread(self.inbox.process, inbound_id)  # off the event loop
        self.jobs.after_route(route)
        self.outbox.wake()
        return inbound_id

    async def replay_unfinished(self) -> int:
        """Handle what was stored but not handled before the last stop."""
        ids = self.inbox.unfinished()
        for inbound_id in ids:
            async with self._handling:
                self.jobs.after_route(await asyncio.to_thread(self.inbox.process, inbound_id))
        if ids:
            log.info("replayed %d unfinished messages", len(ids))
        return len(ids)
