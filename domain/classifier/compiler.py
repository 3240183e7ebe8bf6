"""Raw rules compiled for matching: an Aho-Corasick automaton of the keywords (and of the
literals the regular expressions need), whole-token terms, regular expressions with a literal or
character prefilter, and the synonyms."""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeAlias

import ahocorasick

from .rules import (
    REQUEST_CATEGORIES,
    Rule,
    RuleFileError,
    Scoring,
    Term,
    base_normalize,
)
from .t2s import T2S

END = None  # trie terminal marker (characters are never None)
#: a character trie: character -> the next level; END -> the value a word stores
Trie: TypeAlias = dict[Any, Any]

# CPython's regular-expression parser (Python >= 3.11): private, so typeshed has no stubs for it
_sre_constants: Any = importlib.import_module("re._constants")
_sre_parser: Any = importlib.import_module("re._parser")


@dataclass
class CompiledRules:
    settings: Scoring
    rules: list[Rule]
    #: one Aho-Corasick pass finds every substring term and every literal a regex rule needs:
    #: matched string -> (its length, the term's key or None, regex rules that need it)
    automaton: Any
    token_terms: set[str]  # whole-token terms
    by_term: dict[str, tuple[int, ...]]  # term key -> rule indexes
    #: the common case apart: term key -> (rule index, shown key) of the rules made of that one
    #: term alone in a group that cannot be negated (each occurrence fires); by_term_other: the rest
    single: dict[str, tuple[tuple[int, str], ...]]
    by_term_other: dict[str, tuple[int, ...]]
    regex_rules: tuple[int, ...]
    regex_by_char: dict[str, tuple[int, ...]]  # prefilter: char -> regex rules that need it
    regex_always: tuple[int, ...]  # regex rules without a prefilter
    #: the characters of regex_by_char, as one pattern (which of them a message has: one findall)
    regex_chars: re.Pattern[str] | None
    syn_trie: Trie  # variant -> canonical
    syn_first: frozenset[str]
    syn_map: dict[str, str]  # variant -> canonical, both normalised
    syn_rx: re.Pattern[str] | None  # every variant, longest first: one C-speed pass per message
    words: tuple[str, ...]  # words to add to the tokenizer
    #: any of the settings' ask_words (one search instead of a loop)
    ask_rx: re.Pattern[str] | None = None
    tie_rank: dict[str, int] = field(default_factory=dict)
    tie_sorted: tuple[str, ...] = REQUEST_CATEGORIES  # categories, the one winning ties first


def required_sets(pattern: str) -> tuple[frozenset[str], ...]:
    """One character set for each part every match must have, in order: a match contains a
    character of each ("(水|电)(停|断)了" -> {水,电}, {停,断}, {了}). Empty when none is known."""
    c = _sre_constants

    def seq(items: Any) -> frozenset[str] | None:
        best: frozenset[str] | None = None
        for op, av in items:
            got = item(op, av)
            if got is not None and (best is None or len(got) < len(best)):
                best = got
        return best

    def item(op: Any, av: Any) -> frozenset[str] | None:
        if op is c.LITERAL:
            return frozenset(chr(av))
        if op is c.IN:
            chars: set[str] = set()
            for o, a in av:
                if o is c.LITERAL:
                    chars.add(chr(a))
                else:  # ranges, categories, negation: give up
                    return None
            return frozenset(chars) or None
        if op is c.SUBPATTERN:
            return seq(av[-1])
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            return seq(sub) if lo >= 1 else None
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                got = seq(alt)
                if got is None:
                    return None
                out |= got
            return frozenset(out)
        return None

    try:
        top = [item(op, av) for op, av in _sre_parser.parse(pattern)]
    except Exception:
        return ()
    return tuple(dict.fromkeys(got for got in top if got is not None))


