"""A small learned model beside the rules: how likely a message is a request, is urgent,
and which category it belongs to.

    from domain.classifier import Classifier
    from domain.classifier.model import Model
    clf = Classifier()
    model = Model.load()                     # domain/classifier/model.json, made by ``lianhu learn``
    tokens = clf.tokenize(text)
    p = model.predict(tokens, text)          # Prediction(p_request, p_urgent, categories)
    p.tier                                   # "request" (sure) / "unsure" / "chatter"

Plain Python only: the model is sparse logistic regressions exported to JSON
(``{feature: weights}``, intercepts and a calibration per output), trained with
scikit-learn by ``domain/classifier/training.py``; scoring is one dict lookup per
feature of the message, so nothing heavy is imported at run time.

Features (``features()``, shared with training so both see the same thing): the jieba
tokens (``w:`` + token) and the character 1-3-grams of the normalised text
(``"".join(tokens)``), ASCII digits read as ``0`` and runs of white space as one space;
each present feature counts once, scaled by 1/sqrt(number of features of the message).

The probabilities are calibrated on held-out folds (Platt scaling for request and
urgent, a temperature for the categories): among messages given ``p_request`` 0.9,
about nine in ten were requests in the labelled sets. The rules remain the explainable
evidence and may override the model.
"""
from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import add
from pathlib import Path

from mypy_extensions import mypyc_attr

DEFAULT_MODEL = Path(__file__).resolve().parent / "model.json"
FORMAT = 1

_new = object.__new__
_DIGITS = str.maketrans("0123456789", "0000000000")
_HAS_DIGIT = re.compile("[1-9]").search


def features(tokens: list[str]) -> list[str]:
    """The distinct features of a message, from its tokens (``Classifier.tokenize``):
    ``w:`` + each token, and the character 1-3-grams of the joined text; ASCII digits read
    as 0, white space collapsed to one space (a lone space is no feature)."""
    return list(_features(tokens))


_word = "w:".__add__


def _parts(tokens: list[str]) -> Iterator[str]:
    """Every feature occurrence, in order (repeats and the lone space included), made in C."""
    joined = "".join(tokens)
    norm = joined
    if _HAS_DIGIT(joined) is not None:  # (translate() reads a table for every character)
        norm = joined.translate(_DIGITS)
        tokens = [t.translate(_DIGITS) for t in tokens]
    text = " ".join(norm.split())
    pairs = list(map(add, text, text[1:]))
    # words, then characters, pairs, triples
    return chain(map(_word, filter(None, map(str.strip, tokens))), text, pairs, map(add, pairs, text[2:]))


def _features(tokens: list[str]) -> dict[str, None]:
    """``features()`` as the keys of a dict (what scoring needs: no list made of it)."""
    found = dict.fromkeys(_parts(tokens))  # first occurrence kept
    found.pop(" ", None)
    return found


def _feature_set(tokens: list[str]) -> set[str]:
    """``features()`` as a set (cheaper than the dict): for packed weights, whose exact
    integer sum does not depend on the order."""
    found = set(_parts(tokens))
    found.discard(" ")
    return found


#: packed weights: field j (little-endian, 32 bits when that is enough, else 64) of a feature's
#: integer holds round(weight_j x unit) + bias, bias = the largest |round(weight x unit)|, so
#: that the sum of any number of the model's features stays in [0, 2**bits) in every field (a
#: message has at most every feature of the model once: its count bounds the sum)
_UNPACK = struct.unpack


def _floats(raw: dict, k: int) -> dict[str, tuple[float, ...]]:
    """feature -> the weights of all outputs, from the file's sparse [output, weight, ...]."""
    out: dict[str, tuple[float, ...]] = {}
    for f, flat in raw.items():
        v = [0.0] * k
        for j in range(0, len(flat), 2):
            v[int(flat[j])] = float(flat[j + 1])
        out[f] = tuple(v)
    return out


