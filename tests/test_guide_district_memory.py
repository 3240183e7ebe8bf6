"""What a district's guide keeps beyond its one shared body (bench/README.md, "Memory, twenty-second
round"): communities with the same guide (the demo guide in every community) keep their entries'
rows and their own indexes in a few kilobytes each, not a copy of every text; the start's build
does not keep the labelled questions' features; and every answer is still the same — after an
entry's edit too, when the body is built again without them."""
from __future__ import annotations

import gc
import tracemalloc
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import guide, guide_watch
from domain.guide_linear import default_linear
from storage.guide_files import load_demo_guide
from storage.models import Community, GuideEntry

NOW = datetime(2026, 11, 1)


@pytest.fixture
def same_guides(session: Session) -> list[int]:
    """Nine communities, each with the demo guide as entries of its own (as bench_memory's district)."""
    guide._CACHE.clear()
    guide_watch._ROWS.clear()
    communities = [Community(name=f"第{i}社区") for i in range(1, 10)]
    session.add_all(communities)
    session.flush()
    for c in communities:
        load_demo_guide(session, c.id, NOW)
    session.commit()
    return [c.id for c in communities]


def _held(make) -> int:  # type: ignore[no-untyped-def]
    """Bytes of Python allocations ``make()`` leaves alive (after a full collection)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        make()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def _answer(session: Session, tokenize, community_id: int, text: str) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    found = guide.answer_to(guide.index_for(session, tokenize, community_id), tokenize, text)
    if found is None:
        return None
    entry = guide.entry_visible(session, found.match.entry_id, community_id)
    assert entry is not None and entry.community_id == community_id  # its own community's entry
    return entry.key, entry.answer


def test_communities_with_the_same_guide_keep_a_few_kilobytes_each(session: Session, classifier, same_guides) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    tokenize("居住证到期了怎么续签")
    default_linear()
    first, *others = same_guides
    with session.no_autoflush:
        expected = _answer(session, tokenize, first, "居住证到期了怎么续签？")  # the body built here
    session.commit()

    def the_others() -> None:
        for cid in others[:7]:  # as many as guide_watch keeps the rows of (ROWS_KEPT = 8)
            guide.index_for(session, tokenize, cid)
            session.commit()

    held = _held(the_others)
    # each community's index (its ids, the vote's labels) and its kept rows: ~170 kB a community
    # when each kept its own copy of every title, answer and ask (1.2 MB for these seven)
    assert held < 7 * 50_000, f"{held / 2**20:.2f} MB for seven communities"
    assert expected is not None and expected[0] == "residence-permit"
    for cid in others[:7]:
        assert _answer(session, tokenize, cid, "居住证到期了怎么续签？") == expected
    session.commit()


def test_an_entry_made_from_the_kept_rows_is_its_own(session: Session, classifier, same_guides) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    a, b = same_guides[:2]
    for cid in (a, b):
        guide.index_for(session, tokenize, cid)
    session.commit()
    session.expunge_all()
    key = "residence-permit"
    ids = {cid: session.scalar(select(GuideEntry.id).where(GuideEntry.community_id == cid, GuideEntry.key == key))
           for cid in (a, b)}
    first = guide.entry_visible(session, ids[a], a)
    assert first is not None
    before = list(first.asks)
    first.asks.append("改过的问法")  # a change in this transaction (not committed) …
    second = guide.entry_visible(session, ids[b], b)
    assert second is not None and second.asks == before  # … is not another community's entry's
    session.rollback()


def test_the_start_keeps_no_labelled_features_and_an_edit_rebuilds_to_the_same_answers(  # type: ignore[no-untyped-def]
        session: Session, classifier, same_guides) -> None:
    tokenize = classifier.tokenize
    first = same_guides[0]
    questions = ["居住证到期了怎么续签？", "孩子出生了医保怎么办", "楼上漏水怎么办", "低保怎么申请"]
    before = {q: _answer(session, tokenize, first, q) for q in questions}
    guide._CACHE.clear()
    guide._FEATURES.clear()
    guide.warm(session, tokenize)
    session.commit()
    assert not guide._FEATURES  # ~0.8 MB the start's build no longer keeps
    assert {q: _answer(session, tokenize, first, q) for q in questions} == before
    entry = session.scalars(select(GuideEntry).where(GuideEntry.community_id == first,
                                                     GuideEntry.key == "residence-permit")).one()
    entry.answer, entry.updated_at = entry.answer + "。", datetime(2026, 11, 2)  # a staff edit: another body
    session.commit()
    after = {q: _answer(session, tokenize, first, q) for q in questions}  # built again, the labelled pass again
    assert guide._FEATURES
    assert {q: a and a[0] for q, a in after.items()} == {q: a and a[0] for q, a in before.items()}
    assert after["居住证到期了怎么续签？"] == ("residence-permit", entry.answer)
    session.commit()
