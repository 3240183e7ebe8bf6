"""The rules file (rules.toml): its groups and settings, parsed and checked into raw rules.

Format in README.md next to this file. Errors name the file and line (RuleFileError).
"""
from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.texts import CATEGORY_NAMES

from .t2s import T2S

PKG_DIR = Path(__file__).resolve().parent
DEFAULT_RULES = PKG_DIR / "rules.toml"

# code -> 中文, in LABELS.md order (the names live with the bot's other texts)
CATEGORIES: dict[str, str] = dict(CATEGORY_NAMES)
REQUEST_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != "none")
SPECIAL_GROUPS: tuple[str, ...] = ("cue", "cancel", "urgent", "calm")
GROUPS: tuple[str, ...] = REQUEST_CATEGORIES + SPECIAL_GROUPS

DEFAULT_WEIGHT = 2.0


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
class Term:
    text: str
    token_only: bool
    key: str = ""  # "=text" for whole-token terms, else text

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", "=" + self.text if self.token_only else self.text)


@dataclass
class Rule:
    group: str
    key: str  # as written (after normalisation), shown in evidence
    weight: float
    terms: tuple[Term, ...] = ()
    regex: re.Pattern[str] | None = None
    line: int | None = None
    needs: frozenset[str] | None = None  # regex prefilter: a match contains one of these
    also: tuple[frozenset[str], ...] = ()  # ... and one of each of these
    evidence: str = ""  # "group:key(+w)", precomputed
    shown_as: tuple[str, str] = ("", "")  # for a regex: evidence = [0] + matched text + [1]

    def __post_init__(self) -> None:
        self.evidence = f"{self.group}:{self.key}({self.weight:+g})"
        self.shown_as = (f"{self.group}:", f"({self.weight:+g})")


@dataclass
class Scoring:
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



def base_normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(T2S).lower()


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


def parse_rules(path: Path, source: str) -> tuple[Scoring, dict[str, str], list[Rule]]:
    """TOML text -> settings, synonyms (raw), rules (raw keys). Raises RuleFileError."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise RuleFileError(path, int(m.group(1)) if m else None, f"TOML 语法错误 syntax error: {e}") from None
    lf = _LineFinder(source)
    settings = _parse_scoring(path, lf, data.pop("scoring", {}))
    synonyms = data.pop("synonyms", {})
    if not isinstance(synonyms, dict):
        raise RuleFileError(path, lf.table("synonyms"), "[synonyms] 必须是表 must be a table")
    for k, v in synonyms.items():
        if not isinstance(v, str) or not k:
            raise RuleFileError(path, lf.key("synonyms", k),
                                f"同义词 synonym {k!r} 的值必须是字符串 must map to a string")
    rules: list[Rule] = []
    cats = data.pop("category", {})
    if not isinstance(cats, dict):
        raise RuleFileError(path, lf.table("category"), "[category.*] 格式错误 must be tables [category.<code>]")
    for code, table in cats.items():
        if code not in REQUEST_CATEGORIES:
            raise RuleFileError(path, lf.table(f"category.{code}"),
                                f"未知类别 unknown category {code!r} (可用 allowed: {', '.join(REQUEST_CATEGORIES)})")
        rules += _group_rules(path, lf, code, f"category.{code}", table)
    for group in SPECIAL_GROUPS:
        if group in data:
            rules += _group_rules(path, lf, group, group, data.pop(group))
    for extra in data:
        raise RuleFileError(path, lf.table(extra) or lf.key("", extra),
                            f"未知的表 unknown table [{extra}] (可用 allowed: scoring, synonyms, category.<code>, "
                            + ", ".join(SPECIAL_GROUPS) + ")")
    return settings, synonyms, rules


def _parse_scoring(path: Path, lf: _LineFinder, scoring: Any) -> Scoring:
    """The [scoring] table: each setting checked for its type."""
    settings = Scoring()
    if not isinstance(scoring, dict):
        raise RuleFileError(path, lf.table("scoring"), "[scoring] 必须是表 must be a table")
    for k, v in scoring.items():
        line = lf.key("scoring", k)
        if k in ("threshold", "min_topic", "urgent_threshold", "urgent_bonus", "cue_max", "other_cue",
                 "ask_penalty", "lexicon_weight"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise RuleFileError(path, line, f"scoring.{k} 必须是数字 must be a number")
            setattr(settings, k, float(v))
        elif k == "negator_window":
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise RuleFileError(path, line, "scoring.negator_window 必须是非负整数 must be an integer >= 0")
            settings.negator_window = v
        elif k == "negators":
            if not isinstance(v, str):
                raise RuleFileError(path, line, "scoring.negators 必须是字符串 must be a string of characters")
            settings.negators = base_normalize(v)
        elif k in ("questions", "ask_words"):
            if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
                raise RuleFileError(path, line, f"scoring.{k} 必须是字符串列表 must be a list of strings")
            setattr(settings, k, tuple(base_normalize(x) for x in v))
        elif k in ("negatable", "tie_order", "ask_only"):
            setattr(settings, k, _group_list(path, line, k, v))
        else:
            raise RuleFileError(path, line, f"未知设置 unknown setting scoring.{k}")
    return settings


def _group_list(path: Path, line: int | None, k: str, v: Any) -> tuple[str, ...]:
    """scoring.negatable (any group), tie_order or ask_only (request categories)."""
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise RuleFileError(path, line, f"scoring.{k} 必须是字符串列表 must be a list of strings")
    allowed = GROUPS if k == "negatable" else REQUEST_CATEGORIES
    bad = [x for x in v if x not in allowed]
    if bad:
        raise RuleFileError(path, line, f"scoring.{k}: 未知分组 unknown group(s) {bad}")
    return tuple(v)


def _group_rules(path: Path, lf: _LineFinder, group: str, table_name: str, table: Any) -> list[Rule]:
    """The keyword = weight lines of one group's table."""
    if not isinstance(table, dict):
        raise RuleFileError(path, lf.table(table_name), f"[{table_name}] 必须是表 must be a table of keyword = weight")
    rules = []
    for key, w in table.items():
        line = lf.key(table_name, key)
        if isinstance(w, dict):
            raise RuleFileError(path, line, f"[{table_name}] 里不能再嵌套表 nested table {key!r} not allowed")
        if isinstance(w, bool) or not isinstance(w, (int, float)):
            raise RuleFileError(path, line, f"关键词 {key!r} 的权重必须是数字 weight must be a number")
        rules.append(Rule(group=group, key=key, weight=float(w), line=line))
    return rules
