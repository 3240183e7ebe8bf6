"""The classifier's hot modules compiled ahead of time with mypyc, never stale.

``scripts/build_native.py`` (run by scripts/_venv.sh) compiles the modules in ``COMPILED`` into
``_native/`` (not next to the sources, where a compiled file would shadow its ``.py``) and writes
``_native/stamp.json`` last: the sha256 of every source the compiled code was built from (the
compiled modules and the classifier modules they import), the interpreter's extension suffix and
the file of each module. ``install()`` (called by this package's ``__init__``) puts a finder in
front of the normal import that hands out the compiled files only while every recorded source
still has its recorded hash. One edited source, one file missing, another interpreter: none of
the compiled modules is used (the compiled ones call each other directly in C, so they go
together), the ``.py`` files run as before.

``LIANHU_PURE=1`` in the environment: the pure-Python modules, whatever is built.
Only the standard library here: it runs before anything else of the classifier is imported.
"""
from __future__ import annotations

import importlib.machinery
import logging
import os
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Sequence

#: the modules compiled (names inside this package); one more is one more line here.
COMPILED: tuple[str, ...] = (
    "t2s",
    "rules",
    "compiler",
    "subjects",
    "summary",
    "scoring",
    "chatter",
    "danger",
    "category",
    "judge",
    "tokenizer",
    "model",
    "lexicon",
)
# not compiled: engine.py (glue; its Classifier must stay a Python class whose methods callers may
# wrap, and mypyc 2.4 fails on it as a plain class); dictionary.py (runs once, at load: the trie
# and its cache file)

PACKAGE = "domain.classifier"
HERE = Path(__file__).resolve().parent
BUILD_DIR = HERE / "_native"
STAMP = BUILD_DIR / "stamp.json"

log = logging.getLogger(__name__)


def pure_forced() -> bool:
    return os.environ.get("LIANHU_PURE", "") not in ("", "0")


def sha256(path: Path) -> str:
    import hashlib  # here: OpenSSL loads only when a build is there to check

    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_stamp(stamp: Path = STAMP) -> dict | None:
    import json

    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def stale_reason(stamp: dict, package_dir: Path = HERE, build_dir: Path = BUILD_DIR) -> str | None:
    """Why the build recorded in ``stamp`` cannot be used now (None: it can)."""
    if stamp.get("ext_suffix") != importlib.machinery.EXTENSION_SUFFIXES[0]:
        return "built for another Python"
    if sorted(stamp.get("modules", {})) != sorted(COMPILED):
        return "built for another list of modules"
    sources = stamp.get("sources", {})
    if not all(f"{m}.py" in sources for m in COMPILED):
        return "the stamp lacks a source's hash"
    for name, digest in sources.items():
        try:
            if sha256(package_dir / name) != digest:
                return f"{name} changed since the build"
        except OSError:
            return f"{name} is missing"
    files = list(stamp.get("modules", {}).values()) + [stamp.get("shared", {}).get("file", "")]
    if not all(f and (build_dir / f).is_file() for f in files):
        return "a compiled file is missing"
    return None


class _SharedLibLoader(importlib.machinery.ExtensionFileLoader):
    """Loads the group's shared library (where mypyc put every compiled module's code) and says it
    lies at the root of the package tree, as in an in-place build: mypyc derives each compiled
    module's ``__file__`` from it, and the modules find their data files next to ``__file__``."""

    def __init__(self, fullname: str, path: str, root: Path):
        super().__init__(fullname, path)
        self.pretend = str(root / Path(path).name)

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        module = super().create_module(spec)
        module.__file__ = self.pretend
        return module


class NativeFinder:
    """Finds the compiled modules of a build whose sources are unchanged; otherwise nothing
    (the normal finders then load the ``.py``)."""

    def __init__(self, stamp: dict, package_dir: Path = HERE, build_dir: Path = BUILD_DIR,
                 package: str = PACKAGE):
        self.build_dir = build_dir
        self.package_dir = package_dir
        self.stamp = stamp
        shared = stamp.get("shared", {})
        self.files = {f"{package}.{m}": f for m, f in stamp.get("modules", {}).items()}
        self.shared = shared.get("name")
        if self.shared:
            self.files[self.shared] = shared["file"]
        self.root = package_dir.parents[package.count(".")]  # where the top package lies
        self._usable: bool | None = None

    def usable(self) -> bool:
        if self._usable is None:
            reason = stale_reason(self.stamp, self.package_dir, self.build_dir)
            if reason is not None:
                log.info("classifier: compiled modules not used (%s): pure Python", reason)
            self._usable = reason is None
        return self._usable

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None or not self.usable():
            return None
        location = str(self.build_dir / file)
        loader = (_SharedLibLoader(fullname, location, self.root) if fullname == self.shared
                  else importlib.machinery.ExtensionFileLoader(fullname, location))
        return importlib.machinery.ModuleSpec(fullname, loader, origin=location)


def install() -> None:
    """Use the compiled modules when a build is there, is current, and LIANHU_PURE is not set."""
    if pure_forced() or any(isinstance(f, NativeFinder) for f in sys.meta_path):
        return
    stamp = read_stamp()
    if stamp is not None:
        sys.meta_path.insert(0, NativeFinder(stamp))


def in_use() -> list[str]:
    """The classifier modules imported from their compiled form in this process."""
    names = []
    for m in COMPILED:
        spec = getattr(sys.modules.get(f"{PACKAGE}.{m}"), "__spec__", None)
        if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            names.append(m)
    return names
