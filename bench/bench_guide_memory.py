"""The 办事指南 index's memory: build the demo guide's index in this (fresh) process and print the
growth of its resident set (``/proc/self/statm``; pypinyin, imported by the homophone reader,
included) and, traced apart with pypinyin imported first, the Python allocations of its parts —
the labelled questions' features kept between builds, the neighbour vote, the linear model.

    .venv/bin/python bench/bench_guide_memory.py [--repo PATH]

``--repo`` measures another checkout's code (e.g. an export of main) with this script.
"""
from __future__ import annotations

import argparse
import gc
import logging
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def measure(repo: Path, traced: bool) -> None:
    sys.path.insert(0, str(repo))
    import jieba

    jieba.setLogLevel(logging.WARNING)
    from bot.cli.guide import load_entries
    from domain import guide
    from domain.classifier import Classifier
    from domain.classifier.tokenizer import default_cache_dir

    classifier = Classifier(cache_dir=default_cache_dir())
    classifier.classify("预热一下 楼道灯坏了")
    entries = load_entries(None)
    if traced:
        import pypinyin  # noqa: F401 - its tables are not the index's own
        gc.collect()
        tracemalloc.start()
    gc.collect()
    before = rss_mb()
    index = guide.Index.build(classifier.tokenize, entries)
    guide.sure_match(index, classifier.tokenize, "居住证怎么办")
    gc.collect()
    if not traced:
        print(f"resident set: {before:.1f} MB before the index, {rss_mb():.1f} MB after: +{rss_mb() - before:.1f} MB")
        return
    total = tracemalloc.get_traced_memory()[0]
    guide._FEATURES.clear()
    gc.collect()
    no_cache = tracemalloc.get_traced_memory()[0]
    index.near = None
    gc.collect()
    no_vote = tracemalloc.get_traced_memory()[0]
    index.linear = None
    linear = sys.modules.get("domain.guide_linear")
    if linear is not None:
        linear._LOADED.clear()  # type: ignore[attr-defined]
    gc.collect()
    rest = tracemalloc.get_traced_memory()[0]
    print(f"Python allocations of the index: {total / 2**20:.1f} MB — features kept {(total - no_cache) / 2**20:.1f}, "
          f"vote {(no_cache - no_vote) / 2**20:.1f}, model {(no_vote - rest) / 2**20:.1f}, "
          f"the rest {rest / 2**20:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", type=Path, default=REPO)
    ap.add_argument("--part", choices=("rss", "traced"))
    args = ap.parse_args()
    if args.part:
        measure(args.repo.resolve(), args.part == "traced")
        return
    for part in ("rss", "traced"):  # each in a fresh process
        subprocess.run([sys.executable, __file__, "--repo", str(args.repo), "--part", part], check=True)


if __name__ == "__main__":
    main()
