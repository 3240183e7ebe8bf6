"""What the 办事指南 keeps in memory (bench/README.md, "Memory, nineteenth round"): the demo guide's
index with every shipped labelled question, and the linear model's memo of the features met lately,
stay within what an operator sizes a district bot for — and the answers do not change."""
from __future__ import annotations

import gc
import tracemalloc
from datetime import datetime

import pytest

from domain import guide
from domain.guide_linear import ROWS_KEPT, Linear, default_linear, features
from storage.models import GuideEntry


@pytest.fixture
def demo_entries() -> list[GuideEntry]:
    from bot.cli.guide import load_entries

    return [GuideEntry(id=8000 + i, community_id=None, key=e.key, title=e.title, answer=e.answer, asks=e.asks,
                       materials=e.materials, tags=e.tags, private=e.private, updated_at=datetime(2026, 11, 1))
            for i, e in enumerate(load_entries(None), 1)]


def _traced(make):  # type: ignore[no-untyped-def]
    """What ``make()`` leaves alive (bytes of Python allocations, after a full collection), and its result."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = make()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before, made
    finally:
        tracemalloc.stop()


def test_the_demo_guides_index_with_every_labelled_question_holds_at_most_4_mb(classifier, demo_entries,  # type: ignore[no-untyped-def]
                                                                             monkeypatch) -> None:
    tokenize = classifier.tokenize
    tokenize("居住证到期了怎么续签")  # the classifier's own tables loaded before the count
    default_linear()
    monkeypatch.setattr(guide, "_FEATURES", {})  # the labelled questions read and kept again here
    monkeypatch.setattr(guide, "_BODIES", type(guide._BODIES)())
    held, index = _traced(lambda: guide.Index.build(tokenize, demo_entries))
    # the vote's documents (~3,000 questions and the entries' asks), their features kept for the next
    # build, BM25, the fixer: 6.5 MB when the features' names were kept (strings, and a dict of them)
    # and the labelled questions themselves, 3.4 MB now
    assert held < 4 * 2**20, f"{held / 2**20:.1f} MB"
    found = guide.answer_to(index, tokenize, "居住证到期了怎么续签？")
    assert found is not None and found.match.title == next(e.title for e in demo_entries if e.key == "residence-permit")


def fresh_kept(model: Linear) -> dict[str, object]:
    """The model's memo of features met lately (whatever it keeps of each)."""
    memo = getattr(model, "rows", None) or getattr(model, "pairs")
    return memo.found  # type: ignore[no-any-return]


def test_the_models_memo_of_features_met_lately_stays_small_and_reads_alike() -> None:
    model = default_linear()
    assert model is not None
    fresh = Linear(model.labels, model.bias, model.keys, model.offsets, model.classes, model.weights)
    feats: list[set[str]] = []
    met: set[str] = set()
    for _, text in guide.shipped_examples():  # residents' questions until nearly ROWS_KEPT features are met
        f = features([], text)
        if len(met | f) >= ROWS_KEPT - 10:
            break
        feats.append(f)
        met |= f
    readings = [model.read(f) for f in feats[:50]]
    held, _ = _traced(lambda: [fresh.read(f) for f in feats] and None)  # the readings themselves not kept
    # every feature met kept until ROWS_KEPT are (then forgotten at once): 1.06 MB for 1,987 features as
    # the rows' (class, weight) pairs in tuples of Python floats, 0.09 MB as their row numbers
    assert held < 0.5 * 2**20, f"{held / 2**20:.2f} MB for up to {ROWS_KEPT} features"
    assert [fresh.read(f) for f in feats[:50]] == readings  # read from the memo or not: the same readings
    assert len(fresh_kept(fresh)) <= ROWS_KEPT


def test_loading_the_shipped_model_takes_little_more_than_it_keeps(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from domain import guide_linear

    monkeypatch.setattr(guide_linear, "_LOADED", {})  # read from its file again here
    gc.collect()
    tracemalloc.start()
    try:
        model = default_linear()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model is not None and model.read(features(["居住证"], "居住证怎么办")).label == "residence-permit"
    # the bot reads it while the guide's index is built: its peak is the heap's. As base64 in a JSON
    # document it took ~4 MB more for a moment to keep 1.3 MB; read into the arrays, nothing more
    assert kept < 1.5 * 2**20, f"{kept / 2**20:.2f} MB kept"
    assert peak - kept < 0.5 * 2**20, f"{(peak - kept) / 2**20:.2f} MB more for a moment"
