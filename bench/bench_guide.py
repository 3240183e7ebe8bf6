"""The 办事指南's matching cost: questions per second through ``sure_match`` as shipped (the
homophone reading of domain/guide_sound.py, the neighbour vote of domain/guide_examples.py and
the linear model of domain/guide_linear.py) and, as baselines in the same run, without the
homophone reading, without the model (as before it), and without vote and model (BM25 alone); and the time to build the demo guide's index (the first build also
imports pypinyin; the vote's labelled questions are cut once, the later builds reuse them).

    .venv/bin/python bench/bench_guide.py [--repeats 7]

Questions: every line of tests/data/guide/questions*.jsonl (the same 1,580 lines as before the
train6 files came). Figures are medians over the repeats.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    from bot.cli.guide import load_entries
    from domain import guide
    from domain.classifier import Classifier
    from domain.classifier.tokenizer import default_cache_dir

    classifier = Classifier(cache_dir=default_cache_dir())
    tokenize = classifier.tokenize
    texts = [json.loads(line)["text"] for f in sorted((REPO / "tests/data/guide").glob("questions*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    tokenize("预热")
    entries = load_entries(None)
    t = time.perf_counter()
    index = guide.Index.build(tokenize, entries)
    first_build = time.perf_counter() - t
    builds = []
    for _ in range(3):
        t = time.perf_counter()
        guide.Index.build(tokenize, entries)
        builds.append(time.perf_counter() - t)
    fixer, near, linear = index.fix, index.near, index.linear
    ways = (("as shipped", fixer, near, linear), ("without homophones", None, near, linear),
            ("without the model", fixer, near, None), ("without vote, model", fixer, None, None))
    rates: dict[str, list[float]] = {name: [] for name, _, _, _ in ways}
    for _ in range(args.repeats):
        for name, fix, vote, model in ways:
            index.fix, index.near, index.linear = fix, vote, model
            t = time.perf_counter()
            for text in texts:
                guide.sure_match(index, tokenize, text)
            rates[name].append(len(texts) / (time.perf_counter() - t))
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"{len(texts)} questions, {len(entries)} entries, {args.repeats} repeats (medians)")
    for k, v in med.items():
        print(f"  sure_match {k:<20} {v:8.0f} questions/s")
    print(f"  ratio shipped / without homophones  {med['as shipped'] / med['without homophones']:.2f}")
    print(f"  ratio shipped / without the model   {med['as shipped'] / med['without the model']:.2f}")
    print(f"  ratio shipped / without vote, model {med['as shipped'] / med['without vote, model']:.2f}")
    print(f"  index build: first (imports pypinyin) {first_build * 1000:.0f} ms, "
          f"then {statistics.median(builds) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
