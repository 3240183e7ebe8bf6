"""The guide's index and entries inside one transaction (a batch of messages is one): an entry
added, changed, archived or deleted earlier in the same transaction is what the next question
finds, and an entry read once a transaction is read again in the next one (another process may
have changed it meanwhile)."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from domain import guide, guide_watch
from storage import db
from storage.models import GuideEntry, GuideStatus

WHEN = datetime(2026, 11, 1)


def _entry(key: str, title: str, asks: list[str], answer: str) -> GuideEntry:
    return GuideEntry(community_id=None, key=key, title=title, asks=asks, answer=answer, updated_at=WHEN)


@pytest.fixture
def guide_db(session: Session) -> Session:
    guide._CACHE.clear()  # kept by version, per process: another test's database may share it
    guide_watch._ROWS.clear()
    session.add(_entry("office-hours", "社区办公时间", ["社区几点上班", "周末办公吗"], "工作日 8:30-17:30。"))
    session.add(_entry("pool", "游泳池开放时间", ["游泳池几点开门", "游泳馆开放吗"], "小区游泳池 6-9 月开放。"))
    session.commit()
    return session


def _answered(session: Session, tokenize, text: str) -> str | None:  # type: ignore[no-untyped-def]
    found = guide.answer_to(guide.index_for(session, tokenize, None), tokenize, text)
    if found is None:
        return None
    entry = guide.entry_visible(session, found.match.entry_id, None)
    return entry.key if entry is not None else None


def test_an_entry_added_in_the_transaction_is_answered_next(guide_db: Session, classifier) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    assert _answered(guide_db, tokenize, "社区几点上班啊") == "office-hours"  # the version is read
    assert _answered(guide_db, tokenize, "快递柜在哪里取件") is None
    guide_db.add(_entry("parcel", "快递柜取件", ["快递柜在哪里", "快递柜怎么取件"], "北门快递柜。"))  # pending
    assert _answered(guide_db, tokenize, "快递柜在哪里取件") == "parcel"


def test_an_entry_changed_in_the_transaction_is_read_as_changed(guide_db: Session, classifier) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    assert _answered(guide_db, tokenize, "游泳池几点开门") == "pool"
    assert _answered(guide_db, tokenize, "菜场几点开门") is None
    pool = guide_db.query(GuideEntry).filter_by(key="pool").one()
    pool.title, pool.asks, pool.updated_at = "菜场营业时间", ["菜场几点开门", "菜场营业吗"], datetime(2026, 11, 2)
    assert _answered(guide_db, tokenize, "菜场几点开门") == "pool"
    pool.status = GuideStatus.RETIRED
    assert _answered(guide_db, tokenize, "菜场几点开门") is None


def test_an_entry_deleted_in_the_transaction_is_not_answered(guide_db: Session, classifier) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    assert _answered(guide_db, tokenize, "游泳池几点开门") == "pool"
    guide_db.delete(guide_db.query(GuideEntry).filter_by(key="pool").one())
    assert _answered(guide_db, tokenize, "游泳池几点开门") is None


def test_an_answered_entry_is_not_read_again_and_another_process_is_seen_next_batch(  # type: ignore[no-untyped-def]
        guide_db: Session, classifier, db_url: str) -> None:
    tokenize = classifier.tokenize
    entry_id = guide_db.query(GuideEntry).filter_by(key="pool").one().id
    guide_db.commit()
    guide_db.expunge_all()
    reads: list[str] = []
    engine = guide_db.get_bind()
    listener = lambda *args: reads.append(args[2]) if "WHERE guide_entry.id =" in args[2] else None  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        for _ in range(3):
            assert _answered(guide_db, tokenize, "游泳池几点开门") == "pool"
        assert reads == []  # made from the row the index was built of
        assert guide.entry_visible(guide_db, entry_id, None).answer == "小区游泳池 6-9 月开放。"  # type: ignore[union-attr]
        pool = guide.entry_visible(guide_db, entry_id, None)
        pool.answer = "改了"  # type: ignore[union-attr]  # this transaction's own change is what it reads
        assert guide.entry_visible(guide_db, entry_id, None).answer == "改了"  # type: ignore[union-attr]
        guide_db.rollback()
        guide_db.expunge_all()
        assert guide.entry_visible(guide_db, entry_id, None).answer == "小区游泳池 6-9 月开放。"  # type: ignore[union-attr]
        assert len(reads) == 1  # no index read in this transaction yet: read by id
        assert guide.entry_visible(guide_db, entry_id, None) is not None
        assert len(reads) == 1  # once a transaction
        guide_db.commit()
        other_engine = db.make_engine(db_url)
        with db.session_factory(other_engine)() as other:  # another process retires it between batches
            other.get(GuideEntry, entry_id).status = GuideStatus.RETIRED  # type: ignore[union-attr]
            other.commit()
        other_engine.dispose()
        assert guide.entry_visible(guide_db, entry_id, None) is None
        assert _answered(guide_db, tokenize, "游泳池几点开门") is None
    finally:
        event.remove(engine, "before_cursor_execute", listener)
