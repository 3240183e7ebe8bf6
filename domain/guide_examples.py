"""The guide's second opinion: the labelled questions as ways of asking, and a nearest-neighbour vote.

Every labelled question (``storage/guide_examples.jsonl``: what residents asked, each with the
entry that answers it or none) and every entry's title and asks is one "document": its topic
terms (domain/guide.py ``terms``) and, at half weight, its pairs of neighbouring characters,
weighted TF-IDF (sublinear tf) and compared by cosine. A question's vote for an entry is the
mean of its three most similar documents of that entry (missing ones count 0); the documents of no entry (questions no
entry answers, chatter, requests) vote together as ``None``.

BM25 over whole entries (domain/guide.py) finds the entry whose words the question shares; the
vote finds the questions asked like this one. ``decide`` answers when the two agree well enough
though BM25 alone is unsure, when the vote is very sure of one of BM25's first three, and holds
back an answer BM25 was sure of when the nearest questions are ones no entry answers.
Thresholds (``Near``) chosen by leave-one-file-out over the labelled files
(``lianhu guide eval --holdout``; tests/data/guide/README.md). A third opinion, the linear model
of domain/guide_linear.py, then answers what BM25 and the vote left open when it agrees, and
holds back an answer when it is sure no entry answers (``decide``'s ``model``).
"""
from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from domain.guide_linear import feature_key

#: how many of an entry's most similar documents make its vote (their mean)
K = 3
#: a character pair counts this much against a word term
PAIR_WEIGHT = 0.5
#: a feature in more than this share of the documents ("怎么", "办") is left out of the sum (a
#: little of every similarity, and most of the time)
COMMON = 0.1


@dataclass(frozen=True)
class Near:
    """When the vote changes the answer (see ``decide``)."""
    agree_score: float = 0.35  # BM25's best is the vote's too, with a vote this high …
    agree_lead: float = 0.05  # … this far ahead of the next label …
    agree_confidence: float = 0.2  # … and BM25's confidence at least this …
    agree_unknown: float = 0.5  # … and at most this share of the question unknown to every entry
    solo_score: float = 0.55  # the vote alone: this high and this far ahead, for one of BM25's first three
    solo_lead: float = 0.3
    veto_lead: float = 0.1  # BM25 sure, but questions no entry answers lead the vote by this much
    # the linear model (domain/guide_linear.py), when neither BM25 nor the vote answered:
    model_agree: float = 0.35  # its most likely entry is BM25's best, this likely …
    model_none: float = 0.3  # … and "no entry" at most this likely
    model_solo: float = 0.5  # or one of BM25's first three, this likely
    # the vote and the model name the same entry, one of BM25's first three, each at least this
    # likely, and "no entry" at most ``model_none`` (two readings learned apart, agreeing: on
    # questions6–20, which neither had learned from then, 29 right answers more of 3,150, none
    # wrong, no line that should not be answered — 0.15 / 0.15 / 0.5 would still add only one wrong)
    pair_vote: float = 0.25
    pair_model: float = 0.2
    # an answer they chose goes to another of BM25's first three when the vote and the model both
    # name it, the model this likely and the vote this high (今年居民医保啥时候开始交 is the payment's,
    # not the newborn's: on questions6–24 with the model that had not learned them, 14 wrong answers
    # put right, none right made wrong; on questions25–28, 3 and none)
    switch_model: float = 0.6
    switch_vote: float = 0.3
    # the model alone, sure of another entry than the one chosen ("no entry" at most ``model_none_sure``):
    # the answer goes to that entry when it is one of BM25's first three and the model this likely,
    # and is held back when the model is at least ``doubt`` likely of an entry the others did not
    # choose (吃低保的每年是不是都要重新审核 is the allowance's, not the insurance payment's). Chosen on
    # files the model being tried had not learned: q53–63 with the model of q1–52, 26 → 18 wrong, 3
    # right more; q60, 62, 63 with the model of q1–59 and 61, 3 → 1 wrong, 2 right more; q64–67 with the
    # model of q1–63, 10 → 4 wrong, 1 right more; no unanswerable line answered more in any of them
    alone_switch: float = 0.85
    doubt: float = 0.6
    model_none_sure: float = 0.1
    model_veto: float = 0.5  # an answer they chose is held back when "no entry" is this likely (0.7 before
    # the ninth round: on the ten batches the model never learned from, with the hand rules off, 0.5 let
    # 16 of 900 lines no entry answers through instead of 40, for 9 of 2,100 right answers)


NEAR = Near()


@dataclass(frozen=True)
class Vote:
    label: int | None  # the entry (its id) most like the question, None: no entry's
    score: float  # its vote
    lead: float  # over the next label's (None counts as a label)


