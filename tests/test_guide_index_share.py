"""The guide's indexes in a district: communities that see only the district's entries share one
index (a district of fifty communities holds one, not fifty); a community's own entry is still
answered there and nowhere else; the indexes kept are bounded."""
from __future__ import annotations

from datetime import datetime

import pytest
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
