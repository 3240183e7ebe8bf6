"""办事指南: finding the entry that answers a resident's question.

Each active entry is one document (its title twice, the ways people ask, its short answer), cut into terms
with the classifier's jieba tokenizer after the guide's synonyms (``guide_vocab``): the
tokens without question words and particles, plus the two-character pieces of longer tokens.
A homophone slip of one of the guide's topic words ("地保", "流干疫苗") is read as the word
(``guide_sound``, fuzzy pinyin). BM25 (Okapi, k1 1.5, b 0.75) ranks the entries; the best is
trusted only when

- the text is a question (``QUESTION``) and names no problem for a person (``PROBLEM``), nor
  another city's rules (``OTHER_PLACE``), a service no entry covers (``ELSEWHERE``) or one's own
  lost papers (``LOST_PAPERS``),
- its **confidence** — the share of the question's topic weight (idf; words no entry knows
  count as much as the rarest) found in that entry — and its **margin** over the second best,
  (s1 − s2) / s1, pass the ``Thresholds`` (chosen by split-set tuning: ``lianhu guide eval --holdout``).

A learned gate (``guide_gate``) can take the thresholds' place when ``guide_gate.json`` exists;
none is shipped (held out, it did not beat the thresholds). The verdict is then weighed with a
second opinion (``guide_examples``): a nearest-neighbour vote over the labelled questions
residents asked (``storage/guide_examples.jsonl``) and the entries' asks — agreement answers a
question BM25 alone is unsure of, questions no entry answers hold back one it is sure of.
A third opinion, a linear model over the question's terms and characters trained on the same
labelled questions (``guide_linear``, ``storage/guide_linear.bin``), answers what the two left
open when it agrees, and holds back an answer when it is sure no entry answers.
Otherwise there is no answer and the message goes on as before (a ticket when it is a request).
An emergency or a danger is never answered instead of its alert: ``answer_to`` marks the answer
to a question inside one as ``aside`` (sent privately after the alert path; handlers/guide.py).
The text reading (terms, synonyms, question or not) is ``guide_text``.
"""
from __future__ import annotations

import math
import re
import sys
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from weakref import WeakValueDictionary

from sqlalchemy import ColumnElement, bindparam, event, func, or_, select
from sqlalchemy.orm import Session

from domain import guide_watch
from domain.guide_examples import NEAR, Features, Model, Near, Neighbours, Packed, Vote, decide, features, vetoes
from domain.guide_linear import Linear, default_linear
from domain.guide_linear import features_of_normalized as model_features
from domain.guide_gate import Gate, default_gate
from domain.guide_sound import SoundFixer
from domain.guide_text import (Tokenize, asking_part, asks, at_home, char_pairs, forget_terms, is_question,  # noqa: F401 - used as guide.*
                               is_terse, mandarin, normalize, pairs_of_normalized, scam_told, term_shares, terms)
from domain.guide_vocab import (ELSEWHERE, LOST_PAPERS, OTHER_PLACE, OTHER_THING, PLACE_VERSION, STOPWORDS,
                                SYNONYMS)
from kernel.prefilter import Prefiltered
from kernel import texts as T
from kernel.parsing import normalise
from storage.guide_files import read_examples
from storage.models import Community, EventKind, GuideAsk, GuideEntry, GuideStatus, Ticket


@dataclass(frozen=True)
class Thresholds:
    """When the best entry is trusted: confidence and margin both at least the first pair, or a
    clear lead (``clear_*``) — but not when most of the question is words no entry knows
    ("商标怎么注册": 注册 is the volunteers') — or several of the entry's own words matched (a BM25
    score this high) with a fair margin: a long question whose story dilutes the confidence
    ("我妈八十一了还没领过高龄津贴,要带啥证件去"). Chosen by ``lianhu guide eval --holdout``'s
    split-set tuning: tuned on one labelled file, the same values won on the other."""
    confidence: float = 0.45
    margin: float = 0.1
    clear_confidence: float = 0.25
    clear_margin: float = 0.3
    strong_score: float = 10.0
    strong_confidence: float = 0.2
    strong_margin: float = 0.35


RULES = Thresholds()
CLEAR_UNKNOWN = 0.5
#: a second entry this close whose title names a word of the question the best never uses wins
SIBLING_CLOSE = 0.75
#: or it names the entry's title (siblings such as 残疾人证办理 / 残疾人两项补贴 score alike)
TITLE_COVER, TITLE_MARGIN = 0.5, 0.03
TERSE_CONFIDENCE = 0.95
#: a question naming a service of ``ELSEWHERE`` is answered only by an entry whose title or answer
#: names it, or when it also names the entry's title (this share of its weight)
ELSEWHERE_TITLE = 0.2
#: a question naming one of the best few entries by its title's words goes to that entry
NAMED_AMONG = 3
K1, B = 1.5, 0.75
# searched only in a text holding a piece every match needs (``kernel.prefilter``): the same answers
_ELSEWHERE, _OTHER_PLACE, _PLACE_VERSION, _LOST_PAPERS, _OTHER_THING = (
    Prefiltered(p) for p in (ELSEWHERE, OTHER_PLACE, PLACE_VERSION, LOST_PAPERS, OTHER_THING))

