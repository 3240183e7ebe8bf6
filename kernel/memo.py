"""A bounded memo: the answer of a pure function for each key met, worked out once and kept until
``limit`` keys are kept, then all forgotten at once (cheap to keep, no order to track)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    def __init__(self, make: Callable[[K], V], limit: int) -> None:
        self.make, self.limit = make, limit
        self.found: dict[K, V] = {}

    def __call__(self, key: K) -> V:
        try:
            return self.found[key]
        except KeyError:
            pass
        if len(self.found) >= self.limit:
            self.found.clear()
        value = self.found[key] = self.make(key)
        return value
