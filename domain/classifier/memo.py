"""A bounded memo of the classifier's work by text: group chats repeat themselves (收到, 好的 谢谢,
谢谢物业 电梯修好了, 大家早上好, +1), and the same text gets the same tokens and the same answer
as long as the rules, the model and the nets it was worked out with are the same objects.

    memo = Memo(512)
    table = memo.table((rules, model, ...))    # the answers for these parts (emptied when they change)
    got = memo.get(table, key)                  # a key found is now the most recently used
    ...
    memo.put(table, key, value)                 # at most ``size`` keys: the least recently used goes

Whoever computes a value must compute it with the very objects given to ``table``: a value
is then only ever found again by a caller that passes the same objects. Plain dict operations
(one at a time under the GIL): threads may share a memo; a value put into a table that has
just been replaced is simply lost. Least recently used out, not "empty it when full": the texts a
chat repeats most (收到, 好的) stay, and 512 keys answer as many of the flood's texts as 1,024 did
emptied when full (15 %).
"""
from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    __slots__ = ("size", "_state", "_data")

    def __init__(self, size: int) -> None:
        self.size = size
        self._state: tuple[object, ...] = ()
        self._data: dict[K, V] = {}

    def table(self, state: tuple[object, ...]) -> dict[K, V]:
        """The values worked out with ``state`` (compared by identity, item by item)."""
        old = self._state
        if len(old) == len(state):
            for a, b in zip(old, state):
                if a is not b:
                    break
            else:
                return self._data
        self._data = {}
        self._state = state
        return self._data

    @staticmethod
    def get(table: dict[K, V], key: K) -> V | None:
        """The value of ``key`` (None: none), moved to the end of the table's order: the most
        recently used."""
        got = table.pop(key, None)
        if got is not None:
            table[key] = got
        return got

    def put(self, table: dict[K, V], key: K, value: V) -> None:
        if self.size <= 0:
            return
        while len(table) >= self.size:  # the least recently used first (a dict keeps its order)
            try:
                del table[next(iter(table))]
            except (StopIteration, KeyError, RuntimeError):  # another thread took it first
                break
        table[key] = value

    def clear(self) -> None:
        self._data = {}
        self._state = ()

    def __len__(self) -> int:
        return len(self._data)
