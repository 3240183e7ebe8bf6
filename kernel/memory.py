"""The process's C heap (glibc): fewer arenas, and free pages given back to the system.

    limit_arenas()          # at start, before threads: one heap shared by the worker threads
    release_free_memory()   # after loading the classifier, and now and then while running
    fewer_collections()     # at start: Python's cycle collector runs after 10,000 allocations, not 700

The bot's worker threads (the database work off the event loop, the classifier's load) would
each get a malloc arena of their own; freed space scattered over several arenas stays in the
resident set. One arena (the main heap) for every thread: on the district bot after 10,000
messages 126 MB instead of 141 with two (bench/README.md); the threads seldom allocate at the
same moment (the GIL), so they seldom wait for the heap's lock. Elsewhere than glibc both do
nothing.
"""
from __future__ import annotations

import ctypes
import gc
from functools import cache
from typing import Any

M_ARENA_MAX = -8  # glibc's mallopt parameter number


@cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 - glibc has both
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(arenas: int = 1) -> bool:
    """At most ``arenas`` malloc arenas for the whole process (glibc's default is 8 a core)."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system (``malloc_trim(0)``, a few milliseconds)."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))


#: allocations (less deallocations) of objects that may hold others before the youngest
#: generation is collected; CPython's default is 700
YOUNG_THRESHOLD = 10_000


def fewer_collections(young: int = YOUNG_THRESHOLD) -> None:
    """The cycle collector's youngest generation collected after ``young`` allocations instead of
    700. A batch of messages (one transaction) keeps its objects (the session's rows, the outbox
    rows held, the handlers' readings) alive until it commits: at 700 the collector ran every ~25
    messages, found most of them alive, moved them to the older generations — to die there a
    moment later — and every ~60,000 such moves the full collection walked all the bot's ~230,000
    objects (~0.1–0.17 s, ~0.1 ms a flood message; bench/README "Ingest, ninth round"). At 10,000
    a batch's objects are mostly gone before a collection sees them. The older generations'
    thresholds are kept; the young generation holds at most ~10,000 objects more (~1–2 MB)."""
    first, middle, old = gc.get_threshold()
    if 0 < first < young:  # 0: collection turned off by whoever runs us
        gc.set_threshold(young, middle, old)
