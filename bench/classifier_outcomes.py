"""Every field of ``Classifier.classify`` for every labelled line and 20,000 bench texts, one
JSON line each: run it pure (``LIANHU_PURE=1``) and compiled, then diff the two files.

    .venv/bin/python bench/classifier_outcomes.py OUT.jsonl [--n 20000] [--seeds 1 2]

The labelled sets: tests/data/fresh, categories, guide, holdout*.jsonl and, when present,
../shared/eval/dev.jsonl. ``p_request`` is written to 9 digits, ``score`` exactly.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

SHARED_DEV = Path("/work/shared/eval/dev.jsonl")


def labelled_files() -> list[Path]:
    data = REPO / "tests" / "data"
    files = sorted((data / "fresh").glob("*.jsonl")) + sorted((data / "categories").glob("*.jsonl"))
    files += sorted((data / "guide").glob("*.jsonl")) + sorted(data.glob("holdout*.jsonl"))
    return files + ([SHARED_DEV] if SHARED_DEV.exists() else [])


def texts(n: int, seeds: list[int]) -> list[tuple[str, str]]:
    from bench_classifier import make_messages

    out: list[tuple[str, str]] = []
    for path in labelled_files():
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                out.append((f"{path.name}:{i + 1}", json.loads(line)["text"]))
    for seed in seeds:
        out += [(f"bench{seed}:{i}", m) for i, m in enumerate(make_messages(n, seed))]
    return out


def outcome(clf: object, text: str) -> dict[str, object]:
    r = clf.classify(text)  # type: ignore[attr-defined]
    p = r.p_request
    return {"category": r.category, "urgent": r.urgent, "tier": r.tier, "alert": r.alert, "danger": r.danger,
            "subject": r.subject, "summary": r.summary, "p_request": None if p is None else f"{p:.9f}",
            "score": repr(r.score), "evidence": list(r.evidence)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seeds", type=int, nargs="*", default=[1, 2])
    args = ap.parse_args()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    from domain.classifier import Classifier
    try:
        from domain.classifier.native import in_use
    except ImportError:  # before the compiled modules existed
        def in_use() -> list[str]:
            return []

    with tempfile.TemporaryDirectory() as tmp, open(args.out, "w", encoding="utf-8") as f:
        clf = Classifier(cache_dir=tmp)
        items = texts(args.n, args.seeds)
        for where, text in items:
            f.write(json.dumps({"at": where, **outcome(clf, text)}, ensure_ascii=False) + "\n")
    print(f"{len(items)} texts; compiled modules in use: {', '.join(in_use()) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
