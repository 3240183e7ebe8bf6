"""A probe inside the bot's process for bench_memory.py --trace: on SIGUSR2 it appends one JSON
line to the file named by LIANHU_MEM_PROBE saying where the resident set is.

    python -c "import mem_probe; mem_probe.install(); ..."   (bench_memory.py does this)

Each line: VmRSS/VmHWM; the resident set by kind of mapping (/proc/self/smaps: the [heap], other
anonymous mappings — pymalloc's arenas, glibc's mmapped blocks, thread stacks — and files);
glibc's mallinfo2 (heap in use / free); pymalloc's arenas (sys._debugmallocstats); SQLite's own
allocator (sqlite3_memory_used: page caches, schemas, statements); threads, the pool's
connections; the bounded caches' lengths and sizes (the segmenter memo, the ledger cache,
the guide indexes, SQLAlchemy's compiled cache, the simulator's transcript, jobs); with
LIANHU_MEM_TRACEMALLOC=1 also tracemalloc's total and the lines that grew most since the last
line; with LIANHU_MEM_COLLECT=1, after the line's figures, a full ``gc.collect()`` and the
figures again (what cyclic garbage waiting for the oldest generation held; it changes the run).
Nothing here is imported by the bot itself.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

_PREVIOUS: list[Any] = []
_STARTED = time.monotonic()
#: with tracemalloc: what was alive when Python's memory first rose 3 MB above the last line's
_BURST: list[Any] = []


def _watch() -> None:
    """Poll tracemalloc's total; at the first rise of 3 MB above the last line's, a snapshot:
    the lines that hold the burst."""
    import tracemalloc

    while True:
        time.sleep(0.05)
        if not _PREVIOUS or not _BASE or _BURST:
            continue
        if _BASE and tracemalloc.get_traced_memory()[0] > _BASE[0] + 3 * 1048576:
            snap = tracemalloc.take_snapshot()
            stats = snap.compare_to(_PREVIOUS[0], "traceback")[:8]
            _BURST.append({"at": round(time.monotonic() - _STARTED, 1), "lines": [
                [[str(f) for f in s.traceback][-6:], _mb(s.size_diff)] for s in stats]})


_BASE: list[int] = []


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]


def _mb(n: float) -> float:
    return round(n / 1048576, 2)


def _status() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
            out[key] = int(value.split()[0]) / 1024 if key != "Threads" else int(value)
    return out


def _smaps() -> dict[str, float]:
    """Rss by kind of mapping, MB."""
    kinds: dict[str, float] = {}
    kind = "?"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split(None, 5)
            name = parts[5].strip() if len(parts) > 5 else ""
            kind = ("heap" if name == "[heap]" else "anon" if not name else "stack" if name.startswith("[stack")
                    else "file" if name.startswith("/") else "other")
        elif line.startswith("Rss:"):
            kinds[kind] = kinds.get(kind, 0.0) + int(line.split()[1]) / 1024
    return {k: round(v, 2) for k, v in kinds.items()}


def _mallinfo() -> dict[str, float]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        mi = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"arena": _mb(mi.arena), "mmapped": _mb(mi.hblkhd), "in_use": _mb(mi.uordblks),
            "free": _mb(mi.fordblks), "top_pad": _mb(mi.keepcost)}


def _pymalloc() -> dict[str, float]:
    """pymalloc's arenas now and the bytes in its used blocks (sys._debugmallocstats)."""
    with tempfile.TemporaryFile() as tmp:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()  # type: ignore[attr-defined]
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    out: dict[str, float] = {}
    for label, key in (("# arenas allocated current", "arenas"), ("# bytes in allocated blocks", "used"),
                       ("# bytes in available blocks", "available"), ("Total", "total")):
        m = re.search(re.escape(label) + r"\s*=\s*([\d,]+)", text)
        if m:
            n = int(m.group(1).replace(",", ""))
            out[key] = n if key == "arenas" else _mb(n)
    return out


def _sqlite() -> dict[str, float]:
    try:
        import _sqlite3  # the library the sqlite3 module uses

        lib = ctypes.CDLL(_sqlite3.__file__)  # its libsqlite3 is loaded already: the same instance
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        lib.sqlite3_memory_highwater.restype = ctypes.c_int64
        return {"memory_used": _mb(lib.sqlite3_memory_used()), "highwater": _mb(lib.sqlite3_memory_highwater(0))}
    except (OSError, AttributeError):
        return {}