#: another place named, but the question is about using here what was done there: treatment away
#: from home, another city's insurance card used or its care registered here, a move here
_USED_HERE = re.compile(r"异地|老家|外地(?!老人|人|户口)|(医保|社保)卡?[^。?？]{0,10}(刷|备案|结算)|直接结算|"
                        r"搬(过来|来|到这)|转(到|过来|回|来)(这|社区|我们|咱)")

# --- ranking ------------------------------------------------------------------------------------

class BM25:
    """Okapi BM25 over documents given as term lists."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> None:
        self.k1, self.b = k1, b
        tfs = [Counter(d) for d in docs]
        self.lens = [len(d) for d in docs]
        self.avg = (sum(self.lens) / len(docs)) if docs else 0.0
        n = len(docs)
        df: Counter[str] = Counter(t for tf in tfs for t in tf)
        self.idf = {t: math.log((n - c + 0.5) / (c + 0.5) + 1.0) for t, c in df.items()}
        self.unknown_idf = math.log((n + 0.5) / 0.5 + 1.0)
        # each term's documents with the term's part of their score, worked out once: a question
        # touches only the documents holding one of its terms. Packed: a term's row (``rows``), its
        # documents and parts from ``offsets[row]`` to ``offsets[row + 1]`` in two flat arrays, in
        # the order of the documents (not a list of (document, part) tuples a term: ~0.3 MB)
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, (tf, length) in enumerate(zip(tfs, self.lens)):
            norm = self.k1 * (1 - self.b + self.b * length / self.avg) if self.avg else self.k1
            for t, f in tf.items():
                postings.setdefault(t, []).append((i, self.idf[t] * f * (self.k1 + 1) / (f + norm)))
        self.rows = {t: row for row, t in enumerate(postings)}
        self.offsets, self.docs, self.parts = array("I", [0]), array("I"), array("d")
        for found in postings.values():
            for i, part in found:
                self.docs.append(i)
                self.parts.append(part)  # the same double
            self.offsets.append(len(self.docs))
        self.n = n

    def scores(self, query: Sequence[str]) -> list[float]:
        out = [0.0] * self.n
        rows, offsets, docs, parts = self.rows, self.offsets, self.docs, self.parts
        for t in set(query):
            row = rows.get(t)
            if row is not None:
                a, b = offsets[row], offsets[row + 1]
                for i, part in zip(docs[a:b], parts[a:b]):  # the same parts, added in the same order
                    out[i] += part
        return out

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)


@dataclass(frozen=True)
class Match:
    entry_id: int
    title: str
    private: bool
    score: float
    confidence: float  # share of the question's topic weight found in the entry
    margin: float  # (best - second) / best
    question: bool  # the text reads as a question (and names no problem)
    terse: bool = False  # a few words naming a topic ("社区办公时间"): a question if they name it well
    elsewhere: bool = False  # names a service the entry does not (护照, 公积金 ...: ``ELSEWHERE``)
    title_cover: float = 0.0  # share of the question's topic weight found in the entry's title
    unknown: float = 0.0  # share of the question's topic weight in terms no entry knows
    second_confidence: float = 0.0  # the second best entry's confidence
    ask_overlap: float = 0.0  # the most of the question's character pairs found in one of the entry's asks
    vote: Vote | None = None  # the labelled questions' vote (domain/guide_examples.py), on the best only
    model: Model | None = None  # the linear model's reading (domain/guide_linear.py), on the best only
    framed: bool = False  # put first by the text's frame: a scam told and asked about (``SCAM_STORY``)

    @property
    def sure(self) -> bool:
        return self.sure_by(RULES)

    def sure_by(self, th: Thresholds) -> bool:
        asked = self.question or (self.terse and self.confidence >= TERSE_CONFIDENCE)
        clear = (self.confidence >= th.confidence and self.margin >= th.margin) or (
            self.confidence >= th.clear_confidence and self.margin >= th.clear_margin
            and self.unknown < CLEAR_UNKNOWN) or (
            self.confidence >= th.confidence and self.title_cover >= TITLE_COVER and self.margin >= TITLE_MARGIN) or (
            self.score >= th.strong_score and self.confidence >= th.strong_confidence
            and self.margin >= th.strong_margin)
        return asked and clear and not self.elsewhere


def _to_front(order: list[int], scores: Sequence[float], j: int) -> list[float]:
    """Put the ``j``-th of ``order`` first, with the first's score (the scores given back)."""
    order[0], order[j] = order[j], order[0]
    swapped = list(scores)
    swapped[order[0]], swapped[order[j]] = swapped[order[j]], swapped[order[0]]
    return swapped


