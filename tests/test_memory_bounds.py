"""What keeps the district bot's memory bounded (bench/README.md, "Memory, eighteenth round"):
the ledger cache's maps (least recently used out), each SQLite connection's page cache and
prepared statements; and a resident the full cache let go is still known at their next message."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import SQLITE_CACHE_KIB, SQLITE_STATEMENTS_KEPT, make_engine
from storage.ledger_cache import LedgerCache, _Lru
from tests.conftest import Harness, texts_to
from tests.helpers import building_room_of


def test_a_ledger_cache_map_keeps_the_most_recently_used_keys() -> None:
    lru: _Lru[str] = _Lru(3)
    for key in "abc":
        lru.put(key, key.upper())
    assert lru.get("a") == "A"  # used: now the most recent
    lru.put("d", "D")  # full: the least recently used (b) goes
    assert list(lru.items) == ["c", "a", "d"] and lru.get("b") is None
    lru.put("c", "C2")  # put again: moved to the end, nothing dropped
    assert list(lru.items) == ["a", "d", "c"] and lru.get("c") == "C2"
    for n in range(100):
        lru.put(str(n), str(n))
    assert list(lru.items) == ["97", "98", "99"]
    lru.clear()
    assert lru.get("99") is None and not lru.items


async def test_a_resident_the_full_cache_let_go_is_still_known_at_their_next_message(bot: Harness) -> None:
    bot.app.inbox.cache = cache = LedgerCache(size=1)  # room for one person, one group
    room = building_room_of(bot, "r01")
    sent = await bot.say("楼道灯坏了", sender="r01", room=room)  # ticket 1001, r01's
    assert any("工单号 1001" in t for t in texts_to(sent, room))
    for sender in ("r01", "r02", "r03"):  # each kept in turn, the one before let go
        await bot.say("大家好", sender=sender, room=room)
    assert len(cache.people.items) == 1 and "r01" not in cache.people.items
    sent = await bot.say("查询 1001", sender="r01", room=room)  # read again: still the reporter
    assert texts_to(sent, room)[0].startswith("工单 1001:【")
    assert len(cache.people.items) <= 1 and len(cache.rooms.items) <= 1


def test_a_sqlite_connection_keeps_a_small_page_cache_and_few_prepared_statements(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bounds.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
        conn.exec_driver_sql("CREATE TABLE t (a INTEGER, b TEXT)")
        for n in range(4 * SQLITE_STATEMENTS_KEPT):  # as many different statements
            assert conn.exec_driver_sql(f"SELECT a, b FROM t WHERE a = {n}").all() == []
        try:  # the statements prepared on this connection (SQLite's sqlite_stmt table)
            alive = conn.exec_driver_sql("SELECT count(*) FROM sqlite_stmt").scalar()
        except Exception as exc:  # a SQLite built without it
            pytest.skip(f"no sqlite_stmt in SQLite {sqlite3.sqlite_version}: {exc}")
    engine.dispose()
    assert alive is not None and alive <= SQLITE_STATEMENTS_KEPT + 1  # the cache, and this one