def _connections(pool: Any) -> list[dict[str, float]]:
    """Each idle pooled SQLite connection's memory by kind (sqlite3_db_status: the page cache, the
    schema, the prepared statements), MB. The pysqlite object's first field is its sqlite3*."""
    out: list[dict[str, float]] = []
    queue = getattr(getattr(pool, "_pool", None), "queue", None)
    if queue is None:
        return out
    try:
        import _sqlite3

        lib = ctypes.CDLL(_sqlite3.__file__)
    except (OSError, ImportError):
        return out
    lib.sqlite3_db_status.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                      ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    for record in list(queue):
        conn = getattr(record, "dbapi_connection", None)
        if type(conn).__module__ != "sqlite3":
            continue
        handle = ctypes.c_void_p.from_address(id(conn) + 16).value  # after ob_refcnt, ob_type
        sizes = {}
        for name, op in (("cache", 1), ("schema", 2), ("statements", 3)):
            cur, high = ctypes.c_int(), ctypes.c_int()
            lib.sqlite3_db_status(handle, op, ctypes.byref(cur), ctypes.byref(high), 0)
            sizes[name] = _mb(cur.value)
        out.append(sizes)
    return out


def _deep(obj: Any, depth: int = 3) -> int:
    """getsizeof of a container and what it holds, ``depth`` levels down (shared items once);
    0 unless LIANHU_MEM_DEEP=1 (the walk's own set of ids would fill pymalloc's arenas)."""
    if os.environ.get("LIANHU_MEM_DEEP") != "1":
        return 0
    seen: set[int] = set()

    def size(o: Any, d: int) -> int:
        if id(o) in seen:
            return 0
        seen.add(id(o))
        n = sys.getsizeof(o)
        if d <= 0:
            return n
        if isinstance(o, dict):
            n += sum(size(k, d - 1) + size(v, d - 1) for k, v in list(o.items()))
        elif isinstance(o, (list, tuple, set, frozenset)) or type(o).__name__ == "deque":
            n += sum(size(v, d - 1) for v in list(o))
        elif hasattr(o, "__dict__"):
            n += size(vars(o), d - 1)
        elif hasattr(o, "__slots__"):
            n += sum(size(getattr(o, s), d - 1) for s in o.__slots__ if hasattr(o, s))
        return n

    return size(obj, depth)


def _caches() -> dict[str, Any]:
    out: dict[str, Any] = {}
    found: dict[str, list[Any]] = {}
    wanted = {"Segmenter", "LedgerCache", "Engine", "SimulatorGateway", "JobQueue", "QueuePool", "Session", "App"}
    for o in gc.get_objects():
        name = type(o).__name__
        if name in wanted:
            found.setdefault(name, []).append(o)
    out["sessions alive"] = len(found.get("Session", []))
    for app in found.get("App", []):
        out["batches"] = getattr(app, "_batches", None)
    for seg in found.get("Segmenter", []):
        known = getattr(seg, "_known", None)
        if known is not None:
            out.setdefault("segmenter memo", []).append([len(known), _mb(_deep(known, 1))])
    for lc in found.get("LedgerCache", []):
        maps = {k: getattr(v, "items", v) for k, v in vars(lc).items()}
        out["ledger cache"] = {k: [len(v), _mb(_deep(v, 6))] for k, v in maps.items() if isinstance(v, (dict, list))}
    for eng in found.get("Engine", []):
        cc = getattr(eng, "_compiled_cache", None)
        pool = eng.pool
        out.setdefault("engines", []).append({
            "url": str(eng.url)[:40], "compiled cache": len(cc) if cc is not None else None,
            "compiled cache MB": _mb(_deep(cc, 4)) if cc is not None else None,
            "pool": pool.status() if hasattr(pool, "status") else type(pool).__name__,
            "sqlite connections": _connections(pool)})
    for gw in found.get("SimulatorGateway", []):
        out["simulator"] = {k: [len(v), _mb(_deep(v, 4))] for k, v in vars(gw).items()
                            if hasattr(v, "__len__") and not isinstance(v, (str, bytes))}
    for jq in found.get("JobQueue", []):
        sched = getattr(jq, "scheduler", None)
        if sched is not None:
            out["jobs"] = len(sched.get_jobs())
    guide = sys.modules.get("domain.guide")
    if guide is not None:
        out["guide indexes"] = [len(guide._CACHE), _mb(_deep(guide._CACHE, 8))]
    return out