@dataclass
class Index:
    ids: list[int]
    titles: list[str]
    private: list[bool]
    vocab: list[set[str]]
    bm25: BM25
    texts: list[str]  # each entry's title, answer, asks and materials, normalised (for ``ELSEWHERE``)
    title_terms: list[set[str]]
    fix: SoundFixer | None = None
    asks: list[list[str]] = field(default_factory=list)  # each entry's title and asks (for ``ask_overlap``)
    gate: Gate | None = None  # the learned decision (domain/guide_gate.py); None: the hand rules
    rules: Thresholds = RULES
    near: Neighbours | None = None  # the labelled questions and the entries' asks (None: BM25 alone)
    near_rules: Near = NEAR
    linear: Linear | None = None  # the linear model (None: BM25 and the vote decide)
    key_ids: dict[str, int] = field(default_factory=dict)  # each entry's id by its key
    names: list[list[str]] = field(default_factory=list)  # each entry's title's parts, normalised
    model_knows: set[int] = field(default_factory=set)  # the entries (ids) the linear model learned
    _pairs: dict[int, list[tuple[str, ...]]] = field(default_factory=dict, repr=False)
    #: the index of the same entries' text this one shares its parts with (None: this one is it)
    body: Index | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, tokenize: Tokenize, entries: Sequence[GuideEntry],
              examples: Sequence[tuple[str | None, str]] | None = None) -> Index:
        """The index of ``entries``, with ``examples`` (entry key or None, question) for the
        neighbour vote: the shipped labelled questions unless given (``[]``: none).

        Everything made of the entries' text (BM25, the vote's documents, the fixer, the texts) is
        shared with every index of entries of the same keys and text (``_BODIES``: fifty
        communities with the demo guide hold one copy); an index has its own entry ids, titles,
        privacy and the vote's labels."""
        if not entries:  # ``rank`` finds nothing in it: no fixer, vote or linear model loaded for it (~1.5 MB)
            return cls([], [], [], [], BM25([]), [], [], gate=default_gate())
        shape = (_tokenizer_key(tokenize), _examples_key(examples), tuple(_entry_shape(e) for e in entries))
        body = _BODIES.get(shape)
        if body is None:
            body = _BODIES[shape] = cls._build(tokenize, entries, examples)
            return body
        return body._for(entries)

    def _for(self, entries: Sequence[GuideEntry]) -> Index:
        """This index's parts for other ``entries`` of the same keys and text (another community's
        ids): the vote's documents relabelled with their ids."""
        ids = [e.id for e in entries]
        key_ids = {sys.intern(e.key): e.id for e in entries}  # the keys one object each, however many communities
        near = None
        if self.near is not None:
            docs = self.near.shared or self.near
            near = docs.relabelled(_labels(docs.names, ids))
        linear_labels = self.linear.labels if self.linear else ()
        # the titles are part of the body's shape (``_entry_shape``): the body's list, the same strings
        return replace(self, ids=ids, titles=self.titles, private=[e.private for e in entries],
                       near=near, key_ids=key_ids, model_knows={key_ids[k] for k in linear_labels if k in key_ids},
                       body=self)

    @classmethod
    def _build(cls, tokenize: Tokenize, entries: Sequence[GuideEntry],
               examples: Sequence[tuple[str | None, str]] | None) -> Index:
        docs, texts, ways = [], [], []  # ways: each entry's title and asks, as terms
        for e in entries:
            texts.append(normalize(" ".join([e.title, e.answer, *map(str, e.asks), *map(str, e.materials or ())])))
            ways.append([(str(a), terms(tokenize, str(a))) for a in [e.title, *e.asks]])
            title = ways[-1][0][1]
            docs.append(title + title + [t for _, ask in ways[-1][1:] for t in ask] + terms(tokenize, e.answer))
        title_terms = [set(w[0][1]) for w in ways]
        vocab = [set(d) for d in docs]
        topic = set().union(*title_terms, SYNONYMS.values(), *(e.tags for e in entries))
        fix = SoundFixer(topic, set().union(*vocab), _word_frequencies(), STOPWORDS)
        index = cls([e.id for e in entries], [e.title for e in entries], [e.private for e in entries],
                    vocab, BM25(docs), texts, title_terms, fix, [[e.title, *map(str, e.asks)] for e in entries],
                    default_gate())
        index.near = _neighbours(tokenize, entries, ways, examples)
        index.linear, index.key_ids = default_linear(), {sys.intern(e.key): e.id for e in entries}
        index.model_knows = {index.key_ids[k] for k in (index.linear.labels if index.linear else ()) if k in index.key_ids}
        index.names = [[n for n in re.split(r"[与和及、()()\s]+", normalize(e.title).replace(" ", "")) if len(n) >= 3]
                       for e in entries]
        return index

    def rank(self, tokenize: Tokenize, text: str, limit: int | None = None, answering: bool = False,
             home: Sequence[str] = ()) -> list[Match]:
        """Every entry with a score, best first (the first ``limit`` of them when given).
        ``answering`` (``sure_match``): nothing as soon as the linear model is sure no entry answers
        (``guide_examples.vetoes``: then no rule or vote can make ``decide`` answer). ``home``: the
        names of the community's own city (``Settings.home_city``), read as 本地."""
        # as a person types it: full-width commas and stops read as the rules spell them, regional speech
        # and traditional characters as Mandarin (``mandarin``), the community's own city as here
        text = at_home(mandarin(normalise(text)), home)
        query = terms(tokenize, text, self.fix)
        if not query or not self.ids:
            return []
        normalized = normalize(text)
        plain = normalized.replace(" ", "")
        scam = self._scam_entry(text)
        scores, order = self._order(query, plain, scam)
        if scores[order[0]] <= 0:
            return []  # no entry holds a term of the question
        # the model reads only for an entry it learned (one staff added since is left to BM25 and the vote)
        model = self._model(query, normalized) if self.ids[order[0]] in self.model_knows else None
        if answering and model is not None and vetoes(model, self.near_rules) and scam is None:
            return []  # (a scam told and asked about is the scams' entry's, whatever the model says)
        return self._matches(tokenize, text, query, scores, order, model, normalized, limit, scam)

    def _order(self, query: Sequence[str], plain: str, scam: int | None = None) -> tuple[list[float], list[int]]:
        """BM25's scores and the entries' order, a sibling or an entry the question names put first
        (``scam``: the scams' entry, first whatever the bait's words score)."""
        scores = self.bm25.scores(query)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        if len(order) > 1 and scores[order[1]] >= SIBLING_CLOSE * scores[order[0]] and any(
                t in self.title_terms[order[1]] and t not in self.vocab[order[0]] for t in query) and (
                self._title_weight(query, order[1]) > self._title_weight(query, order[0])):
            # siblings (儿童疫苗 / 成人疫苗): a word of the second's title the best never uses decides,
            # when the second's title holds more of the question than the best's
            scores = _to_front(order, scores, 1)
        if scam is not None and order[0] != scam:
            # a scam told and asked about: the entry of scams, whatever the bait's words lean to
            return _to_front(order, scores, order.index(scam)), order
        named = [j for j, i in enumerate(order[:NAMED_AMONG]) if scores[i] > 0 and self._named(plain, i)]
        if len(named) == 1 and named[0] > 0:
            # the question names one entry by its title's words (出生医学证明 after a story of a
            # newborn): that entry, not the one the story leans to
            scores = _to_front(order, scores, named[0])
        return scores, order

    def _matches(self, tokenize: Tokenize, text: str, query: list[str], scores: list[float], order: list[int],
                 model: Model | None, normalized: str, limit: int | None, scam: int | None = None) -> list[Match]:
        plain = normalized.replace(" ", "")
        share = term_shares(tokenize, text, self.fix)
        if share and not any(v == 1.0 and t in self.bm25.idf for t, v in share.items()):
            share = {}  # the asking clause names no topic ("今年还有没有"): the story names it
        weight = {t: self.bm25.weight(t) * share.get(t, 1.0) for t in set(query)}
        total = sum(weight.values())
        question, terse = asks(text)
        elsewhere = [m.group() for m in _ELSEWHERE.finditer(normalized)]
        away = (bool(_OTHER_PLACE.search(text)) and not _USED_HERE.search(text)) or bool(
            _PLACE_VERSION.search(text))
        papers = [m.group() for m in _LOST_PAPERS.finditer(text)]
        things = [m.group() for m in _OTHER_THING.finditer(plain)]
        best = scores[order[0]]
        second = scores[order[1]] if len(order) > 1 else 0.0
        unknown = sum(w for t, w in weight.items() if t not in self.bm25.idf) / total if total else 0.0
        second_conf = (sum(w for t, w in weight.items() if t in self.vocab[order[1]]) / total
                       if total and len(order) > 1 else 0.0)
        q_pairs = pairs_of_normalized(normalized)  # char_pairs(text), normalized once above
        vote = self.near.vote(features(query, q_pairs)) if self.near is not None else None
        if vote is not None and model is not None and vote.label == model.label == self.ids[order[0]]:
            # the labelled questions and the model agree on the best: a service done elsewhere
            # counts where it is asked about, not in the story around it (孩子明年上幼儿园,
            # 园里说要家长的居住证,在哪里办)
            elsewhere_first = [m.group() for m in _ELSEWHERE.finditer(normalize(asking_part(text)))]
        else:
            elsewhere_first = elsewhere
        out = []
        for rank, i in enumerate(order if limit is None else order[:limit]):
            if scores[i] <= 0:
                break
            found = sum(w for t, w in weight.items() if t in self.vocab[i])
            in_title = sum(w for t, w in weight.items() if t in self.title_terms[i])
            margin = (best - second) / best if rank == 0 and best > 0 else 0.0
            far = elsewhere_first if rank == 0 else elsewhere
            if i == scam:
                far, things_i, papers_i, away_i = [], [], [], False  # the bait's words, not the question's
            else:
                things_i, papers_i, away_i = things, papers, away
            out.append(Match(self.ids[i], self.titles[i], self.private[i], scores[i],
                             found / total if total else 0.0, margin, question, terse,
                             away_i or any(p not in self.texts[i] for p in papers_i)
                             or self._other_thing(things_i, plain, i)
                             or (bool(far) and (in_title < ELSEWHERE_TITLE * total or not self._titled(text, i))
                                 and any(w not in self.texts[i] for w in far)),
                             in_title / total if total else 0.0, unknown,
                             second_conf if rank == 0 else 0.0,
                             self._overlap(q_pairs, i) if rank == 0 else 0.0, vote if rank == 0 else None,
                             model if rank == 0 else None, rank == 0 and i == scam))
        return out

    def _model(self, query: Sequence[str], normalized: str) -> Model | None:
        """The linear model's reading by entry id (None without a model, or when its most likely
        entry is not one of this guide's); ``normalized``: the question, ``normalize``d."""
        if self.linear is None:
            return None
        reading = self.linear.read(model_features(query, normalized))
        label = self.key_ids.get(reading.label) if reading.label is not None else None
        if reading.label is not None and label is None:
            return None
        return Model(label, reading.p, reading.top.get(None, 0.0))

    def _scam_entry(self, text: str) -> int | None:
        """The entry (position) whose title names scams, when ``text`` (read as Mandarin, before the
        guide's synonyms: 举报到 is not 举 登记) tells a scam and asks about it (``SCAM_STORY``)."""
        if not scam_told(text):
            return None
        return next((i for i, t in enumerate(self.titles) if re.search(r"诈骗|反诈|防骗", t)), None)

    def _titled(self, text: str, i: int) -> bool:
        """The text itself (not an everyday name put into the guide's words: 几点开门 → 办公时间)
        holds a word of entry ``i``'s title."""
        return any(len(t) >= 2 and t in text for t in self.title_terms[i])

    def _named(self, plain: str, i: int) -> bool:
        return any(n in plain for n in (self.names[i] if i < len(self.names) else ()))

    def _other_thing(self, things: Sequence[str], plain: str, i: int) -> bool:
        """The question names another thing (``OTHER_THING``) entry ``i`` never mentions, and
        not the entry's own name (a part of its title: 生育登记 in "报生育津贴要做生育登记吗")."""
        return any(w not in self.texts[i] for w in things) and not self._named(plain, i)

    def _title_weight(self, query: Sequence[str], i: int) -> float:
        return sum(self.bm25.weight(t) for t in set(query) if t in self.title_terms[i])

    def _overlap(self, q_pairs: frozenset[str], i: int) -> float:
        """The most of the question's character pairs found in one of entry ``i``'s asks (the asks'
        pairs worked out when first needed, not when the index is built)."""
        if not q_pairs or i >= len(self.asks):
            return 0.0
        pairs = self._pairs.get(i)
        if pairs is None:  # the pairs' strings one object each, however many asks hold them (~0.3 MB fewer)
            pairs = self._pairs[i] = [tuple(set(map(sys.intern, char_pairs(a)))) for a in self.asks[i]]
        return max((len(q_pairs.intersection(a)) / len(q_pairs) for a in pairs), default=0.0)

    def best(self, tokenize: Tokenize, text: str) -> Match | None:
        ranked = self.rank(tokenize, text, limit=1)
        return ranked[0] if ranked else None


