"""Same sound, wrong character: "地保" for 低保, "高零补贴", "流干疫苗", "自愿者" (z/zh).

A resident typing with pinyin often picks a homophone; dialects merge zh/z, ch/c, sh/s, n/l
and -ng/-n. ``SoundFixer`` knows the guide's topic words (from its titles and the everyday
names' targets) by their fuzzy pinyin (pypinyin's: a topic word as read in that word, a typed
character by its first reading) and puts a topic word in place of a token, or a run of
single-character tokens, that sounds the same but is no common word (rare in jieba's
dictionary, unknown to the guide, no stopword); and a topic word for the letters typed for it,
its syllables' first letters ("jzz" 居住证, "yb" 医保), when they stand for no other topic word.

The readings come from ``guide_sound.json``, made from pypinyin by scripts/make_sound_table.py
(each character's reading; the characters some phrase reads otherwise; the shipped guide's
topic words holding one of those, as pypinyin reads them): the bot does not import pypinyin,
whose tables cost ~55 MB. Only a topic word that holds such a character and is not in the file
(an entry added since) is read by pypinyin itself, imported then.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from kernel.memo import Kept

#: a stretch this common in jieba's dictionary is a word of its own, not a slip ("自愿" 757,
#: "侄女" 248 not 子女, "搭建" 207 not 大件, "住址" 127 not 组织; slips are rarer: "零时" 58, "地保" 20)
MAX_FREQ = 100
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
FIRST, LAST = 0x4E00, 0x9FFF  # the characters _HAN takes, each with its reading in the table
TABLE = Path(__file__).with_name("guide_sound.json")
log = logging.getLogger(__name__)
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def _fuzzy(syllable: str) -> str:
    for a, b in _INITIALS:
        if syllable.startswith(a):
            syllable = b + syllable[len(a):]
            break
    for a, b in _FINALS:
        if syllable.endswith(a):
            syllable = syllable[: -len(a)] + b
            break
    return syllable


class _Table:
    """guide_sound.json, read once: each character's fuzzy reading (a list by code point), the
    characters a phrase may read otherwise, the topic words' readings. A file that is missing
    or unreadable leaves the table empty (a warning in the log): pypinyin reads everything."""

    def __init__(self, path: Path) -> None:
        self.chars: list[str] = [""] * (LAST - FIRST + 1)  # "": not in the table
        self.polyphones: frozenset[str] = frozenset()
        self.words: dict[str, tuple[str, ...]] = {}
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            fuzzy = {r: sys.intern(_fuzzy(r)) for r in raw["chars"]}
            for reading, chars in raw["chars"].items():
                for c in chars:
                    self.chars[ord(c) - FIRST] = fuzzy[reading]
            self.polyphones = frozenset(raw["polyphones"])
            self.words = {w: tuple(_fuzzy(r) for r in said.split(" ")) for w, said in raw["words"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            log.warning("guide sound table %s unreadable (%s): pypinyin reads every sound", path, exc)
            self.chars = [""] * (LAST - FIRST + 1)

    def char(self, c: str) -> str:
        n = ord(c) - FIRST
        return self.chars[n] if 0 <= n <= LAST - FIRST else ""


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table(TABLE)


def _pypinyin(text: str) -> list[str]:
    """pypinyin's reading of ``text`` (imported here: only for what the table does not hold)."""
    from pypinyin import Style, pinyin

    return [s[0] for s in pinyin(text, style=Style.NORMAL)]


def sound(char: str) -> str:
    """The fuzzy reading of one character as typed (its first reading)."""
    found = _table().char(char) if len(char) == 1 else ""
    return found or _fuzzy(_pypinyin(char)[0])


def word_sound(word: str) -> tuple[str, ...]:
    """A word's fuzzy reading, each character as read in this word (长寿 chang, 长大 zhang)."""
    table = _table()
    said = table.words.get(word)
    if said is not None:
        return said
    alone = [table.char(c) for c in word]
    if all(alone) and not any(c in table.polyphones for c in word):
        return tuple(alone)  # no character a phrase reads otherwise: the word reads as its characters
    return tuple(_fuzzy(s) for s in _pypinyin(word))


def _letters(initials: str) -> str:
    """Initials as typed or read: lower case, n as l (the fuzzy reading merges n and l)."""
    return initials.lower().replace("n", "l")


#: pieces whose reading a fixer keeps (a few hundred kB at most), forgotten all at once when full
MATCHED_KEPT = 2_000


class SoundFixer:
    """Topic words by sound; ``fix(text)`` writes them in place of their homophones."""

    def __init__(self, topic_words: Iterable[str], known: set[str], freq: Mapping[str, int],
                 keep: Collection[str] = ()) -> None:
        self.words: dict[tuple[str, ...], str] = {}
        for w in sorted(set(topic_words), key=lambda w: (len(w), w)):
            if 2 <= len(w) <= 4 and _HAN.match(w):
                self.words.setdefault(word_sound(w), w)
        self.known, self.freq, self.keep = known, freq, keep
        # the letters residents type for a topic word, its syllables' first letters ("jzz" 居住证,
        # "yb" 医保, "sq" 社区): only letters that stand for one topic word
        by_letters: dict[str, set[str]] = {}
        for said, w in self.words.items():
            by_letters.setdefault(_letters("".join(s[0] for s in said)), set()).add(w)
        self.initials = {k: next(iter(ws)) for k, ws in by_letters.items() if len(ws) == 1}
        self._match = Kept(self._sounded, MATCHED_KEPT)  # each piece's answer, worked out once

    def _slip(self, piece: str) -> bool:
        return piece not in self.known and piece not in self.keep and (self.freq.get(piece) or 0) < MAX_FREQ

    def _sounded(self, piece: str) -> str | None:
        if not _HAN.match(piece) or not self._slip(piece):
            return None
        hit = self.words.get(tuple(sound(c) for c in piece))
        return hit if hit != piece else None

    def fix(self, tokens: list[str]) -> list[str]:
        """The tokens with topic words for their homophones: a whole token of 2-4 characters, one of
        2-3 with the single characters after it (4 in all at most), or 2-4 single-character tokens in a row (jieba cuts
        an unknown slip into characters)."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if 2 <= len(tok) <= 4 and tok.isascii() and tok.isalpha():
                out.append(self.initials.get(_letters(tok), tok))
                i += 1
                continue
            if 2 <= len(tok) <= 4:
                # a word with a slipped character cut off after it ("居住正" → 居住 + 正, "居住正明"),
                # the longest first
                singles = 0
                while singles < 4 - len(tok) and i + 1 + singles < len(tokens) and len(tokens[i + 1 + singles]) == 1:
                    singles += 1
                joined = next(((n, hit) for n in range(singles, 0, -1)
                               if (hit := self._match(tok + "".join(tokens[i + 1:i + 1 + n]))) is not None), None)
                if joined is not None:
                    out.append(joined[1])
                    i += 1 + joined[0]
                    continue
                out.append(self._match(tok) or tok)
                i += 1
                continue
            run = 0
            while i + run < len(tokens) and len(tokens[i + run]) == 1 and run < 4:
                run += 1
            for n in range(run, 1, -1):
                hit = self._match("".join(tokens[i:i + n]))
                if hit is not None:
                    out.append(hit)
                    i += n
                    break
            else:
                out.append(tok)
                i += 1
        return out
