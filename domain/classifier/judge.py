"""The judge: the keyword rules, the learned model and the danger net into one decision.

    tier      "sure" (ticket + public receipt) / "unsure" (private heads-up) / "none"
    category  the best guess, also for unsure ("none" only for tier none)
    urgent    only for a sure request: the rules' urgent words or the model's p_urgent
    alert     the danger net: danger.toml compositions, the rules' urgent words, or p_urgent
              above ``alert`` — whatever the tier

Thresholds are in ``tiers.toml`` (chosen from data, see README.md). ``mode`` gives the
rules alone ("rules"), the model alone ("model") or both ("combined"), for ``lianhu eval``.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .category import decide
from .chatter import ChatterKinds
from .danger import DangerNet
from .model import Prediction
from .scoring import Classification, classification
from .subjects import subject
from .summary import summary

DEFAULT_TIERS = Path(__file__).resolve().parent / "tiers.toml"
MODES = ("combined", "rules", "model")


@dataclass(frozen=True)
class Tiers:
    sure: float = 0.967
    sure_with_rules: float = 0.7
    strong_rules: float = 6.0
    sure_with_strong_rules: float = 0.3
    unsure: float = 0.6
    unsure_with_rules: float = 0.3
    #: the rules call it a request and [ask] words (chatter.toml) ask someone to act: unsure when
    #: p >= unsure_with_ask, whatever the other thresholds say (0: always)
    unsure_with_ask: float = 0.0
    urgent: float = 0.5
    urgent_with_rules: float = 0.05
    alert: float = 0.2
    unsure_chatter: float = 0.95
    rules_category_floor: float = 0.15
    model_category_sure: float = 0.8
    #: a message with at most this many letters (Han characters, letters; digits and signs not
    #: counted) gives the model too little to go on ("不是", "停电了", "999"): the rules decide
    #: alone, and the danger net still speaks
    short_letters: float = 5

    @classmethod
    def load(cls, path: str | Path | None = None) -> Tiers:
        p = Path(path) if path is not None else DEFAULT_TIERS
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{p}: unknown settings {sorted(unknown)}")
        return cls(**{k: float(v) for k, v in data.items()})


def _tier(p: float, rules: Classification, T: Tiers, mode: str, chatter: str | None = None) -> str:
    rules_say = rules.category != "none"
    if mode == "rules":
        return "sure" if rules_say else "none"
    if mode == "model":
        rules_say = False
    elif chatter is not None:  # a kind of chatter: never a public receipt
        return "unsure" if p >= T.unsure_chatter else "none"
    strong = rules_say and rules.score >= T.strong_rules  # the rules are sure too (楼道灯坏了 + noise)
    if p >= T.sure or (rules_say and p >= T.sure_with_rules) or (strong and p >= T.sure_with_strong_rules):
        return "sure"
    if p >= T.unsure or (rules_say and p >= T.unsure_with_rules):
        return "unsure"
    return "none"


def too_short(norm: str, T: Tiers) -> bool:
    """Too few letters for the model (``Tiers.short_letters``): the rules decide alone."""
    return sum(map(str.isalpha, norm)) <= T.short_letters


def judge(norm: str, rules: Classification, pred: Prediction | None, net: DangerNet | None,
          T: Tiers, mode: str = "combined", kinds: ChatterKinds | None = None,
          short: bool = False, long: bool = False) -> Classification:
    """The final Classification of a message (``norm`` = its normalised text). ``short``: the
    caller found the message ``too_short`` and did not ask the model (as if it had, for nothing);
    ``long``: the caller found it is not (and ``rules`` were scored on this ``norm``: their
    subject is the message's)."""
    about = rules.subject if long else subject(norm)
    found = net.check(norm) if net is not None and mode != "rules" else None
    # danger to people is no kind of chatter ("是不是哪家漏气了" is not advice between neighbours)
    chatter = kinds.check(norm) if kinds is not None and mode == "combined" and found is None else None
    evidence = list(rules.evidence) if mode != "model" else []
    if short or pred is not None and mode == "combined" and not long and too_short(norm, T):
        pred = None  # too short for the model: the rules alone
        evidence.append("short:rules")
    if pred is None or mode == "rules":
        tier = "sure" if rules.category != "none" else "none"
        category = rules.category
        urgent = rules.urgent
        alert = rules.alert
        p = None
        if alert and tier == "none" and mode == "combined":  # "救命": danger words alone, a person looks
            tier, category = "unsure", "care"
    else:
        p = pred.p_request
        tier = _tier(p, rules, T, mode, chatter)
        if tier == "none" and mode == "combined" and rules.category != "none" and kinds is not None \
                and p >= T.unsure_with_ask and kinds.asks(norm):  # the rules' request, asked of someone who must act: a person looks
            tier = "unsure"
            evidence.append("ask:unsure")
        if chatter is not None:
            evidence.append(f"chatter:{chatter}")
        category, why = ("none", None) if tier == "none" else \
            decide(norm, rules, pred, T, mode, net, found[0] if found else None)
        model_urgent = pred.p_urgent >= T.urgent
        # the rules' urgent words, unless the message is a kind of chatter (热得冒烟, 听说…着火)
        rules_urgent = rules.alert and mode != "model" and chatter is None
        urgent = tier == "sure" and (model_urgent or rules_urgent and pred.p_urgent >= T.urgent_with_rules)
        alert = rules_urgent or pred.p_urgent >= T.alert
        evidence.append(f"model:p_request={p:.2f},p_urgent={pred.p_urgent:.2f},{pred.category}")
        if why is not None:
            evidence.append(why)
        elif category != rules.category and mode == "combined":
            evidence.append(f"model:category={category}")
    danger = found[0] if found else None
    if found:
        alert = True
        evidence.append(found[1])
        if tier == "none" and mode == "combined":  # danger to people is never mere chatter
            tier = "unsure"
            category = pred.category if pred is not None else rules.category
            if category == "none":
                category = "care"
    elif alert:
        danger = "other"
    return classification(category, urgent, tuple(evidence), rules.score, tier, alert, danger, about,
                          None if about is None else summary(norm, about), p)