def _word_frequencies() -> Mapping[str, int]:
    """jieba's word frequencies, when a dictionary is already loaded (never loaded here): the
    classifier's (domain/classifier/tokenizer.py, which the tokenizer has used), else
    jieba's own when something called jieba itself; empty when neither is."""
    tk = sys.modules.get("domain.classifier.tokenizer")
    found = tk.loaded_dictionary() if tk is not None else None
    if found is not None:
        return found
    jb = sys.modules.get("jieba")
    return jb.dt.FREQ if jb is not None and jb.dt.initialized else {}


@dataclass(frozen=True)
class Answer:
    """What the guide sends for a question: ``match``'s entry — in the usual way, or ``aside``:
    the message was an emergency or a danger (the classifier's urgent or alert), which goes on the
    alert and ticket path exactly as before, and the question in it ("我爸中风了,能办残疾证吗") is
    answered privately beside it (health and hardship: the group sees only the usual receipt)."""
    match: Match
    aside: bool = False


def answer_to(index: Index, tokenize: Tokenize, text: str, urgent: bool = False,
              home: Sequence[str] = (), asked: bool | None = None) -> Answer | None:
    """The product's decision for ``text`` (``urgent``: the classifier read urgent or alert;
    ``home``: the names of the community's own city; ``asked``: as ``sure_match``)."""
    match = sure_match(index, tokenize, text, home=home, asked=asked)
    return Answer(match, urgent) if match is not None else None


