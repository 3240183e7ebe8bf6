"""Train, measure and export the small learned model (``model.json``, scored by ``model.py``).

scikit-learn is needed here only (``pip install -e '.[learn]'``); the running bot loads the
exported JSON in plain Python. Rebuild the shipped model with one command::

    python -m domain.classifier.training                   # the labelled sets (below) -> model.json
    python -m domain.classifier.training --db              # ... plus the community's corrections
    python -m domain.classifier.training --cv-only         # measure only (grouped by file)

or, once wired, ``lianhu learn --model ...`` calling ``main(argv)``. Options:
``FILE.jsonl ...`` (default: ``$LIANHU_EVAL_DIR/dev.jsonl`` or /work/shared/eval/dev.jsonl,
and tests/data/holdout*.jsonl, and tests/data/fresh/bN.jsonl only once its first look is
recorded in README.md, and the hand-written category-only lines of tests/data/categories/, which
teach the category model only),
``--db [--database-url URL]``, ``--out PATH``, ``--rules PATH``, ``--data-dir DIR``,
``--no-cv`` (keep the previous tiers instead of measuring them again).

How: each message becomes its features (``model.features``: jieba tokens and character
1-3-grams, scaled by 1/sqrt(n)); three logistic regressions are fitted: request vs chatter
(all messages; features scaled by their naive-Bayes log-count ratio, "NBSVM", which kept
fewer chatter lines above the 98%-recall threshold in grouped cross-validation, 6% against
10%), urgent vs not (all messages), and the category (requests only, multinomial). Their probabilities are calibrated on out-of-fold scores (5 stratified
folds, fixed seed): Platt scaling for request and urgent, a temperature for categories.
Tiny weights are pruned and the rest rounded before export, and the calibration is fitted
on the pruned scores, so the exported file is exactly what was calibrated.

The tier thresholds (sure request / unsure / chatter) come from cross-validation grouped
by file (train on all files but one, score the held-out file): ``sure`` is the lowest
probability at which at most 2% of chatter scores that high, ``unsure`` the highest at
which at least 98% of requests do; the urgent threshold keeps 90% of urgent requests.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .model import DEFAULT_MODEL, FORMAT, Model, features

SEED = 20261127
C_REQUEST = 16.0
NB_ALPHA = 0.25      # smoothing of the naive-Bayes ratios that scale the request features (NBSVM)
C_URGENT = 32.0
C_CATEGORY = 32.0
MIN_DF = 2            # a feature seen in one message only teaches nothing general
PRUNE = 0.05          # |weight| below this is dropped (a feature contributes weight/sqrt(n))
DIGITS = 3            # weights rounded to this many decimals
INNER_FOLDS = 5       # folds for calibration

# the targets the thresholds are chosen for
CHATTER_ABOVE_SURE = 0.02
REQUEST_RECALL_UNSURE = 0.98
URGENT_RECALL = 0.90

REQUEST_CATEGORIES = ("utilities", "repair", "sanitation", "dispute", "safety", "traffic",
                      "care", "policy", "suggestion", "other")

_ROOT = Path(__file__).resolve().parents[2]


def default_files() -> list[Path]:
    """The labelled sets the shipped model is trained on: dev, the holdouts, and the fresh
    batches whose first look is recorded (never one still sealed)."""
    eval_dir = Path(os.environ.get("LIANHU_EVAL_DIR", "/work/shared/eval"))
    files = [eval_dir / "dev.jsonl"] if (eval_dir / "dev.jsonl").exists() else []
    files += sorted(Path(p) for p in glob.glob(str(_ROOT / "tests" / "data" / "holdout*.jsonl")))
    # a fresh batch joins only once its first look is recorded (README.md, first-look table)
    files += [p for p in sorted(Path(p) for p in glob.glob(str(_ROOT / "tests" / "data" / "fresh" / "b*.jsonl")))
              if first_look_recorded(p)]
    return files + sorted(CATEGORY_ONLY.glob("*.jsonl"))


#: hand-written requests of the kinds whose category is confused (tests/data/categories/README.md):
#: they teach the category model only, not request-or-chatter nor urgent, and are never held out
CATEGORY_ONLY = _ROOT / "tests" / "data" / "categories"


FIRST_LOOKS = Path(__file__).resolve().parent / "README.md"


def first_look_recorded(path: str | Path, readme: Path = FIRST_LOOKS) -> bool:
    """A fresh batch may be trained on once its first look is written down: a row of the
    first-look table in README.md that starts with ``| <file name> |``."""
    name = Path(path).name
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError:
        return False
    return any(line.startswith(f"| {name} |") for line in text.splitlines())


def load_jsonl(path: str | Path) -> list[dict]:
    """Labelled lines {"text", "category", "urgent"}; each example gets ``source`` = the file name."""
    out = []
    name = Path(path).name
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if not isinstance(obj.get("text"), str) or obj.get("category") not in REQUEST_CATEGORIES + ("none",):
                raise ValueError(f"{path}:{n}: needs text and a known category")
            e = {"text": obj["text"], "category": obj["category"], "urgent": bool(obj.get("urgent")), "source": name}
            if Path(path).resolve().parent == CATEGORY_ONLY:
                e["category_only"] = True
            out.append(e)
    return out


def load_corrections(database_url: str | None = None, data_dir: str | None = None) -> list[dict]:
    """The community's own corrections (``labelled_example`` rows), source ``db``."""
    from sqlalchemy import select

    from kernel.config import Settings
    from storage import db
    from storage.models import LabelledExample

    overrides: dict[str, Any] = {"database_url": database_url}
    if data_dir:
        overrides["data_dir"] = Path(data_dir)
    settings = Settings.load(None, **overrides)
    engine = db.make_engine(settings.db_url)
    try:
        db.upgrade(engine)
        with db.session_factory(engine)() as session:
            rows = session.scalars(select(LabelledExample).order_by(LabelledExample.id))
            return [{"text": r.text, "category": r.category, "urgent": bool(r.urgent), "source": "db"}
                    for r in rows if r.category in REQUEST_CATEGORIES + ("none",)]
    finally:
        engine.dispose()


