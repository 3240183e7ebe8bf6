"""Training and measuring the guide's gate (domain/guide_gate.py) on labelled questions.

scikit-learn is needed here only (``pip install -e '.[learn]'``); the bot reads the exported
numbers in ``guide_gate.json``. ``lianhu guide train FILE.jsonl ...`` writes that file;
``lianhu guide eval --holdout FILE.jsonl ...`` trains on all files but one and measures on the
one left out, each in turn — the figure to trust for questions nobody has seen.

A line: ``{"text": "…", "entry": "residence-permit" | null, "kind": "question" | "chatter" | "request"}``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import itertools

from domain.guide import Index, Match, Thresholds, Tokenize, is_question, is_terse
from domain.guide_gate import Gate, features

#: the threshold is this far above the highest score of a line that must not be answered
SAFETY = 0.02
#: and never below this
FLOOR = 0.5
C = 1.0

Urgent = Callable[[str], bool]


@dataclass(frozen=True)
class Sample:
    x: list[float]
    right: bool  # the best entry is the labelled one
    answerable: bool  # labelled with an entry
    match: Match | None = None
    kind: str = "question"


def samples(index: Index, tokenize: Tokenize, key_of: dict[int, str], items: Sequence[dict[str, Any]],
            urgent: Urgent) -> list[Sample]:
    """One sample for each line the gate would be asked about (a question or a few words naming
    a topic, no emergency, a best entry that does not leave out a service it names)."""
    out = []
    for item in items:
        text = item["text"]
        if not text.strip() or not (is_question(text) or is_terse(text)) or urgent(text):
            continue
        m = index.best(tokenize, text)
        if m is None or m.elsewhere:
            continue
        answerable = item.get("kind", "question") == "question" and bool(item.get("entry"))
        out.append(Sample(features(m, text), answerable and key_of[m.entry_id] == item["entry"], answerable,
                          m, str(item.get("kind", "question"))))
    return out


#: the values tried for each threshold (``Thresholds``' fields, in order)
GRID = ((0.35, 0.4, 0.45, 0.5), (0.1, 0.15, 0.2), (0.25, 0.3, 0.35), (0.3, 0.4, 0.5), (10.0, 12.0, 15.0),
        (0.2, 0.25), (0.3, 0.35))


def tune_rules(data: Sequence[Sample], answerable: int) -> Thresholds:
    """The thresholds that answer the most lines rightly while answering no unanswerable question
    or chatter, at most 1 % of the answerable wrongly and at most one request."""
    best: tuple[int, Thresholds] | None = None
    for values in itertools.product(*GRID):
        th = Thresholds(*values)
        right = wrong = never = requests = 0
        for s in data:
            if s.match is None or not s.match.sure_by(th):
                continue
            if s.answerable:
                right += s.right
                wrong += not s.right
            elif s.kind == "request":
                requests += 1
            else:
                never += 1
        if never == 0 and requests <= 1 and wrong <= 0.01 * answerable and (best is None or right > best[0]):
            best = (right, th)
    return best[1] if best is not None else Thresholds()


def fit(data: Sequence[Sample], about: dict[str, Any] | None = None) -> Gate:
    """A logistic regression (standardised features, weights given back unscaled) and the lowest
    threshold that answers no line without an entry, nor more than 1 % of the answerable wrongly."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    X = np.array([s.x for s in data], dtype=float)
    y = np.array([s.right for s in data], dtype=int)
    if len(set(y.tolist())) < 2:
        raise ValueError("训练行太少:需要既有答对的问题,也有不该回答的问题")
    mean, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    clf.fit((X - mean) / sd, y)
    w = clf.coef_[0] / sd
    b = float(clf.intercept_[0] - (clf.coef_[0] * mean / sd).sum())
    gate = Gate([float(v) for v in w], b, 0.0, about or {})
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    never = [float(v) for v, s in zip(p, data) if not s.answerable]
    threshold = max([FLOOR, *(v + SAFETY for v in never)])
    wrong = sorted((float(v) for v, s in zip(p, data) if s.answerable and not s.right), reverse=True)
    allowed = math.floor(0.01 * sum(s.answerable for s in data))
    if len(wrong) > allowed:
        threshold = max(threshold, wrong[allowed] + SAFETY)
    return Gate(gate.weights, gate.bias, min(threshold, 0.999), about or {})


# --- the linear model (domain/guide_linear.py) ------------------------------------------------

#: the regression's inverse regularisation, and weights smaller than this are left out of the file
LINEAR_C = 10.0
PRUNE = 0.2
NONE_WEIGHT = 1.0


def linear_docs(index: Index, tokenize: Tokenize, entries: Sequence[Any],
                examples: Sequence[tuple[str | None, str]]) -> list[tuple[str | None, set[str]]]:
    """The training documents: every entry's title and asks (its key), every labelled line (its
    entry's key, None for a line no entry answers) — each as the model's features."""
    from domain.guide_linear import features as linear_features
    from domain.guide_text import terms

    docs: list[tuple[str | None, set[str]]] = [(str(e.key), linear_features(terms(tokenize, str(a), index.fix), str(a)))
            for e in entries for a in [e.title, *e.asks]]
    docs += [(key, linear_features(terms(tokenize, text, index.fix), text)) for key, text in examples]
    return docs


def fit_linear(docs: Sequence[tuple[str | None, set[str]]], about: dict[str, Any] | None = None,
               c: float = LINEAR_C, prune: float = PRUNE, none_weight: float = NONE_WEIGHT) -> Any:
    """A multinomial logistic regression over the documents' features (each present feature
    1/sqrt(how many the document has)), packed for ``domain.guide_linear.Linear``; a document of
    no entry counts ``none_weight`` times."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    from domain.guide_linear import packed

    names = sorted({f for _, fs in docs for f in fs})
    col = {f: i for i, f in enumerate(names)}
    labels = sorted({k or "" for k, _ in docs})
    rows, cols, vals = [], [], []
    for r, (_, fs) in enumerate(docs):
        for f in fs:
            rows.append(r)
            cols.append(col[f])
            vals.append(1.0 / math.sqrt(len(fs)))
    X = csr_matrix((vals, (rows, cols)), shape=(len(docs), len(names)))
    y = np.array([labels.index(k or "") for k, _ in docs])
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(X, y, sample_weight=np.array([none_weight if k is None else 1.0 for k, _ in docs]))
    w = clf.coef_  # classes × features
    kept_names, kept_rows = [], []
    for j, name in enumerate(names):
        row = [(int(i), float(w[i, j])) for i in np.nonzero(np.abs(w[:, j]) >= prune)[0]]
        if row:
            kept_names.append(name)
            kept_rows.append(row)
    return packed([lb or None for lb in labels], [float(b) for b in clf.intercept_], kept_names, kept_rows,
                  {**(about or {}), "c": c, "prune": prune, "none_weight": none_weight})
