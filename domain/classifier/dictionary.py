"""jieba's default dictionary as a compact C structure: a marisa trie of its words and their
frequencies in an array indexed by the trie's key id.

jieba itself keeps the dictionary (FREQ) as a Python dict of 349,000 words plus every prefix of
every word at frequency 0 (499,000 keys, ~56 MB). Here the same keys go into a
``marisa_trie.Trie`` (~3 MB, in C) and their frequencies into an ``array('I')``; the cache
file in the data folder (``jieba-dict.marisa``) holds both and is rebuilt when jieba's dict.txt
changes (its path, size and modification time are recorded in it) or when the file is missing
or damaged (a CRC32 of its body is checked; a bad file is logged and rebuilt, never a crash).

A look-up in the trie costs about 1 µs (a dict's: 0.05 µs), so the segmenter remembers what
it looked up (tokenizer.py ``Segmenter._fill``).
"""
from __future__ import annotations

import json
import logging
import os
import struct
import threading
import zlib
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path

import marisa_trie

log_ = logging.getLogger(__name__)

CACHE_NAME = "jieba-dict.marisa"
_MAGIC = b"LIANHU-JIEBA-TRIE\n"
_VERSION = 4
#: after the magic: version, length of the JSON header, of the trie, of the frequencies (4 bytes
#: each, by key id), CRC32 of what follows
_HEAD = struct.Struct("<IIQQI")


def jieba_dict_path() -> Path:
    """jieba's own dict.txt (the file ``jieba.dt`` loads by default), found without importing
    jieba (its import alone costs ~19 MB: the HMM's tables, which plain cuts never use)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("jieba is not installed")
    return Path(spec.origin).resolve().parent / "dict.txt"


class BaseDictionary(Mapping[str, int]):
    """jieba's FREQ as a trie: every word of dict.txt -> its frequency, and every prefix of a
    word that is no word itself -> 0 (what lets jieba's walk go on); its ``total``; the
    frequencies by the trie's key id."""

    def __init__(self, trie: marisa_trie.Trie, freqs: array, total: int, maxlen: int | None = None):
        self.trie = trie
        self.freqs = freqs    # frequency by the trie's key id (0: a prefix, no word)
        self.total = total
        #: the longest word's length
        self.maxlen = maxlen if maxlen is not None else max(map(len, trie.iterkeys()), default=1)

    def __getitem__(self, word: str) -> int:
        i = self.trie.get(word)
        if i is None:
            raise KeyError(word)
        return self.freqs[i]

    def get(self, word: str, default: int | None = None) -> int | None:  # type: ignore[override]
        """``jieba.dt.FREQ.get``: a word's frequency, 0 for a prefix of a word, else ``default``."""
        i = self.trie.get(word)
        return default if i is None else self.freqs[i]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.trie

    def __iter__(self) -> Iterator[str]:
        return iter(self.trie.iterkeys())

    def __len__(self) -> int:
        return len(self.trie)

    # ---- building and the cache file

    @classmethod
    def from_dict_txt(cls, path: Path) -> BaseDictionary:
        """jieba's ``gen_pfdict``: every line "word freq [tag]"; a repeated word keeps its last
        frequency while the total counts every line; every prefix of a word that is no word
        gets 0. Read twice, without a Python dict of the keys (that would leave the heap of
        a long-running bot fragmented): the trie from the words and their prefixes, then the
        frequencies by key id."""
        maxlen = 1

        def keys() -> Iterator[str]:
            nonlocal maxlen
            for word, _ in _entries(path):
                maxlen = max(maxlen, len(word))
                for i in range(1, len(word) + 1):
                    yield word[:i]

        trie = marisa_trie.Trie(keys())
        freqs = array("I", bytes(4 * len(trie)))
        total = 0
        key_id = trie.key_id
        for word, f in _entries(path):
            freqs[key_id(word)] = f
            total += f
        return cls(trie, freqs, total, maxlen)

    def to_bytes(self, source: dict[str, object]) -> bytes:
        header = json.dumps({"source": source, "total": self.total, "maxlen": self.maxlen}).encode()
        trie = self.trie.tobytes()
        freqs = self.freqs.tobytes()
        body = header + trie + freqs
        return _MAGIC + _HEAD.pack(_VERSION, len(header), len(trie), len(freqs), zlib.crc32(body)) + body

    @classmethod
    def from_bytes(cls, data: bytes, source: dict[str, object]) -> BaseDictionary | None:
        """The dictionary from a cache file's bytes; None when they are not one made from
        ``source`` (another jieba dict.txt). Raises ValueError when they are damaged."""
        if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _HEAD.size:
            raise ValueError("not a dictionary cache file")
        version, n_head, n_trie, n_freqs, crc = _HEAD.unpack_from(data, len(_MAGIC))
        body = memoryview(data)[len(_MAGIC) + _HEAD.size:]
        if version != _VERSION:
            return None
        if len(body) != n_head + n_trie + n_freqs or zlib.crc32(body) != crc:
            raise ValueError("truncated or damaged")
        header = json.loads(bytes(body[:n_head]))
        if header.get("source") != source:
            return None
        trie = marisa_trie.Trie().frombytes(bytes(body[n_head:n_head + n_trie]))
        freqs = array("I")
        if n_freqs != freqs.itemsize * len(trie):
            raise ValueError("frequencies do not match the words")
        freqs.frombytes(body[n_head + n_trie:])
        return cls(trie, freqs, int(header["total"]), int(header["maxlen"]))


def _entries(path: Path) -> Iterator[tuple[str, int]]:
    """(word, frequency) of each line of a jieba dictionary file."""
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip().decode("utf-8")
            if not line:
                continue
            try:
                word, n = line.split(" ")[:2]
                yield word, int(n)
            except ValueError:
                raise ValueError(f"invalid dictionary entry in {path} at line {lineno}: {line}") from None


def _source(path: Path) -> dict[str, object]:
    st = path.stat()
    return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def load(cache_dir: Path, dict_txt: Path | None = None) -> BaseDictionary:
    """The dictionary from ``cache_dir/jieba-dict.marisa``, made from jieba's dict.txt (and
    the file written) when it is missing, damaged or made from another dict.txt."""
    dict_txt = dict_txt if dict_txt is not None else jieba_dict_path()
    source = _source(dict_txt)
    cache = cache_dir / CACHE_NAME
    try:
        found = BaseDictionary.from_bytes(cache.read_bytes(), source)
        if found is not None:
            return found
        log_.info("dictionary cache %s was made from another jieba dictionary: rebuilding it", cache)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as e:
        log_.warning("dictionary cache %s cannot be read (%s): rebuilding it", cache, e)
    built = BaseDictionary.from_dict_txt(dict_txt)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{CACHE_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(built.to_bytes(source))
        os.replace(tmp, cache)
    except OSError as e:
        log_.warning("dictionary cache %s cannot be written (%s): built in memory only", cache, e)
    return built