def features(terms: Iterable[str], pairs: Iterable[str]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for t in terms:
        out["w" + t] += 1.0
    for p in pairs:
        out["c" + p] += PAIR_WEIGHT
    return out


#: a document's or a question's features: by name (``features``), or by their 64-bit keys
#: (``feature_key``, as ``Packed`` keeps them)
Features = Mapping[str, float] | Mapping[int, float]


def _key(feature: str | int) -> int:
    return feature if isinstance(feature, int) else feature_key(feature)


class Neighbours:
    """Cosine similarity of TF-IDF vectors through an inverted index (only documents sharing a
    feature with the question are touched). Packed: each feature's 64-bit key (``keys``, sorted:
    a feature's row is its key's place, found by bisection — no string or dict entry a feature),
    its idf in one array, and every feature's postings (documents, weights) one after another in
    two arrays, a row's from ``offsets[row]`` to ``offsets[row + 1]`` (an array pair a feature held
    ~4 MB of the ~6 MB shared by every community's guide of the same entries; a dict of the
    features' names ~2 MB of what was left). Each document's label is a class number
    (``classes``), each class's label one of ``names``: a relabelling (another community's entry
    ids) is only a list of names, one a class. Two features of one key (CRC-32 and Adler-32 both
    alike: not met among the ~20,000 of the shipped questions; see ``guide_linear.feature_key``)
    would count as one."""

    def __init__(self, docs: Collection[tuple[int | None, Features]]) -> None:
        n = len(docs)
        df: dict[int, int] = defaultdict(int)
        for _, f in docs:
            for k in f:
                df[_key(k)] += 1
        # rows in the order of their keys: a row's number changes no sum (a question's features are
        # added in its own order, a row's documents in theirs)
        self.keys = array("Q", sorted(df))
        row_of = {k: row for row, k in enumerate(self.keys)}  # while building only
        counts = [df[k] for k in self.keys]
        del df
        self.idf = array("d", (math.log((n + 1) / (c + 1)) + 1.0 for c in counts))
        number: dict[int | None, int] = {}
        self.classes = array("I", (number.setdefault(label, len(number)) for label, _ in docs))
        self.names: list[int | None] = list(number)  # each class's label
        # every posting as (row, document, weight) in flat arrays, documents in order, then placed
        # row by row (a counting sort: each row's documents stay in order)
        common = array("b", (c > COMMON * n for c in counts))
        del counts
        at, doc, weight = array("I"), array("I"), array("f")
        for i, (_, f) in enumerate(docs):
            for row, x in self._vector(f, row_of.get):
                if not common[row]:
                    at.append(row)
                    doc.append(i)
                    weight.append(x)
        offsets = array("I", bytes(4 * (len(self.idf) + 1)))
        for row in at:
            offsets[row + 1] += 1
        for row in range(len(self.idf)):
            offsets[row + 1] += offsets[row]
        fill = array("I", offsets)
        ids, weights = array("I", bytes(4 * len(at))), array("f", bytes(4 * len(at)))
        for row, i, x in zip(at, doc, weight):
            j = fill[row]
            ids[j], weights[j] = i, x
            fill[row] = j + 1
        self.postings = (offsets, ids, weights)
        self.shared: Neighbours | None = None  # the documents' own (``relabelled``), None: these

    @property
    def labels(self) -> list[int | None]:
        """Each document's label."""
        return [self.names[c] for c in self.classes]

    def relabelled(self, names: Sequence[int | None]) -> Neighbours:
        """The same documents under other labels, one for each class (in the order of ``names``):
        the idf, the postings and the documents' classes are this one's, shared, not copied
        (communities whose guides hold the same entries share them; each has its own entry ids)."""
        if len(names) != len(self.names):
            raise ValueError(f"{len(names)} labels for {len(self.names)} classes")
        if len(set(names)) != len(names):
            raise ValueError("two classes under one label")  # they would vote as one
        other = object.__new__(Neighbours)
        other.keys, other.idf, other.postings, other.classes = self.keys, self.idf, self.postings, self.classes
        other.names = list(names)
        other.shared = self  # kept while any relabelling of it is
        return other

    def _row(self, key: int) -> int | None:
        """The row of the feature of ``key`` (None: not a feature of these documents)."""
        keys = self.keys
        i = bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else None

    def _vector(self, f: Features, row_of: Callable[[int], int | None] | None = None) -> list[tuple[int, float]]:
        """The features' (row, TF-IDF weight) of ``f`` known here, normalised, in ``f``'s order."""
        find, idf = row_of or self._row, self.idf
        vec = []
        for k, x in f.items():
            row = find(k if isinstance(k, int) else feature_key(k))
            if row is not None:
                vec.append((row, (1.0 + math.log(x)) * idf[row]))
        norm = math.sqrt(sum(x * x for _, x in vec)) or 1.0
        return [(row, x / norm) for row, x in vec]

    def vote(self, f: Features) -> Vote | None:
        sims: dict[int, float] = {}
        get = sims.get
        offsets, ids, weights = self.postings
        for row, x in self._vector(f):
            a, b = offsets[row], offsets[row + 1]
            for i, y in zip(ids[a:b], weights[a:b]):
                sims[i] = get(i, 0.0) + x * y
        top: dict[int, list[float]] = {}  # each class's ``K`` most similar documents, least first
        classes = self.classes
        for i, s in sims.items():
            c = classes[i]
            best = top.get(c)
            if best is None:
                top[c] = [0.0] * (K - 1) + [s]
            elif s > best[0]:
                best[0] = s
                best.sort()
        if not top:
            return None
        ranked = sorted(((sum(v) / K, c) for c, v in top.items()), key=lambda x: -x[0])
        score, c = ranked[0]
        return Vote(self.names[c], score, score - (ranked[1][0] if len(ranked) > 1 else 0.0))


@dataclass(frozen=True)
class Model:
    """The linear model's reading of a question (domain/guide_linear.py), by entry id."""
    label: int | None  # its most likely entry, None: no entry's
    p: float  # that class's probability
    none: float  # the probability of "no entry"


def decide(bm25_sure: bool, best: int, top: Sequence[int], confidence: float, unknown: float,
           vote: Vote | None, near: Near = NEAR, model: Model | None = None) -> int | None:
    """The entry (id) that answers, or None: BM25's verdict (``bm25_sure`` of its ``best``, with
    its ``confidence`` and ``unknown`` share) weighed with the vote, then with the linear
    ``model``: it answers what the two left unanswered when it agrees with BM25 (or is sure of
    one of BM25's first three), moves what they answered to another of the first three or holds it
    back when it is sure of another entry, and holds it back when it is sure no entry answers.
    ``top``: BM25's first three."""
    chosen = _by_vote(bm25_sure, best, top, confidence, unknown, vote, near)
    if model is None:
        return chosen
    if chosen is not None:
        if model.label is None and model.p >= near.model_veto:
            return None
        if (vote is not None and vote.label == model.label != chosen and model.label in top[:3]
                and model.p >= near.switch_model and vote.score >= near.switch_vote):
            return model.label
        if model.label is not None and model.label != chosen and model.none <= near.model_none_sure:
            if model.label in top[:3] and model.p >= near.alone_switch:
                return model.label
            if model.p >= near.doubt:
                return None
        return chosen
    if model.label == best and model.p >= near.model_agree and model.none <= near.model_none:
        return best
    if model.label is not None and model.label in top[:3] and model.p >= near.model_solo:
        return model.label
    if (vote is not None and model.label is not None and vote.label == model.label and model.label in top[:3]
            and vote.score >= near.pair_vote and model.p >= near.pair_model and model.none <= near.model_none):
        return model.label
    return None


def vetoes(model: Model, near: Near = NEAR) -> bool:
    """The model is sure no entry answers (``decide``'s veto, the same test): ``decide`` then answers
    nothing, whatever BM25 and the vote say (what they choose is held back; every way the model
    answers, alone or with the vote, needs an entry: ``model.label`` not None)."""
    return model.label is None and model.p >= near.model_veto


def _by_vote(bm25_sure: bool, best: int, top: Sequence[int], confidence: float, unknown: float,
             vote: Vote | None, near: Near) -> int | None:
    if vote is None:
        return best if bm25_sure else None
    if bm25_sure:
        return None if vote.label is None and vote.lead >= near.veto_lead else best
    if vote.label is None:
        return None
    if (vote.label == best and vote.score >= near.agree_score and vote.lead >= near.agree_lead
            and confidence >= near.agree_confidence and unknown <= near.agree_unknown):
        return best
    if vote.score >= near.solo_score and vote.lead >= near.solo_lead and vote.label in top[:3]:
        return vote.label
    return None


class Packed:
    """Documents' features kept between index builds, packed: one vocabulary of the features'
    64-bit keys (``feature_key``: no string a feature), and for each document its features'
    numbers in it and their values in two shared arrays (not a dict a document). A document's
    features read back by key (``Neighbours`` reads them so)."""

    def __init__(self, docs: Iterable[tuple[str | None, Features]]) -> None:
        self.keys: list[str | None] = []
        self.vocab = array("Q")
        number: dict[int, int] = {}
        self.ids, self.values, self.offsets = array("I"), array("f"), array("I", [0])
        for key, f in docs:
            self.keys.append(key)
            for name, value in f.items():
                k = _key(name)
                i = number.get(k)
                if i is None:
                    i = number[k] = len(self.vocab)
                    self.vocab.append(k)
                self.ids.append(i)
                self.values.append(value)
            self.offsets.append(len(self.ids))

    def __iter__(self) -> Iterator[tuple[str | None, dict[int, float]]]:
        return self.items(lambda key: True)

    def items(self, kept: Callable[[str | None], bool]) -> Iterator[tuple[str | None, dict[int, float]]]:
        """The documents whose key is ``kept``, each one's features (by key) made as it is read."""
        vocab, ids, values, offsets = self.vocab, self.ids, self.values, self.offsets
        for n, key in enumerate(self.keys):
            if kept(key):
                yield key, {vocab[ids[j]]: values[j] for j in range(offsets[n], offsets[n + 1])}
