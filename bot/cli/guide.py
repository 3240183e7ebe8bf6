"""Command line: ``lianhu guide eval FILE.jsonl`` — how well the 办事指南 answers.

Each line: ``{"text": "…", "entry": "residence-permit" | null, "kind": "question" | "chatter" | "request"}``
(``entry`` is an entry's id in the guide's file). The guide is the demo's
(``storage/demo_guide.toml``) unless ``--guide`` names a TOML file or a folder of them. The
decision is the bot's own (``domain.guide.answer_to``: a question inside an emergency or a danger
counts as answered, as the bot answers it privately beside the alert).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import domain.workbook.guide_sheet  # noqa: F401 - registers the 办事指南 sheet with `lianhu export`
from domain import guide
from domain.classifier import Classifier
from domain.classifier.tokenizer import default_cache_dir
from domain.guide_gate import DEFAULT_GATE, Gate
from domain.guide_linear import DEFAULT_LINEAR, Linear
from storage.guide_files import DEMO_GUIDE, GuideFileError, read_guide_file
from storage.models import GuideEntry

TARGETS = {"right": 0.90, "wrong_max": 0.03, "unanswerable_answered_max": 0, "chatter_answered_max": 0}


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    g = sub.add_parser("guide", help="the 办事指南: measure its answers on labelled questions")
    gsub = g.add_subparsers(dest="guide_command", required=True, metavar="ACTION")
    ev = gsub.add_parser("eval", help="answered right / wrongly / when it should not, from .jsonl files")
    ev.add_argument("files", type=Path, nargs="+", metavar="FILE")
    ev.add_argument("--guide", type=Path, help="a guide TOML file or folder (default: the demo guide)")
    ev.add_argument("--errors", action="store_true", help="also list every wrong or unwanted answer")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--rules", action="store_true", help="decide by the hand rules only, not the learned gate")
    ev.add_argument("--city", action="append", default=[], metavar="NAME",
                    help="the community's own city, as the home_city setting (repeat for each name: 上海, 沪)")
    ev.add_argument("--holdout", action="store_true",
                    help="each FILE in turn measured with the vote and the linear model of the other files only "
                         "(needs scikit-learn)")
    ev.set_defaults(func=cmd_eval)
    tr = gsub.add_parser("train", help="train the learned gate on labelled .jsonl files (needs scikit-learn)")
    tr.add_argument("files", type=Path, nargs="+", metavar="FILE")
    tr.add_argument("--guide", type=Path, help="a guide TOML file or folder (default: the demo guide)")
    tr.add_argument("--out", type=Path, help="where to write the gate (default: domain/guide_gate.json)")
    tr.set_defaults(func=cmd_train)
    ft = gsub.add_parser("fit", help="train the linear model on labelled .jsonl files (needs scikit-learn)")
    ft.add_argument("files", type=Path, nargs="+", metavar="FILE")
    ft.add_argument("--guide", type=Path, help="a guide TOML file or folder (default: the demo guide)")
    ft.add_argument("--out", type=Path, help="where to write the model (default: storage/guide_linear.bin, the form the bot "
                                                     "reads; a name ending in .json: the readable JSON form)")
    ft.add_argument("--none-weight", type=float, default=None, help="how much a line no entry answers counts")
    ft.add_argument("--prune", type=float, default=None, help="weights smaller than this are left out")
    ft.set_defaults(func=cmd_fit)
    im = gsub.add_parser("import", help="read the 办事指南 sheet of a workbook, or guide TOML files, into the guide")
    im.add_argument("file", type=Path, help="FILE.xlsx (its 办事指南 sheet), FILE.toml or a folder of .toml")
    im.set_defaults(func=cmd_import)


def load_entries(path: Path | None) -> list[GuideEntry]:
    files = sorted(path.glob("*.toml")) if path is not None and path.is_dir() else [path or DEMO_GUIDE]
    fields = [f for file in files for f in read_guide_file(file)]
    return [GuideEntry(id=i, **f) for i, f in enumerate(fields, 1)]


def examples_of(items: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """Labelled lines as the neighbour vote's examples: (entry key, text), None for a line no
    entry answers (chatter and requests too)."""
    return [(it.get("entry") if it.get("kind", "question") == "question" and it.get("entry") else None, it["text"])
            for it in items]


def evaluate(entries: list[GuideEntry], classifier: Classifier, items: list[dict[str, Any]],
             gate: Gate | None | str = "default", rules: guide.Thresholds = guide.RULES,
             examples: list[tuple[str | None, str]] | None = None, vote: bool = True,
             linear: Linear | None | str = "default", home: list[str] | None = None) -> dict[str, Any]:
    """The figures, and the lines answered wrongly or when they should not have been (decided by
    ``gate``: the shipped one by default, None for the hand rules with ``rules``; the neighbour
    vote over ``examples``, the shipped labelled questions by default; none without ``vote``;
    the ``linear`` model: the shipped one by default, None for none; ``home``: the community's own
    city, as ``Settings.home_city``)."""
    tokenize = classifier.tokenize
    index = guide.Index.build(tokenize, entries, examples)
    if not vote:
        index.near = None
    if not isinstance(linear, str):
        index.linear = linear
    if not isinstance(gate, str):
        index.gate = gate
    index.rules = rules
    key_of = {e.id: e.key for e in entries}
    counts = {"answerable": 0, "right": 0, "wrong": 0, "unanswerable": 0, "unanswerable_answered": 0,
              "chatter": 0, "chatter_answered": 0, "request": 0, "request_answered": 0, "aside": 0}
    errors: list[str] = []
    for item in items:
        c = classifier.classify(item["text"])
        answer = guide.answer_to(index, tokenize, item["text"], urgent=c.urgent or c.alert, home=home or ())
        got = key_of[answer.match.entry_id] if answer is not None else None
        counts["aside"] += answer is not None and answer.aside
        kind = item.get("kind", "question")
        if kind == "question" and item.get("entry"):
            counts["answerable"] += 1
            if got == item["entry"]:
                counts["right"] += 1
            elif got is not None:
                counts["wrong"] += 1
                errors.append(f"错答 {item['text']} → {got}(应为 {item['entry']})")
            else:
                errors.append(f"未答 {item['text']}(应为 {item['entry']})")
        else:
            bucket = "unanswerable" if kind == "question" else kind if kind in ("chatter", "request") else "chatter"
            counts[bucket] += 1
            if got is not None:
                counts[f"{bucket}_answered"] += 1
                errors.append(f"不该答({bucket}) {item['text']} → {got}")
    n = max(counts["answerable"], 1)
    return {**counts, "right_share": counts["right"] / n, "wrong_share": counts["wrong"] / n,
            "errors": errors}


def _read(path: Path) -> list[dict[str, Any]]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name} 第{n}行不是 JSON:{exc}") from exc
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError(f"{path.name} 第{n}行缺少 text")
            items.append(item)
    return items


def _load(args: argparse.Namespace) -> tuple[list[list[dict[str, Any]]], list[GuideEntry], Classifier] | None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    try:
        sets = [_read(f) for f in args.files]
        entries = load_entries(args.guide)
    except (OSError, ValueError, GuideFileError) as exc:
        print(f"无法读取:{exc}", file=sys.stderr)
        return None
    return sets, entries, Classifier(cache_dir=getattr(args, "data_dir", None) or default_cache_dir())


def _print(m: dict[str, Any], args: argparse.Namespace, head: str) -> None:
    if args.json:
        print(json.dumps({k: v for k, v in m.items() if k != "errors"}, ensure_ascii=False))
    else:
        print(head)
        print(f"answered from the right entry  {m['right']}/{m['answerable']} = {m['right_share']:.3f}"
              f"  (target ≥ {TARGETS['right']:.2f})")
        print(f"answered wrongly               {m['wrong']}/{m['answerable']} = {m['wrong_share']:.3f}"
              f"  (target ≤ {TARGETS['wrong_max']:.2f})")
        print(f"unanswerable answered          {m['unanswerable_answered']}/{m['unanswerable']}  (target 0)")
        print(f"chatter answered               {m['chatter_answered']}/{m['chatter']}  (target 0)")
        print(f"requests answered              {m['request_answered']}/{m['request']}")
        print(f"of all answers, sent privately beside an alert or urgent ticket: {m['aside']}")
    if args.errors:
        print("\n".join(m["errors"]))


def cmd_eval(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 1
    sets, entries, classifier = loaded
    if args.holdout:
        if len(sets) < 2:
            print("--holdout 需要至少两个标注文件(每个轮流留出,用其余的调参/训练)。", file=sys.stderr)
            return 1
        holdout(args, sets, entries, classifier)
        return 0
    for path, items in zip(args.files, sets):
        _print(evaluate(entries, classifier, items, None if args.rules else "default", home=args.city), args,
               f"{path.name}:指南 {len(entries)} 条,标注 {len(items)} 行" + (",只用规则" if args.rules else ""))
    return 0


def _samples(entries: list[GuideEntry], classifier: Classifier, items: list[dict[str, Any]]) -> list[Any]:
    from domain.guide_training import samples

    tokenize = classifier.tokenize
    index = guide.Index.build(tokenize, entries, [])  # the thresholds and the gate read BM25 alone

    def urgent(text: str) -> bool:
        c = classifier.classify(text)
        return c.urgent or c.alert

    return samples(index, tokenize, {e.id: e.key for e in entries}, items, urgent)


def train_gate(entries: list[GuideEntry], classifier: Classifier, items: list[dict[str, Any]],
               names: list[str]) -> Gate:
    from domain.guide_training import fit

    data = _samples(entries, classifier, items)
    return fit(data, {"trained_on": names, "lines": len(items), "samples": len(data)})


def fit_model(entries: list[GuideEntry], classifier: Classifier, examples: list[tuple[str | None, str]],
              names: list[str], **options: float) -> Linear:
    """The linear model (domain/guide_linear.py) trained on the entries' asks and ``examples``."""
    from domain.guide_training import fit_linear, linear_docs

    index = guide.Index.build(classifier.tokenize, entries, [])
    docs = linear_docs(index, classifier.tokenize, entries, examples)
    return fit_linear(docs, {"trained_on": names, "lines": len(examples), "documents": len(docs)}, **options)


