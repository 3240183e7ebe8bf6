"""The guide's indexes in a district: communities that see only the district's entries share one
index (a district of fifty communities holds one, not fifty); a community's own entry is still
answered there and nowhere else; the indexes kept are bounded."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import guide
from storage.models import Community, GuideEntry


def _entry(community: Community | None, key: str, title: str, asks: list[str], answer: str) -> GuideEntry:
    return GuideEntry(community_id=None if community is None else community.id, key=key, title=title, asks=asks, answer=answer,
                      updated_at=datetime(2026, 11, 1))


@pytest.fixture
def district(session: Session) -> list[Community]:
    communities = [Community(name=f"第{i}社区") for i in range(1, 5)]
    session.add_all(communities)
    session.flush()
    session.add(_entry(None, "office-hours", "社区办公时间", ["社区几点上班", "周末办公吗"],
                       "工作日 8:30-17:30。"))
    session.add(_entry(communities[0], "pool", "游泳池开放时间", ["游泳池几点开门", "游泳馆开放吗"],
                       "小区游泳池 6-9 月开放。"))
    session.commit()
    return communities


def _answered(session: Session, tokenize, community: Community, text: str) -> str | None:  # type: ignore[no-untyped-def]
    found = guide.answer_to(guide.index_for(session, tokenize, community.id), tokenize, text)
    if found is None:
        return None
    entry = session.get(GuideEntry, found.match.entry_id)
    return entry.key if entry is not None else None


def test_communities_without_their_own_entries_share_one_index(session: Session, classifier, district) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    guide._CACHE.clear()
    own, *others = district
    for community in others:
        assert _answered(session, tokenize, community, "社区几点上班啊") == "office-hours"
        assert _answered(session, tokenize, community, "游泳池几点开门") != "pool"  # another community's entry
    assert _answered(session, tokenize, own, "游泳池几点开门") == "pool"
    assert _answered(session, tokenize, own, "社区几点上班啊") == "office-hours"
    shared = guide.index_for(session, tokenize, others[0].id)
    assert all(guide.index_for(session, tokenize, c.id) is shared for c in others)
    assert guide.index_for(session, tokenize, own.id) is not shared
    assert len(guide._CACHE) == 2


def test_the_indexes_kept_are_bounded(session: Session, classifier, district, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    guide._CACHE.clear()
    monkeypatch.setattr(guide, "CACHE_SIZE", 2)
    for i, community in enumerate(district[1:], 2):
        session.add(_entry(community, f"own-{i}", f"第{i}社区菜场营业时间", ["菜场几点开"], "早 6 点。"))
    session.commit()
    for community in district:
        guide.index_for(session, tokenize, community.id)
    assert len(guide._CACHE) == 2
    assert _answered(session, tokenize, district[0], "游泳池几点开门") == "pool"  # rebuilt when asked again


@pytest.fixture
def same_guides(session: Session) -> list[Community]:
    """Three communities, each with its own copy of the same two entries (as when every community
    loads the demo guide)."""
    communities = [Community(name=f"同指南{i}社区") for i in range(1, 4)]
    session.add_all(communities)
    session.flush()
    for community in communities:
        session.add(_entry(community, "pool", "游泳池开放时间", ["游泳池几点开门", "游泳馆开放吗"], "小区游泳池 6-9 月开放。"))
        session.add(_entry(community, "market", "菜场营业时间", ["菜场几点开", "菜市场几点关门"], "早 6 点到晚 7 点。"))
    session.commit()
    return communities


def _answer_of(session: Session, tokenize, community: Community, text: str) -> GuideEntry | None:  # type: ignore[no-untyped-def]
    found = guide.answer_to(guide.index_for(session, tokenize, community.id), tokenize, text)
    return session.get(GuideEntry, found.match.entry_id) if found is not None else None


def test_communities_with_the_same_entries_share_one_copy_each_answering_with_its_own(  # type: ignore[no-untyped-def]
        session: Session, classifier, same_guides) -> None:
    tokenize = classifier.tokenize
    guide._CACHE.clear()
    indexes = [guide.index_for(session, tokenize, c.id) for c in same_guides]
    assert len({id(i) for i in indexes}) == 3  # each community its own index (its own entry ids) …
    first = indexes[0]
    for index in indexes[1:]:  # … sharing one copy of what the entries' text makes
        assert index.bm25 is first.bm25 and index.fix is first.fix and index.texts is first.texts
        assert index.near is not None and first.near is not None
        assert index.near.postings is first.near.postings and index.near.idf is first.near.idf
    for community in same_guides:
        for text, key in (("游泳池几点开门", "pool"), ("菜场几点开", "market")):
            entry = _answer_of(session, tokenize, community, text)
            assert entry is not None and entry.key == key and entry.community_id == community.id
    # the vote's labels are each community's own entry ids
    for community, index in zip(same_guides, indexes):
        assert index.near is not None
        own = {e.id for e in session.scalars(select(GuideEntry).where(GuideEntry.community_id == community.id))}
        assert {label for label in index.near.labels if label is not None} == own


def test_an_edit_in_one_community_changes_only_its_own_answers(session: Session, classifier, same_guides) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    guide._CACHE.clear()
    edited, other, _ = same_guides
    assert _answer_of(session, tokenize, edited, "游泳池几点开门") is not None
    pool = session.scalars(select(GuideEntry).where(GuideEntry.community_id == edited.id, GuideEntry.key == "pool")).one()
    pool.title, pool.asks, pool.answer = "健身房开放时间", ["健身房几点开门", "健身房开放吗"], "社区健身房全年开放。"
    pool.updated_at = datetime(2026, 11, 2)
    session.commit()
    gym = _answer_of(session, tokenize, edited, "健身房几点开门")
    assert gym is not None and gym.id == pool.id
    assert _answer_of(session, tokenize, edited, "游泳池几点开门") is None
    theirs = _answer_of(session, tokenize, other, "游泳池几点开门")
    assert theirs is not None and theirs.key == "pool" and theirs.community_id == other.id
    found = _answer_of(session, tokenize, other, "健身房几点开门")
    assert found is None or found.key != "pool"
    assert guide.index_for(session, tokenize, edited.id).bm25 is not guide.index_for(session, tokenize, other.id).bm25


def test_the_different_guides_kept_are_bounded(session: Session, classifier, same_guides, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    guide._CACHE.clear()
    monkeypatch.setattr(guide, "BODIES_KEPT", 2)
    for i, community in enumerate(same_guides):  # each guide now of its own text
        session.add(_entry(community, f"own-{i}", f"第{i}号楼活动室开放时间", ["活动室几点开"], "下午开放。"))
    session.commit()
    for community in same_guides:
        guide.index_for(session, tokenize, community.id)
    assert len(guide._CACHE) == 2 and guide._bodies_kept() == 2
    entry = _answer_of(session, tokenize, same_guides[0], "游泳池几点开门")  # rebuilt when asked again
    assert entry is not None and entry.community_id == same_guides[0].id
