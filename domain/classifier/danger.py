"""The danger net: danger to people in everyday words, separate from request detection.

The compositions live in ``danger.toml`` (who × what is happening now, with cancels for
all-clears, the past, hearsay, drills and tips, hypotheticals and figurative use). The judge
(``judge.py``) adds two more voices: the rules' urgent words and the model's ``p_urgent``.

    net = DangerNet.load()
    net.check(normalised_text)   # ("fire", "danger:fire(着火)") or None
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compiler import opened, prefilter, required_literals

DEFAULT_DANGER = Path(__file__).resolve().parent / "danger.toml"


class DangerFileError(Exception):
    pass


@dataclass(frozen=True)
class DangerNet:
    #: kind -> compositions, each a tuple of patterns that must all match
    kinds: tuple[tuple[str, tuple[tuple[re.Pattern[str], ...], ...]], ...]
    cancels: tuple[tuple[str, re.Pattern[str]], ...]
    now: re.Pattern[str] | None = None  # "happening now": cancels do not count
    clear: re.Pattern[str] | None = None  # an all-clear that counts even then
    #: a prefilter: strings one of which each composition needs (Aho-Corasick: string ->
    #: (kind, composition) numbers), and the compositions that have no such string
    gates: Any = field(default=None, compare=False)
    ungated: frozenset[tuple[int, int]] = frozenset()

    def __post_init__(self) -> None:
        if self.gates is not None:
            return
        gates, ungated = prefilter(((k, c), _needed(parts))
                                   for k, (_kind, comps) in enumerate(self.kinds) for c, parts in enumerate(comps))
        object.__setattr__(self, "gates", gates)
        object.__setattr__(self, "ungated", ungated)

    @classmethod
    def load(cls, path: str | Path | None = None) -> DangerNet:
        p = Path(path) if path is not None else DEFAULT_DANGER
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise DangerFileError(f"cannot read {p}: {e}") from None
        try:
            cancels = tuple((name, re.compile(rx)) for name, rx in data.get("cancel", {}).items())
            kinds = []
            for kind, table in data.get("kind", {}).items():
                comps = tuple(tuple(re.compile(rx) for rx in parts) for key, parts in sorted(table.items())
                              if key.startswith("all"))
                kinds.append((kind, comps))
            now_rx = data.get("now", {}).get("words")
            now = re.compile(now_rx) if now_rx else None
            clear_rx = data.get("clear", {}).get("words")
            clear = re.compile(clear_rx) if clear_rx else None
        except (re.error, TypeError, AttributeError) as e:
            raise DangerFileError(f"bad danger file {p}: {e}") from None
        return cls(tuple(kinds), cancels, now, clear)

    def cancelled(self, norm: str) -> str | None:
        """The name of the cancel that matches (all_clear, hearsay, drill ...), or None; never
        when the message says the danger is happening now."""
        if self.clear is not None and self.clear.search(norm):
            return "clear"
        if self.now is not None and self.now.search(norm):
            return None
        for name, rx in self.cancels:
            if rx.search(norm):
                return name
        return None

    def check(self, norm: str) -> tuple[str, str] | None:
        """(kind, evidence) of the first composition that matches, unless a cancel does."""
        if self.gates:
            open_ = opened(self.gates, self.ungated, norm)
            if not open_:
                return None
            # in file order, only those whose strings occur (every match of the others needs one)
            todo = [(self.kinds[k][0], self.kinds[k][1][c]) for k, c in sorted(open_)]
        else:
            todo = [(kind, parts) for kind, comps in self.kinds for parts in comps]
        for kind, parts in todo:
            found = []
            for rx in parts:
                m = rx.search(norm)
                if m is None:
                    break
                found.append(m.group())
            else:
                why = self.cancelled(norm)
                if why is None:
                    return kind, f"danger:{kind}({'+'.join(found)})"
        return None


def _needed(parts: tuple[re.Pattern[str], ...]) -> frozenset[str] | None:
    """Strings one of which a composition's every match contains: of its parts' own such sets,
    the one with the longest shortest string (fewest strings on a tie); None when no part has one."""
    sets = [x for x in (required_literals(rx.pattern) if not rx.flags & re.IGNORECASE else None for rx in parts) if x]
    return max(sets, key=lambda s: (min(map(len, s)), -len(s))) if sets else None