def _tokenizer(rules: str | None = None, data_dir: str | None = None) -> Callable[[str], list[str]]:
    from . import Classifier

    return Classifier(rules_path=rules, cache_dir=data_dir).tokenize


def featurize(examples: Sequence[dict], tokenize: Callable[[str], list[str]] | None = None) -> list[list[str]]:
    """Features of each example (``tokens`` if an example has them, else ``tokenize(text)``)."""
    need = any("tokens" not in e for e in examples)
    tok = tokenize if tokenize is not None or not need else _tokenizer()
    return [features(e["tokens"] if "tokens" in e else tok(e["text"])) for e in examples]  # type: ignore[misc]


# --------------------------------------------------------------------------- fitting


def _matrix(feats: Sequence[list[str]], vocab: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i, fs in enumerate(feats):
        v = 1.0 / math.sqrt(len(fs)) if fs else 0.0
        for f in fs:
            j = vocab.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(v)
    return csr_matrix((vals, (rows, cols)), shape=(len(feats), len(vocab)), dtype="float64")


def _vocab(feats: Sequence[list[str]]) -> dict[str, int]:
    from collections import Counter

    df: Counter[str] = Counter()
    for fs in feats:
        df.update(fs)
    kept = sorted(f for f, n in df.items() if n >= MIN_DF)
    return {f: i for i, f in enumerate(kept)}


def _prune(coef: Any, intercept: Any) -> tuple[Any, Any]:
    import numpy as np

    c = np.where(np.abs(coef) < PRUNE, 0.0, np.round(coef, DIGITS))
    return c, np.round(intercept, DIGITS + 1)


def _fit_linear(X: Any, y: Any, C: float) -> tuple[Any, Any]:
    """Pruned, rounded (coef [k x d], intercept [k]) of a logistic regression."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=1000, tol=1e-5, solver="lbfgs")
    clf.fit(X, y)
    return _prune(clf.coef_, clf.intercept_)


def _fit_nb_linear(X: Any, y: Any, C: float) -> tuple[Any, Any]:
    """A logistic regression over features scaled by their naive-Bayes log-count ratio
    (Wang & Manning's NBSVM, logistic variant); returned as weights on the unscaled
    features (ratio x weight), pruned and rounded, so it exports like any linear model."""
    import numpy as np
    from scipy.sparse import diags
    from sklearn.linear_model import LogisticRegression

    B = (X > 0).astype("float64")
    p = NB_ALPHA + np.asarray(B[y == 1].sum(axis=0)).ravel()
    q = NB_ALPHA + np.asarray(B[y == 0].sum(axis=0)).ravel()
    r = np.log((p / p.sum()) / (q / q.sum()))
    clf = LogisticRegression(C=C, max_iter=1000, tol=1e-5, solver="lbfgs")
    clf.fit(X @ diags(r), y)
    return _prune(clf.coef_ * r, clf.intercept_)


def _inner_folds(y: Any, k: int) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import StratifiedKFold

    counts = {v: int((y == v).sum()) for v in set(y.tolist())}
    k = max(2, min(k, min(counts.values()))) if counts else 2
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED).split(y, y))


def _oof_binary(X: Any, y: Any, C: float, fit: Callable[[Any, Any, float], tuple[Any, Any]]) -> Any:
    import numpy as np

    z = np.zeros(len(y))
    for tr, te in _inner_folds(y, INNER_FOLDS):
        coef, b = fit(X[tr], y[tr], C)
        z[te] = X[te] @ coef[0] + b[0]
    return z


def _platt(z: Any, y: Any) -> tuple[float, float]:
    """a, b with P(y=1) = sigmoid(a*z + b), fitted on out-of-fold scores (Platt's smoothed targets)."""
    import numpy as np
    from scipy.optimize import minimize

    n1 = float(y.sum())
    n0 = float(len(y) - n1)
    t = np.where(y == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))

    def nll(p: Any) -> tuple[float, Any]:
        s = p[0] * z + p[1]
        q = 1 / (1 + np.exp(-s))
        q = np.clip(q, 1e-12, 1 - 1e-12)
        loss = -np.sum(t * np.log(q) + (1 - t) * np.log(1 - q))
        g = q - t
        return float(loss), np.array([np.sum(g * z), np.sum(g)])

    res = minimize(nll, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return round(float(res.x[0]), 5), round(float(res.x[1]), 5)


def _temperature(logits: Any, y: Any) -> float:
    import numpy as np

    best_t, best = 1.0, math.inf
    for t in np.arange(0.3, 3.01, 0.05):
        s = logits / t
        s = s - s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        loss = -float(logp[np.arange(len(y)), y].sum())
        if loss < best - 1e-9:
            best_t, best = float(t), loss
    return round(best_t, 2)


def train(examples: list[dict], tiers: dict[str, float] | None = None,
          tokenize: Callable[[str], list[str]] | None = None,
          feats: Sequence[list[str]] | None = None) -> dict:
    """The JSON-able model from labelled examples {"text", "category", "urgent"}.

    ``tiers`` ({"sure", "unsure", "urgent"}) are stored as given (``main`` chooses them by
    grouped cross-validation); without them they are chosen on the inner out-of-fold
    probabilities the same way. Deterministic: the same examples give the same dict."""
    from threadpoolctl import threadpool_limits

    # one BLAS thread: many threads on a small problem are slower (and sum in varying order)
    with threadpool_limits(limits=1):
        return _train(examples, tiers, tokenize, feats)


def _train(examples: list[dict], tiers: dict[str, float] | None,
           tokenize: Callable[[str], list[str]] | None, feats: Sequence[list[str]] | None) -> dict:
    import numpy as np

    if feats is None:
        feats = featurize(examples, tokenize)
    vocab = _vocab(feats)
    X_all = _matrix(feats, vocab)
    # the category model learns from every request; request and urgent not from the category-only sets
    req_idx = np.flatnonzero([e["category"] != "none" for e in examples])
    whole = np.flatnonzero([not e.get("category_only") for e in examples])
    X = X_all[whole]
    is_req = np.array([examples[i]["category"] != "none" for i in whole], dtype=int)
    is_urg = np.array([bool(examples[i].get("urgent")) and examples[i]["category"] != "none" for i in whole], dtype=int)
    cats = [c for c in REQUEST_CATEGORIES if any(examples[i]["category"] == c for i in req_idx)]
    y_cat = np.array([cats.index(examples[i]["category"]) for i in req_idx], dtype=int)

    w_req, b_req = _fit_nb_linear(X, is_req, C_REQUEST)
    w_urg, b_urg = _fit_linear(X, is_urg, C_URGENT)
    Xr = X_all[req_idx]
    w_cat, b_cat = _fit_linear(Xr, y_cat, C_CATEGORY)

    # calibration on out-of-fold scores of pruned models
    z_req = _oof_binary(X, is_req, C_REQUEST, _fit_nb_linear)
    z_urg = _oof_binary(X, is_urg, C_URGENT, _fit_linear)
    cal_req = _platt(z_req, is_req)
    cal_urg = _platt(z_urg, is_urg)
    logits = np.zeros((len(req_idx), len(cats)))
    for tr, te in _inner_folds(y_cat, INNER_FOLDS):
        coef, b = _fit_linear(Xr[tr], y_cat[tr], C_CATEGORY)
        present = sorted(set(y_cat[tr].tolist()))
        full = np.full((len(te), len(cats)), -30.0)
        full[:, present] = Xr[te] @ coef.T + b
        logits[te] = full
    temp = _temperature(logits, y_cat)

    if tiers is None:
        p_req = 1 / (1 + np.exp(-(cal_req[0] * z_req + cal_req[1])))
        p_urg = 1 / (1 + np.exp(-(cal_urg[0] * z_urg + cal_urg[1])))
        tiers = choose_thresholds(p_req.tolist(), is_req.tolist(), p_urg.tolist(), is_urg.tolist())

    outputs = ["request", "urgent"] + ["category:" + c for c in cats]
    rows = [w_req[0], w_urg[0]] + [w_cat[k] for k in range(len(cats))]
    intercepts = [float(b_req[0]), float(b_urg[0])] + [float(v) for v in b_cat]
    W = np.vstack(rows)  # outputs x features
    inv = sorted(vocab, key=vocab.__getitem__)
    weights: dict[str, list[float]] = {}
    nz_cols = np.flatnonzero(np.any(W != 0, axis=0))
    for j in nz_cols:
        col = W[:, j]
        flat: list[float] = []
        for k in np.flatnonzero(col):
            flat += [int(k), float(col[k])]
        weights[inv[j]] = flat
    return {
        "format": FORMAT,
        "about": {
            "what": "lianhu learned model: logistic regressions over jieba tokens (w:) and character "
                    "1-3-grams, features scaled 1/sqrt(n); made by domain/classifier/training.py",
            "examples": len(examples),
            "category_only": len(examples) - len(whole),
            "requests": int(is_req.sum()),
            "urgent": int(is_urg.sum()),
            "sources": sorted({str(e.get("source", "?")) for e in examples}),
            "features": len(weights),
            "C": [C_REQUEST, C_URGENT, C_CATEGORY], "nb_alpha": NB_ALPHA, "min_df": MIN_DF, "prune": PRUNE,
        },
        "outputs": outputs,
        "categories": cats,
        "intercepts": intercepts,
        "calibration": {"request": list(cal_req), "urgent": list(cal_urg), "temperature": temp},
        "tiers": {k: round(float(v), 3) for k, v in tiers.items()},
        "weights": weights,
    }


def dumps(model: dict) -> str:
    """The model file's text (one feature a line, so diffs stay readable)."""
    head = {k: v for k, v in model.items() if k != "weights"}
    lines = [json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "weights": {']
    items = sorted(model["weights"].items())
    for i, (f, ws) in enumerate(items):
        ws_txt = ",".join(str(int(v)) if n % 2 == 0 else repr(v) for n, v in enumerate(ws))
        lines.append(f"{json.dumps(f, ensure_ascii=False)}:[{ws_txt}]" + ("," if i + 1 < len(items) else ""))
    lines.append("}}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- measuring


def choose_thresholds(p_req: Sequence[float], is_req: Sequence[int],
                      p_urg: Sequence[float], is_urg: Sequence[int]) -> dict[str, float]:
    """``sure``: lowest p with at most 2% of chatter at or above it; ``unsure``: highest p with
    at least 98% of requests at or above it; ``urgent``: highest p keeping 90% of urgent."""
    chatter = sorted(p for p, r in zip(p_req, is_req) if not r)
    requests = sorted(p for p, r in zip(p_req, is_req) if r)
    urgent = sorted(p for p, u in zip(p_urg, is_urg) if u)
    sure = 0.5
    if chatter:
        allowed = int(math.floor(CHATTER_ABOVE_SURE * len(chatter)))
        # the (allowed+1)-th highest chatter score must fall below sure
        sure = chatter[len(chatter) - 1 - allowed] + 1e-6
    unsure = 0.5
    if requests:
        missable = int(math.floor((1 - REQUEST_RECALL_UNSURE) * len(requests)))
        unsure = requests[missable]
    urgent_at = 0.5
    if urgent:
        urgent_at = urgent[int(math.floor((1 - URGENT_RECALL) * len(urgent)))]
    # thresholds are rounded down/up so the stored values keep the property
    return {"sure": math.ceil(min(sure, 0.999) * 1000) / 1000,
            "unsure": math.floor(unsure * 1000) / 1000,
            "urgent": math.floor(urgent_at * 1000) / 1000}


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """ROC AUC (ties count half)."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    order = sorted(pos + neg)
    # rank-sum with average ranks
    ranks: dict[float, float] = {}
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and order[j] == order[i]:
            j += 1
        ranks[order[i]] = (i + j + 1) / 2
        i = j
    r = sum(ranks[s] for s in pos)
    return (r - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def metrics(rows: Sequence[dict], tiers: dict[str, float]) -> dict[str, float]:
    """Figures for scored rows {"category", "urgent", "p_request", "p_urgent", "pred_category"}."""
    is_req = [int(r["category"] != "none") for r in rows]
    is_urg = [int(bool(r["urgent"]) and r["category"] != "none") for r in rows]
    p = [r["p_request"] for r in rows]
    chatter = [x for x, y in zip(p, is_req) if not y]
    reqs = [r for r, y in zip(rows, is_req) if y]
    urg = [r for r, u in zip(rows, is_urg) if u]
    flagged = [r for r in rows if r["p_urgent"] >= tiers["urgent"]]
    nan = float("nan")
    return {
        "n": len(rows), "requests": len(reqs), "chatter": len(chatter), "urgent": len(urg),
        "auc": auc(p, is_req),
        "chatter_above_sure": sum(x >= tiers["sure"] for x in chatter) / len(chatter) if chatter else nan,
        "requests_above_sure": sum(r["p_request"] >= tiers["sure"] for r in reqs) / len(reqs) if reqs else nan,
        "recall_above_unsure": sum(r["p_request"] >= tiers["unsure"] for r in reqs) / len(reqs) if reqs else nan,
        "chatter_above_unsure": sum(x >= tiers["unsure"] for x in chatter) / len(chatter) if chatter else nan,
        "category_accuracy": sum(r["pred_category"] == r["category"] for r in reqs) / len(reqs) if reqs else nan,
        "urgent_auc": auc([r["p_urgent"] for r in rows], is_urg),
        "urgent_recall": sum(r["p_urgent"] >= tiers["urgent"] for r in urg) / len(urg) if urg else nan,
        "urgent_precision": (sum(bool(r["urgent"]) and r["category"] != "none" for r in flagged) / len(flagged)
                             if flagged else nan),
        "brier": sum((x - y) ** 2 for x, y in zip(p, is_req)) / len(rows) if rows else nan,
    }


def cross_validate(examples: list[dict], feats: Sequence[list[str]] | None = None,
                   tokenize: Callable[[str], list[str]] | None = None,
                   log: Callable[[str], None] | None = None, only: Sequence[str] | None = None) -> list[dict]:
    """Grouped by ``source``: for each source, train on the others and score it. Returns the
    examples' scored rows (with ``source``), each scored by a model that never saw its file.
    ``only``: hold out (and score) only these sources; the others are always trained on."""
    if feats is None:
        feats = featurize(examples, tokenize)
    sources = sorted({e.get("source", "?") for e in examples if not e.get("category_only")}
                     & set(only or [e.get("source", "?") for e in examples]))
    out: list[dict] = []
    for s in sources:
        tr = [i for i, e in enumerate(examples) if e.get("source", "?") != s]
        te = [i for i, e in enumerate(examples) if e.get("source", "?") == s]
        t0 = time.perf_counter()
        model = Model(train([examples[i] for i in tr], tiers={"sure": 0.9, "unsure": 0.1, "urgent": 0.5},
                            feats=[feats[i] for i in tr]))
        for i in te:
            pr = model.predict_features(feats[i])
            e = examples[i]
            out.append({"source": s, "text": e["text"], "category": e["category"], "urgent": bool(e.get("urgent")),
                        "p_request": pr.p_request, "p_urgent": pr.p_urgent, "pred_category": pr.category})
        if log:
            log(f"  fold {s}: trained on {len(tr)}, scored {len(te)} ({time.perf_counter() - t0:.1f}s)")
    return out


def evaluate(examples: list[dict], feats: Sequence[list[str]] | None = None,
             tokenize: Callable[[str], list[str]] | None = None,
             log: Callable[[str], None] | None = None) -> dict:
    """Grouped cross-validation: per held-out source and overall figures at thresholds chosen
    on the pooled out-of-fold probabilities, and (``nested``) per source at thresholds chosen
    on the other sources' out-of-fold probabilities only. Returns {"tiers", "rows", "overall",
    "per_source", "nested"}."""
    rows = cross_validate(examples, feats, tokenize, log)

    def pick(rs: Sequence[dict]) -> dict[str, float]:
        return choose_thresholds([r["p_request"] for r in rs], [int(r["category"] != "none") for r in rs],
                                 [r["p_urgent"] for r in rs],
                                 [int(r["urgent"] and r["category"] != "none") for r in rs])

    tiers = pick(rows)
    sources = sorted({r["source"] for r in rows})
    per = {s: metrics([r for r in rows if r["source"] == s], tiers) for s in sources}
    nested = {}
    for s in sources:
        t = pick([r for r in rows if r["source"] != s])
        nested[s] = dict(metrics([r for r in rows if r["source"] == s], t), **{"tiers": t})
    return {"tiers": tiers, "rows": rows, "overall": metrics(rows, tiers), "per_source": per,
            "nested": nested}


def format_report(result: dict) -> str:
    cols = [("n", "{:d}"), ("auc", "{:.3f}"), ("chatter_above_sure", "{:.1%}"), ("requests_above_sure", "{:.1%}"),
            ("recall_above_unsure", "{:.1%}"), ("chatter_above_unsure", "{:.1%}"),
            ("category_accuracy", "{:.3f}"), ("urgent_auc", "{:.3f}"), ("urgent_recall", "{:.3f}"),
            ("urgent_precision", "{:.3f}")]
    heads = ["file", "n", "AUC", "chat>sure", "req>sure", "req>unsure", "chat>unsure", "cat.acc", "urgAUC",
             "urg.rec", "urg.prec"]

    def line(name: str, m: dict) -> str:
        cells = [name.ljust(15)]
        for k, fmt in cols:
            v = m[k]
            cells.append(("-" if isinstance(v, float) and math.isnan(v) else fmt.format(v)).rjust(10))
        return "".join(cells)

    t = result["tiers"]
    out = [f"grouped cross-validation; thresholds from the pooled out-of-fold probabilities: "
           f"sure {t['sure']}, unsure {t['unsure']}, urgent {t['urgent']}",
           "".join([heads[0].ljust(15)] + [h.rjust(10) for h in heads[1:]])]
    for s, m in result["per_source"].items():
        out.append(line(s, m))
    out.append(line("overall", result["overall"]))
    out.append("")
    out.append("nested: each file at thresholds chosen on the other files only")
    for s, m in result["nested"].items():
        tt = m["tiers"]
        out.append(line(s, m) + f"   (sure {tt['sure']}, unsure {tt['unsure']}, urgent {tt['urgent']})")
    return "\n".join(out)


# --------------------------------------------------------------------------- command


def sklearn_missing() -> bool:
    """True (and says so on stderr) when scikit-learn, needed only to train, is not installed."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is needed to train: pip install -e '.[learn]'", file=sys.stderr)
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    """``lianhu learn``-style command: measure by grouped cross-validation, then train on
    everything and write the model (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m domain.classifier.training",
                                 description="train the learned model (model.json) from labelled messages")
    ap.add_argument("files", metavar="FILE.jsonl", nargs="*", help="labelled sets (default: dev + holdout*)")
    ap.add_argument("--db", action="store_true", help="also the community's corrections in the database")
    ap.add_argument("--database-url", metavar="URL", help="with --db: SQLAlchemy URL (default: the bot's settings)")
    ap.add_argument("--out", metavar="PATH", help=f"where to write (default: {DEFAULT_MODEL})")
    ap.add_argument("--rules", metavar="PATH", help="rules file (its synonyms shape the tokens)")
    ap.add_argument("--data-dir", metavar="DIR", help="folder for jieba's cache")
    ap.add_argument("--no-cv", action="store_true",
                    help="skip the grouped cross-validation; tiers from inner folds")
    ap.add_argument("--cv-only", action="store_true", help="measure only, write nothing")
    ap.add_argument("--rows", metavar="PATH", help="write the out-of-fold scored rows (JSON Lines) here")
    ap.add_argument("--held-out", metavar="NAME", nargs="*",
                    help="with --cv-only --rows: score only these files (by name), each by a model trained on "
                         "every other file (for domain/classifier/tuning.py)")
    args = ap.parse_args(argv)

    if sklearn_missing():
        return 2
    files = [Path(f) for f in args.files] if args.files else default_files()
    sealed = [p for p in files if "fresh" in p.parts and not first_look_recorded(p)]
    if sealed:
        print(f"{sealed[0]}: sealed for its first look (no row for it in the first-look table of "
              f"domain/classifier/README.md); not training on it", file=sys.stderr)
        return 2
    try:
        examples = [e for f in files for e in load_jsonl(f)]
        if args.db:
            examples += load_corrections(args.database_url, args.data_dir)
    except (OSError, ValueError) as e:
        print(f"cannot read: {e}", file=sys.stderr)
        return 2
    if not examples:
        print("no labelled examples", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    tokenize = _tokenizer(args.rules, args.data_dir)
    feats = featurize(examples, tokenize)
    print(f"{len(examples)} examples from {len(files)} files{' and the database' if args.db else ''}; "
          f"features in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    tiers = None
    if args.cv_only and args.rows and args.held_out:
        rows = cross_validate(examples, feats, log=lambda s: print(s, file=sys.stderr), only=args.held_out)
        with open(args.rows, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return 0
    if not args.no_cv and len({e['source'] for e in examples}) >= 3:
        result = evaluate(examples, feats, log=lambda s: print(s, file=sys.stderr))
        print(format_report(result))
        tiers = result["tiers"]
        if args.rows:
            with open(args.rows, "w", encoding="utf-8") as f:
                for r in result["rows"]:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if args.cv_only:
        return 0
    model = train(examples, tiers=tiers, feats=feats)
    out = Path(args.out) if args.out else DEFAULT_MODEL
    text = dumps(model)
    Model(json.loads(text))  # the file must load
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text.encode()) / 1024:.0f} KiB, {len(model['weights'])} features, "
          f"tiers {model['tiers']}) in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