def holdout(args: argparse.Namespace, sets: list[list[dict[str, Any]]], entries: list[GuideEntry],
            classifier: Classifier) -> None:
    """Each file in turn measured three ways: the thresholds as shipped (chosen with every file
    seen), thresholds tuned on the other files only, and a learned gate trained on them."""
    from domain.guide_training import tune_rules

    rows = []
    for i, (path, items) in enumerate(zip(args.files, sets)):
        others = [it for j, s in enumerate(sets) if j != i for it in s]
        answerable = sum(1 for it in others if it.get("kind", "question") == "question" and it.get("entry"))
        tuned = tune_rules(_samples(entries, classifier, others), answerable)
        seen = examples_of(others)  # the neighbour vote and the linear model know the other files' lines only
        model = fit_model(entries, classifier, seen, [f.name for j, f in enumerate(args.files) if j != i])
        ways = [("BM25 alone (no vote, no model)", evaluate(entries, classifier, items, None, vote=False,
                                                           linear=None)),
                ("BM25 + the others' vote (no model)", evaluate(entries, classifier, items, None, examples=seen,
                                                               linear=None)),
                ("as shipped: + model of the others", evaluate(entries, classifier, items, None, examples=seen,
                                                               linear=model)),
                ("thresholds tuned on the others", evaluate(entries, classifier, items, None, tuned, seen,
                                                            linear=model))]
        try:
            gate = train_gate(entries, classifier, others, [f.name for j, f in enumerate(args.files) if j != i])
            ways.append(("learned gate trained on the others", evaluate(entries, classifier, items, gate,
                                                                        examples=seen, linear=model)))
        except ValueError as exc:
            print(f"留出 {path.name}:没有训练学习的门槛({exc})", file=sys.stderr)
        for how, m in ways:
            rows.append({"held_out": path.name, "how": how, **{k: v for k, v in m.items() if k != "errors"}})
            if args.errors:
                print("\n".join(f"[{path.name} · {how}] {e}" for e in m["errors"]))
        if not args.json:
            print(f"留出 {path.name}:用其余 {len(others)} 行调出的门槛 {tuned}")
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    print(f"{'held out':<18} {'decided by':<36} {'right':>7} {'wrong':>6} {'unans.':>7} {'chatter':>8} {'requests':>9}")
    for r in rows:
        print(f"{r['held_out']:<18} {r['how']:<36} {r['right_share']:>7.3f} {r['wrong_share']:>6.3f} "
              f"{r['unanswerable_answered']:>3}/{r['unanswerable']:<3} {r['chatter_answered']:>4}/{r['chatter']:<3} "
              f"{r['request_answered']:>4}/{r['request']:<3}")


