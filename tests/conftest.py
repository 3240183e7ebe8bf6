"""Shared fixtures: a database on each backend, and the real bot behind the test gateway.

Tests that use ``db_url`` (directly or through ``bot``) run once on SQLite and once on
PostgreSQL when ``LIANHU_TEST_PG_URL`` points at a server (``scripts/test`` starts
one). In CI a missing PostgreSQL is an error, not a skip.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bot.app import App
from bot.gateways.testing import TestGateway
from kernel.clock import FrozenClock
from kernel.config import Settings
from kernel.messages import Kind, Outbound
from storage import db


def _worker_database(url: str, worker: str) -> str:
    """The URL of this pytest-xdist worker's own database beside ``url``'s (created when missing):
    the workers run at once, each truncating and filling its own."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    base = make_url(url)
    if (base.database or "").endswith(f"_{worker}"):
        return url  # a process the worker started (tests/ticket_writer.py) inherits the URL made here
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = text("SELECT 1 FROM pg_database WHERE datname = :n")
            if conn.execute(exists, {"n": name}).first() is None:
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                except (IntegrityError, ProgrammingError):  # made meanwhile by another process?
                    if conn.execute(exists, {"n": name}).first() is None:
                        raise
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


PG_URL = os.environ.get("LIANHU_TEST_PG_URL", "")
if PG_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    PG_URL = os.environ["LIANHU_TEST_PG_URL"] = _worker_database(PG_URL, os.environ["PYTEST_XDIST_WORKER"])
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
#: a Monday, 10:00 in Shanghai: deadlines in tests are easy to read
START = datetime(2026, 11, 23, 2, 0, 0)


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not PG_URL:
        raise pytest.UsageError("CI must test PostgreSQL too: LIANHU_TEST_PG_URL is not set")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "lianhu.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    engine = db.make_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "lianhu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    _truncate(request.getfixturevalue("pg_engine"))
    return PG_URL


@pytest.fixture(scope="session")
def classifier(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from domain.classifier import Classifier

    return Classifier(cache_dir=tmp_path_factory.mktemp("jieba"))


class Harness:
    """The real bot behind the test gateway, on a clock that moves only when told."""

    def __init__(self, app: App, gateway: TestGateway, clock: FrozenClock) -> None:
        self.app = app
        self.gw = gateway
        self.clock = clock

    @property
    def sessions(self):  # type: ignore[no-untyped-def]
        return self.app.sessions

    async def say(self, text: str = "", *, sender: str, room: str | None = None,
                  name: str | None = None, **kw: object) -> list[Outbound]:
        """A message from ``sender`` (in ``room``, or privately); returns what the bot sent."""
        before = len(self.gw.sent)
        await self.app.receive(self.gw.inbound(text, sender=sender, name=name, room=room, **kw))  # type: ignore[arg-type]
        await self.app.outbox.drain()
        return self.gw.sent[before:]

    async def image(self, *, sender: str, room: str | None = None, mention_bot: bool = False) -> list[Outbound]:
        return await self.say("", sender=sender, room=room, kind=Kind.IMAGE, mention_bot=mention_bot)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session on a migrated database of each backend (for tests of domain functions)."""
    engine = db.make_engine(db_url)
    with db.session_factory(engine)() as s:
        yield s
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture
async def bot(settings: Settings, classifier) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    gateway = TestGateway()
    clock = FrozenClock(START)
    app = App(settings, gateway, clock=clock, classifier=classifier)
    await app.start()
    yield Harness(app, gateway, clock)
    await app.stop()


def texts_to(sent: list[Outbound], conversation: str) -> list[str]:
    return [m.text for m in sent if m.conversation == conversation]
