"""One jieba dictionary for the whole process, and the classifier's segmenter on top of it.

jieba's default dictionary (FREQ: 349,000 words and the prefixes of each at frequency 0) is
loaded once per process, lazily, as a marisa trie with the frequencies in arrays
(``dictionary.py``: ~3.5 MB in C and an array, instead of jieba's 500,000-key Python dict
of ~56 MB), from a cache file in the data folder that is made from jieba's dict.txt at the first
load and made again when dict.txt changes or the file is damaged. jieba's own dictionary
(``jieba.dt``, what ``jieba.lcut`` uses) is never loaded by the bot; jieba's HMM for unknown
words (``jieba.finalseg``) is used as it is, and jieba itself is imported only for it (a cut
with hmm=True): the bot's plain cuts never import jieba (~19 MB of HMM tables).

Each classifier adds its own words (``userdict.txt`` and the keywords of its rules) with
``Segmenter.add_word``. Those words live in a small per-segmenter table (``own``, with their
prefixes): an own frequency overrides the dictionary's, 0 means "no word". ``Segmenter.cut``
gives exactly what a private ``jieba.Tokenizer`` with those words added in the same order
would give (``jieba.lcut`` itself when there are none): jieba's DAG and best-route passes are
done in one loop, without a generator or a temporary DAG, and its walk over FREQ reads a memo
per segmenter (``_known``: fragment -> log(freq), "prefix" or "neither"), filled from the
trie and the own words on a miss (a trie look-up costs ~1 µs, a dict's ~0.05 µs). The memo
holds the fragments of recent texts, at most ``MEMO_SIZE`` (then it starts again; ~4 MB).
"""
from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterable
from math import log
from pathlib import Path
from typing import Any


def _import_jieba_without_pkg_resources() -> None:
    """jieba imports pkg_resources (setuptools: ~0.3 s and ~6 MB) only to open its own data
    files; when that import fails it opens the same files from its folder. The bot needs
    pkg_resources for nothing else, so jieba is first imported with it unavailable."""
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba  # noqa: F401
    finally:
        del sys.modules["pkg_resources"]


#: words added with frequency 0 (jieba's "never one word"): its HMM must split them too
_FORCE_SPLIT: list[str] = []
_FINALSEG: list[Any] = []  # jieba.finalseg once imported (the HMM: only for cuts with hmm=True)
_HMM_LOCK = threading.Lock()


def _finalseg() -> Any:
    """jieba's HMM for runs of unknown characters, imported at the first cut that uses it:
    importing jieba costs ~19 MB (the HMM's tables) that plain cuts — the bot's — never need."""
    if not _FINALSEG:
        with _HMM_LOCK:
            if not _FINALSEG:
                _import_jieba_without_pkg_resources()
                from jieba import finalseg

                for word in _FORCE_SPLIT:
                    finalseg.add_force_split(word)
                _FINALSEG.append(finalseg)
    return _FINALSEG[0]


from .dictionary import BaseDictionary
from .dictionary import load as load_dictionary
from .rules import base_normalize

USER_DICT = Path(__file__).resolve().parent / "userdict.txt"

# jieba's own splitting of a text into blocks it segments and the rest (jieba/__init__.py)
_RE_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_RE_SKIP = re.compile("(\r\n|\\s)")
_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # jieba's re_eng, one char


def _other(blk: str, out: list[str]) -> None:
    """jieba's treatment of what is no block: white space (and \\r\\n) as tokens, the rest one
    character each. Again the separators are the odd parts of split()."""
    if len(blk) == 1:  # most often: one space or sign between blocks, a token either way
        out.append(blk)
        return
    parts = _RE_SKIP.split(blk)
    out.extend(parts[0])
    for j in range(1, len(parts), 2):
        out.append(parts[j])
        out.extend(parts[j + 1])

#: what the walk's memo says of a fragment that is no word: a prefix of one, or not even that
#: (a word's value is log(freq) >= 0)
_PREFIX = -1.0
_NONE = -2.0
#: fragments the memo of a segmenter holds at most (~120 bytes each)
MEMO_SIZE = 1 << 15

_BASE_LOCK = threading.Lock()
_BASE: BaseDictionary | None = None
_USER_WORDS: list[tuple[str, int | None]] | None = None


