"""A learned lexicon that helps the rules choose a category.

The rules decide whether a message is a request and whether it is urgent; where
they are unsure *which* category a request belongs to (two categories close, or no
topic word at all), the lexicon's view is added: per category, how often each word
and character pair appeared in labelled messages of that category. It is data
(``lexicon.json``), made by ``lianhu learn`` from labelled files (and the community's
own corrections with ``--db``), and readable like the rules.
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from operator import add
from pathlib import Path

DEFAULT_LEXICON = Path(__file__).resolve().parent / "lexicon.json"
MIN_COUNT = 2  # a feature seen once teaches nothing general
_SKIP = frozenset(" ,.!?;:,。!?;:、~…()()[]【】\"'“”‘’-—_/\\|@#")


def features(tokens: Iterable[str]) -> set[str]:
    """Words, and pairs of neighbouring characters (they catch words jieba splits)."""
    toks = [t for t in tokens if t.strip() and not _SKIP.issuperset(t)]  # not only signs
    text = "".join(toks)
    found = {t for t in toks if len(t) > 1 or not t.isascii()}
    found.update(map(add, text, text[1:]))
    return found


class Lexicon:
    def __init__(self, docs: dict[str, int], counts: dict[str, dict[str, int]]) -> None:
        self.docs = docs
        total = sum(docs.values()) or 1
        self.categories = tuple(c for c, n in docs.items() if n)
        self.prior = tuple(math.log(docs[c] / total) for c in self.categories)
        # log P(feature | category) = unseen[c] + boost[f][c]: a feature adds the category's
        # "unseen" term, plus a boost only for the few categories it was seen with
        self.unseen = tuple(math.log(0.5 / (docs[c] + 1)) for c in self.categories)
        index = {c: i for i, c in enumerate(self.categories)}
        # boost: feature -> ((category index, log((n + 0.5) / 0.5)), ...). The pairs and the
        # rows are shared (a few hundred distinct pairs and rows for ~20,000 features), and the
        # counts are not kept beside them: ``counts`` reads them back from the pairs.
        pairs: dict[tuple[int, int], tuple[int, float]] = {}
        rows: dict[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]] = {}
        boost: dict[str, tuple[tuple[int, float], ...]] = {}
        whole = True
        for f, seen in counts.items():
            row = []
            for c, n in seen.items():
                i = index.get(c)
                if i is None:
                    whole = False  # a count the boost leaves out: keep the counts as they are
                    continue
                pair = pairs.get((i, n))
                if pair is None:
                    pair = pairs[(i, n)] = (i, math.log((n + 0.5) / 0.5))
                row.append(pair)
            key = tuple(row)
            boost[f] = rows.setdefault(key, key)
        self.boost = boost
        self._n = {pair: n for (_, n), pair in pairs.items()}  # (index, log) -> n
        self._counts = None if whole else counts

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """Per feature, in how many labelled requests of each category it appeared."""
        if self._counts is not None:
            return self._counts
        cats, n = self.categories, self._n
        return {f: {cats[pair[0]]: n[pair] for pair in row} for f, row in self.boost.items()}

    @classmethod
    def learn(cls, examples: Iterable[tuple[list[str], str]]) -> Lexicon:
        """From (tokens, category) of requests (``none`` examples are skipped)."""
        docs: Counter[str] = Counter()
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for tokens, category in examples:
            if category == "none":
                continue
            docs[category] += 1
            for f in features(tokens):
                counts[f][category] += 1
        kept = {f: dict(sorted(c.items())) for f, c in sorted(counts.items())
                if sum(c.values()) >= MIN_COUNT}
        return cls(dict(sorted(docs.items())), kept)

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON) -> Lexicon | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(data["docs"], data["counts"])

    def save(self, path: Path = DEFAULT_LEXICON) -> None:
        data = {"about": "lianhu learn: per category, in how many labelled requests each feature appeared",
                "docs": self.docs, "counts": self.counts}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                        encoding="utf-8")

    def posterior(self, tokens: Iterable[str]) -> dict[str, float]:
        """P(category | message) over the request categories (naive Bayes on present features)."""
        boost = self.boost
        known = 0
        extra = [0.0] * len(self.categories)
        for f in features(tokens):
            row = boost.get(f)
            if row is not None:
                known += 1
                for i, v in row:
                    extra[i] += v
        logp = [p + known * u + e for p, u, e in zip(self.prior, self.unseen, extra)]
        top = max(logp)
        exp = [math.exp(v - top) for v in logp]
        z = sum(exp)
        return {c: v / z for c, v in zip(self.categories, exp)}