def sure_match(index: Index, tokenize: Tokenize, text: str, urgent: bool = False,
               home: Sequence[str] = (), asked: bool | None = None) -> Match | None:
    """The entry that answers ``text`` surely, or None (None for an emergency: see ``answer_to``
    for the answer beside it). ``asked``: whether ``text`` is a question or a terse topic
    (``asks``), when the caller has read it already (None: read here)."""
    if urgent or not text.strip() or not (any(asks(text)) if asked is None else asked):
        return None
    ranked = index.rank(tokenize, text, limit=3, answering=True, home=home)  # the decision reads the first three
    if not ranked or ranked[0].elsewhere:
        return None
    match = ranked[0]
    if match.framed and match.question:
        return match  # the frame decides
    ok = index.gate.answers(match, text) if index.gate is not None else match.sure_by(index.rules)
    if index.near is None and index.linear is None:
        return match if ok else None
    chosen = decide(ok, match.entry_id, [m.entry_id for m in ranked[:3]], match.confidence, match.unknown,
                    match.vote, index.near_rules, match.model)
    return next((m for m in ranked[:3] if m.entry_id == chosen and not m.elsewhere), None)


def _neighbours(tokenize: Tokenize, entries: Sequence[GuideEntry], ways: list[list[tuple[str, list[str]]]],
                examples: Sequence[tuple[str | None, str]] | None) -> Neighbours | None:
    """Each entry's title and asks (``ways``: with their terms), and each labelled question of an
    entry here (by key) or of none (``examples``; None: the shipped ones), as the neighbour vote's
    documents."""
    if not entries:
        return None
    position = {e.key: j for j, e in enumerate(entries)}
    # labelled here by an entry's position (its title and asks, and an example of its key; None:
    # no entry's), then relabelled with the entries' ids: another community's index of the same
    # entries relabels the same documents with its own (``Index._for``)
    docs = _Documents([(j, features(ts, char_pairs(a))) for j, w in enumerate(ways) for a, ts in w],
                      _example_features(tokenize, examples), position)
    shared = Neighbours(docs)
    return shared.relabelled(_labels(shared.names, [e.id for e in entries]))


