"""The classifier's compiled modules (domain/classifier/native.py, scripts/build_native.py): the
same answers as the Python sources, and an edited source is what runs even before a rebuild."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domain.classifier import native

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"

STAMP = native.read_stamp()
BUILT = STAMP is not None and native.stale_reason(STAMP) is None
needs_build = pytest.mark.skipif(not BUILT, reason="no current build of the compiled classifier "
                                                   "(scripts/build_native.py; scripts/test builds it)")

# prints the modules used compiled, then each text's every field (p_request to 9 digits)
_RUN = r"""
import json, logging, sys, tempfile
import jieba
jieba.setLogLevel(logging.WARNING)
from domain.classifier import Classifier, native
import domain.classifier.scoring as scoring
clf = Classifier(cache_dir=tempfile.mkdtemp())
out = {"in_use": native.in_use(), "edited": getattr(scoring, "EDITED", False), "answers": []}
for text in json.load(sys.stdin):
    r = clf.classify(text)
    out["answers"].append([r.category, r.urgent, r.tier, r.alert, r.danger, r.subject, r.summary,
                           None if r.p_request is None else f"{r.p_request:.9f}", repr(r.score), list(r.evidence)])
print(json.dumps(out, ensure_ascii=False))
"""


def run(root: Path, texts: list[str], pure: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LIANHU_PURE"}
    env["PYTHONPATH"] = str(root)
    if pure:
        env["LIANHU_PURE"] = "1"
    out = subprocess.run([sys.executable, "-c", _RUN], input=json.dumps(texts), cwd=root, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def sample() -> list[str]:
    """Every third labelled line of the fresh batches and the category sets, and a few odd ones."""
    lines: list[str] = []
    for path in sorted((DATA / "fresh").glob("*.jsonl")) + sorted((DATA / "categories").glob("*.jsonl")):
        lines += [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines[::3] + ["", "   ", "電梯壞了!!!", "１２３", "😂" * 50, "3号楼电梯坏了 困了人出不来 快来"]


@needs_build
def test_compiled_modules_answer_exactly_as_the_python_sources() -> None:
    texts = sample()
    compiled, pure = run(REPO, texts), run(REPO, texts, pure=True)
    assert compiled["in_use"] == list(native.COMPILED)
    assert pure["in_use"] == []  # LIANHU_PURE=1: nothing compiled
    assert len(compiled["answers"]) == len(texts) > 700
    diffs = [(t, a, b) for t, a, b in zip(texts, compiled["answers"], pure["answers"]) if a != b]
    assert diffs == []
    assert {a[0] for a in compiled["answers"]} > {"repair", "none"}  # real answers, not one default


def _copy_tree(dest: Path) -> Path:
    """The packages the classifier needs, with its build, in ``dest`` (the repo is not touched)."""
    for pkg in ("domain", "kernel"):
        shutil.copytree(REPO / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "domain" / "classifier"


@needs_build
def test_an_edited_source_runs_as_python_until_rebuilt(tmp_path: Path) -> None:
    texts = ["3号楼电梯坏了 能不能派人来看看", "谢谢物业 电梯修好了"]
    unedited = tmp_path / "unedited"
    _copy_tree(unedited)
    before = run(unedited, texts)
    assert before["in_use"] == list(native.COMPILED) and before["edited"] is False

    edited = tmp_path / "edited"
    scoring = _copy_tree(edited) / "scoring.py"
    scoring.write_text(scoring.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    after = run(edited, texts)
    assert after["edited"] is True  # the edited source is what ran
    assert after["in_use"] == []  # and none of the compiled modules (they call each other directly)
    assert after["answers"] == before["answers"]


def _fake_build(tmp_path: Path) -> tuple[dict, Path, Path]:
    """A package dir with the compiled sources and dictionary.py (read by the build, not compiled),
    and a build dir whose stamp records them."""
    pkg, build = tmp_path / "pkg", tmp_path / "build"
    pkg.mkdir()
    build.mkdir()
    names = [f"{m}.py" for m in native.COMPILED] + ["dictionary.py"]
    for name in names:
        (pkg / name).write_text(f"# {name}\n", encoding="utf-8")
    modules = {m: f"{m}.so" for m in native.COMPILED}
    for f in [*modules.values(), "x__mypyc.so"]:
        (build / f).write_bytes(b"")
    stamp = {"ext_suffix": native.importlib.machinery.EXTENSION_SUFFIXES[0], "modules": modules,
             "shared": {"name": "x__mypyc", "file": "x__mypyc.so"},
             "sources": {n: native.sha256(pkg / n) for n in names}}
    return stamp, pkg, build


def test_the_finder_hands_out_a_build_only_while_every_source_is_unchanged(tmp_path: Path) -> None:
    stamp, pkg, build = _fake_build(tmp_path)
    finder = native.NativeFinder(stamp, pkg, build, package="p.c")
    spec = finder.find_spec("p.c.judge")
    assert spec is not None and spec.origin == str(build / "judge.so")
    assert finder.find_spec("p.c.engine") is None  # not compiled: the normal import

    (pkg / "dictionary.py").write_text("# dictionary.py, edited\n", encoding="utf-8")  # a module the build read
    finder = native.NativeFinder(stamp, pkg, build, package="p.c")
    assert all(finder.find_spec(f"p.c.{m}") is None for m in native.COMPILED)
    assert native.stale_reason(stamp, pkg, build) == "dictionary.py changed since the build"


@pytest.mark.parametrize("spoil", ["missing file", "other python", "other list", "source gone", "no hash"])
def test_a_build_that_does_not_fit_is_not_used(tmp_path: Path, spoil: str) -> None:
    stamp, pkg, build = _fake_build(tmp_path)
    if spoil == "missing file":
        (build / "judge.so").unlink()
    elif spoil == "other python":
        stamp["ext_suffix"] = ".cpython-39-x86_64-linux-gnu.so"
    elif spoil == "other list":
        del stamp["modules"]["judge"]
    elif spoil == "no hash":
        del stamp["sources"]["judge.py"]
    else:
        (pkg / "scoring.py").unlink()
    assert native.stale_reason(stamp, pkg, build) is not None
    assert native.NativeFinder(stamp, pkg, build, package="p.c").find_spec("p.c.scoring") is None


def test_the_build_records_every_classifier_module_the_compiled_ones_read() -> None:
    """An edit of a module the compiled code imports (its types were compiled in) drops the build
    too: the stamp covers the compiled modules and what they import, not engine.py's callers."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_native", REPO / "scripts" / "build_native.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    recorded = set(build.sources())
    assert {f"{m}.py" for m in native.COMPILED} <= recorded
    assert {"model.py", "lexicon.py"} <= recorded  # imported by the compiled modules (judge, scoring)
    assert "engine.py" not in recorded and "training.py" not in recorded