def cmd_train(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 1
    sets, entries, classifier = loaded
    try:
        gate = train_gate(entries, classifier, [it for s in sets for it in s], [f.name for f in args.files])
    except ValueError as exc:
        print(f"无法训练:{exc}", file=sys.stderr)
        return 1
    out = args.out or DEFAULT_GATE
    out.write_text(gate.to_json(), encoding="utf-8")
    print(f"已写入 {out}:门槛 {gate.threshold:.3f},样本 {gate.about['samples']} 个")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if loaded is None:
        return 1
    sets, entries, classifier = loaded
    options = {k: v for k, v in (("none_weight", args.none_weight), ("prune", args.prune)) if v is not None}
    model = fit_model(entries, classifier, examples_of([it for s in sets for it in s]), [f.name for f in args.files],
                      **options)
    out = args.out or DEFAULT_LINEAR
    model.save(out)
    print(f"已写入 {out}:特征 {len(model.keys)} 个,权重 {len(model.weights)} 个")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.cli.common import migrated_session
    from domain.workbook.guide_sheet import import_guide
    from kernel.clock import Clock
    from storage.guide_files import load_guide_folder, read_guide_file, save_entries

    path: Path = args.file
    with migrated_session(args) as (settings, session):
        now = Clock(settings.timezone).now()
        try:
            if path.is_dir():
                added, updated, problems = load_guide_folder(session, path, now)
                if problems:
                    raise GuideFileError("\n".join(problems))
                summary: str | None = f"办事指南:新增 {added} 条,更新 {updated} 条。"
            elif path.suffix.lower() == ".toml":
                added, updated = save_entries(session, None, read_guide_file(path), f"file:{path.name}", now)
                summary = f"办事指南:新增 {added} 条,更新 {updated} 条。"
            else:
                summary = import_guide(session, path, now)
        except (OSError, GuideFileError) as exc:
            session.rollback()
            print(f"无法导入:{exc}", file=sys.stderr)
            return 1
        if summary is None:
            print(f"{path.name} 里没有“办事指南”工作表。", file=sys.stderr)
            return 1
        session.commit()
    print(summary)
    return 0
