"""The guide's CPU a flood message: ``sure_match`` over bench_ingest's 3,000-message workload (every
message, and the ranked ones: those that read as a question or a terse topic), process time, medians
of ``--repeats``; and ``handler``: every message as handlers/guide.py's ``guide_match`` spends it (the
question test, then ``sure_match`` — main's tree reads the question again there, a tree with
``guide.asks`` passes it on). Run from a checkout: python bench/guide_cpu.py [ROOT] — ROOT another checkout (an
export of main) to time that one instead, in its own process; alternate the two in one sitting."""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=".")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--messages", type=int, default=3000)
    args = ap.parse_args()
    root = str(Path(args.root).resolve())
    sys.path[:0] = [root, root + "/bench"]
    import jieba
    jieba.setLogLevel(logging.WARNING)
    from bench_ingest import workload
    from bot.cli.guide import default_cache_dir, load_entries
    from domain import guide
    from domain.classifier import Classifier

    clf = Classifier(cache_dir=default_cache_dir())
    tok = clf.tokenize
    index = guide.Index.build(tok, load_entries(None))
    flood = [t for _, _, t in workload(args.messages, 1)]
    ranked = [t for t in flood if t.strip() and (guide.is_question(t) or guide.is_terse(t))]
    for t in flood:  # warm: the tokenizer's and the guide's kept look-ups, as a running bot has them
        guide.sure_match(index, tok, t)
    asks = getattr(guide, "asks", None)

    def handled(t: str) -> object:
        if asks is not None:
            return guide.sure_match(index, tok, t, asked=True) if any(asks(t)) else None
        return guide.sure_match(index, tok, t) if guide.is_question(t) or guide.is_terse(t) else None

    for name, texts in (("flood", flood), ("ranked", ranked), ("handler", flood)):
        times = []
        for _ in range(args.repeats):
            t0 = time.process_time()
            for t in texts:
                handled(t) if name == "handler" else guide.sure_match(index, tok, t)
            times.append((time.process_time() - t0) * 1000 / len(texts))
        print(f"{root} sure_match CPU ms a {name} message ({len(texts)}): median {statistics.median(times):.4f}",
              [round(x, 4) for x in times])


if __name__ == "__main__":
    main()