@dataclass(frozen=True)
class _Documents:
    """The vote's documents, each labelled example's features made as they are read (twice, by
    ``Neighbours``), not ~3,000 dicts at once: what building a body leaves behind in the heap is
    smaller."""
    ways: list[tuple[int, dict[str, float]]]  # each entry's title and asks, by entry position
    examples: Packed
    position: Mapping[str, int]  # each entry's position by its key

    def _kept(self, key: str | None) -> bool:
        return key is None or key in self.position

    def __len__(self) -> int:
        return len(self.ways) + sum(1 for key in self.examples.keys if self._kept(key))

    def __iter__(self) -> Iterator[tuple[int | None, Features]]:
        yield from self.ways
        yield from ((self.position[key] if key else None, f) for key, f in self.examples.items(self._kept))

    def __contains__(self, item: object) -> bool:
        return any(item == doc for doc in self)


def _labels(positions: Sequence[int | None], ids: Sequence[int]) -> list[int | None]:
    """The vote's labels as entry ids: a position in ``ids``, or None."""
    return [None if j is None else ids[j] for j in positions]


def _entry_shape(e: GuideEntry) -> tuple[object, ...]:
    """What an index reads of an entry besides its id, title's display and privacy: indexes of
    entries alike in these share their parts."""
    return (e.key, e.title, e.answer, tuple(map(str, e.asks)), tuple(map(str, e.materials or ())),
            tuple(e.tags or ()))


#: the indexes' shared parts by what they are made of (``Index.build``): each is kept while an
#: index refers to it, so no more of them than of the indexes kept (``_CACHE``)
_BODIES: WeakValueDictionary[tuple[object, ...], Index] = WeakValueDictionary()


#: the shipped labelled questions' ``_examples_key`` (the questions themselves are not kept: ~0.6 MB
#: of strings and tuples, read again only when their features are made for another tokenizer)
_SHIPPED_KEY: list[int] = []
_FEATURES: dict[tuple[int, int], Packed] = {}


def _example_features(tokenize: Tokenize, examples: Sequence[tuple[str | None, str]] | None) -> Packed:
    """The examples' terms and character pairs (None: the shipped labelled questions'), worked out
    once for a tokenizer (an index is built again whenever an entry changes; the labelled
    questions stay the same)."""
    key = (_tokenizer_key(tokenize), _examples_key(examples))
    found = _FEATURES.get(key)
    if found is None:
        if len(_FEATURES) > 8:
            _FEATURES.clear()
        texts = shipped_examples() if examples is None else examples
        found = _FEATURES[key] = Packed((k, features(terms(tokenize, text), char_pairs(text))) for k, text in texts)
        del texts
        # the labelled questions' fragments (~27,000, ~4 MB) would fill the classifier's memo to
        # its bound, for texts messages do not repeat: forgotten (it fills again as messages are
        # cut), with the tokens of the last of them kept by the tokenizer's memo of texts and the
        # topic terms of their words kept by ``guide_text``'s: what the one-off batch leaves in the
        # heap among the body's long-lived objects is then only the packed arrays
        forget = getattr(getattr(tokenize, "__self__", None), "forget_fragments", None)
        if callable(forget):
            forget()
        forget_terms()
    return found


def _examples_key(examples: Sequence[tuple[str | None, str]] | None) -> int:
    """What the vote's documents are made of (None: the shipped labelled questions)."""
    if examples is not None:
        return hash(tuple(examples))
    if not _SHIPPED_KEY:
        _SHIPPED_KEY.append(hash(tuple(read_examples())))
    return _SHIPPED_KEY[0]


def _tokenizer_key(tokenize: Tokenize) -> int:
    return id(tokenize.__self__) if hasattr(tokenize, "__self__") else id(tokenize)


def shipped_examples() -> list[tuple[str | None, str]]:
    """The labelled questions the bot ships (storage/guide_examples.jsonl), read from the file at
    each call (an index reads them once for a tokenizer: ``_example_features``)."""
    return read_examples()


# --- the entries in the database ----------------------------------------------------------------

def _visible(community_id: int | None) -> ColumnElement[bool]:
    return or_(GuideEntry.community_id.is_(None), GuideEntry.community_id == community_id)


def active_entries(session: Session, community_id: int | None) -> Sequence[GuideEntry]:
    return session.scalars(select(GuideEntry).where(GuideEntry.status == GuideStatus.ACTIVE,
                                                    _visible(community_id))
                           .order_by(GuideEntry.id)).all()