def default_cache_dir() -> Path:
    return Path(os.environ.get("LIANHU_DATA_DIR") or "data")


def base_dictionary(cache_dir: Path | None = None) -> BaseDictionary:
    """jieba's default dictionary as a trie, loaded once per process; the first caller's
    ``cache_dir`` holds its cache file (``jieba-dict.marisa``, made at the first load)."""
    global _BASE
    base = _BASE
    if base is None:
        with _BASE_LOCK:
            if _BASE is None:
                _BASE = load_dictionary(Path(cache_dir) if cache_dir is not None else default_cache_dir())
            base = _BASE
    return base


def loaded_dictionary() -> BaseDictionary | None:
    """The dictionary if some segmenter has loaded it (the guide reads its frequencies)."""
    return _BASE


def user_words() -> list[tuple[str, int | None]]:
    """The words of ``userdict.txt`` (normalised) with their frequency, if given."""
    global _USER_WORDS
    if _USER_WORDS is None:
        words = []
        for line in USER_DICT.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            words.append((base_normalize(parts[0]), freq))
        _USER_WORDS = words
    return _USER_WORDS


class Segmenter:
    """jieba's segmentation (``cut`` without and with HMM) over the shared dictionary plus
    this segmenter's own words. The dictionary is loaded at the first cut or added word."""

    def __init__(self, cache_dir: Path | None = None, words: Iterable[tuple[str, int | None]] = ()):
        self.cache_dir = cache_dir
        self._lock = threading.RLock()
        self._base: BaseDictionary | None = None  # the shared dictionary, once loaded
        self._total = 0
        self._logtotal = 0.0
        self.own: dict[str, int] = {}           # this segmenter's words -> frequency (0: no word)
        self._own_prefixes: set[str] = set()    # ... and their prefixes
        #: fragment -> log(freq) / _PREFIX / _NONE, for the walk (see _fill)
        self._known: dict[str, float] = {}
        self._pending: list[tuple[str, int | None]] = list(words)
        #: a new object whenever a word is added: what was cut before may be cut otherwise now
        self.words_version: object = object()

    # ---- the dictionary

    def _ready(self) -> BaseDictionary:
        base = self._base
        if base is None:
            with self._lock:
                if self._base is None:
                    loaded = base_dictionary(self.cache_dir)
                    self._total = loaded.total
                    self._logtotal = log(loaded.total)
                    self._base = loaded
                    pending, self._pending = self._pending, []
                    for word, f in pending:
                        self._add(word, f)
                base = self._base
        assert base is not None
        return base

    def add_word(self, word: str, freq: int | None = None) -> None:
        """jieba's ``Tokenizer.add_word``: ``freq`` None = just enough to be cut out whole."""
        with self._lock:
            if self._base is None:
                self._pending.append((word, freq))
            else:
                self._add(word, freq)

    def _add(self, word: str, freq: int | None) -> None:
        f = int(freq) if freq is not None else self.suggest_freq(word)
        self.own[word] = f
        self.words_version = object()
        self._total += f
        self._logtotal = log(self._total)
        self._own_prefixes.update(word[:i] for i in range(1, len(word) + 1))
        self._known.clear()
        if f == 0:
            with _HMM_LOCK:
                _FORCE_SPLIT.append(word)
                if _FINALSEG:
                    _FINALSEG[0].add_force_split(word)

    def freq(self, word: str, default: int = 0) -> int:
        """What ``FREQ.get(word, default)`` gives in a private jieba tokenizer with our words:
        a word's frequency, 0 for a prefix of a word, else ``default``."""
        own = self.own.get(word)
        if own is not None:
            return own
        f = self._ready().get(word)
        if f is not None:
            return f
        return 0 if word in self._own_prefixes else default

    def suggest_freq(self, word: str) -> int:
        """jieba's ``suggest_freq(word, tune=False)``."""
        self._ready()
        total = self._total
        ftotal = float(total)
        p = 1.0
        for seg in self.cut(word, hmm=False):
            p *= self.freq(seg, 1) / ftotal
        return max(int(p * total) + 1, self.freq(word, 1))

    def forget_fragments(self) -> None:
        """Empty the walk's memo (``_known``): after a one-off batch of texts (the guide's
        labelled questions, ~27,000 fragments, ~4 MB) that the next messages will not ask again;
        it fills again from the trie as they are cut."""
        self._known.clear()

    # ---- segmentation

    def lcut(self, text: str, hmm: bool = False) -> list[str]:
        return self.cut(text, hmm)

    def cut(self, text: str, hmm: bool = False) -> list[str]:
        """``jieba.Tokenizer.lcut(text, HMM=hmm)`` with this segmenter's words."""
        self._ready()
        out: list[str] = []
        block = self._block_hmm if hmm else self._block
        # split() with one group: the runs _RE_HAN matches are the odd parts, and only they
        # (what jieba finds with a second match() of every part)
        parts = _RE_HAN.split(text)
        for j in range(1, len(parts), 2):
            other = parts[j - 1]
            if other:
                _other(other, out)
            block(parts[j], out)
        if parts[-1]:
            _other(parts[-1], out)
        return out

    def _route(self, blk: str) -> list[int]:
        """``nxt[k]`` = the end (exclusive) of the word jieba's best route takes at ``k``.

        jieba's get_DAG + calc in one right-to-left pass: at ``k`` the walk goes on while
        ``blk[k:i+1]`` is a word or a prefix of one (a key of jieba's FREQ: the dictionary's
        and this segmenter's), read from the memo (``_known``, filled from the trie on a
        miss); each word scores log(freq) - log(total) plus the best score from its end;
        ties go to the longer word (``max`` over (score, end))."""
        get = self._known.get
        fill = self._fill
        logtotal = self._logtotal
        n = len(blk)
        score = [0.0] * (n + 1)
        nxt = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            best = 0.0
            end = 0
            i = k
            frag = blk[k]
            while True:
                v = get(frag)
                if v is None:
                    v = fill(frag)
                if v >= 0.0:  # a word: log(freq)
                    s = v - logtotal + score[i + 1]
                    if not end or s >= best:
                        best, end = s, i + 1
                elif v < -1.5:  # no word starts with frag
                    break
                i += 1
                if i >= n:
                    break
                frag = blk[k:i + 1]
            if not end:  # no word starts here: the character alone, frequency 1
                best, end = 0.0 - logtotal + score[k + 1], k + 1
            score[k] = best
            nxt[k] = end
        return nxt

    def _fill(self, frag: str) -> float:
        """What the walk needs to know of ``frag``, remembered in ``_known``: log(freq) of a
        word (an own frequency overrides the dictionary's), _PREFIX for a prefix of a word
        that is no word itself, _NONE for neither. The memo holds at most MEMO_SIZE
        fragments (then it starts again): the fragments of recent texts, not the dictionary."""
        f = self.own.get(frag)
        if f is not None:
            v = log(f) if f else _PREFIX
        else:
            base = self._base
            assert base is not None
            i = base.trie.get(frag)
            if i is not None:
                f = base.freqs[i]
                v = log(f) if f else _PREFIX  # frequency 0: a prefix of a word
            elif frag in self._own_prefixes:
                v = _PREFIX
            else:
                v = _NONE
        known = self._known
        if len(known) >= MEMO_SIZE:
            known.clear()
        known[frag] = v
        return v

    def _block(self, blk: str, out: list[str]) -> None:
        """jieba's ``__cut_DAG_NO_HMM``: the best route; single ASCII letters and digits joined."""
        nxt = self._route(blk)
        x = 0
        n = len(blk)
        buf = ""
        while x < n:
            y = nxt[x]
            if y - x == 1 and blk[x] in _ENG:
                buf += blk[x]
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(blk[x:y])
            x = y
        if buf:
            out.append(buf)

    def _block_hmm(self, blk: str, out: list[str]) -> None:
        """jieba's ``__cut_DAG``: runs of single characters that are no word go to its HMM."""
        nxt = self._route(blk)
        x = 0
        n = len(blk)
        buf = ""
        while x < n:
            y = nxt[x]
            if y - x == 1:
                buf += blk[x]
            else:
                if buf:
                    self._flush(buf, out)
                    buf = ""
                out.append(blk[x:y])
            x = y
        if buf:
            self._flush(buf, out)

    def _flush(self, buf: str, out: list[str]) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not self.freq(buf):
            out.extend(_finalseg().cut(buf))
        else:
            out.extend(buf)
