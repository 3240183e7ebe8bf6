"""Same sound, wrong character: "地保" for 低保, "高零补贴", "流干疫苗", "自愿者" (z/zh).

A resident typing with pinyin often picks a homophone; dialects merge zh/z, ch/c, sh/s, n/l
and -ng/-n. ``SoundFixer`` knows the guide's topic words (from its titles and the everyday
names' targets) by their fuzzy pinyin (pypinyin: a topic word as read in that word, a typed
character by its first reading) and puts a topic word in place of a token, or a run of
single-character tokens, that sounds the same but is no common word (rare in jieba's
dictionary, unknown to the guide, no stopword). pypinyin is imported when first needed.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache

#: a stretch this common in jieba's dictionary is a word of its own, not a slip ("自愿" 757)
MAX_FREQ = 300
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
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


@lru_cache(maxsize=8192)
def sound(char: str) -> str:
    """The fuzzy reading of one character as typed (its first reading)."""
    from pypinyin import Style, pinyin  # imported when first needed: loading its tables takes ~1 s

    return _fuzzy(pinyin(char, style=Style.NORMAL)[0][0])


def word_sound(word: str) -> tuple[str, ...]:
    """A word's fuzzy reading, each character as read in this word (长寿 chang, 长大 zhang)."""
    from pypinyin import Style, pinyin

    return tuple(_fuzzy(s[0]) for s in pinyin(word, style=Style.NORMAL))


class SoundFixer:
    """Topic words by sound; ``fix(text)`` writes them in place of their homophones."""

    def __init__(self, topic_words: Iterable[str], known: set[str], freq: Mapping[str, int],
                 keep: Collection[str] = ()) -> None:
        self.words: dict[tuple[str, ...], str] = {}
        for w in sorted(set(topic_words), key=lambda w: (len(w), w)):
            if 2 <= len(w) <= 4 and _HAN.match(w):
                self.words.setdefault(word_sound(w), w)
        self.known, self.freq, self.keep = known, freq, keep

    def _slip(self, piece: str) -> bool:
        return piece not in self.known and piece not in self.keep and (self.freq.get(piece) or 0) < MAX_FREQ

    def _match(self, piece: str) -> str | None:
        if not _HAN.match(piece) or not self._slip(piece):
            return None
        hit = self.words.get(tuple(sound(c) for c in piece))
        return hit if hit != piece else None

    def fix(self, tokens: list[str]) -> list[str]:
        """The tokens with topic words for their homophones: a whole token of 2-4 characters, or
        2-4 single-character tokens in a row (jieba cuts an unknown slip into characters)."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if 2 <= len(tok) <= 4:
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
