"""The guide's third opinion: a linear model of which entry a question is about (or none).

A multinomial logistic regression over the question's topic terms (domain/guide_text.py
``terms``, as BM25 reads them) and the character pairs and triples of its normalised text, one
class per entry (by key) and one for "no entry" (questions no entry answers, chatter, requests).
It is trained with scikit-learn (``lianhu guide fit``, domain/guide_training.py ``fit_linear``)
on every labelled line and every entry's title and asks, and shipped as data
(``storage/guide_linear.bin``): packed arrays — each feature's 64-bit key, sorted, an offset
per feature, then a class number and a weight per weight of at least 0.2 (about 1.2 MB in memory). Scoring is one
dict lookup per feature of the question and a few additions, in plain Python.

The file is binary (``Linear.save`` / ``Linear.load``): a small JSON header (the labels, the bias,
what it was trained on, each array's type and length), then the arrays' bytes, read straight into
the arrays — loading it takes little more than the ~1.3 MB it keeps (the JSON form, base64 in a
JSON document, took ~5 MB more for a moment). A model saved as ``.json`` is still read and written
(``to_json``: readable, for a look); convert one into the shipped form with
``python -c "from domain.guide_linear import convert; convert('storage/guide_linear.json', 'storage/guide_linear.bin')"``.

BM25 finds the entry whose words the question shares, the neighbour vote the questions asked like
it; the model weighs every character the labelled questions taught it ("狗牌", "门卡", "暂住证"
point to their entries without being words of them). ``domain/guide_examples.decide`` combines the
three.
"""
from __future__ import annotations

import base64
import json
import math
import os
import re
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.guide_text import normalize
from kernel.memo import Kept

DEFAULT_LINEAR = Path(__file__).resolve().parents[1] / "storage" / "guide_linear.bin"
FORMAT = 1  # the JSON form's
#: the binary form: this magic (its last byte the version), the header's length (4 bytes, little-endian),
#: the header (JSON), then each array's bytes, little-endian, in the header's order
MAGIC = b"LHGLIN\x00\x01"
_ARRAYS = (("keys", "Q", 8), ("offsets", "I", 4), ("classes", "B", 1), ("weights", "f", 4))

_NOT_TOPIC = re.compile(r"[^\u4e00-\u9fff0-9a-z]+")


def features(terms: Iterable[str], text: str) -> set[str]:
    """The distinct features of a question: ``w`` + each topic term, ``c`` + each character pair and
    triple of its normalised text (each clause apart)."""
    return features_of_normalized(terms, normalize(text))


def features_of_normalized(terms: Iterable[str], normalized: str) -> set[str]:
    """``features`` of a text already ``normalize``d (a message's, read once)."""
    out = {"w" + t for t in terms}
    for part in _NOT_TOPIC.split(normalized):
        out.update("c" + part[i:i + 2] for i in range(len(part) - 1))
        out.update("c" + part[i:i + 3] for i in range(len(part) - 2))
    return out


@dataclass(frozen=True)
class Reading:
    """The model's view of a question: its most likely class (an entry's key, None: no entry's),
    that class's probability and the next class's."""
    label: str | None
    p: float
    second: float
    top: dict[str | None, float] = field(default_factory=dict)  # the four most likely classes' probabilities


#: features whose row number a model keeps found (-1: no row; ~0.3 MB at most with the features' names), forgotten all at once when full
ROWS_KEPT = 2_000