def _best(sets: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective of several required sets: the longest shortest string, then fewest."""
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)), default=None)


def prefilter(needs: Iterable[tuple[tuple[int, int], frozenset[str] | None]]) -> tuple[Any, frozenset[tuple[int, int]]]:
    """A prefilter over numbered patterns: ``needs`` gives each pattern's (kind, pattern) numbers
    and strings one of which every match contains (None or empty: none known). Returns an
    Aho-Corasick automaton from each string to the numbers that need it (``False`` when no pattern
    has such strings) and the numbers of the patterns that must always run."""
    by_lit: dict[str, list[tuple[int, int]]] = {}
    ungated = set()
    for key, lits in needs:
        if not lits:
            ungated.add(key)
            continue
        for lit in lits:
            by_lit.setdefault(lit, []).append(key)
    if not by_lit:
        return False, frozenset(ungated)
    auto = ahocorasick.Automaton()
    for lit, where in by_lit.items():
        auto.add_word(lit, tuple(where))
    auto.make_automaton()
    return auto, frozenset(ungated)


def opened(gates: Any, ungated: frozenset[tuple[int, int]], norm: str) -> set[tuple[int, int]]:
    """The (kind, pattern) numbers worth trying on ``norm`` under a ``prefilter``: those whose
    strings occur in it and those that always run."""
    open_ = set(ungated)
    for _, where in gates.iter(norm):
        open_.update(where)
    return open_


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, chosen to be rare (the longest
    shortest string: "没人(管|扫)" -> {没人}; "(燃气|煤气).{0,4}味" -> {燃气, 煤气}), or None."""
    c = _sre_constants

    def seq(items: Any) -> list[frozenset[str]]:
        out: list[frozenset[str]] = []
        run: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av))
                continue
            if run:
                out.append(frozenset(["".join(run)]))
                run = []
            got = item(op, av)
            if got:
                out.append(got)
        if run:
            out.append(frozenset(["".join(run)]))
        return out

    def item(op: Any, av: Any) -> frozenset[str] | None:
        if op is c.IN:
            chars: set[str] = set()
            for o, a in av:
                if o is not c.LITERAL:  # ranges, categories, negation: give up
                    return None
                chars.add(chr(a))
            return frozenset(chars) or None
        if op is c.SUBPATTERN:
            return _best(seq(av[-1]))
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub = av
            return _best(seq(sub)) if lo >= 1 else None
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                got = _best(seq(alt))
                if got is None:
                    return None
                out |= got
            return frozenset(out)
        return None

    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    return _best(seq(parsed))


