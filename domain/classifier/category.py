"""Which category a request gets when the voices differ (``judge.py`` asks ``decide``).

In order (LABELS.md, "Category: which voice decides"):

1. **Two problems in one message** ("楼道灯坏了 另外垃圾也没人收"): the category of the FIRST
   problem — the part before the joining word (另外, 还有个事, 顺便, 再就是 …), named by the
   rules' words found in that part — unless only the LATER part describes danger to people now
   (the danger net fires on it and not on the first part): then the danger decides.
2. **Danger kinds with one owner**: when the danger net fires with a kind that always belongs
   to one category (talk of suicide, a missing person, an elderly person not seen → care; a gas
   smell, water on live wiring, sparking wires → utilities), that category.
3. Otherwise the rules' category, unless the model gives it less than ``rules_category_floor``
   and is itself sure (``model_category_sure``); the model's where the rules name none or other.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from .rules import REQUEST_CATEGORIES
from .scoring import Classification

if TYPE_CHECKING:
    from .danger import DangerNet
    from .model import Prediction


class Tiers(Protocol):
    """What the decision reads of the judge's thresholds (judge.Tiers)."""
    @property
    def rules_category_floor(self) -> float: ...
    @property
    def model_category_sure(self) -> float: ...


#: words that join a second problem to the first; a part needs at least MIN_PART characters
JOINS = re.compile(r"另外|还有个事|还有件事|还有一件事|还有一个事|还有就是|还有一个就是|再就是|再一个|顺便|还有[,. ]|另[,:]")
MIN_PART = 4
#: the least rule weight that names the first problem's category
FIRST_MIN = 2.0
#: danger kinds (danger.toml) that belong to one category whatever else the message says
KIND_CATEGORY = {"suicide": "care", "missing": "care", "not_seen": "care",
                 "gas": "utilities", "water_electric": "utilities", "electric": "utilities"}
_EVIDENCE = re.compile(r"^([a-z]+):(.+)\(([+-][0-9.]+)\)$")


def decide(norm: str, rules: Classification, pred: Prediction, T: Tiers, mode: str,
           net: DangerNet | None = None, kind: str | None = None) -> tuple[str, str | None]:
    """The category of a request and, when a rule of its own chose it, the evidence to show
    (``kind``: the danger net's kind for the whole message)."""
    if mode == "combined":
        parts = _two_problems(norm)
        if parts is not None:
            chosen = _first_problem(norm, parts, rules, pred, net)
            if chosen is not None:
                return chosen[0], f"category:{chosen[1]}={chosen[0]}"
        if kind in KIND_CATEGORY:
            return KIND_CATEGORY[kind], f"category:danger={KIND_CATEGORY[kind]}"
    return _voices(rules, pred, T, mode), None


def _voices(rules: Classification, pred: Prediction, T: Tiers, mode: str) -> str:
    if mode == "model" or rules.category in ("none", "other"):
        return pred.category
    if pred.categories.get(rules.category, 0.0) >= T.rules_category_floor:
        return rules.category
    # the rules named a category the model all but rules out: the model only when it is confident
    return pred.category if pred.categories[pred.category] >= T.model_category_sure else rules.category


def _two_problems(norm: str) -> tuple[int, int] | None:
    """(end of the first part, start of the second) when a joining word splits the message."""
    m = JOINS.search(norm)
    if m is None or m.start() < MIN_PART or len(norm) - m.end() < MIN_PART:
        return None
    return m.start(), m.end()


def _first_problem(norm: str, parts: tuple[int, int], rules: Classification, pred: Prediction,
                   net: DangerNet | None) -> tuple[str, str] | None:
    cut, rest = parts
    if net is not None:
        later = net.check(norm[rest:])
        if later is not None and net.check(norm[:cut]) is None:  # only the later problem is danger now
            return KIND_CATEGORY.get(later[0], pred.category), "later-danger"
    weights = dict.fromkeys(REQUEST_CATEGORIES, 0.0)
    for item in rules.evidence:
        m = _EVIDENCE.match(item)
        if m is None or m.group(1) not in weights:
            continue
        places = [norm.find(p.lstrip("=")) for p in m.group(2).split("&")]
        if places and min(places) >= 0 and max(places) < cut:  # every part of the keyword in the first part
            weights[m.group(1)] += float(m.group(3))
    best = max(weights, key=weights.__getitem__)
    return (best, "first-problem") if weights[best] >= FIRST_MIN else None
