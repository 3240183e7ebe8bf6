"""A regular expression's cheap first look: the literal pieces one of which every match must hold.

Some of the guide's patterns are long alternations behind a lookahead and a lazy ``.*?``
(``guide_vocab.OWN_STATUS``: ~0.1 ms a search); most texts hold none of the words any of their
branches needs. ``Prefiltered(pattern)`` reads the pattern's parse tree once and finds a set of
strings such that every match of the pattern contains one of them (``needed``); ``search``,
``finditer`` and ``sub`` run the pattern only on a text that holds one — a text holding none cannot match, so
the answer is the pattern's own either way. When no such set is found (a branch that may match
anything: ``.+``, an empty alternative, case-insensitive letters), every text goes to the pattern.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

#: a set of needed pieces larger than this is not worth checking first (an Aho-Corasick automaton
#: looks for all of them in one pass over the text, however many)
MAX_PIECES = 5000
#: a character class of more characters than this needs nothing
MAX_CLASS = 16

Needs = frozenset[str] | None


def _class(items: list[tuple[Any, Any]]) -> Needs:
    chars: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            chars.add(chr(av))
        elif op is C.RANGE and av[1] - av[0] < MAX_CLASS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, a wide range: anything
            return None
        if len(chars) > MAX_CLASS:
            return None
    return frozenset(chars)


def _cost(need: frozenset[str]) -> float:
    """How often a set of pieces is found in a text, roughly: a single character often, two
    rarely, three or more hardly ever (and each piece is one more to look for)."""
    return sum(1.0 if len(s) == 1 else 0.1 if len(s) == 2 else 0.02 for s in need) + 0.001 * len(need)


def _better(a: Needs, b: Needs) -> Needs:
    """The more selective of two sets of needed pieces (either is needed: one will do)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _cost(a) <= _cost(b) else b


def _exact(op: Any, av: Any) -> frozenset[str] | None:
    """Every string an item matches, when they are few (a literal, a small class, an alternation
    or an optional part of such), else None."""
    if op is C.LITERAL:
        return frozenset(chr(av))
    if op is C.IN:
        return _class(av)
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return None if add_flags & re.IGNORECASE else _exact_sequence(sub)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        low, high, sub = av
        one = _exact_sequence(sub)
        if one is None or high != 1 or low not in (0, 1):
            return None
        return one | {""} if low == 0 else one
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            got = _exact_sequence(branch)
            if got is None or len(out | got) > MAX_PIECES:
                return None
            out |= got
        return frozenset(out)
    return None


def _exact_sequence(items: Iterable[tuple[Any, Any]]) -> frozenset[str] | None:
    run: frozenset[str] = frozenset([""])
    for op, av in items:
        got = _exact(op, av)
        if got is None or len(run) * len(got) > MAX_PIECES:
            return None
        run = frozenset(a + b for a in run for b in got)
    return run


def _sequence(items: Iterable[tuple[Any, Any]]) -> Needs:
    """What a run of items needs: the best of its items' needs and of its runs of items that match
    few strings (each such run is needed whole: one of the strings it matches)."""
    best: Needs = None
    run: frozenset[str] = frozenset([""])
    for op, av in list(items) + [(None, None)]:
        got = _exact(op, av) if op is not None else None
        if got is not None and len(run) * len(got) <= MAX_PIECES:
            run = frozenset(a + b for a in run for b in got)
            continue
        if "" not in run:
            best = _better(best, run)
        run = frozenset([""])
        if got is not None:
            run = got
        elif op is not None:
            best = _better(best, _item(op, av))
    return best


def _item(op: Any, av: Any) -> Needs:
    if op is C.IN:
        return _class(av)
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & re.IGNORECASE:
            return None
        return _sequence(sub)
    if op is C.ATOMIC_GROUP:
        return _sequence(av)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _sequence(sub) if low >= 1 else None
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            need = _sequence(branch)
            if need is None:
                return None
            out |= need
            if len(out) > MAX_PIECES:
                return None
        return frozenset(out)
    # ASSERT, ASSERT_NOT, AT (zero width); ANY, NOT_LITERAL, CATEGORY, GROUPREF, GROUPREF_EXISTS: nothing needed
    return None


def needed(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, or None when none is found."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    need = _sequence(P.parse(pattern.pattern, pattern.flags))
    if need is None or not need or "" in need or len(need) > MAX_PIECES:
        return None
    return need


class Prefiltered:
    """``pattern`` with a first look for its needed pieces: ``search`` and ``sub`` answer as the
    pattern's own."""

    __slots__ = ("pattern", "_first")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        need = needed(pattern)
        self._first: Any = None
        if need is not None:
            self._first = ahocorasick.Automaton()
            for piece in need:
                self._first.add_word(piece, piece)
            self._first.make_automaton()

    def could_match(self, text: str) -> bool:
        """False only when the text holds none of the pieces every match needs."""
        if self._first is None:
            return True
        for _ in self._first.iter(text):
            return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.could_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.could_match(text) else iter(())

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.pattern.sub(repl, text) if self.could_match(text) else text


class AnyOf:
    """One first look for several patterns: False only when a text holds no needed piece of any of
    them (then none of them can match: a series of substitutions leaves the text as it is)."""

    __slots__ = ("_first",)

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        pieces: set[str] = set()
        self._first: Any = None
        for pattern in patterns:
            need = needed(pattern)
            if need is None:
                return  # this one may match anything: every text is looked at
            pieces |= need
        self._first = ahocorasick.Automaton()
        for piece in pieces:
            self._first.add_word(piece, piece)
        if pieces:
            self._first.make_automaton()

    def could_match(self, text: str) -> bool:
        if self._first is None:
            return True
        if not len(self._first):
            return False
        for _ in self._first.iter(text):
            return True
        return False
