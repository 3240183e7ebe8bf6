"""kernel.prefilter: a pattern searched only in texts holding a piece every match needs answers as
the pattern itself — on random texts over a small alphabet (every corner of the needs: optional
parts, repeats, classes, lookarounds, empty alternatives), and on the guide's own patterns over
the labelled questions."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from domain import guide_vocab
from domain.guide_text import is_question, mandarin
from kernel.parsing import normalise
from kernel.prefilter import AnyOf, Prefiltered, needed

PATTERNS = [
    r"ab", r"a(b|c)d", r"x?(ab|cd)", r"(ab|cd)?e", r"a[bc]{2}d", r"a+b", r"(?<!a)bc", r"b(?!c)d?",
    r"^(?!.*ca).*?(ab|dc|e{2,})", r"(ab|)c", r"a.b", r"[^a]bc", r"(?:abc|abd|e)(?=a)", r"(a|b)(c|d)(e|a)",
    r"a(?:b(?:c|d)?|e)", r"(ab)\1", r"[a-e]", r"(?i:ab)c", r"(?:ab|cd){1,2}e?",
]
ALPHABET = "abcdeAB "


def _texts(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 12))) for _ in range(n)]


@pytest.mark.parametrize("source", PATTERNS)
def test_a_prefiltered_pattern_finds_what_the_pattern_finds(source: str) -> None:
    pattern = re.compile(source)
    first = Prefiltered(pattern)
    for text in _texts(3000, hash(source) & 0xFFFF):
        found, mine = pattern.search(text), first.search(text)
        assert (found and found.span()) == (mine and mine.span()), text
        assert first.sub("-", text) == pattern.sub("-", text)
        assert [m.span() for m in first.finditer(text)] == [m.span() for m in pattern.finditer(text)]


def test_what_is_needed() -> None:
    assert needed(re.compile(r"a(b|c)d")) == {"abd", "acd"}
    assert needed(re.compile(r"x?(ab|cd)")) == {"ab", "cd", "xab", "xcd"}  # (the longer ones hold the shorter)
    assert needed(re.compile(r"(ab|)c")) == {"abc", "c"}
    assert needed(re.compile(r"a.b")) in ({"a"}, {"b"})
    assert needed(re.compile(r"(ab|.)")) is None  # a branch may match anything
    assert needed(re.compile(r"ab", re.IGNORECASE)) is None
    # texts holding none of the needed pieces never reach the pattern
    assert not Prefiltered(re.compile(r"^(?!.*x).*?(审核|审批)(通过了?|了)(没有?|吗)")).could_match("电梯又坏了 怎么办")


def _guide_texts() -> list[str]:
    out: list[str] = []
    for path in sorted(Path("tests/data/guide").glob("questions*.jsonl"))[:30]:
        out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def test_the_guides_patterns_answer_as_before_on_the_labelled_questions() -> None:
    texts = _guide_texts()
    assert len(texts) > 1000
    read = [mandarin(normalise(t)) for t in texts]
    patterns = [p for p in vars(guide_vocab).values() if isinstance(p, re.Pattern)]
    assert len(patterns) > 30
    filtered = 0
    for pattern in patterns:
        first = Prefiltered(pattern)
        filtered += needed(pattern) is not None
        for text in read:
            found, mine = pattern.search(text), first.search(text)
            assert (found and found.span()) == (mine and mine.span()), (pattern.pattern[:60], text)
    assert filtered >= len(patterns) - 2  # the slow ones above all are looked at first


def test_a_resident_asking_where_their_own_case_has_got_to_is_not_answered_by_the_guide() -> None:
    # OWN_STATUS (the slowest pattern, now looked at first) still takes these out
    assert not is_question("我的低保批下来没有")
    assert not is_question("申请的补贴怎么还没到账啊")
    assert is_question("居住证到期了怎么续签")


def test_a_series_is_skipped_only_when_no_pattern_of_it_could_match() -> None:
    patterns = [re.compile(p) for p in (r"a(b|c)", r"d+e", r"(?<!b)cd")]
    first = AnyOf(patterns)
    for text in _texts(3000, 7):
        assert first.could_match(text) or not any(p.search(text) for p in patterns), text
    assert not first.could_match("bbbb") and first.could_match("xde")
    assert AnyOf([re.compile(r"a"), re.compile(r".")]).could_match("zzz")  # one needs nothing: always looked at
    assert not AnyOf([]).could_match("abc")
