"""Figures of the judge on labelled messages, as a resident or a member would notice them.

    public false alarms   chatter given "sure" (a public receipt), share of chatter
    requests seen         requests given "sure" or "unsure" (a person sees them), recall
    unsure chatter        chatter given "unsure" (a member's private heads-up), share of chatter
    category accuracy     on requests (all, and on those seen)
    alert recall          urgent lines on which the danger net fires
    public urgent prec.   among "sure" + urgent, the share labelled urgent
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .scoring import Classification

#: the issue's targets for every fresh batch at first look
TARGETS = {
    "public_false_alarm_rate": ("<=", 0.02),
    "seen_recall": (">=", 0.98),
    "unsure_chatter_rate": ("<=", 0.08),
    "category_accuracy": (">=", 0.92),
    "alert_recall": (">=", 1.0),
    "public_urgent_precision": (">=", 0.85),
}


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def measure(scored: Iterable[tuple[str, bool, Classification]]) -> dict[str, Any]:
    """``scored``: (gold category, gold urgent, the judge's Classification) per message."""
    n = chatter = requests = urgent = 0
    fa = unsure_chat = seen = cat_ok = cat_ok_seen = alert_hit = 0
    pub_urgent = pub_urgent_ok = 0
    for gold, gold_urgent, r in scored:
        n += 1
        gold_urgent = gold_urgent and gold != "none"
        if gold == "none":
            chatter += 1
            fa += r.tier == "sure"
            unsure_chat += r.tier == "unsure"
        else:
            requests += 1
            is_seen = r.tier in ("sure", "unsure")
            seen += is_seen
            cat_ok += r.category == gold
            cat_ok_seen += is_seen and r.category == gold
        if gold_urgent:
            urgent += 1
            alert_hit += r.alert
        if r.tier == "sure" and r.urgent:
            pub_urgent += 1
            pub_urgent_ok += gold_urgent
    return {
        "n": n, "chatter": chatter, "requests": requests, "urgent_lines": urgent,
        "public_false_alarms": fa, "public_false_alarm_rate": _div(fa, chatter),
        "seen": seen, "seen_recall": _div(seen, requests),
        "unsure_chatter": unsure_chat, "unsure_chatter_rate": _div(unsure_chat, chatter),
        "category_accuracy": _div(cat_ok, requests), "category_accuracy_seen": _div(cat_ok_seen, seen),
        "alerts_on_urgent": alert_hit, "alert_recall": _div(alert_hit, urgent),
        "public_urgent": pub_urgent, "public_urgent_precision": _div(pub_urgent_ok, pub_urgent),
    }


def missed(m: dict[str, Any]) -> list[str]:
    """The targets not met."""
    out = []
    for k, (op, v) in TARGETS.items():
        ok = m[k] <= v if op == "<=" else m[k] >= v
        if not ok:
            out.append(k)
    return out


def format_judge(by_mode: dict[str, dict[str, Any]]) -> str:
    """One table: the judge's figures for each mode (rules alone, model alone, combined)."""
    rows = [
        ("public false alarms (chatter given sure)", "public_false_alarm_rate", "public_false_alarms", "chatter"),
        ("requests seen (sure or unsure), recall", "seen_recall", "seen", "requests"),
        ("unsure share of chatter", "unsure_chatter_rate", "unsure_chatter", "chatter"),
        ("category accuracy on requests", "category_accuracy", None, None),
        ("category accuracy on requests seen", "category_accuracy_seen", None, None),
        ("alert recall on urgent lines", "alert_recall", "alerts_on_urgent", "urgent_lines"),
        ("public urgent precision", "public_urgent_precision", None, "public_urgent"),
    ]
    modes = list(by_mode)
    out = [f"{'judge (targets: ' + _targets_text() + ')':<44}" + "".join(f"{m:>16}" for m in modes)]
    for label, key, num, den in rows:
        cells = []
        for mode in modes:
            m = by_mode[mode]
            cell = f"{m[key]:.3f}"
            if num and den:
                cell += f" ({m[num]}/{m[den]})"
            elif den:
                cell += f" (n={m[den]})"
            cells.append(f"{cell:>16}")
        out.append(f"{label:<44}" + "".join(cells))
    for mode in modes:
        miss = missed(by_mode[mode])
        out.append(f"{mode}: " + ("all judge targets met" if not miss else "NOT met: " + ", ".join(miss)))
    return "\n".join(out)


def _targets_text() -> str:
    return "FA<=2%, seen>=0.98, unsure<=8%, cat>=0.92, alert=1, urg.prec>=0.85"