def _pack(raw: dict, k: int) -> tuple[dict[str, int], int, int, int] | None:
    """The file's sparse weights as packed integers (field j = round(weight_j x unit) + bias),
    unit = 10**d for the fewest decimals d (at most 6) every weight is written with, the bias
    and the bits of a field; None when some weight has more decimals (then the floats are added
    as they are)."""
    values = {float(w) for flat in raw.values() for w in flat[1::2]}
    for d in range(7):
        unit = 10 ** d
        if all(round(w * unit) / unit == w for w in values):
            break
    else:
        return None
    scaled = {w: round(w * unit) for w in values}
    bias = max(map(abs, scaled.values()), default=0) + 1
    # the sum over every feature of the model (the most a message can have) must fit a field
    most = 2 * bias * (len(raw) + 1)
    if most >= 1 << 64:
        return None
    bits = 32 if most < 1 << 32 else 64
    shift = [bits * j for j in range(k)]
    base = sum(bias << s for s in shift)
    # Scoring looks up ~60 features a message, ~80 % of them known: a look-up that finds its key
    # reads the key and then the value, which lie wherever the JSON reader put them. Made here in
    # the order of the features' length (the ~1,700 characters first, then pairs, triples, words),
    # each key copied next to its value: the features every message has stay together in the CPU's
    # cache (the look-ups ~25-35 % faster measured beside other work; the same dict otherwise)
    by_length: dict[int, list[str]] = {}
    for f in raw:
        by_length.setdefault(len(f), []).append(f)
    packed = {}
    for length in sorted(by_length):
        for f in by_length[length]:
            flat = raw[f]
            n = base
            for j in range(0, len(flat), 2):
                n += scaled[flat[j + 1]] << shift[int(flat[j])]
            packed[_copy(f)] = n
    return packed, unit, bias, bits


def _copy(s: str) -> str:
    """A new string object equal to ``s`` (allocated now, next to what is allocated with it)."""
    return s.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@mypyc_attr(native_class=False)  # cached_property needs an instance __dict__ (compiled: a plain class)
@dataclass(frozen=True)
class Prediction:
    p_request: float                  # P(request), 1 - P(chatter)
    p_urgent: float                   # P(urgent request)
    categories: dict[str, float]      # P(category | request), sums to 1
    sure: float = 0.9                 # the model's tier thresholds (see Model)
    unsure: float = 0.1
    known: int = field(default=0)     # how many of the message's features the model knows

    @cached_property
    def category(self) -> str:
        """The most likely request category (worked out once: the judge asks several times)."""
        return max(self.categories, key=self.categories.__getitem__)

    @property
    def tier(self) -> str:
        """``request`` (sure), ``unsure`` or ``chatter`` by ``p_request``."""
        if self.p_request >= self.sure:
            return "request"
        if self.p_request >= self.unsure:
            return "unsure"
        return "chatter"


class ModelFileError(Exception):
    pass


