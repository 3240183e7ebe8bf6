"""One jieba dictionary for the whole process, and the classifier's segmenter on top of it.

jieba's default dictionary (349,000 words and their prefixes, ~70 MB as a Python dict) is
loaded once, lazily, into jieba's own default tokenizer (``jieba.dt``) with its cache file in
the data folder, so the classifier, the guide and anything calling ``jieba.lcut`` share it.

Each classifier adds its own words (``userdict.txt`` and the keywords of its rules) with
``Segmenter.add_word``. Those words live in a small per-segmenter table (``own``) instead of a
private copy of the dictionary: the shared dictionary only receives their prefixes as
zero-frequency entries, which change no segmentation (jieba treats a zero entry as "a prefix
of some word", never as a word). ``Segmenter.lcut`` gives exactly what a private
``jieba.Tokenizer`` with those words added in the same order would give, faster: jieba's
DAG and best-route passes are done in one loop, without a generator or a temporary DAG.
"""
from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterable
from math import log
from pathlib import Path


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


_import_jieba_without_pkg_resources()

import jieba  # noqa: E402
from jieba import finalseg  # noqa: E402

from .rules import base_normalize

USER_DICT = Path(__file__).resolve().parent / "userdict.txt"

# jieba's own splitting of a text into blocks it segments and the rest (jieba/__init__.py)
_RE_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_RE_SKIP = re.compile("(\r\n|\\s)")
_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # jieba's re_eng, one char


def _other(blk: str, out: list[str]) -> None:
    """jieba's treatment of what is no block: white space (and \\r\\n) as tokens, the rest one
    character each. Again the separators are the odd parts of split()."""
    parts = _RE_SKIP.split(blk)
    out.extend(parts[0])
    for j in range(1, len(parts), 2):
        out.append(parts[j])
        out.extend(parts[j + 1])

_BASE_LOCK = threading.RLock()
_USER_WORDS: list[tuple[str, int | None]] | None = None
#: keys the segmenters put into the shared dictionary (prefixes of their own words, value 0)
_SHARED_EXTRA: set[str] = set()


def default_cache_dir() -> Path:
    return Path(os.environ.get("LIANHU_DATA_DIR") or "data")


def shared_dictionary(cache_dir: Path | None = None) -> tuple[dict[str, int], int]:
    """jieba's default dictionary (FREQ, total), loaded once per process into ``jieba.dt``;
    the first caller's ``cache_dir`` holds jieba's cache file (``jieba.cache``)."""
    tk = jieba.dt
    if not tk.initialized:
        with _BASE_LOCK:
            if not tk.initialized:
                folder = cache_dir if cache_dir is not None else default_cache_dir()
                folder.mkdir(parents=True, exist_ok=True)
                if tk.cache_file is None and tk.tmp_dir is None:
                    tk.tmp_dir = str(folder)
                    tk.cache_file = "jieba.cache"
                tk.initialize()
    return tk.FREQ, tk.total


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
        self._freq: dict[str, int] | None = None  # the shared dictionary, once loaded
        self._total = 0
        self._logtotal = 0.0
        self.own: dict[str, int] = {}           # this segmenter's words -> frequency
        self._own_prefixes: set[str] = set()    # ... and their prefixes (jieba keeps them as 0)
        self._pending: list[tuple[str, int | None]] = list(words)

    # ---- the dictionary

    def _ready(self) -> dict[str, int]:
        freq = self._freq
        if freq is None:
            with self._lock:
                if self._freq is None:
                    base, total = shared_dictionary(self.cache_dir)
                    self._total = total
                    self._logtotal = log(total)
                    self._freq = base
                    pending, self._pending = self._pending, []
                    for word, f in pending:
                        self._add(word, f)
                freq = self._freq
        assert freq is not None
        return freq

    def add_word(self, word: str, freq: int | None = None) -> None:
        """jieba's ``Tokenizer.add_word``: ``freq`` None = just enough to be cut out whole."""
        with self._lock:
            if self._freq is None:
                self._pending.append((word, freq))
            else:
                self._add(word, freq)

    def _add(self, word: str, freq: int | None) -> None:
        f = int(freq) if freq is not None else self.suggest_freq(word)
        base = self._freq
        assert base is not None
        self.own[word] = f
        self._total += f
        self._logtotal = log(self._total)
        for i in range(1, len(word) + 1):
            frag = word[:i]
            if frag not in base:
                with _BASE_LOCK:
                    if frag not in base:
                        base[frag] = 0  # a prefix: no word for anyone, lets the walk go on
                        _SHARED_EXTRA.add(frag)
            self._own_prefixes.add(frag)
        if f == 0:
            finalseg.add_force_split(word)

    def freq(self, word: str, default: int = 0) -> int:
        """What ``FREQ.get(word, default)`` gives in a private jieba tokenizer with our words."""
        own = self.own.get(word)
        if own is not None:
            return own
        base = self._ready()
        if word in base and word not in _SHARED_EXTRA:
            return base[word]
        if word in self._own_prefixes:
            return 0
        return default

    def suggest_freq(self, word: str) -> int:
        """jieba's ``suggest_freq(word, tune=False)``."""
        self._ready()
        total = self._total
        ftotal = float(total)
        p = 1.0
        for seg in self.cut(word, hmm=False):
            p *= self.freq(seg, 1) / ftotal
        return max(int(p * total) + 1, self.freq(word, 1))

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

        jieba's get_DAG + calc in one right-to-left pass: the candidates at ``k`` are the
        words (frequency > 0) starting at ``k``; each scores log(freq) - log(total) plus the
        best score from its end; ties go to the longer word (``max`` over (score, end))."""
        freq = self._freq
        assert freq is not None
        get = freq.get
        own = self.own
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
                f = get(frag)
                if f is None:
                    break
                if frag in own:
                    f = own[frag]
                if f:
                    s = log(f) - logtotal + score[i + 1]
                    if not end or s >= best:
                        best, end = s, i + 1
                i += 1
                if i >= n:
                    break
                frag = blk[k:i + 1]
            if not end:  # no word starts here: the character alone, frequency 1
                best, end = 0.0 - logtotal + score[k + 1], k + 1
            score[k] = best
            nxt[k] = end
        return nxt

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
            out.extend(finalseg.cut(buf))
        else:
            out.extend(buf)
