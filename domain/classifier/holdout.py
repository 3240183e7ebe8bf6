"""Leave one batch out: how the classifier does on messages its learned parts never saw.

For each held-out file (default: the fresh batches tests/data/fresh/b*.jsonl whose first look is
recorded), the learned parts — the model (``training.train``) and the category lexicon
(``Lexicon.learn``) — are rebuilt from every OTHER labelled file, exactly as ``lianhu learn``
builds them (same files, same features, the shipped tiers.toml), and the held-out file is
classified by the rules alone, the model alone and combined (``lianhu eval``'s three voices)::

    python -m domain.classifier.holdout                  # every recorded fresh batch
    python -m domain.classifier.holdout b5.jsonl b6.jsonl --errors
    lianhu learn --holdout [b6.jsonl ...]

Caveat: the hand-written parts (rules.toml, chatter.toml, danger.toml, tiers.toml) were written
after reading these batches, so they still look better here than on new messages; the learned
parts do not.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .measure import measure

MODES = ("rules", "model", "combined")
KEYS = (("category_accuracy", "cat"), ("public_false_alarm_rate", "FA"), ("seen_recall", "seen"),
        ("unsure_chatter_rate", "unsure"), ("alert_recall", "alert"), ("public_urgent_precision", "urg.prec"))


def _fresh_files() -> list[Path]:
    from . import training

    return [p for p in training.default_files() if "fresh" in p.parts]


def run(files: Sequence[Path], held_out: Sequence[str], log: Callable[[str], None] | None = None,
        errors: bool = False) -> dict[str, Any]:
    """{name: {"modes": {mode: measure()}, "confusions": Counter((gold, given)), "errors": [...]}}
    for each held-out file name, each judged with learned parts trained on the other files."""
    from . import Classifier, training
    from .lexicon import Lexicon
    from .model import Model, features

    clf = Classifier()
    examples = [e for f in files for e in training.load_jsonl(f)]
    tokens = [clf.tokenize(e["text"]) for e in examples]
    feats = [features(t) for t in tokens]
    out: dict[str, Any] = {}
    for name in held_out:
        t0 = time.perf_counter()
        tr = [i for i, e in enumerate(examples) if e["source"] != name]
        te = [i for i, e in enumerate(examples) if e["source"] == name]
        if not te:
            raise ValueError(f"{name}: 不在标注文件中 (not among the labelled files)")
        clf.model = Model(training.train([examples[i] for i in tr], tiers={"sure": 0.9, "unsure": 0.1, "urgent": 0.5},
                                         feats=[feats[i] for i in tr]))
        clf.lexicon = Lexicon.learn((tokens[i], examples[i]["category"]) for i in tr)
        by_mode: dict[str, list] = {m: [] for m in MODES}
        confusions: Counter[tuple[str, str]] = Counter()
        wrong, rows = [], []
        for i in te:
            e = examples[i]
            res = clf.classify_modes(e["text"])
            for m in MODES:
                by_mode[m].append((e["category"], e["urgent"], res[m]))
            got = res["combined"]
            if e["category"] != "none":
                pred = clf.model.predict(tokens[i])
                rows.append({"file": name, "text": e["text"], "gold": e["category"], "combined": got.category,
                             "tier": got.tier, "rules": res["rules"].category, "score": res["rules"].score,
                             "evidence": list(res["rules"].evidence), "model": pred.categories})
            if e["category"] != "none" and got.category != e["category"]:
                confusions[(e["category"], got.category)] += 1
                if errors:
                    wrong.append({"text": e["text"], "gold": e["category"], "combined": got.category,
                                  "rules": res["rules"].category, "model": res["model"].category,
                                  "tier": got.tier, "evidence": list(got.evidence)})
        out[name] = {"modes": {m: measure(rows) for m, rows in by_mode.items()},
                     "confusions": confusions, "errors": wrong, "rows": rows,
                     "trained_on": sorted({examples[i]["source"] for i in tr}), "examples": len(tr)}
        if log:
            log(f"  {name}: trained on {len(tr)}, judged {len(te)} ({time.perf_counter() - t0:.0f}s)")
    return out


def format_table(result: dict[str, Any]) -> str:
    head = f"{'held out':<12}" + "".join(f"{label + ' ' + m[0]:>12}" for _, label in KEYS[:1] for m in MODES)
    head += "".join(f"{label:>10}" for _, label in KEYS[1:])
    lines = [head + "   (FA .. urg.prec: combined)"]
    pooled: dict[str, list] = {m: [] for m in MODES}
    for name, r in result.items():
        cells = "".join(f"{r['modes'][m]['category_accuracy']:>12.3f}" for m in MODES)
        c = r["modes"]["combined"]
        cells += "".join(f"{c[k]:>10.3f}" for k, _ in KEYS[1:])
        lines.append(f"{name:<12}{cells}")
        for m in MODES:
            pooled[m].append(r["modes"][m])
    if len(result) > 1:
        def pool(ms: list[dict], key: str, num: str) -> float:
            den = sum(x[num] for x in ms)
            return sum(x[key] * x[num] for x in ms) / den if den else 0.0
        cells = "".join(f"{pool(pooled[m], 'category_accuracy', 'requests'):>12.3f}" for m in MODES)
        lines.append(f"{'pooled':<12}{cells}")
    conf: Counter[tuple[str, str]] = Counter()
    for r in result.values():
        conf.update(r["confusions"])
    lines.append("category confusions (combined, gold -> given): "
                 + ", ".join(f"{g}->{p} {n}" for (g, p), n in conf.most_common(12)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from . import training

    ap = argparse.ArgumentParser(prog="python -m domain.classifier.holdout", description=__doc__.split("\n")[0])
    ap.add_argument("held_out", metavar="NAME", nargs="*", help="file names to hold out (default: the fresh batches)")
    ap.add_argument("--errors", action="store_true", help="print the requests given a wrong category (JSON Lines)")
    ap.add_argument("--rows", metavar="PATH", help="write every held-out request's voices here (JSON Lines), "
                                                   "to study how the category is decided")
    args = ap.parse_args(argv)
    files = training.default_files()
    names = args.held_out or [p.name for p in _fresh_files()]
    unknown = [n for n in names if n not in {f.name for f in files}]
    if unknown:  # a wrong name is answered before anything heavy is loaded
        print(f"无法留出评测 cannot hold out: {unknown[0]}: 不在标注文件中 (not among the labelled files)",
              file=sys.stderr)
        return 2
    if training.sklearn_missing():
        return 2
    try:
        result = run(files, names, log=lambda s: print(s, file=sys.stderr), errors=args.errors)
    except (OSError, ValueError) as e:
        print(f"无法留出评测 cannot hold out: {e}", file=sys.stderr)
        return 2
    print(format_table(result))
    if args.rows:
        with open(args.rows, "w", encoding="utf-8") as f:
            for r in result.values():
                for row in r["rows"]:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.errors:
        for name, r in result.items():
            for w in r["errors"]:
                print(json.dumps(dict(w, file=name), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
