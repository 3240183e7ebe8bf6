"""Engine and sessions. The session is opened by the caller (one unit of work per
message or job) and passed to the functions that use it."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

from storage import ledger_version  # noqa: F401  # every engine moves the ledger's version (see there)

MIGRATIONS = Path(__file__).parent / "migrations"
#: each SQLite connection's page cache, KiB (SQLite's default is 2,000). Every pooled connection
#: that once read a large table (the guide's entries when an index is built, a report) kept its
#: 2 MB full for as long as it lived: 6 MB of the district bot's memory with the guide, 4
#: connections. The pages are in the system's file cache anyway, and in WAL mode a connection's
#: cache is emptied whenever another connection has written, which during a flood is every batch.
SQLITE_CACHE_KIB = 256
#: prepared statements each SQLite connection keeps (the sqlite3 module's own cache, least
#: recently used out; its default is 128). A prepared ORM statement is ~10 KB of SQLite's memory
#: and every pooled connection (3-4 in a busy bot) prepared nearly every statement the bot runs:
#: ~0.7-1 MB a connection. A flood runs ~0.3 statements a message, so preparing one again
#: (~0.1 ms) when it was dropped costs little.
SQLITE_STATEMENTS_KEPT = 32


def make_engine(url: str, **kwargs: object) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # the pool hands a connection to one thread at a time: handlers and jobs run in worker threads
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False,
                                                  "cached_statements": SQLITE_STATEMENTS_KEPT}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, **kwargs)


@contextmanager
def pipelined(connection: Connection) -> Iterator[bool]:
    """Statements run on ``connection`` in the block go to the server without waiting for each
    one's answer, and are answered together at the next statement that waits (on PostgreSQL with
    psycopg: its pipeline mode; the COMMIT waits): one round trip for a transaction's last writes
    and its commit, not one each. Only for statements whose results nobody reads (an INSERT or
    UPDATE without RETURNING, a SELECT whose rows are not wanted): SQLAlchemy takes a statement's
    result as it returns, and in the pipeline it has none yet (an ORM flush must come before).
    A statement that fails is raised at the COMMIT (the transaction is then rolled back as
    usual), and the ones after it in the block are not run. Yields whether it is pipelined
    (elsewhere the block runs as it is)."""
    if connection.dialect.driver != "psycopg":
        yield False
        return
    dbapi_connection = connection.connection.dbapi_connection
    with dbapi_connection.pipeline():  # type: ignore[union-attr]  # psycopg's Connection
        yield True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine_or_url: Engine | str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if isinstance(engine_or_url, str):
        cfg.set_main_option("sqlalchemy.url", engine_or_url.replace("%", "%%"))
    else:
        cfg.attributes["engine"] = engine_or_url
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` (what `lianhu db upgrade` does). A database already
    at the scripts' heads is left alone without loading Alembic (every CLI command and every
    start calls this)."""
    if revision == "heads" and at_head(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(.+)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def script_heads() -> frozenset[str] | None:
    """The migration scripts' heads, read from the files' ``revision`` / ``down_revision``
    lines (Alembic's own reading imports every script); None when a file cannot be read that
    way, and then the caller asks Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith("__"):
            continue
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        parents.update(_QUOTED.findall(down.group(1).split("#", 1)[0]))
    heads = revisions - parents
    return frozenset(heads) if heads and parents <= revisions else None


def at_head(engine: Engine) -> bool:
    """Whether the database's revisions are exactly the scripts' heads (one cheap query)."""
    heads = script_heads()
    if heads is None:
        return False
    try:
        with engine.connect() as conn:
            stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return stored == heads


def current_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