#: the indexes built, least recently used first: one per community with entries of its own, one
#: shared by every community that sees only the district's entries. An index of entries like
#: another's (the demo guide in every community) shares its parts (``Index.build``: ~0.02 MB of
#: its own); one of entries of its own text holds them (~6 MB with the demo guide): at most
#: ``CACHE_SIZE`` indexes, and of at most ``BODIES_KEPT`` different guides
_CACHE: OrderedDict[tuple[int, int | None], tuple[tuple[object, ...], Index]] = OrderedDict()
CACHE_SIZE = 64
BODIES_KEPT = 8


def _bodies_kept() -> int:
    return len({id(index.body or index) for _, index in _CACHE.values()})


_VERSIONS = "lianhu.guide_versions"
#: count, last id, last update of the entries a community sees, and how many are its own
_VERSION = (select(func.count(GuideEntry.id), func.max(GuideEntry.id), func.max(GuideEntry.updated_at),
                   func.count(GuideEntry.community_id))
            .where(GuideEntry.status == GuideStatus.ACTIVE,
                   or_(GuideEntry.community_id.is_(None), GuideEntry.community_id == bindparam("community_id"))))


@event.listens_for(Session, "after_flush")
def _forget_versions(session: Session, _context: object) -> None:
    """An entry written in this transaction: its versions are read again (``_version``)."""
    if _VERSIONS in session.info and _touches_guide(session):
        del session.info[_VERSIONS]


def _touches_guide(session: Session) -> bool:
    """A GuideEntry new, changed or deleted in the session and not yet flushed (``guide_watch``:
    without looking through the batch's every pending row each time; a pending GuideAsk cannot
    move the version, which counts entries only)."""
    return guide_watch.touched(session)


def _version(session: Session, community_id: int | None) -> tuple[object, ...]:
    """The community's entries' version (count, last id, last update), read once a transaction:
    the messages of a batch share it. Entries written in the same transaction (a flush of a
    GuideEntry, or one pending) make it read again; other transactions' changes are seen by
    the next batch, as a new transaction."""
    transaction = session.get_transaction()
    cached = session.info.get(_VERSIONS)
    if (cached is not None and transaction is not None and cached[0] is transaction and transaction.is_active
            and community_id in cached[1] and not _touches_guide(session)):
        found: tuple[object, ...] = cached[1][community_id]
        return found
    if _touches_guide(session):
        session.flush()  # this transaction's own entries count
    with session.no_autoflush:  # the batch's other pending rows (tickets, outbox) are not the guide's
        version = tuple(session.execute(_VERSION, {"community_id": community_id}).one())
    transaction = session.get_transaction()
    cached = session.info.get(_VERSIONS)
    if cached is None or cached[0] is not transaction:
        versions: dict[int | None, tuple[object, ...]] = {}
        cached = session.info[_VERSIONS] = (transaction, versions)
    cached[1][community_id] = version
    return version


def index_for(session: Session, tokenize: Tokenize, community_id: int | None) -> Index:
    """The community's index, rebuilt when its entries changed (count, last id, last update).
    Communities with no entries of their own see the same entries: they share one index."""
    version = _version(session, community_id)
    key = (_tokenizer_key(tokenize), community_id if version[3] else None)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == version:
        _CACHE.move_to_end(key)
        return cached[1]
    entries = active_entries(session, community_id)
    with _BUILDING:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == version:  # built meanwhile (the start's ``warm``)
            _CACHE.move_to_end(key)
            return cached[1]
        index = Index.build(tokenize, entries)
        guide_watch.keep_rows(key[1], version, entries)
        _CACHE[key] = (version, index)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE or (len(_CACHE) > 1 and _bodies_kept() > BODIES_KEPT):
            _CACHE.popitem(last=False)
    return index


#: one index built at a time: a question that comes while the start builds the guide's index
#: (``warm``) waits for it, then relabels its body instead of building a second one
_BUILDING = threading.Lock()


def warm(session: Session, tokenize: Tokenize) -> Index | None:
    """At start, before the messages: the index most communities will read, built (and kept, as
    ``index_for`` keeps it). Its body — BM25, the vote over the labelled questions, the linear
    model, ~6 MB with the demo guide — is shared by every index of entries of the same keys and
    text, so another community's first question only relabels it (``Index._for``) and no question
    waits for a build; its one-off objects (the labelled questions' pass, the vote's building
    dicts) come and go before the messages'. The index: of the district's entries when a
    community sees only those, else of the first community's own (None: no entries)."""
    active = GuideEntry.status == GuideStatus.ACTIVE
    own = set(session.scalars(select(GuideEntry.community_id).where(active, GuideEntry.community_id.is_not(None))
                              .distinct()))
    communities = session.scalars(select(Community.id).order_by(Community.id)).all()
    district = session.scalar(select(func.count(GuideEntry.id)).where(active, GuideEntry.community_id.is_(None)))
    plain = next((c for c in communities if c not in own), None) if district else None
    chosen = plain if plain is not None else next((c for c in communities if c in own), None)
    if chosen is None:
        return None
    found = index_for(session, tokenize, chosen)
    # the labelled questions' packed features (~0.8 MB) were kept for the next build: a build after
    # a staff edit of an entry makes them again (~0.5-1 s, in the lane's thread: that batch's
    # question waits for it and is answered from the new index), every other community relabels
    # this body and needs none
    with _BUILDING:
        _FEATURES.clear()
    return found


