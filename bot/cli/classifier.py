"""Command line: ``lianhu classify`` and ``lianhu eval``.

``bot/cli.py`` calls :func:`add_commands`; until then run
``lianhu classify < messages.jsonl``.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from domain.classifier import CATEGORIES, Classification, Classifier, RuleFileError
from domain.classifier.measure import format_judge, measure
from domain.classifier.tokenizer import default_cache_dir

# Targets from the issue (checked by ``eval --check`` and the tests)
TARGETS = {
    "request_f1": 0.95,
    "false_alarm_rate_max": 0.03,
    "category_accuracy": 0.90,
    "urgent_recall": 0.95,
    "urgent_precision": 0.80,
}


#: a labelled message (text, category, urgent), as read from a .jsonl file or the database
Item = dict[str, Any]
#: what ``evaluate`` measures: the rates by name, plus "confusion" and "errors"
Metrics = dict[str, Any]


def _quiet_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)


def _make_classifier(args: argparse.Namespace) -> Classifier:
    _quiet_jieba()
    return Classifier(rules_path=getattr(args, "rules", None),
                      cache_dir=getattr(args, "data_dir", None) or default_cache_dir())


def _result_json(c: Classification) -> dict[str, object]:
    return {
        "category": c.category,
        "category_name": CATEGORIES[c.category],
        "urgent": c.urgent,
        "evidence": list(c.evidence),
        "score": c.score,
        "tier": c.tier,
        "alert": c.alert,
        "danger": c.danger,
        "subject": c.subject,
        "summary": c.summary,
        "p_request": None if c.p_request is None else round(c.p_request, 3),
    }


def classify_lines(clf: Classifier, lines: Iterable[str], plain: bool = False) -> Iterator[dict[str, object]]:
    """One output object per input line, in order; bad lines give {"error": ...}."""
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if n == 1:
            line = line.lstrip("\ufeff")
        if plain:
            text = line
        else:
            if not line.strip():
                yield {"line": n, "error": f"第{n}行为空 / line {n}: empty line, expected a JSON object"}
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield {"line": n, "error": f"第{n}行不是有效的JSON / line {n}: invalid JSON ({e.msg})"}
                continue
            if not isinstance(obj, dict):
                yield {"line": n, "error": f"第{n}行不是JSON对象 / line {n}: not a JSON object"}
                continue
            value = obj.get("text")
            if not isinstance(value, str):
                what = ("缺少 text 字段 / missing \"text\"" if value is None
                        else "text 不是字符串 / \"text\" is not a string")
                yield {"line": n, "error": f"第{n}行{what}"}
                continue
            text = value
        try:
            yield _result_json(clf.classify(text))
        except Exception as e:  # never let one message stop the stream
            yield {"line": n, "error": f"第{n}行分类失败 / line {n}: classification failed: {e!r}"}


def _stdin_text() -> TextIO:
    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")


def cmd_classify(args: argparse.Namespace) -> int:
    try:
        clf = _make_classifier(args)
    except RuleFileError as e:
        print(str(e), file=sys.stderr)
        return 2
    out = sys.stdout
    interactive = sys.stdin.isatty()
    for obj in classify_lines(clf, _stdin_text(), plain=args.plain):
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        if interactive:
            out.flush()
    out.flush()
    return 0


# --------------------------------------------------------------------------- eval


def _safe_div(a: float, b: float) -> float:
    return a / b if b else 0.0


def evaluate(clf: Classifier, items: list[Item]) -> Metrics:
    """Metrics of clf on labelled items (dicts with text, category, urgent): today's figures for
    the combined judge (a request = tier "sure"), and under "judge" the judge's figures for
    the rules alone, the model alone and combined (domain/classifier/measure.py)."""
    by_mode: dict[str, list[Classification]] = {"rules": [], "model": [], "combined": []}
    for it in items:
        for mode, res in clf.classify_modes(it["text"]).items():
            by_mode[mode].append(res)
    m = _request_metrics(items, by_mode["combined"])
    m["judge"] = {mode: measure([(it["category"], bool(it.get("urgent", False)), r)
                                 for it, r in zip(items, results)])
                  for mode, results in by_mode.items()}
    return m


def _request_metrics(items: list[Item], results: list[Classification]) -> Metrics:
    cats = list(CATEGORIES)
    confusion = {g: dict.fromkeys(cats, 0) for g in cats}
    tp = fp = fn = 0
    cat_ok = cat_n = 0
    u_tp = u_fp = u_fn = 0
    none_n = none_fa = 0
    errors = []
    for it, res in zip(items, results):
        gold_c, gold_u = it["category"], bool(it.get("urgent", False))
        confusion[gold_c][res.category] += 1
        gold_req, pred_req = gold_c != "none", res.tier == "sure"
        tp += gold_req and pred_req
        fp += (not gold_req) and pred_req
        fn += gold_req and not pred_req
        if gold_req:
            cat_n += 1
            cat_ok += res.category == gold_c
        else:
            none_n += 1
            none_fa += pred_req
        u_tp += gold_u and res.urgent
        u_fp += (not gold_u) and res.urgent
        u_fn += gold_u and not res.urgent
        if res.category != gold_c or res.urgent != gold_u or (gold_req != (res.tier == "sure")) \
                or (gold_u and not res.alert):
            errors.append((it, res))
    precision, recall = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn)
    f1s = []
    for c in cats:
        c_tp = confusion[c][c]
        c_fp = sum(confusion[g][c] for g in cats) - c_tp
        c_fn = sum(confusion[c].values()) - c_tp
        if c_tp + c_fp + c_fn:
            f1s.append(_safe_div(2 * c_tp, 2 * c_tp + c_fp + c_fn))
    return {
        "n": len(items),
        "request_precision": precision,
        "request_recall": recall,
        "request_f1": _safe_div(2 * precision * recall, precision + recall),
        "category_accuracy": _safe_div(cat_ok, cat_n),
        "macro_f1": sum(f1s) / len(f1s) if f1s else 0.0,
        "urgent_recall": _safe_div(u_tp, u_tp + u_fn),
        "urgent_precision": _safe_div(u_tp, u_tp + u_fp),
        "urgent_support": u_tp + u_fn,
        "false_alarm_rate": _safe_div(none_fa, none_n),
        "none_support": none_n,
        "false_alarms": none_fa,
        "confusion": confusion,
        "errors": errors,
    }


def targets_met(m: Metrics) -> list[str]:
    """Names of the targets that are NOT met (empty list: all met)."""
    failed = []
    if m["request_f1"] < TARGETS["request_f1"]:
        failed.append("request_f1")
    if m["false_alarm_rate"] > TARGETS["false_alarm_rate_max"]:
        failed.append("false_alarm_rate")
    if m["category_accuracy"] < TARGETS["category_accuracy"]:
        failed.append("category_accuracy")
    if m["urgent_recall"] < TARGETS["urgent_recall"]:
        failed.append("urgent_recall")
    if m["urgent_precision"] < TARGETS["urgent_precision"]:
        failed.append("urgent_precision")
    return failed


def format_report(m: Metrics, show_errors: bool = False) -> str:
    lines = [
        f"messages: {m['n']}  (none: {m['none_support']}, urgent: {m['urgent_support']})",
        f"request detection  precision {m['request_precision']:.3f}  recall {m['request_recall']:.3f}  "
        f"F1 {m['request_f1']:.3f}   (target F1 >= {TARGETS['request_f1']})",
        f"false alarms on none: {m['false_alarms']}/{m['none_support']} = {m['false_alarm_rate']:.1%}"
        f"   (target <= {TARGETS['false_alarm_rate_max']:.0%})",
        f"category accuracy on requests: {m['category_accuracy']:.3f}   (target >= {TARGETS['category_accuracy']})",
        f"macro F1 (11 categories): {m['macro_f1']:.3f}",
        f"urgent  recall {m['urgent_recall']:.3f}  precision {m['urgent_precision']:.3f}"
        f"   (targets >= {TARGETS['urgent_recall']}, >= {TARGETS['urgent_precision']})",
        "",
        "confusion matrix (rows: label, columns: predicted)",
    ]
    cats = list(CATEGORIES)
    short = {c: c[:6] for c in cats}
    lines.append(f"{'':>11}" + "".join(f"{short[c]:>7}" for c in cats))
    for g in cats:
        lines.append(f"{g:>11}" + "".join(f"{m['confusion'][g][c]:>7}" for c in cats))
    if "judge" in m:
        lines.append("")
        lines.append(format_judge(m["judge"]))
    failed = targets_met(m)
    lines.append("")
    lines.append("targets: all met" if not failed else f"targets NOT met: {', '.join(failed)}")
    if show_errors:
        lines.append("")
        lines.append(f"mistakes ({len(m['errors'])}):")
        for it, res in m["errors"]:
            gold = f"{it['category']}{'!' if it.get('urgent') else ''}"
            pred = f"{res.category}{'!' if res.urgent else ''}/{res.tier}{'/ALERT' if res.alert else ''}"
            lines.append(f"- label {gold:<12} got {pred:<24} score {res.score:<6g} {it['text']}")
            lines.append(f"    fired: {', '.join(res.evidence) or '(nothing)'}")
    return "\n".join(lines)


def load_labelled(path: str | Path) -> list[Item]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj.get("text"), str) or obj.get("category") not in CATEGORIES:
                    raise ValueError("needs text and a known category")
            except (ValueError, AttributeError) as e:
                raise ValueError(f"{path}:{n}: bad labelled line: {e}") from None
            items.append(obj)
    return items


def load_examples(args: argparse.Namespace, clf: Classifier | None = None) -> list[Item]:
    """The community's own corrections (LabelledExample rows) from the configured database;
    with ``clf``, also apply the keywords staff changed from chat, as the running bot does."""
    from sqlalchemy import select

    from kernel.config import Settings
    from storage import db
    from storage.models import LabelledExample

    overrides: dict[str, Any] = {
        "database_url": getattr(args, "eval_database_url", None) or getattr(args, "database_url", None)}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    settings = Settings.load(getattr(args, "config", None), **overrides)
    engine = db.make_engine(settings.db_url)
    try:
        db.upgrade(engine)
        with db.session_factory(engine)() as session:
            if clf is not None:
                from domain.classifier.corrections import apply_stored_rules

                apply_stored_rules(session, clf)
            rows = session.scalars(select(LabelledExample).order_by(LabelledExample.id))
            return [{"text": r.text, "category": r.category, "urgent": bool(r.urgent)} for r in rows]
    finally:
        engine.dispose()


def cmd_eval(args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.db):
        print("请给出一个评测文件,或用 --db 评测数据库里的纠正样本 "
              "(give FILE.jsonl or --db, not both)", file=sys.stderr)
        return 2
    try:
        clf = _make_classifier(args)
    except RuleFileError as e:
        print(str(e), file=sys.stderr)
        return 2
    if args.db:
        try:
            items = load_examples(args, clf)
        except Exception as e:  # bad URL, server down: one clear line, no traceback
            print(f"无法读取数据库里的样本 cannot read examples from the database: {e}", file=sys.stderr)
            return 2
        if not items:
            print("数据库里还没有纠正样本 (no labelled examples yet: they come from 改类 / 非诉求 in chat)")
            return 0
    else:
        try:
            items = load_labelled(args.file)
        except (OSError, ValueError) as e:
            print(f"无法读取评测文件 cannot read evaluation file: {e}", file=sys.stderr)
            return 2
    m = evaluate(clf, items)
    print(format_report(m, show_errors=args.errors))
    if args.check and targets_met(m):
        return 1
    return 0


def cmd_learn(args: argparse.Namespace) -> int:
    """Retrain the learned model (model.json, by grouped cross-validation) and the category
    lexicon (lexicon.json) from the labelled sets and/or the community's corrections."""
    from domain.classifier import training
    from domain.classifier.lexicon import DEFAULT_LEXICON, Lexicon

    if getattr(args, "holdout", None) is not None:  # measure only: leave one batch out
        from domain.classifier import holdout

        return holdout.main(list(args.holdout))
    files = [Path(f) for f in args.files] or training.default_files()
    sealed = [f for f in files if "fresh" in f.parts and not training.first_look_recorded(f)]
    if sealed:
        print(f"{sealed[0]}: 首次评测尚未记录,不能用来训练 (sealed until its first look is recorded "
              f"in domain/classifier/README.md)", file=sys.stderr)
        return 2
    try:
        clf = _make_classifier(args)
        items = [item for f in files for item in load_labelled(f)]
        if args.db:
            items += load_examples(args)
    except (OSError, ValueError, RuleFileError) as e:
        print(f"无法读取 cannot read: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # bad database URL, server down
        print(f"无法读取数据库里的样本 cannot read examples from the database: {e}", file=sys.stderr)
        return 2
    if not items:
        print("没有标注消息 (no labelled messages)", file=sys.stderr)
        return 2
    lexicon = Lexicon.learn((clf.tokenize(i["text"]), i["category"]) for i in items)
    out = Path(args.out) if args.out else DEFAULT_LEXICON
    lexicon.save(out)
    print(f"已从 {len(items)} 条标注消息生成词典 learned from {len(items)} messages "
          f"({sum(lexicon.docs.values())} requests, {len(lexicon.counts)} features): {out}")
    if args.no_model:
        return 0
    argv = [str(f) for f in files]
    if args.db:
        argv.append("--db")
        if args.eval_database_url:
            argv += ["--database-url", args.eval_database_url]
    if args.model_out:
        argv += ["--out", args.model_out]
    if args.no_cv:
        argv.append("--no-cv")
    for flag, value in (("--rules", args.rules), ("--data-dir", args.data_dir)):
        if value:
            argv += [flag, value]
    return training.main(argv)


# --------------------------------------------------------------------------- wiring


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``classify``, ``eval`` and ``learn`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "classify", help="classify messages: JSON Lines with a text field on stdin, one JSON object per line out")
    p.add_argument("--plain", action="store_true", help="stdin lines are plain text, not JSON")
    p.add_argument("--rules", metavar="PATH", help="rules file (default: domain/classifier/rules.toml)")
    p.add_argument("--data-dir", metavar="DIR", help="folder for jieba's cache (default: $LIANHU_DATA_DIR or ./data)")
    p.set_defaults(func=cmd_classify)

    p = subparsers.add_parser("eval", help="measure the classifier on a labelled JSON Lines file")
    p.add_argument("file", metavar="FILE.jsonl", nargs="?", help="lines with text, category, urgent")
    p.add_argument("--db", "--examples", dest="db", action="store_true",
                   help="measure on the corrections stored in the database (改类 / 非诉求 in chat), "
                        "with the keywords staff changed from chat")
    p.add_argument("--database-url", dest="eval_database_url", metavar="URL",
                   help="with --db: SQLAlchemy URL (default: the bot's settings)")
    p.add_argument("--errors", action="store_true", help="list each mistake with the rules that fired")
    p.add_argument("--rules", metavar="PATH", help="rules file (default: domain/classifier/rules.toml)")
    p.add_argument("--data-dir", metavar="DIR", help="folder for jieba's cache (default: $LIANHU_DATA_DIR or ./data)")
    p.add_argument("--check", action="store_true", help="exit with status 1 when a target is not met")
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("learn", help="retrain the learned model (model.json) and the category lexicon "
                                          "(lexicon.json) from labelled messages (default: dev + holdouts "
                                          "+ fresh batches already measured)")
    p.add_argument("files", metavar="FILE.jsonl", nargs="*",
                   help="lines with text and category (default: the training module's labelled sets)")
    p.add_argument("--db", action="store_true", help="also the corrections stored in the database")
    p.add_argument("--database-url", dest="eval_database_url", metavar="URL",
                   help="with --db: SQLAlchemy URL (default: the bot's settings)")
    p.add_argument("--out", metavar="PATH", help="where to write the lexicon (default: domain/classifier/lexicon.json)")
    p.add_argument("--model-out", metavar="PATH", help="where to write the model (default: domain/classifier/model.json)")
    p.add_argument("--no-model", action="store_true", help="only the lexicon, not the learned model")
    p.add_argument("--no-cv", action="store_true",
                   help="skip the grouped cross-validation (minutes); the model's own tiers from inner folds")
    p.add_argument("--rules", metavar="PATH", help="rules file (its synonyms shape the tokens)")
    p.add_argument("--data-dir", metavar="DIR", help="folder for jieba's cache (default: $LIANHU_DATA_DIR or ./data)")
    p.add_argument("--holdout", metavar="NAME", nargs="*",
                   help="write nothing: leave each fresh batch (or the NAMEs given) out, rebuild the model and the "
                        "lexicon without it and report category accuracy and the judge's figures on it")
    p.set_defaults(func=cmd_learn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lianhu", description="联户 message classifier")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
