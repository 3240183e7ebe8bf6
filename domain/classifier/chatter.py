"""Kinds of chatter that use trouble words (hearsay, all-clears, advice between neighbours, tips,
figurative use, offers, thanks, reposted notices, weather and jokes), from ``chatter.toml``.

    ChatterKinds.load().check(normalised_text)   # "hearsay" / "resolved" / ... or None

None also when the message asks the community (or someone who must act) for something: then
it is a request whatever else it says.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compiler import opened, prefilter, required_literals

DEFAULT_CHATTER = Path(__file__).resolve().parent / "chatter.toml"


@dataclass(frozen=True)
class ChatterKinds:
    kinds: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    ask: re.Pattern[str] | None
    #: a prefilter (as in the danger net): strings one of which each pattern's every match
    #: contains (Aho-Corasick: string -> (kind, pattern) numbers); patterns without one always run
    gates: Any = field(default=None, compare=False)
    ungated: frozenset[tuple[int, int]] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        if self.gates is not None:
            return
        gates, ungated = prefilter(((k, j), None if rx.flags & re.IGNORECASE else required_literals(rx.pattern))
                                   for k, (_kind, patterns) in enumerate(self.kinds) for j, rx in enumerate(patterns))
        object.__setattr__(self, "gates", gates)
        object.__setattr__(self, "ungated", ungated)

    @classmethod
    def load(cls, path: str | Path | None = None) -> ChatterKinds:
        p = Path(path) if path is not None else DEFAULT_CHATTER
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
            kinds = tuple((k, tuple(re.compile(rx) for rx in v)) for k, v in data.get("kind", {}).items())
            ask_rx = data.get("ask", {}).get("words")
            return cls(kinds, re.compile(ask_rx) if ask_rx else None)
        except (OSError, ValueError, re.error, TypeError, AttributeError) as e:
            raise ValueError(f"bad chatter file {p}: {e}") from None

    def asks(self, norm: str) -> bool:
        """The message asks the community or someone who must act (the ``[ask]`` words)."""
        return self.ask is not None and self.ask.search(norm) is not None

    def check(self, norm: str) -> str | None:
        """The first kind of chatter the message is, unless it asks someone to act."""
        if self.ask is not None and self.ask.search(norm):
            return None
        if self.gates:
            open_ = opened(self.gates, self.ungated, norm)
            if not open_:
                return None
            for k, (kind, patterns) in enumerate(self.kinds):
                for j, rx in enumerate(patterns):
                    if (k, j) in open_ and rx.search(norm):
                        return kind
            return None
        for kind, patterns in self.kinds:
            if any(rx.search(norm) for rx in patterns):
                return kind
        return None
