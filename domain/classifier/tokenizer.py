"""jieba tokenizers: the default dictionary loaded once per cache folder and shared, each
classifier with a private copy plus userdict.txt and its rules' words."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import jieba

from .rules import base_normalize

USER_DICT = Path(__file__).resolve().parent / "userdict.txt"


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
            words.append((base_normalize(parts[0]), freq))
        _USER_WORDS = words
    return _USER_WORDS


def new_tokenizer(cache_dir: Path) -> jieba.Tokenizer:
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