def _types(top: int = 40) -> list[list[Any]]:
    """The container types the cycle collector tracks, most memory first: [name, count, MB of
    their own ``sys.getsizeof``] (what they hold — strings, numbers — not counted)."""
    counts: dict[str, list[int]] = {}
    for o in gc.get_objects():
        t = type(o)
        name = f"{t.__module__}.{t.__qualname__}"
        entry = counts.get(name)
        if entry is None:
            entry = counts[name] = [0, 0]
        entry[0] += 1
        try:
            entry[1] += sys.getsizeof(o)
        except TypeError:
            pass
    ranked = sorted(counts.items(), key=lambda kv: -kv[1][1])[:top]
    return [[name, n, _mb(size)] for name, (n, size) in ranked]


def dump(path: str) -> None:
    line: dict[str, Any] = {"time": round(time.monotonic() - _STARTED, 1), "status": _status(), "smaps": _smaps(), "malloc": _mallinfo(),
                            "pymalloc": _pymalloc(), "sqlite": _sqlite(), "threads": threading.active_count(),
                            "gc objects": len(gc.get_objects()), "blocks": sys.getallocatedblocks()}
    line["caches"] = _caches()
    line["pool checkouts by connections out"] = dict(sorted(_CHECKOUTS.items()))
    line["pool connects"] = _OUT[1]
    line["types"] = _types()
    import tracemalloc

    if tracemalloc.is_tracing():
        snap = tracemalloc.take_snapshot().filter_traces((tracemalloc.Filter(False, tracemalloc.__file__),))
        current, peak = tracemalloc.get_traced_memory()
        line["traced"], line["traced peak since the last line"] = _mb(current), _mb(peak)
        if _BURST:
            line["burst"] = _BURST.pop()
        if _PREVIOUS:
            stats = snap.compare_to(_PREVIOUS[0], "lineno")
            line["grew"] = [[str(s.traceback[0]), _mb(s.size_diff), s.count_diff] for s in stats[:15]]
        line["top files"] = [[str(s.traceback[0].filename).split("site-packages/")[-1], _mb(s.size)]
                             for s in snap.statistics("filename")[:15]]
        _PREVIOUS[:] = [snap]
        _BASE[:] = [tracemalloc.get_traced_memory()[0]]
        tracemalloc.reset_peak()
    if os.environ.get("LIANHU_MEM_COLLECT") == "1":  # what a full collection would free now
        before = gc.get_count()
        found = gc.collect()
        line["gc.collect"] = {"unreachable": found, "counts before": before, "status": _status(),
                              "pymalloc": _pymalloc(), "malloc": _mallinfo()}
    with open(path, "a") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


#: checkouts of pooled connections by how many were out at that moment (this one included),
#: and connections opened: how often a smaller pool would have had to open one
_CHECKOUTS: dict[int, int] = {}
_OUT = [0, 0]  # out now, opened


def _watch_pool() -> None:
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    def checkout(*_: Any) -> None:
        _OUT[0] += 1
        _CHECKOUTS[_OUT[0]] = _CHECKOUTS.get(_OUT[0], 0) + 1

    def checkin(*_: Any) -> None:
        _OUT[0] -= 1

    def connect(*_: Any) -> None:
        _OUT[1] += 1

    event.listen(Pool, "checkout", checkout)
    event.listen(Pool, "checkin", checkin)
    event.listen(Pool, "connect", connect)


def install() -> None:
    path = os.environ["LIANHU_MEM_PROBE"]
    _watch_pool()
    if os.environ.get("LIANHU_MEM_TRACEMALLOC") == "1":
        import tracemalloc

        tracemalloc.start(int(os.environ.get("LIANHU_MEM_FRAMES", "5")))
        threading.Thread(target=_watch, name="mem-probe-watch", daemon=True).start()

    def on_signal(_sig: int, _frame: Any) -> None:
        try:
            dump(path)
        except Exception as exc:  # a probe must never stop the bot
            with open(path, "a") as fh:
                fh.write(json.dumps({"error": repr(exc)}) + "\n")

    signal.signal(signal.SIGUSR2, on_signal)
