"""Compile the classifier's hot modules with mypyc into domain/classifier/_native/.

    .venv/bin/python scripts/build_native.py [--force]

Run by scripts/_venv.sh (so by scripts/run and scripts/test), by nothing else. Which modules:
``domain/classifier/native.py`` COMPILED. The stamp (``_native/stamp.json``, written last)
records the sha256 of every source the build read; when they all still match, nothing is done
(a second run starts at once). When compiling fails, one line says so and the exit status is
still 0: the bot runs on the pure-Python modules (the whole log is in ``_native/build.log``).
"""
from __future__ import annotations

import argparse
import ast
import fcntl
import importlib.machinery
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# native.py alone (standard library only), not the package: this process loads nothing compiled
_spec = importlib.util.spec_from_file_location("lianhu_native", REPO / "domain" / "classifier" / "native.py")
assert _spec is not None and _spec.loader is not None
native = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(native)


def local_imports(path: Path) -> set[str]:
    """The modules of the classifier package a source imports (``from .x import``, also inside
    functions and ``TYPE_CHECKING``: mypyc reads their types too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(
                native.PACKAGE + "."):
            names.add(node.module.split(".")[2])  # type: ignore[union-attr]
    return {n for n in names if (native.HERE / f"{n}.py").is_file()}


def sources() -> list[str]:
    """File names (in the package) the compiled code depends on: the compiled modules and every
    classifier module they import, transitively. (Modules outside the package, e.g.
    kernel.texts, are imported at run time as Python: an edit there is what runs.)"""
    todo, seen = list(native.COMPILED), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(local_imports(native.HERE / f"{name}.py"))
    return sorted(f"{n}.py" for n in seen)


def hashes() -> dict[str, str]:
    return {name: native.sha256(native.HERE / name) for name in sources()}


def compile_into(work: Path) -> tuple[dict[str, str], dict[str, str]]:
    """mypyc + setuptools in ``work``: (module -> file, shared library's name and file)."""
    from mypyc.build import mypycify
    from setuptools import setup

    paths = [str(Path("domain", "classifier", f"{m}.py")) for m in native.COMPILED]
    ext = mypycify(paths, opt_level="3", target_dir=str(work / "c"))
    setup(name="lianhu-native", ext_modules=ext,
          script_args=["-q", "build_ext", "--build-lib", str(work / "lib"), "--build-temp", str(work / "tmp")])
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    lib = work / "lib"
    modules = {}
    for m in native.COMPILED:
        built = lib / "domain" / "classifier" / f"{m}{suffix}"
        if not built.is_file():
            raise RuntimeError(f"mypyc produced no {built.name}")
        modules[m] = built.name
    shared = [p for p in lib.glob(f"*__mypyc{suffix}")]
    if len(shared) != 1:
        raise RuntimeError(f"expected one shared library, found {[p.name for p in shared]}")
    return modules, {"name": shared[0].name[: -len(suffix)], "file": shared[0].name}


def build(force: bool) -> int:
    native.BUILD_DIR.mkdir(exist_ok=True)
    with open(native.BUILD_DIR / ".lock", "w") as lock:  # scripts/run and scripts/test at once: one builds
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(force)


def _build(force: bool) -> int:
    before = hashes()
    old = native.read_stamp()
    if not force and old is not None and old.get("sources") == before and native.stale_reason(old) is None:
        return 0
    build_dir = native.BUILD_DIR
    native.STAMP.unlink(missing_ok=True)  # from here on no stamp: nothing compiled is used
    t = time.monotonic()
    log = io.StringIO()
    work = Path(tempfile.mkdtemp(prefix="lianhu-native-"))
    cwd = os.getcwd()
    try:
        os.chdir(REPO)
        with redirect_stdout(log), redirect_stderr(log):
            modules, shared = compile_into(work)
        if hashes() != before:
            raise RuntimeError("a source changed while compiling; run again")
        for old_file in build_dir.glob("*.so"):
            old_file.unlink()
        for name in [*modules.values(), shared["file"]]:
            src = work / "lib" / name if name == shared["file"] else work / "lib" / "domain" / "classifier" / name
            shutil.copy2(src, build_dir / name)
    except (Exception, SystemExit) as e:  # setuptools reports a failed compile by SystemExit
        (build_dir / "build.log").write_text(log.getvalue() + f"\n{type(e).__name__}: {e}\n", encoding="utf-8")
        print(f"! compiling the classifier failed ({type(e).__name__}: {str(e)[:120]}); it runs on pure Python "
              f"(log: {build_dir / 'build.log'})", file=sys.stderr)
        return 0
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
    stamp = {"ext_suffix": importlib.machinery.EXTENSION_SUFFIXES[0], "sources": before, "modules": modules,
             "shared": shared}
    tmp = native.STAMP.with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(native.STAMP)
    (build_dir / "build.log").write_text(log.getvalue(), encoding="utf-8")
    print(f"· compiled {len(modules)} classifier modules with mypyc in {time.monotonic() - t:.0f} s", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="compile even when the stamp says the build is current")
    return build(ap.parse_args().force)


if __name__ == "__main__":
    sys.exit(main())
