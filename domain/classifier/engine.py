"""Message classifier: jieba segmentation + weighted keyword rules read from TOML.

The rules live in ``rules.toml`` (format documented in README.md next to this file).
A message is normalised (full-width -> half-width, Traditional -> Simplified, lower
case, synonyms / dialect / typos from the rules), segmented once with a private
jieba tokenizer, then matched against every rule:

* each category adds up the weights of its keywords that occur;
* ``cue`` words (能不能, 麻烦, 社区 ...) add to "this is a request";
* ``cancel`` words (修好了, 收到, 【通知】 ...) subtract from it;
* ``urgent`` triggers minus ``calm`` exceptions decide ``urgent``.

A message is a request when its best category reaches ``min_topic`` and
best + cue + cancel (+ urgent bonus) reaches ``threshold``.

The parts: rules.py reads the rules file, compiler.py compiles it for matching,
tokenizer.py holds the shared jieba dictionary, scoring.py scores one message; the
Classifier here keeps the current rules (and staff's run-time changes) and ties them together.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any, Iterable

from .compiler import CompiledRules, Compiler
from .chatter import ChatterKinds
from .danger import DangerNet
from .judge import Tiers, judge, too_short
from .lexicon import Lexicon
from .memo import Memo
from .model import Model, ModelFileError
from .rules import (
    CATEGORIES,
    DEFAULT_RULES,
    DEFAULT_WEIGHT,
    GROUPS,
    REQUEST_CATEGORIES,
    Rule,
    RuleFileError,
    Scoring,
    base_normalize,
    parse_rules,
)
from .scoring import Classification, score
from .tokenizer import Segmenter, default_cache_dir, user_words

__all__ = ["CATEGORIES", "DEFAULT_RULES", "REQUEST_CATEGORIES", "Classification", "Classifier", "RuleFileError",
           "default_cache_dir"]

log = logging.getLogger(__name__)

#: texts whose tokens, and token lists whose answers, each classifier remembers (memo.py; the least
#: recently used out): ~1.4 KB a text with its answer (tracemalloc), so ≤ 0.7 MB; 512 answer ~15 % of
#: the flood's texts (the district bot is at its 120 MB line)
MEMO_SIZE = 512


class Classifier:
    def __init__(self, rules_path: str | Path | None = None, cache_dir: str | Path | None = None,
                 hmm: bool = False, lexicon_path: Path | None = None, model_path: str | Path | None = None,
                 use_model: bool = True):
        self.rules_path = Path(rules_path) if rules_path is not None else DEFAULT_RULES
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.hmm = hmm
        self._lock = threading.RLock()
        self._extra: list[Rule] = []  # run-time keywords (staff in chat), kept across reload()
        self._removed: set[tuple[str, str]] = set()  # (group, key) of file rules switched off at run time
        self._raw: tuple[Path, Scoring, dict[str, str], list[Rule]] | None = None
        self._tk = Segmenter(self.cache_dir, user_words())
        self._added_words: set[str] = set()
        self._rules: CompiledRules = self._load()  # raises RuleFileError if the file is bad
        self._staff_terms: tuple[str, ...] = ()
        self.lexicon = Lexicon.load(lexicon_path) if lexicon_path is not None else Lexicon.load()
        # the judge's parts: the learned model (rules alone when it cannot be read), the danger net
        self.model: Model | None = None
        if use_model:
            try:
                self.model = Model.load(model_path)
            except ModelFileError as e:
                log.warning("classifier: no learned model, rules alone: %s", e)
        self.danger = DangerNet.load()
        self.chatter = ChatterKinds.load()
        self.tiers = Tiers.load()
        #: text -> its tokens; (mode, text, tokens) -> the answer (memo.py: kept while the parts
        #: that made them are the same objects)
        self._tokens_memo: Memo[str, tuple[str, ...]] = Memo(MEMO_SIZE)
        self._answers: Memo[tuple[str, str, tuple[str, ...]], Classification] = Memo(MEMO_SIZE)

    # ---- rules

    def _load(self) -> CompiledRules:
        path = self.rules_path
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as e:
            raise RuleFileError(path, None, f"无法读取 cannot read: {e}") from None
        except UnicodeDecodeError as e:
            line = path.read_bytes()[: e.start].count(b"\n") + 1
            raise RuleFileError(path, line, "文件不是 UTF-8 编码 not UTF-8") from None
        settings, synonyms, raw_rules = parse_rules(path, source)
        compiled = Compiler(path, settings, synonyms).compile(self._active(raw_rules) + self._extra)
        self._raw = (path, settings, synonyms, raw_rules)
        self._add_words(compiled.words)
        return compiled

    def _add_words(self, words: Iterable[str]) -> None:
        for w in words:
            if w not in self._added_words:
                self._tk.add_word(w)
                self._added_words.add(w)

    def reload(self) -> None:
        """Re-read the rules file. On error raise RuleFileError and keep the previous rules."""
        with self._lock:
            old_raw = self._raw
            try:
                compiled = self._load()
            except RuleFileError:
                self._raw = old_raw
                raise
            self._rules = compiled

    @staticmethod
    def _key_id(key: str) -> str:
        """How a keyword is compared when added or removed at run time: "灯", "=灯" and
        "燈" are the same keyword."""
        key = key.strip()
        if key.startswith("re:"):
            return key
        return base_normalize(key).lstrip("=").strip()

    def _active(self, raw_rules: list[Rule]) -> list[Rule]:
        if not self._removed:
            return raw_rules
        return [r for r in raw_rules if (r.group, self._key_id(r.key)) not in self._removed]

    @staticmethod
    def _check(category: str, keyword: Any, weight: Any = DEFAULT_WEIGHT) -> None:
        if category not in GROUPS:
            raise ValueError(f"未知类别 unknown category {category!r}")
        if not isinstance(keyword, str) or not keyword.strip() or keyword.strip() in ("=", "re:"):
            raise ValueError("关键词为空 empty keyword")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise ValueError("权重必须是数字 weight must be a number")

    def _recompile(self, extra: list[Rule], removed: set[tuple[str, str]]) -> None:
        """Compile file rules minus ``removed`` plus ``extra``; on success make them current."""
        assert self._raw is not None
        path, settings, synonyms, raw_rules = self._raw
        old_removed = self._removed
        self._removed = removed
        try:
            compiled = Compiler(path, settings, synonyms).compile(self._active(raw_rules) + extra)
        except RuleFileError as e:
            self._removed = old_removed
            raise ValueError(e.message) from None
        self._extra = extra
        self._add_words(compiled.words)
        self._rules = compiled
        self._staff_terms = self._changed_terms()

    def _changed_terms(self) -> tuple[str, ...]:
        """The keywords staff added or switched off in chat: where a message contains one, the
        rules decide (staff's word is final), as before the model existed."""
        terms = {self._key_id(r.key) for r in self._extra if not r.key.startswith("re:")}
        terms |= {key for _, key in self._removed if not key.startswith("re:")}
        parts = {p.strip().lstrip("=") for t in terms for p in t.split("&")}
        return tuple(sorted(p for p in parts if p))

    def _with_added(self, extra: list[Rule], removed: set[tuple[str, str]], category: str,
                    keyword: str, weight: float) -> tuple[list[Rule], set[tuple[str, str]]]:
        kid = self._key_id(keyword)
        extra = [r for r in extra if not (r.group == category and self._key_id(r.key) == kid)]
        extra.append(Rule(group=category, key=keyword.strip(), weight=float(weight), line=None))
        # the file's own version of the keyword (if any) gives way to the new weight
        return extra, removed | {(category, kid)}

    def add_keyword(self, category: str, keyword: str, weight: float = DEFAULT_WEIGHT) -> None:
        """Add a keyword at run time (kept across reload()); also teaches it to the tokenizer.

        Adding a keyword the category already has replaces its weight."""
        self._check(category, keyword, weight)
        with self._lock:
            self._recompile(*self._with_added(list(self._extra), set(self._removed), category, keyword, weight))

    def remove_keyword(self, category: str, keyword: str) -> bool:
        """Switch a keyword of a category off at run time, whether it came from the rules file
        or from add_keyword. False when the category has no such keyword."""
        self._check(category, keyword)
        kid = self._key_id(keyword)
        with self._lock:
            if not any(r.group == category and r.regex is None and self._key_id(r.key) == kid
                       or r.group == category and r.key == keyword.strip()
                       for r in self._rules.rules):
                return False
            extra = [r for r in self._extra if not (r.group == category and self._key_id(r.key) == kid)]
            self._recompile(extra, self._removed | {(category, kid)})
            return True

    def set_runtime_rules(self, changes: Iterable[tuple[str, str, str, float]]) -> list[str]:
        """Replace every run-time change by ``changes``: (action "add"/"remove", category,
        keyword, weight), replayed in order (the stored RuleChange rows at start-up).
        Returns a message for each change that could not be applied (it is skipped)."""
        problems: list[str] = []
        assert self._raw is not None  # set by __init__: a bad rules file raises there
        path, settings, synonyms, _ = self._raw
        with self._lock:
            extra: list[Rule] = []
            removed: set[tuple[str, str]] = set()
            for action, category, keyword, weight in changes:
                try:
                    self._check(category, keyword, weight)
                    if action == "add":
                        probe = Rule(group=category, key=keyword.strip(), weight=float(weight), line=None)
                        Compiler(path, settings, synonyms).compile([probe])
                        extra, removed = self._with_added(extra, removed, category, keyword, weight)
                    elif action == "remove":
                        kid = self._key_id(keyword)
                        extra = [r for r in extra if not (r.group == category and self._key_id(r.key) == kid)]
                        removed = removed | {(category, kid)}
                    else:
                        raise ValueError(f"未知操作 unknown action {action!r}")
                except (ValueError, RuleFileError) as e:
                    problems.append(f"{action} {category} {keyword!r}: {getattr(e, 'message', e)}")
            self._recompile(extra, removed)
        return problems

    def keywords(self, category: str) -> list[tuple[str, float]]:
        """Current keywords of a category (or special group), file first then run-time extras."""
        if category not in GROUPS:
            raise ValueError(f"未知类别 unknown category {category!r}")
        return [(r.key, r.weight) for r in self._rules.rules if r.group == category]

    # ---- text

    def normalize(self, text: str) -> str:
        r = self._rules
        text = base_normalize(text)
        if r.syn_rx is None:
            return text
        syn = r.syn_map
        return r.syn_rx.sub(lambda m: syn[m.group()], text)

    def tokenize(self, text: str) -> list[str]:
        """Normalise and segment; "".join(tokens) is the normalised text (a new list each time)."""
        tk = self._tk
        table = self._tokens_memo.table((self._rules, self.hmm, tk, tk.words_version))
        got = self._tokens_memo.get(table, text)
        if got is None:
            got = tuple(tk.cut(self.normalize(text), self.hmm))
            self._tokens_memo.put(table, text, got)
        return list(got)

    def forget_fragments(self) -> None:
        """Empty the segmenter's memo of fragments (``Segmenter.forget_fragments``): after
        tokenizing a one-off batch of texts."""
        self._tk.forget_fragments()

    # ---- classification

    def classify(self, text: str, tokens: list[str] | None = None, mode: str = "combined") -> Classification:
        """The judge's decision (tier, category, urgent, alert, subject ...); ``mode`` "rules" or
        "model" gives one voice alone (for measuring)."""
        if tokens is None:
            tokens = self.tokenize(text)
        # every part the answer is worked out with, read once: the memo's answers are for them
        parts = (self._rules, self.model, self.danger, self.chatter, self.tiers, self.lexicon, self._staff_terms)
        table = self._answers.table(parts)
        key = (mode, text, tuple(tokens))
        got = self._answers.get(table, key)
        if got is None:
            got = self._classify(text, tokens, mode, *parts)
            self._answers.put(table, key, got)
        return got

    @staticmethod
    def _classify(text: str, tokens: list[str], mode: str, R: CompiledRules, model: Model | None, danger: DangerNet,
                  chatter: ChatterKinds, tiers: Tiers, lexicon: Lexicon | None, staff_terms: tuple[str, ...]) -> Classification:
        norm = "".join(tokens)
        rules = score(R, tokens, lexicon, norm)
        if mode == "combined" and staff_terms and any(t in norm for t in staff_terms):
            return Classifier._staff_decides(norm, rules, danger, tiers)
        if model is None or mode == "rules":
            return judge(norm, rules, None, danger, tiers, mode, chatter)
        if mode == "combined" and too_short(norm, tiers):  # the judge would not listen to the model
            return judge(norm, rules, None, danger, tiers, mode, chatter, short=True)
        return judge(norm, rules, model.predict(tokens, text), danger, tiers, mode, chatter, long=mode == "combined")

    @staticmethod
    def _staff_decides(norm: str, rules: Classification, danger: DangerNet, tiers: Tiers) -> Classification:
        """The rules' answer (with a keyword staff changed in chat), plus the danger net."""
        result = judge(norm, rules, None, None, tiers, "rules")
        found = danger.check(norm)
        if found is None:
            return result
        return dataclasses.replace(result, alert=True, danger=found[0], evidence=result.evidence + (found[1],),
                                   tier="unsure" if result.tier == "none" else result.tier,
                                   category="care" if result.category == "none" else result.category)

    def classify_modes(self, text: str) -> dict[str, Classification]:
        """The rules alone, the model alone and combined, sharing one segmentation and scoring."""
        tokens = self.tokenize(text)
        norm = "".join(tokens)
        rules = score(self._rules, tokens, self.lexicon)
        pred = self.model.predict(tokens, text) if self.model is not None else None
        return {mode: judge(norm, rules, pred, self.danger, self.tiers, mode, self.chatter)
                for mode in ("rules", "model", "combined")}
