"""The guide's memory: the neighbour vote's packed postings give the votes the plain cosine gives,
and the labelled questions the vote is built from do not fill the classifier's memo of fragments
(~4 MB of the district bot's resident set when they did)."""
from __future__ import annotations

import math
import random
from array import array
from collections import defaultdict
from datetime import datetime

import pytest

from domain import guide
from domain.guide_examples import COMMON, K, Neighbours, Packed, Vote, features
from domain.guide_linear import feature_key
from storage.models import GuideEntry


def _plain_vote(docs: list[tuple[int | None, dict[str, float]]], f: dict[str, float]) -> Vote | None:
    """The vote as it was before the postings were packed: a dict of idf, a pair of arrays a feature."""
    n = len(docs)
    df: dict[str, int] = defaultdict(int)
    for _, d in docs:
        for k in d:
            df[k] += 1
    idf = {k: math.log((n + 1) / (c + 1)) + 1.0 for k, c in df.items()}

    def vector(d: dict[str, float]) -> dict[str, float]:
        vec = {k: (1.0 + math.log(x)) * idf[k] for k, x in d.items() if k in idf}
        norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
        return {k: x / norm for k, x in vec.items()}

    postings: dict[str, tuple[array, array]] = {}
    for i, (_, d) in enumerate(docs):
        for k, x in vector(d).items():
            if df[k] <= COMMON * n:
                ids, weights = postings.setdefault(k, (array("I"), array("f")))
                ids.append(i)
                weights.append(x)
    sims: dict[int, float] = {}
    for k, x in vector(f).items():
        ids, weights = postings.get(k, (array("I"), array("f")))
        for i, y in zip(ids, weights):
            sims[i] = sims.get(i, 0.0) + x * y
    top: dict[int | None, list[float]] = {}
    for i, s in sims.items():
        best = top.get(docs[i][0])
        if best is None:
            top[docs[i][0]] = [0.0] * (K - 1) + [s]
        elif s > best[0]:
            best[0] = s
            best.sort()
    if not top:
        return None
    ranked = sorted(((sum(v) / K, label) for label, v in top.items()), key=lambda x: -x[0])
    return Vote(ranked[0][1], ranked[0][0], ranked[0][0] - (ranked[1][0] if len(ranked) > 1 else 0.0))


def test_the_packed_vote_is_the_plain_cosine_vote_to_the_last_bit() -> None:
    rnd = random.Random(12)
    words = [f"词{i}" for i in range(300)]
    pairs = [f"字{i}" for i in range(200)]

    def doc() -> dict[str, float]:
        return features(rnd.sample(words, rnd.randrange(1, 6)) * rnd.randrange(1, 3), rnd.sample(pairs, rnd.randrange(0, 8)))

    labels = [None, 1, 2, 3, 4, 5]
    docs = [(rnd.choice(labels), doc()) for _ in range(400)]
    near = Neighbours(docs)
    for _ in range(300):
        question = doc()
        assert near.vote(question) == _plain_vote(docs, question)
    assert near.vote({"w没有的词": 1.0}) is None
    # relabelled: the same packed arrays, the other labels
    other = near.relabelled([None if label is None else label + 100 for label in near.names])
    assert other.postings is near.postings and other.idf is near.idf and other.classes is near.classes
    assert other.labels == [None if label is None else label + 100 for label, _ in docs]
    with pytest.raises(ValueError):  # two classes under one label would vote as one
        near.relabelled([1] * len(near.names))
    question = docs[7][1]
    mine, theirs = near.vote(question), other.vote(question)
    assert mine is not None and theirs is not None
    assert (theirs.score, theirs.lead) == (mine.score, mine.lead)
    assert theirs.label == (None if mine.label is None else mine.label + 100)


def test_packed_documents_read_back_as_they_were_given() -> None:
    docs = [("a", {"w居住证": 1.0, "c居住": 0.5}), (None, {"w天气": 2.0}), ("b", {})]
    packed = Packed(docs)
    by_key = [(key, {feature_key(name): value for name, value in f.items()}) for key, f in docs]  # kept by key
    assert list(packed) == by_key
    assert list(packed.items(lambda key: key is not None)) == [by_key[0], by_key[2]]
    assert Neighbours(docs).vote(docs[0][1]) == Neighbours(list(packed)).vote(docs[0][1])  # by name or by key alike


@pytest.fixture
def demo_entries() -> list[GuideEntry]:
    from bot.cli.guide import load_entries

    return [GuideEntry(id=7000 + i, community_id=None, key=e.key, title=e.title, answer=e.answer, asks=e.asks,
                       materials=e.materials, tags=e.tags, private=e.private, updated_at=datetime(2026, 11, 1))
            for i, e in enumerate(load_entries(None), 1)]


def test_the_labelled_questions_do_not_fill_the_classifiers_memo(classifier, demo_entries, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tokenize = classifier.tokenize
    before = tokenize("居住证到期了怎么续签")
    monkeypatch.setattr(guide, "_FEATURES", {})  # the labelled questions' features made (tokenized) again here
    monkeypatch.setattr(guide, "_BODIES", type(guide._BODIES)())
    examples = guide.shipped_examples()
    assert len(examples) > 1000
    index = guide.Index.build(tokenize, demo_entries, examples)
    # the ~3,000 questions leave no more than the entries' own text in the memo (~27,000 fragments when they did)
    assert len(classifier._tk._known) < 3000
    # and nothing is cut otherwise: the same tokens, and the index answers
    assert tokenize("居住证到期了怎么续签") == before
    found = guide.answer_to(index, tokenize, "居住证到期了怎么续签？")
    assert found is not None and found.match.title == next(e.title for e in demo_entries if e.key == "residence-permit")