def entry_visible(session: Session, entry_id: int, community_id: int | None) -> GuideEntry | None:
    """The active entry the community may see, or None. An entry of the index this transaction
    read is made from the row the index was built of (same version: ``guide_watch.kept_entry``),
    not read again; any other is read from the database (once a transaction)."""
    version = _known_version(session, community_id)
    entry = None if version is None else guide_watch.kept_entry(
        session, community_id if version[3] else None, version, entry_id)
    if entry is None:
        entry = guide_watch.entry(session, entry_id)
    if entry is None or entry.status != GuideStatus.ACTIVE:
        return None
    if entry.community_id is not None and community_id is not None and entry.community_id != community_id:
        return None
    return entry


def search(session: Session, tokenize: Tokenize, community_id: int | None, words: str,
           limit: int = 5) -> list[GuideEntry]:
    """`指南 关键词`: titles containing the words first, then the best ranked."""
    entries = {e.id: e for e in active_entries(session, community_id)}
    found = [e for e in entries.values() if words and words in e.title]
    for m in index_for(session, tokenize, community_id).rank(tokenize, words):
        if m.confidence >= 0.3 and entries.get(m.entry_id) not in found:
            found.append(entries[m.entry_id])
    return found[:limit]


def propose_entry(session: Session, *, community_id: int | None, title: str, ask: str, answer: str,
                  ticket_id: int, by_id: int, now: datetime) -> GuideEntry:
    """`存为指南`: a pending entry from a ticket's question and its handler's answer."""
    entry = GuideEntry(community_id=community_id, key=f"ticket-{ticket_id}-{int(now.timestamp())}",
                       title=title[:200], asks=[ask[:500]], answer=answer, materials=[], tags=[],
                       private=False, origin="chat", status=GuideStatus.PENDING,
                       from_ticket_id=ticket_id, proposed_by_id=by_id, updated_at=now)
    session.add(entry)
    session.flush()
    return entry


def ticket_answer(ticket: Ticket) -> str | None:
    """What the handler answered: the note of the last 办结, else of the last 进展."""
    for kind in (EventKind.RESOLVED, EventKind.PROGRESS):
        notes = [e.note for e in ticket.events if e.kind == kind and e.note]
        if notes:
            return notes[-1]
    return None


# --- what people read ---------------------------------------------------------------------------

SURE_CAVEAT = "以窗口最新要求为准"


def short_answer(entry: GuideEntry) -> str:
    """At most four lines for a group: the title, two lines of the answer, where to go next."""
    lines = [line.strip() for line in entry.answer.splitlines() if line.strip()]
    lines = [line if len(line) <= 70 else line[:69] + "…" for line in lines if SURE_CAVEAT not in line][:2]
    return T.GUIDE_SHORT.format(id=entry.id, title=entry.title, answer="\n".join(lines) or entry.title)


def full_text(entry: GuideEntry) -> str:
    parts = [T.GUIDE_FIELD_ANSWER.format(answer=entry.answer.strip())]
    if entry.materials:
        parts.append(T.GUIDE_FIELD_MATERIALS.format(items="\n".join(f"· {m}" for m in entry.materials)))
    for template, value in ((T.GUIDE_FIELD_PLACE, entry.place), (T.GUIDE_FIELD_HOURS, entry.hours),
                            (T.GUIDE_FIELD_PHONE, entry.phone)):
        if value:
            parts.append(template.format(value=value))
    if entry.checked:
        parts.append(T.GUIDE_FIELD_CHECKED.format(checked=entry.checked,
                                                  source=f",来源:{entry.source}" if entry.source else ""))
    return "\n".join(parts)


# --- asks answered, and 人工 --------------------------------------------------------------------------

def record_ask(session: Session, entry: GuideEntry, person_id: int, room_chat_id: str | None, text: str,
               confidence: float, now: datetime) -> GuideAsk:
    ask = GuideAsk(entry=entry, person_id=person_id, room_chat_id=room_chat_id, text=text[:2000],
                   confidence=round(confidence, 3), created_at=now)
    session.add(ask)
    return ask


def last_ask(session: Session, person_id: int, now: datetime, hours: int = 72) -> GuideAsk | None:
    """The person's latest answered question within ``hours`` (for 人工)."""
    return session.scalars(select(GuideAsk).where(GuideAsk.person_id == person_id,
                                                  GuideAsk.created_at >= now - timedelta(hours=hours))
                           .order_by(GuideAsk.id.desc()).limit(1)).first()


def _known_version(session: Session, community_id: int | None) -> tuple[object, ...] | None:
    """The community's version when this transaction read it and no entry of its own is pending
    (``_version`` would return it without a statement), else None."""
    transaction = session.get_transaction()
    cached = session.info.get(_VERSIONS)
    if (cached is None or transaction is None or cached[0] is not transaction or not transaction.is_active
            or community_id not in cached[1] or _touches_guide(session)):
        return None
    found: tuple[object, ...] = cached[1][community_id]
    return found
