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
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import jieba

from domain.classifier.lexicon import Lexicon
from kernel.texts import CATEGORY_NAMES

from .t2s import T2S

PKG_DIR = Path(__file__).resolve().parent
DEFAULT_RULES = PKG_DIR / "rules.toml"
USER_DICT = PKG_DIR / "userdict.txt"

# code -> 中文, in LABELS.md order (the names live with the bot's other texts)
CATEGORIES: dict[str, str] = dict(CATEGORY_NAMES)
REQUEST_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != "none")
SPECIAL_GROUPS: tuple[str, ...] = ("cue", "cancel", "urgent", "calm")
GROUPS: tuple[str, ...] = REQUEST_CATEGORIES + SPECIAL_GROUPS

DEFAULT_WEIGHT = 2.0

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- API types


@dataclass(frozen=True)
class Classification:
    category: str  # one of CATEGORIES codes
    urgent: bool
    evidence: tuple[str, ...]  # e.g. "repair:楼道灯(+3)", "cancel:修好了(-5)", "urgent:燃气味(+4)"
    score: float

    @property
    def is_request(self) -> bool:
        return self.category != "none"


class RuleFileError(Exception):
    """A rules file could not be used; the previous rules stay in force."""

    def __init__(self, file: str | Path, line: int | None, message: str):
        self.file = str(file)
        self.line = line
        self.message = message
        super().__init__(self.file, line, message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"规则文件错误 (rules file error) {where}: {self.message}"


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class _Term:
    text: str
    token_only: bool
    key: str = ""  # "=text" for whole-token terms, else text

    def __post_init__(self):
        object.__setattr__(self, "key", "=" + self.text if self.token_only else self.text)


@dataclass
class _Rule:
    group: str
    key: str  # as written (after normalisation), shown in evidence
    weight: float
    terms: tuple[_Term, ...] = ()
    regex: re.Pattern[str] | None = None
    line: int | None = None
    needs: frozenset[str] | None = None  # regex prefilter: a match contains one of these
    also: tuple[frozenset[str], ...] = ()  # ... and one of each of these
    evidence: str = ""  # "group:key(+w)", precomputed
    shown_as: tuple[str, str] = ("", "")  # for a regex: evidence = [0] + matched text + [1]

    def __post_init__(self):
        self.evidence = f"{self.group}:{self.key}({self.weight:+g})"
        self.shown_as = (f"{self.group}:", f"({self.weight:+g})")


@dataclass
class _Settings:
    threshold: float = 3.0
    min_topic: float = 1.0
    urgent_threshold: float = 3.0
    urgent_bonus: float = 3.0
    cue_max: float = 4.0
    other_cue: float = 0.0  # > 0: no topic but cue + cancel >= other_cue -> "other"
    negators: str = "不没未无别"
    negator_window: int = 2
    negatable: tuple[str, ...] = ("cancel", "urgent")
    questions: tuple[str, ...] = ("是不是", "是不", "有没有", "会不会", "要不要", "能不能")  # not negations
    tie_order: tuple[str, ...] = REQUEST_CATEGORIES
    # categories that are only a request when asked (a question or a plea): "明天打疫苗别忘了带
    # 身份证" mentions policy words but asks nothing. Without one of ask_words: minus ask_penalty
    ask_only: tuple[str, ...] = ()
    ask_words: tuple[str, ...] = ()
    ask_penalty: float = 0.0
    # a request's category: rule scores plus lexicon_weight x the learned lexicon's probability
    # (lexicon.json, made by `lianhu learn`); 0 turns the lexicon off
    lexicon_weight: float = 0.0


_END = None  # trie terminal marker (characters are never None)


@dataclass
class _Compiled:
    settings: _Settings
    rules: list[_Rule]
    trie: dict  # substring terms
    token_terms: set[str]  # whole-token terms
    by_term: dict[str, tuple[int, ...]]  # term key -> rule indexes
    regex_rules: tuple[int, ...]
    regex_by_char: dict[str, tuple[int, ...]]  # prefilter: char -> regex rules that need it
    regex_always: tuple[int, ...]  # regex rules without a prefilter
    syn_trie: dict
    syn_first: frozenset[str]
    syn_map: dict[str, str]  # variant -> canonical, both normalised
    syn_rx: re.Pattern[str] | None  # every variant, longest first: one C-speed pass per message
    words: tuple[str, ...]  # words to add to the tokenizer
    tie_rank: dict[str, int] = field(default_factory=dict)
    tie_sorted: tuple[str, ...] = REQUEST_CATEGORIES  # categories, the one winning ties first


def _required_chars(pattern: str) -> frozenset[str] | None:
    """Characters of which every match of ``pattern`` must contain at least one.

    Lets the classifier skip most regular expressions with one set test.
    None when no such set can be worked out (the regex then always runs).
    """
    sets = _required_sets(pattern)
    return min(sets, key=len) if sets else None


def _required_sets(pattern: str) -> tuple[frozenset[str], ...]:
    """One character set for each part every match must have, in order: a match contains a
    character of each ("(水|电)(停|断)了" -> {水,电}, {停,断}, {了}). Empty when none is known."""
    try:
        from re import _constants as c
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_constants as c  # type: ignore
        import sre_parse  # type: ignore

    def seq(items) -> frozenset[str] | None:
        best = None
        for op, av in items:
            got = item(op, av)
            if got is not None and (best is None or len(got) < len(best)):
                best = got
        return best

    def item(op, av) -> frozenset[str] | None:
        if op is c.LITERAL:
            return frozenset(chr(av))
        if op is c.IN:
            chars = set()
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
        top = [item(op, av) for op, av in sre_parse.parse(pattern)]
    except Exception:
        return ()
    return tuple(dict.fromkeys(got for got in top if got is not None))


def _base_normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(T2S).lower()


def _apply_trie_replace(text: str, trie: dict, first: frozenset[str]) -> str:
    if not trie or first.isdisjoint(text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        node = trie
        j = i
        best_end, best_rep = -1, None
        while j < n:
            node = node.get(text[j])
            if node is None:
                break
            j += 1
            rep = node.get(_END)
            if rep is not None:
                best_end, best_rep = j, rep
        if best_rep is not None:
            out.append(best_rep)
            i = best_end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _trie_insert(trie: dict, word: str, value: Any) -> None:
    node = trie
    for ch in word:
        node = node.setdefault(ch, {})
    node[_END] = value


class _LineFinder:
    """Line numbers of tables and keys for semantic errors (tomllib gives none).

    One pass over the file builds an index, so looking up is cheap.
    """

    _header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    _key = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")

    def __init__(self, source: str):
        self.tables: dict[str, int] = {}
        self.keys: dict[tuple[str, str], int] = {}
        table = ""
        for i, line in enumerate(source.splitlines(), 1):
            m = self._header.match(line)
            if m:
                table = m.group(1).replace('"', "").replace("'", "").replace(" ", "")
                self.tables.setdefault(table, i)
                continue
            m = self._key.match(line)
            if m:
                raw = m.group(1)
                if raw.startswith('"'):
                    try:
                        key = json.loads(raw)
                    except ValueError:
                        key = raw[1:-1]
                elif raw.startswith("'"):
                    key = raw[1:-1]
                else:
                    key = raw
                self.keys.setdefault((table, key), i)

    def table(self, name: str) -> int | None:
        return self.tables.get(name)

    def key(self, table: str, key: str) -> int | None:
        return self.keys.get((table, key)) or self.tables.get(table)


def _parse_rules(path: Path, source: str) -> tuple[_Settings, dict[str, str], list[_Rule]]:
    """TOML text -> settings, synonyms (raw), rules (raw keys). Raises RuleFileError."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise RuleFileError(path, int(m.group(1)) if m else None, f"TOML 语法错误 syntax error: {e}") from None
    lf = _LineFinder(source)

    def err(line: int | None, msg: str) -> RuleFileError:
        return RuleFileError(path, line, msg)

    settings = _Settings()
    scoring = data.pop("scoring", {})
    if not isinstance(scoring, dict):
        raise err(lf.table("scoring"), "[scoring] 必须是表 must be a table")
    for k, v in scoring.items():
        line = lf.key("scoring", k)
        if k in ("threshold", "min_topic", "urgent_threshold", "urgent_bonus", "cue_max", "other_cue",
                 "ask_penalty", "lexicon_weight"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise err(line, f"scoring.{k} 必须是数字 must be a number")
            setattr(settings, k, float(v))
        elif k == "negator_window":
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise err(line, "scoring.negator_window 必须是非负整数 must be an integer >= 0")
            settings.negator_window = v
        elif k == "negators":
            if not isinstance(v, str):
                raise err(line, "scoring.negators 必须是字符串 must be a string of characters")
            settings.negators = _base_normalize(v)
        elif k in ("questions", "ask_words"):
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                raise err(line, f"scoring.{k} 必须是字符串列表 must be a list of strings")
            setattr(settings, k, tuple(_base_normalize(x) for x in v))
        elif k in ("negatable", "tie_order", "ask_only"):
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise err(line, f"scoring.{k} 必须是字符串列表 must be a list of strings")
            allowed = GROUPS if k == "negatable" else REQUEST_CATEGORIES
            bad = [x for x in v if x not in allowed]
            if bad:
                raise err(line, f"scoring.{k}: 未知分组 unknown group(s) {bad}")
            setattr(settings, k, tuple(v))
        else:
            raise err(line, f"未知设置 unknown setting scoring.{k}")

    synonyms = data.pop("synonyms", {})
    if not isinstance(synonyms, dict):
        raise err(lf.table("synonyms"), "[synonyms] 必须是表 must be a table")
    for k, v in synonyms.items():
        if not isinstance(v, str) or not k:
            raise err(lf.key("synonyms", k), f"同义词 synonym {k!r} 的值必须是字符串 must map to a string")

    rules: list[_Rule] = []

    def add_group(group: str, table_name: str, table: Any) -> None:
        if not isinstance(table, dict):
            raise err(lf.table(table_name), f"[{table_name}] 必须是表 must be a table of keyword = weight")
        for key, w in table.items():
            line = lf.key(table_name, key)
            if isinstance(w, dict):
                raise err(line, f"[{table_name}] 里不能再嵌套表 nested table {key!r} not allowed")
            if isinstance(w, bool) or not isinstance(w, (int, float)):
                raise err(line, f"关键词 {key!r} 的权重必须是数字 weight must be a number")
            rules.append(_Rule(group=group, key=key, weight=float(w), line=line))

    cats = data.pop("category", {})
    if not isinstance(cats, dict):
        raise err(lf.table("category"), "[category.*] 格式错误 must be tables [category.<code>]")
    for code, table in cats.items():
        if code not in REQUEST_CATEGORIES:
            raise err(lf.table(f"category.{code}"),
                      f"未知类别 unknown category {code!r} (可用 allowed: {', '.join(REQUEST_CATEGORIES)})")
        add_group(code, f"category.{code}", table)
    for group in SPECIAL_GROUPS:
        if group in data:
            add_group(group, group, data.pop(group))
    for extra in data:
        raise err(lf.table(extra) or lf.key("", extra),
                  f"未知的表 unknown table [{extra}] (可用 allowed: scoring, synonyms, category.<code>, "
                  + ", ".join(SPECIAL_GROUPS) + ")")
    return settings, synonyms, rules


class _Compiler:
    def __init__(self, path: Path, settings: _Settings, synonyms: dict[str, str]):
        self.path = path
        self.settings = settings
        self.syn_trie: dict = {}
        self.syn_map: dict[str, str] = {}
        for k, v in synonyms.items():
            _trie_insert(self.syn_trie, _base_normalize(k), _base_normalize(v))
            self.syn_map[_base_normalize(k)] = _base_normalize(v)
        self.syn_first = frozenset(self.syn_trie)
        self.syn_map = {k: v for k, v in self.syn_map.items() if k}
        variants = sorted(self.syn_map, key=len, reverse=True)
        self.syn_rx = re.compile("|".join(map(re.escape, variants))) if variants else None

    def norm(self, s: str) -> str:
        return _apply_trie_replace(_base_normalize(s), self.syn_trie, self.syn_first)

    def term(self, raw: str, rule: _Rule, part_of_and: bool = False) -> _Term:
        token_only = raw.startswith("=")
        text = self.norm(raw[1:] if token_only else raw).strip()
        if not text:
            raise RuleFileError(self.path, rule.line, f"关键词为空 empty keyword in {rule.key!r}")
        if len(text) == 1 and not part_of_and:
            # a lone character is too ambiguous as a substring; inside "甲&乙" the other
            # part gives the context, so "电梯&困" also fires on "困住" ("=困" for token only)
            token_only = True
        return _Term(text, token_only)

    def compile(self, raw_rules: list[_Rule]) -> _Compiled:
        rules: list[_Rule] = []
        trie: dict = {}
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
                sets = _required_sets(pattern)
                needs = min(sets, key=len) if sets else None
                rules.append(_Rule(raw.group, key, raw.weight, (), rx, raw.line, needs,
                                   tuple(x for x in sets if x is not needs)))
                regex_rules.append(len(rules) - 1)
                continue
            parts = key.split("&")
            terms = tuple(self.term(p.strip(), raw, len(parts) > 1) for p in parts)
            label = "&".join(("=" if t.token_only and len(t.text) > 1 else "") + t.text for t in terms)
            idx = len(rules)
            rules.append(_Rule(raw.group, label, raw.weight, terms, None, raw.line))
            for t in terms:
                if t.token_only:
                    token_terms.add(t.text)
                else:
                    _trie_insert(trie, t.text, t.key)
                if idx not in by_term.get(t.key, ()):
                    by_term.setdefault(t.key, []).append(idx)
                if len(t.text) > 1 and re.search(r"[\u4e00-\u9fff]", t.text):
                    words[t.text] = None
        by_char: dict[str, list[int]] = {}
        always: list[int] = []
        for idx in regex_rules:
            needs = rules[idx].needs
            if needs is None:
                always.append(idx)
            else:
                for ch in needs:
                    by_char.setdefault(ch, []).append(idx)
        tie_rank = {c: i for i, c in enumerate(self.settings.tie_order)}
        for c in REQUEST_CATEGORIES:
            tie_rank.setdefault(c, len(tie_rank))
        return _Compiled(
            settings=self.settings,
            rules=rules,
            trie=trie,
            token_terms=token_terms,
            by_term={k: tuple(v) for k, v in by_term.items()},
            regex_rules=tuple(regex_rules),
            regex_by_char={k: tuple(v) for k, v in by_char.items()},
            regex_always=tuple(always),
            syn_trie=self.syn_trie,
            syn_first=self.syn_first,
            syn_map=self.syn_map,
            syn_rx=self.syn_rx,
            words=tuple(words),
            tie_rank=tie_rank,
            tie_sorted=tuple(sorted(REQUEST_CATEGORIES, key=tie_rank.__getitem__)),
        )


# --------------------------------------------------------------------------- jieba


_BASE_LOCK = threading.Lock()
_BASE: dict[str, tuple[dict, int]] = {}  # cache dir -> (FREQ, total) of the default dictionary
_USER_WORDS: list[tuple[str, int | None]] | None = None


def default_cache_dir() -> Path:
    return Path(os.environ.get("LIANHU_DATA_DIR") or "data")


def _load_base(cache_dir: Path) -> tuple[dict, int]:
    key = str(cache_dir.resolve())
    with _BASE_LOCK:
        if key not in _BASE:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tk = jieba.Tokenizer()
            tk.tmp_dir = str(cache_dir)
            tk.cache_file = "jieba.cache"
            tk.initialize()
            _BASE[key] = (tk.FREQ, tk.total)
        return _BASE[key]


def _user_words() -> list[tuple[str, int | None]]:
    global _USER_WORDS
    if _USER_WORDS is None:
        words = []
        for line in USER_DICT.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            words.append((_base_normalize(parts[0]), freq))
        _USER_WORDS = words
    return _USER_WORDS


def _new_tokenizer(cache_dir: Path) -> jieba.Tokenizer:
    freq, total = _load_base(cache_dir)
    tk = jieba.Tokenizer()
    tk.tmp_dir = str(cache_dir)
    tk.cache_file = "jieba.cache"
    tk.FREQ = dict(freq)  # private copy: our added words must not leak into other instances
    tk.total = total
    tk.initialized = True
    for word, f in _user_words():
        tk.add_word(word, f)
    return tk


# --------------------------------------------------------------------------- classifier


class Classifier:
    def __init__(self, rules_path: str | Path | None = None, cache_dir: str | Path | None = None,
                 hmm: bool = False, lexicon_path: Path | None = None):
        self.rules_path = Path(rules_path) if rules_path is not None else DEFAULT_RULES
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.hmm = hmm
        self._lock = threading.RLock()
        self._extra: list[_Rule] = []  # run-time keywords (staff in chat), kept across reload()
        self._removed: set[tuple[str, str]] = set()  # (group, key) of file rules switched off at run time
        self._raw: tuple[Path, _Settings, dict[str, str], list[_Rule]] | None = None
        self._tk = _new_tokenizer(self.cache_dir)
        self._added_words: set[str] = set()
        self._rules: _Compiled = self._load()  # raises RuleFileError if the file is bad
        self.lexicon = Lexicon.load(lexicon_path) if lexicon_path is not None else Lexicon.load()

    # ---- rules

    def _load(self) -> _Compiled:
        path = self.rules_path
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as e:
            raise RuleFileError(path, None, f"无法读取 cannot read: {e}") from None
        except UnicodeDecodeError as e:
            line = path.read_bytes()[: e.start].count(b"\n") + 1
            raise RuleFileError(path, line, "文件不是 UTF-8 编码 not UTF-8") from None
        settings, synonyms, raw_rules = _parse_rules(path, source)
        compiled = _Compiler(path, settings, synonyms).compile(self._active(raw_rules) + self._extra)
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
        return _base_normalize(key).lstrip("=").strip()

    def _active(self, raw_rules: list[_Rule]) -> list[_Rule]:
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

    def _recompile(self, extra: list[_Rule], removed: set[tuple[str, str]]) -> None:
        """Compile file rules minus ``removed`` plus ``extra``; on success make them current."""
        assert self._raw is not None
        path, settings, synonyms, raw_rules = self._raw
        old_removed = self._removed
        self._removed = removed
        try:
            compiled = _Compiler(path, settings, synonyms).compile(self._active(raw_rules) + extra)
        except RuleFileError as e:
            self._removed = old_removed
            raise ValueError(e.message) from None
        self._extra = extra
        self._add_words(compiled.words)
        self._rules = compiled

    def _with_added(self, extra: list[_Rule], removed: set[tuple[str, str]], category: str,
                    keyword: str, weight: float) -> tuple[list[_Rule], set[tuple[str, str]]]:
        kid = self._key_id(keyword)
        extra = [r for r in extra if not (r.group == category and self._key_id(r.key) == kid)]
        extra.append(_Rule(group=category, key=keyword.strip(), weight=float(weight), line=None))
        # the file's own version of the keyword (if any) gives way to the new weight
        return extra, removed | {(category, kid)}

    def _with_lexicon(self, tokens: list[str], cat_scores: dict[str, float], category: str,
                      weight: float, evidence: list[tuple[int, str]], n: int) -> str:
        """Where the rules are unsure (the best two categories within half of ``weight``, or no
        topic word), rule scores plus the lexicon's probability times ``weight`` choose."""
        assert self.lexicon is not None
        ranked = sorted((cat_scores.get(c, 0.0) for c in REQUEST_CATEGORIES), reverse=True)
        if category != "other" and ranked[0] - ranked[1] > weight / 2:
            return category
        p = self.lexicon.posterior(tokens)
        combined = {c: cat_scores.get(c, 0.0) + weight * p.get(c, 0.0) for c in REQUEST_CATEGORIES}
        best = max(combined, key=lambda c: (combined[c], -REQUEST_CATEGORIES.index(c)))
        if best != category:
            evidence.append((n, f"lexicon:{best}(p={p.get(best, 0.0):.2f})"))
        return best

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
        with self._lock:
            extra: list[_Rule] = []
            removed: set[tuple[str, str]] = set()
            for action, category, keyword, weight in changes:
                try:
                    self._check(category, keyword, weight)
                    if action == "add":
                        probe = _Rule(group=category, key=keyword.strip(), weight=float(weight), line=None)
                        _Compiler(*self._raw[:3]).compile([probe])  # type: ignore[index]
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
        text = _base_normalize(text)
        if r.syn_rx is None:
            return text
        syn = r.syn_map
        return r.syn_rx.sub(lambda m: syn[m.group()], text)

    def tokenize(self, text: str) -> list[str]:
        """Normalise and segment; "".join(tokens) is the normalised text."""
        return self._tk.lcut(self.normalize(text), HMM=self.hmm)

    # ---- classification

    @staticmethod
    def _negated(norm: str, start: int, S: _Settings) -> bool:
        before = norm[max(0, start - S.negator_window):start]
        if not any(c in S.negators for c in before):
            return False
        head = norm[:start]
        return not any(head.endswith(q) for q in S.questions)

    def classify(self, text: str, tokens: list[str] | None = None) -> Classification:
        if tokens is None:
            tokens = self.tokenize(text)
        R = self._rules
        S = R.settings
        norm = "".join(tokens)
        n = len(norm)

        # 1. find every term occurrence: term key -> [(start, end), ...]
        hits: dict[str, list[tuple[int, int]]] = {}
        trie = R.trie
        for i in range(n):
            node = trie.get(norm[i])
            j = i + 1
            while node is not None:
                t = node.get(_END)
                if t is not None:
                    hits.setdefault(t, []).append((i, j))
                if j >= n:
                    break
                node = node.get(norm[j])
                j += 1
        if R.token_terms:
            pos = 0
            for tok in tokens:
                end = pos + len(tok)
                if tok in R.token_terms:
                    hits.setdefault("=" + tok, []).append((pos, end))
                pos = end

        # 2. rules whose terms all occur
        rules = R.rules
        cand: set[int] = set()
        for k in hits:
            cand.update(R.by_term.get(k, ()))
        negators, window, negatable = S.negators, S.negator_window, S.negatable
        fired: list[tuple[int, int, int, str]] = []  # (start, end, rule index, shown text)
        check_negation = bool(window)
        for idx in cand:
            rule = rules[idx]
            first = None
            ok = True
            negate = check_negation and rule.group in negatable
            for t in rule.terms:
                occ = hits.get(t.key)
                if occ is None:
                    ok = False
                    break
                if negate:
                    occ = [o for o in occ if not self._negated(norm, o[0], S)]
                    if not occ:
                        ok = False
                        break
                if first is None:
                    first = occ
            if ok and first:
                if len(rule.terms) == 1:
                    for s, e in first:
                        fired.append((s, e, idx, rule.key))
                else:
                    fired.append((first[0][0], first[0][1], idx, rule.key))
        rx_cand = set(R.regex_always)
        by_char = R.regex_by_char
        chars = set(norm)
        for ch in chars:
            got = by_char.get(ch)
            if got:
                rx_cand.update(got)
        for idx in sorted(rx_cand):
            rule = rules[idx]
            missing = False
            for x in rule.also:  # a part the pattern needs is missing: no search
                if chars.isdisjoint(x):
                    missing = True
                    break
            if missing:
                continue
            m = rule.regex.search(norm)
            if m:
                fired.append((m.start(), m.end(), idx, m.group(0) or rules[idx].key))

        # 3. within a group, a match strictly inside a longer keyword match of the same group does
        # not count ("燃气味" beats "燃气"); a regular expression's span hides nothing, since a
        # pattern like "楼上.{0,8}麻将" would otherwise swallow the keywords it spans
        by_rule: dict[int, tuple[int, str]] = {}  # rule index -> (first start, shown)
        if fired:
            spans_by_group: dict[str, list[tuple[int, int, int]]] = {}
            for s, e, idx, _ in fired:
                if rules[idx].regex is None:
                    spans_by_group.setdefault(rules[idx].group, []).append((s, e, idx))
            for s, e, idx, shown in sorted(fired):
                group_spans = spans_by_group.get(rules[idx].group, ())
                if len(group_spans) > 1 and any(
                        s2 <= s and e <= e2 and (e2 - s2) > (e - s) and i2 != idx for s2, e2, i2 in group_spans):
                    continue
                if idx not in by_rule:
                    by_rule[idx] = (s, shown)

        # 4. scores
        cat_scores = dict.fromkeys(REQUEST_CATEGORIES, 0.0)
        cue = cancel = urgent_score = 0.0
        evidence: list[tuple[int, str]] = []
        for idx, (s, shown) in by_rule.items():
            rule = rules[idx]
            g, w = rule.group, rule.weight
            if g == "cue":
                cue += w
            elif g == "cancel":
                cancel += w
            elif g in ("urgent", "calm"):
                urgent_score += w
            else:
                cat_scores[g] += w
            if w:  # zero-weight entries only stop shorter keywords; not worth showing
                evidence.append((s, rule.evidence if rule.regex is None else shown.join(rule.shown_as)))
        evidence.sort()

        best_score = max(cat_scores.values())
        best = next(c for c in R.tie_sorted if cat_scores[c] == best_score)
        urgent_signal = urgent_score >= S.urgent_threshold
        total = best_score + min(cue, S.cue_max) + cancel + (S.urgent_bonus if urgent_signal else 0.0)
        if best in S.ask_only and not any(w in norm for w in S.ask_words):
            total -= S.ask_penalty
            evidence.append((n, f"ask:{best}(-{S.ask_penalty:g})"))
        if best_score >= S.min_topic and total >= S.threshold:
            category = best
        elif S.other_cue > 0 and best_score < S.min_topic and best_score + cue + cancel >= S.other_cue:
            # addressed to the community with a request, about nothing we have words for
            category = "other"
            total = best_score + cue + cancel
        else:
            category = "none"
        if category != "none" and S.lexicon_weight and self.lexicon is not None:
            category = self._with_lexicon(tokens, cat_scores, category, S.lexicon_weight, evidence, n)
        return Classification(
            category=category,
            urgent=category != "none" and urgent_signal,
            evidence=tuple(e for _, e in evidence),
            score=round(total, 3),
        )