class Linear:
    """The shipped weights, packed: ``keys`` each feature's 64-bit key (``feature_key``, sorted: a
    feature's row is found by bisection, no string kept), ``offsets[row]`` to ``offsets[row + 1]``
    the row's non-zero weights in ``classes`` / ``weights``."""

    def __init__(self, labels: Sequence[str | None], bias: Sequence[float], keys: array,
                 offsets: array, classes: array, weights: array, about: dict[str, Any] | None = None) -> None:
        self.labels = list(labels)
        self.bias = list(bias)
        self.keys, self.offsets, self.classes, self.weights = keys, offsets, classes, weights
        self.about = about or {}
        # the row numbers of features met lately (not their weights: the arrays hold those; a row's
        # (class, weight) pairs as tuples of Python floats were ~0.5 kB a feature, ~1.1 MB when full)
        self.rows = Kept(self._row, ROWS_KEPT)

    def _find_row(self, feature: str) -> int | None:
        """The feature's row (None: the model gives it no weight)."""
        key = feature_key(feature)
        i = bisect_left(self.keys, key)
        return i if i < len(self.keys) and self.keys[i] == key else None

    def _row(self, feature: str) -> int:
        """The feature's row, -1 when the model gives it no weight."""
        row = self._find_row(feature)
        return -1 if row is None else row

    def read(self, feats: Iterable[str]) -> Reading:
        sums = [0.0] * len(self.bias)
        feats = list(feats)
        kept, row_of = self.rows.found, self.rows
        offsets, classes, weights = self.offsets, self.classes, self.weights
        for feature in feats:
            row = kept.get(feature)  # the kept row read inline: most features of a flood were met lately
            if row is None:
                row = row_of(feature)
            if row >= 0:
                a, b = offsets[row], offsets[row + 1]
                for c, w in zip(classes[a:b], weights[a:b]):  # the same weights, added in the same order
                    sums[c] += w
        scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0  # as in training: every feature counts
        logits = [b + x * scale for b, x in zip(self.bias, sums)]
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        order = sorted(range(len(exps)), key=exps.__getitem__, reverse=True)  # stable: ties as before
        second = exps[order[1]] / total if len(order) > 1 else 0.0
        return Reading(self.labels[order[0]], exps[order[0]] / total, second,
                       {self.labels[i]: exps[i] / total for i in order[:4]})

    # --- as data -----------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "about": self.about, "labels": self.labels, "bias": self.bias,
            "keys": _pack(self.keys), "offsets": _pack(self.offsets), "classes": _pack(self.classes), "weights": _pack(self.weights),
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Linear:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("guide_linear.json: unknown format")
        return cls(data["labels"], data["bias"], _unpack("Q", data["keys"]), _unpack("I", data["offsets"]),
                   _unpack("B", data["classes"]), _unpack("f", data["weights"]), data.get("about"))


    def to_bytes(self) -> bytes:
        """The binary form (``MAGIC``, the header, the arrays' bytes)."""
        arrays = [getattr(self, name) for name, _, _ in _ARRAYS]
        for (name, typecode, size), values in zip(_ARRAYS, arrays):
            if values.typecode != typecode or values.itemsize != size:
                raise ValueError(f"guide_linear: {name} is not {typecode} of {size} bytes")
        header = json.dumps({"about": self.about, "labels": self.labels, "bias": self.bias,
                             "arrays": [[name, typecode, len(values)] for (name, typecode, _), values
                                        in zip(_ARRAYS, arrays)]}, ensure_ascii=False).encode("utf-8")
        parts = [MAGIC, struct.pack("<I", len(header)), header]
        for values in arrays:
            if sys.byteorder != "little":
                values = array(values.typecode, values)
                values.byteswap()
            parts.append(values.tobytes())
        return b"".join(parts)

    @classmethod
    def load(cls, path: Path) -> Linear:
        """A model from its file: the binary form, or the JSON form when the name ends in .json."""
        if path.suffix == ".json":
            return cls.from_json(path.read_text(encoding="utf-8"))
        with path.open("rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                raise ValueError(f"{path.name}: not a guide model of this version")
            (length,) = struct.unpack("<I", _read_exactly(fh, 4))
            header = json.loads(_read_exactly(fh, length).decode("utf-8"))
            found = {}
            for (name, typecode, size), (named, typed, count) in zip(_ARRAYS, header["arrays"], strict=True):
                if (named, typed) != (name, typecode):
                    raise ValueError(f"{path.name}: {named} of type {typed} where {name} of {typecode} belongs")
                values = array(typecode, b"\0" * size) * count  # the array's room once, filled in place
                if values.itemsize != size:
                    raise ValueError(f"guide_linear: {typecode} is not {size} bytes here")
                if fh.readinto(memoryview(values).cast("B")) != size * count:
                    raise ValueError(f"{path.name}: cut short")
                if sys.byteorder != "little":
                    values.byteswap()
                found[name] = values
            if fh.read(1):
                raise ValueError(f"{path.name}: more bytes than its header says")
        return cls(header["labels"], header["bias"], found["keys"], found["offsets"], found["classes"],
                   found["weights"], header.get("about"))

    def save(self, path: Path) -> None:
        """Write the model to ``path``: the binary form the bot reads, the JSON form for a .json name.
        Written beside it and then put in its place: a fit stopped half way leaves the old file whole."""
        data = self.to_json().encode("utf-8") if path.suffix == ".json" else self.to_bytes()
        part = path.with_name(path.name + ".part")
        part.write_bytes(data)
        os.replace(part, path)


def _read_exactly(fh: Any, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ValueError("guide_linear: the file is cut short")
    return bytes(data)


def convert(source: str | Path, target: str | Path) -> Linear:
    """A model file written again in the form ``target``'s name says (``Linear.save``): the same
    labels, bias and every weight, bit for bit."""
    model = Linear.load(Path(source))
    Linear.save(model, Path(target))
    again = Linear.load(Path(target))
    if (again.labels, again.bias, again.about) != (model.labels, model.bias, model.about) or any(
            getattr(again, name).tobytes() != getattr(model, name).tobytes() for name, _, _ in _ARRAYS):
        raise ValueError(f"{target}: does not read back as {source}")
    return again


def _pack(values: array) -> str:
    return values.typecode + base64.b64encode(values.tobytes()).decode("ascii")


def _unpack(typecode: str, text: str) -> array:
    if text[:1] != typecode:
        raise ValueError("guide_linear.json: wrong array type")
    out = array(typecode)
    out.frombytes(base64.b64decode(text[1:]))
    return out


def packed(labels: Sequence[str | None], bias: Sequence[float], names: Sequence[str],
           rows: Sequence[Sequence[tuple[int, float]]], about: dict[str, Any] | None = None) -> Linear:
    """A model from each feature's non-zero (class, weight) pairs."""
    offsets, classes, weights = array("I", [0]), array("B"), array("f")
    order = sorted(range(len(names)), key=lambda i: feature_key(names[i]))
    keys = array("Q", [feature_key(names[i]) for i in order])
    if len(set(keys)) != len(keys):
        raise ValueError("two features share a key")
    for row in (rows[i] for i in order):
        for c, w in row:
            classes.append(c)
            weights.append(w)
        offsets.append(len(classes))
    return Linear(labels, bias, keys, offsets, classes, weights, about)


def feature_key(feature: str) -> int:
    """A feature's 64-bit key: its CRC-32 and its Adler-32 (stable across runs, unlike ``hash``)."""
    data = feature.encode("utf-8")
    return zlib.crc32(data) << 32 | zlib.adler32(data)


_LOADED: dict[Path, Linear | None] = {}


def default_linear(path: Path = DEFAULT_LINEAR) -> Linear | None:
    """The shipped model, read once (None when there is none: BM25 and the vote decide)."""
    if path not in _LOADED:
        try:
            _LOADED[path] = Linear.load(path)
        except (OSError, ValueError, KeyError):
            _LOADED[path] = None
    return _LOADED[path]