class Model:
    """Scores messages with the exported model (see module docstring)."""

    def __init__(self, data: dict) -> None:
        if data.get("format") != FORMAT:
            raise ModelFileError(f"unknown model format {data.get('format')!r}")
        self.outputs: list[str] = list(data["outputs"])
        self.categories: list[str] = list(data["categories"])
        self.intercepts: list[float] = [float(x) for x in data["intercepts"]]
        # in the file: feature -> flat [output index, weight, output index, weight, ...];
        # here: feature -> the weights of all outputs, so scoring adds whole vectors (one dict
        # look-up per feature: twelve tables, one per output, were four times slower)
        k = len(self.outputs)
        self._k = k
        # For scoring, each feature's weights are one packed integer (see _pack): a message's
        # scores are one C-level sum() of a few dozen integers instead of adding a dozen floats
        # per feature, and each feature is one object in memory (a tuple and its floats were 13).
        # Sums of integers are exact: the same scores as adding the floats, to the last bits.
        self.weights: dict[str, tuple[float, ...]] = {}  # made from the packed integers by explain()
        self._packed: dict[str, int] | None = None
        self._unit = 1
        self._bias = 0
        self._fmt = "<%dQ" % k
        self._bytes = 8 * k
        packed = _pack(data["weights"], k)
        if packed is not None:
            self._packed, self._unit, self._bias, bits = packed
            self._fmt = ("<%dI" if bits == 32 else "<%dQ") % k
            self._bytes = bits // 8 * k
        else:
            self.weights = _floats(data["weights"], k)
        cal = data["calibration"]
        self.request_ab: tuple[float, float] = (float(cal["request"][0]), float(cal["request"][1]))
        self.urgent_ab: tuple[float, float] = (float(cal["urgent"][0]), float(cal["urgent"][1]))
        self.temperature: float = float(cal["temperature"])
        tiers = data.get("tiers", {})
        self.sure: float = float(tiers.get("sure", 0.9))
        self.unsure: float = float(tiers.get("unsure", 0.1))
        self.urgent_at: float = float(tiers.get("urgent", 0.5))
        self.about: dict = dict(data.get("about", {}))
        self._cat0 = self.outputs.index("category:" + self.categories[0])
        self._req = self.outputs.index("request")
        self._urg = self.outputs.index("urgent")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Model:
        p = Path(path) if path is not None else DEFAULT_MODEL
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelFileError(f"cannot read model {p}: {e}") from None
        try:
            return cls(data)
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ModelFileError(f"bad model file {p}: {e!r}") from None

    def raw_scores(self, feats: Collection[str]) -> tuple[list[float], int]:
        """Linear scores of every output (before calibration) for a message's ``features()``,
        and how many of them the model knows."""
        packed = self._packed
        if packed is None:
            return self._raw_scores_floats(feats)
        vals = list(filter(None, map(packed.get, feats)))  # a packed value is never 0
        known = len(vals)
        if not known:
            return list(self.intercepts), 0
        # each field of the sum holds (sum of the weights x unit) + known x bias, never negative
        fields = _UNPACK(self._fmt, sum(vals).to_bytes(self._bytes, "little"))
        off = known * self._bias
        unit = self._unit
        scale = 1.0 / math.sqrt(len(feats))
        return [b + scale * ((f - off) / unit) for b, f in zip(self.intercepts, fields)], known

    def _unpacked(self, n: int) -> tuple[float, ...]:
        """A feature's weights from its packed integer."""
        return tuple((f - self._bias) / self._unit for f in _UNPACK(self._fmt, n.to_bytes(self._bytes, "little")))

    def _raw_scores_floats(self, feats: Collection[str]) -> tuple[list[float], int]:
        """raw_scores for weights that cannot be packed exactly (more than 6 decimals)."""
        vecs = list(filter(None, map(self.weights.get, feats)))  # a vector is never empty
        if not vecs:
            return list(self.intercepts), 0
        scale = 1.0 / math.sqrt(len(feats))
        return [b + scale * t for b, t in zip(self.intercepts, map(sum, zip(*vecs)))], len(vecs)

    def explain(self, tokens: list[str], output: str = "request", top: int = 5) -> list[tuple[str, float]]:
        """The features that pushed ``output`` most (either way), as (feature, weight)."""
        k = self.outputs.index(output)
        if not self.weights and self._packed is not None:
            self.weights = {f: self._unpacked(n) for f, n in self._packed.items()}
        found = [(f, self.weights[f][k]) for f in features(tokens) if f in self.weights and self.weights[f][k]]
        return sorted(found, key=lambda fw: -abs(fw[1]))[:top]

    def predict(self, tokens: list[str], text: str = "") -> Prediction:
        """Probabilities for one message. ``tokens`` are ``Classifier.tokenize(text)`` (the
        features come from them and from their join, the normalised text); ``text`` is
        used only when there are no tokens (then it is taken as already normalised)."""
        if not tokens and text:
            tokens = [text]
        return self.predict_features(_features(tokens) if self._packed is None else _feature_set(tokens))

    def predict_features(self, feats: Collection[str]) -> Prediction:
        """``predict`` for features already made by ``features(tokens)``."""
        z, known = self.raw_scores(feats)
        a, b = self.request_ab
        p_request = _sigmoid(a * z[self._req] + b)
        a, b = self.urgent_ab
        p_urgent = _sigmoid(a * z[self._urg] + b)
        t = self.temperature
        k0 = self._cat0
        logits = [z[k0 + i] / t for i in range(len(self.categories))]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        cats = {c: e / total for c, e in zip(self.categories, exps)}
        pred = _new(Prediction)  # Prediction(...) without the frozen dataclass's slow __init__
        # ``category`` set here as the cached_property would (its lock costs more than the max)
        pred.__dict__.update(p_request=p_request, p_urgent=min(p_urgent, p_request), categories=cats, sure=self.sure,
                             unsure=self.unsure, known=known, category=max(cats, key=cats.__getitem__))
        return pred
