"""The process's C heap (glibc): fewer arenas, and free pages given back to the system.

    limit_arenas()          # at start, before threads: one heap shared by the worker threads
    release_free_memory()   # after loading the classifier, and now and then while running

The bot's worker threads (the database work off the event loop, the classifier's load) would
each get a malloc arena of their own; freed space scattered over several arenas stays in the
resident set. One arena (the main heap) for every thread: on the district bot after 10,000
messages 126 MB instead of 141 with two (bench/README.md); the threads seldom allocate at the
same moment (the GIL), so they seldom wait for the heap's lock. Elsewhere than glibc both do
nothing.
"""
from __future__ import annotations

import ctypes
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