def _apply_trie_replace(text: str, trie: Trie, first: frozenset[str]) -> str:
    if not trie or first.isdisjoint(text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        node: Trie = trie
        j = i
        best_end, best_rep = -1, None
        while j < n:
            following = node.get(text[j])
            if following is None:
                break
            node = following
            j += 1
            rep = node.get(END)
            if rep is not None:
                best_end, best_rep = j, rep
        if best_rep is not None:
            out.append(best_rep)
            i = best_end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _trie_insert(trie: Trie, word: str, value: str) -> None:
    node = trie
    for ch in word:
        node = node.setdefault(ch, {})
    node[END] = value


def _automaton(terms: dict[str, str], by_literal: dict[str, list[int]]) -> Any:
    """An Aho-Corasick automaton over the substring terms and the regex rules' literals."""
    auto = ahocorasick.Automaton()
    for text in terms.keys() | by_literal.keys():
        auto.add_word(text, (len(text), terms.get(text), tuple(by_literal.get(text, ()))))
    if not len(auto):
        return _NoTerms()
    auto.make_automaton()
    return auto


class _NoTerms:
    """Stands in for an automaton with no strings (a rules file of regular expressions only)."""

    def iter(self, text: str) -> Iterator[tuple[int, tuple[int, str | None, tuple[int, ...]]]]:
        return iter(())


class Compiler:
    def __init__(self, path: Path, settings: Scoring, synonyms: dict[str, str]):
        self.path = path
        self.settings = settings
        self.syn_trie: Trie = {}
        self.syn_map: dict[str, str] = {}
        for k, v in synonyms.items():
            _trie_insert(self.syn_trie, base_normalize(k), base_normalize(v))
            self.syn_map[base_normalize(k)] = base_normalize(v)
        self.syn_first = frozenset(self.syn_trie)
        self.syn_map = {k: v for k, v in self.syn_map.items() if k}
        variants = sorted(self.syn_map, key=len, reverse=True)
        self.syn_rx = re.compile("|".join(map(re.escape, variants))) if variants else None

    def norm(self, s: str) -> str:
        return _apply_trie_replace(base_normalize(s), self.syn_trie, self.syn_first)

    def term(self, raw: str, rule: Rule, part_of_and: bool = False) -> Term:
        token_only = raw.startswith("=")
        text = self.norm(raw[1:] if token_only else raw).strip()
        if not text:
            raise RuleFileError(self.path, rule.line, f"关键词为空 empty keyword in {rule.key!r}")
        if len(text) == 1 and not part_of_and:
            # a lone character is too ambiguous as a substring; inside "甲&乙" the other
            # part gives the context, so "电梯&困" also fires on "困住" ("=困" for token only)
            token_only = True
        return Term(text, token_only)

    def compile(self, raw_rules: list[Rule]) -> CompiledRules:
        rules: list[Rule] = []
        trie_terms: dict[str, str] = {}  # substring term text -> its key
        token_terms: set[str] = set()
        by_term: dict[str, list[int]] = {}
        regex_rules: list[int] = []
        words: dict[str, None] = {}
        for raw in raw_rules:
            key = raw.key.strip()
            if key.startswith("re:"):
                pattern = key[3:].translate(T2S)
                if not pattern:
                    raise RuleFileError(self.path, raw.line, "正则表达式为空 empty regular expression")
                try:
                    rx = re.compile(pattern)
                except re.error as e:
                    raise RuleFileError(self.path, raw.line,
                                        f"正则表达式错误 bad regular expression {pattern!r}: {e}") from None
                sets = required_sets(pattern)
                needs = min(sets, key=len) if sets else None
                rules.append(Rule(raw.group, key, raw.weight, (), rx, raw.line, needs,
                                   tuple(x for x in sets if x is not needs)))
                regex_rules.append(len(rules) - 1)
                continue
            parts = key.split("&")
            terms = tuple(self.term(p.strip(), raw, len(parts) > 1) for p in parts)
            label = "&".join(("=" if t.token_only and len(t.text) > 1 else "") + t.text for t in terms)
            idx = len(rules)
            rules.append(Rule(raw.group, label, raw.weight, terms, None, raw.line))
            for t in terms:
                if t.token_only:
                    token_terms.add(t.text)
                else:
                    trie_terms[t.text] = t.key
                if idx not in by_term.get(t.key, ()):
                    by_term.setdefault(t.key, []).append(idx)
                if len(t.text) > 1 and re.search(r"[\u4e00-\u9fff]", t.text):
                    words[t.text] = None
        by_char: dict[str, list[int]] = {}
        always: list[int] = []
        by_literal: dict[str, list[int]] = {}
        for idx in regex_rules:
            rule = rules[idx]
            lits = required_literals(rule.key[3:].translate(T2S))
            if lits is not None and min(map(len, lits)) >= 2:
                # a string the pattern needs (rarer than a character): found by the automaton;
                # every character set the pattern needs is still checked before searching
                rule.also = tuple(x for x in (rule.needs, *rule.also) if x is not None)
                rule.needs = None
                for lit in lits:
                    by_literal.setdefault(lit, []).append(idx)
            elif rule.needs is None:
                always.append(idx)
            else:
                for ch in rule.needs:
                    by_char.setdefault(ch, []).append(idx)
        automaton = _automaton(trie_terms, by_literal)
        single: dict[str, list[tuple[int, str]]] = {}
        other: dict[str, list[int]] = {}
        negatable = self.settings.negatable if self.settings.negator_window else ()
        for key, idxs in by_term.items():
            for idx in idxs:
                rule = rules[idx]
                if len(rule.terms) == 1 and rule.group not in negatable:
                    single.setdefault(key, []).append((idx, rule.key))
                else:
                    other.setdefault(key, []).append(idx)
        tie_rank = {c: i for i, c in enumerate(self.settings.tie_order)}
        for c in REQUEST_CATEGORIES:
            tie_rank.setdefault(c, len(tie_rank))
        return CompiledRules(
            settings=self.settings,
            rules=rules,
            automaton=automaton,
            token_terms=token_terms,
            by_term={k: tuple(v) for k, v in by_term.items()},
            single={k: tuple(v) for k, v in single.items()},
            by_term_other={k: tuple(v) for k, v in other.items()},
            regex_rules=tuple(regex_rules),
            regex_by_char={k: tuple(v) for k, v in by_char.items()},
            regex_always=tuple(always),
            regex_chars=re.compile("[" + "".join(map(re.escape, sorted(by_char))) + "]") if by_char else None,
            syn_trie=self.syn_trie,
            syn_first=self.syn_first,
            syn_map=self.syn_map,
            syn_rx=self.syn_rx,
            words=tuple(words),
            tie_rank=tie_rank,
            ask_rx=re.compile("|".join(map(re.escape, self.settings.ask_words))) if self.settings.ask_words else None,
            tie_sorted=tuple(sorted(REQUEST_CATEGORIES, key=tie_rank.__getitem__)),
        )


