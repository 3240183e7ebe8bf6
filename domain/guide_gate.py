"""Whether the guide's best entry answers a question: a small learned scorer.

BM25 ranks the entries (domain/guide.py); this decides whether to trust the best one. It is a
logistic regression over a few signals of the best match — how much of the question's topic
weight the entry holds (confidence), its lead over the second (margin), the BM25 score, the
title's share, how much of the question no entry knows, how close the question comes to one
of the entry's asks in characters, and whether the hand rules (``Match.sure``) would answer —
trained by ``lianhu guide train`` (domain/guide_training.py) on labelled questions and kept as
plain numbers in ``guide_gate.json``. The threshold is set so that no unanswerable question,
chatter or request in the training lines is answered.

Without the file the hand rules decide, as before. A question that is none (no question word)
or names a service no entry covers (``ELSEWHERE``) is never answered, whatever the score.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol



class Match(Protocol):
    """The signals the gate reads of the guide's best match (domain.guide.Match)."""
    @property
    def confidence(self) -> float: ...
    @property
    def margin(self) -> float: ...
    @property
    def score(self) -> float: ...
    @property
    def title_cover(self) -> float: ...
    @property
    def question(self) -> bool: ...
    @property
    def terse(self) -> bool: ...
    @property
    def second_confidence(self) -> float: ...
    @property
    def unknown(self) -> float: ...
    @property
    def ask_overlap(self) -> float: ...
    @property
    def sure(self) -> bool: ...

DEFAULT_GATE = Path(__file__).resolve().parent / "guide_gate.json"

FEATURES = ("confidence", "margin", "confidence_x_margin", "log_score", "title_cover", "question", "terse",
            "second_confidence", "unknown", "ask_overlap", "log_chars", "rules_sure")


def features(m: Match, text: str) -> list[float]:
    """The signals of the best match, in the order of ``FEATURES``."""
    return [m.confidence, m.margin, m.confidence * m.margin, math.log1p(m.score), m.title_cover,
            float(m.question), float(m.terse), m.second_confidence, m.unknown, m.ask_overlap,
            math.log(1 + len(text.strip())), float(m.sure)]


@dataclass(frozen=True)
class Gate:
    weights: Sequence[float]
    bias: float
    threshold: float
    about: dict[str, Any] = field(default_factory=dict)

    def probability(self, m: Match, text: str) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features(m, text)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def answers(self, m: Match, text: str) -> bool:
        return self.probability(m, text) >= self.threshold

    def to_json(self) -> str:
        return json.dumps({"what": "lianhu guide gate: logistic regression over the best match's signals; "
                                   "made by `lianhu guide train` (domain/guide_training.py)",
                           "features": list(FEATURES), "weights": [round(w, 6) for w in self.weights],
                           "bias": round(self.bias, 6), "threshold": round(self.threshold, 6), **self.about},
                          ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path | None = None) -> Gate | None:
        """The gate in ``path`` (default ``guide_gate.json``), or None when there is none or it
        was made for other features."""
        p = path or DEFAULT_GATE
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("features") != list(FEATURES):
            return None
        about = {k: v for k, v in data.items() if k not in ("what", "features", "weights", "bias", "threshold")}
        return cls([float(w) for w in data["weights"]], float(data["bias"]), float(data["threshold"]), about)


_DEFAULT: list[Gate | None] = []


def default_gate() -> Gate | None:
    if not _DEFAULT:
        _DEFAULT.append(Gate.load())
    return _DEFAULT[0]
