"""Memory of the district bot: `lianhu run` on the district's database, idle and after many messages.

    .venv/bin/python bench/bench_memory.py [--db PATH] [--messages 10000] [--clients 8]
        [--before DIR] [--runs 1]

The district (50 communities, 1,500 buildings, 40,000 households, 4,000 members, a month of
ledger work) is built by bench_district.py's own steps into ``--db`` the first time (a few
minutes) and reused after that (cached by path). Each run copies it, binds a building group to
each of the 1,500 buildings and a staff group to each community, and starts the real bot
(`lianhu run`, simulator gateway, quiet hours off) on the copy as a subprocess, after `lianhu db
upgrade` on it in a process of its own (a running district's database is at head; a bot that
has to migrate loads Alembic, ~8 MB, and keeps it). Its resident set
(VmRSS of /proc/PID/status) is read:

  * start:       as soon as /healthz answers (the classifier is loading in its thread);
  * classifier:  after the first message was answered (it waits for the classifier) and two
                 seconds of quiet (with --guide, the guide's index too: since the twenty-first
                 round the bot builds it in the classifier's warm-up thread, before any question,
                 and since the twenty-second the first message waits for that build too);
  * N messages:  after ``--messages`` group messages (bench_classifier's realistic texts, about
                 a third of them requests) from 6,000 residents in all 1,500 groups, posted over
                 the simulator API by ``--clients`` concurrent clients, and two seconds of quiet;
                 also part way (every fifth), to show whether it keeps growing;
  * peak:        VmHWM, the most it ever held. The classifier's dictionary cache is kept beside
                 the district (made by the first run, and made again and kept when the bot
                 finds it made from another jieba dict.txt: another venv's): a running bot has
                 it in its data folder, and making it (once) holds ~55 MB more for a moment.

A request answered 500 (on a loaded machine SQLite can say "database is locked") is posted again
with the same id, which the bot handles once; how many were is printed ("posted again").
Baselines measured in the same run, each its own process: `python -c pass` and
`python -c "import jieba; jieba.initialize()"` (jieba's own dictionary; the bot no longer loads it
but a trie of it, domain/classifier/dictionary.py).
--before DIR runs the same with another checkout's code (alternating, on its own copy).
--guide: every community of the copy gets the demo 办事指南 (storage/demo_guide.toml, loaded with the
checkout's own ``load_demo_guide`` before the bot starts, so each community has entries of its own
and its own index), and one message in ``--guide-share`` is a resident's question from the guide's
labelled files (tests/data/guide/questions*.jsonl, lines of kind "question"), in a building group
of any of the 50 communities.
--trace N: also every N messages (and at start, idle), bench/mem_probe.py inside the bot writes
where the resident set is (mappings, glibc's and pymalloc's heaps, SQLite's allocator, the
bounded caches) into ``--trace-out`` (JSON lines, one per moment); --tracemalloc adds Python's
allocations that grew most (tracemalloc slows the bot and adds its own memory: read its RSS
figures only as a shape).
Target (issue 12): RSS <= 120 MB for the district bot, idle and after 10,000 messages.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from bench_start import stop  # noqa: E402  (the bench folder on the path above)

DEFAULT_DB = Path(tempfile.gettempdir()) / "lianhu-bench-district" / "district.db"
SENDERS_PER_GROUP = 4


def ensure_district(path: Path) -> None:
    """Build the district into ``path`` with bench_district.py's steps unless it is there."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    url = f"sqlite:///{partial}"
    for step in ("generate", "import", "activity"):
        print(f"building the district: {step} …", flush=True)
        subprocess.run([sys.executable, str(REPO / "bench" / "bench_district.py"), "--step", step,
                        "--dir", str(path.parent), "--database-url", url], check=True, cwd=REPO,
                       env=_env(REPO), stdout=subprocess.DEVNULL)
    partial.rename(path)


def bind_groups(path: Path) -> list[str]:
    """A building group for each building and a staff group for each community: the chat ids
    of the building groups."""
    import sqlite3

    conn = sqlite3.connect(path)
    buildings = conn.execute("SELECT b.id, b.group_name, b.name, g.community_id FROM building b "
                             "JOIN grid g ON g.id = b.grid_id ORDER BY b.id").fetchall()
    communities = conn.execute("SELECT id, name FROM community ORDER BY id").fetchall()
    conn.executemany("INSERT INTO chat_room (chat_id, name, kind, community_id, building_id) VALUES (?, ?, ?, ?, ?)",
                     [(f"b{bid}", group or f"{name}群", "building", cid, bid) for bid, group, name, cid in buildings]
                     + [(f"staff{cid}", f"{name}工作群", "staff", cid, None) for cid, name in communities])
    conn.commit()
    conn.close()
    return [f"b{bid}" for bid, *_ in buildings]


def guide_questions() -> list[str]:
    """The residents' questions of the guide's labelled files (kind "question"), in file order."""
    out = []
    for path in sorted((REPO / "tests" / "data" / "guide").glob("questions*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else None
            if isinstance(item, dict) and item.get("kind") == "question" and isinstance(item.get("text"), str):
                out.append(item["text"])
    return out


def load_guides(repo: Path, database: Path) -> int:
    """The demo guide in every community of ``database``, with ``repo``'s code: entries added."""
    code = ("import sys; from datetime import datetime, timezone; from sqlalchemy import select; "
            "from storage.db import make_engine, session_factory; from storage.guide_files import load_demo_guide; "
            "from storage.models import Community\n"
            "S = session_factory(make_engine(sys.argv[1])); now = datetime.now(timezone.utc).replace(tzinfo=None)\n"
            "with S.begin() as s:\n"
            "    print(sum(load_demo_guide(s, cid, now) for cid in s.scalars(select(Community.id)).all()))")
    out = subprocess.run([sys.executable, "-c", code, f"sqlite:///{database}"], cwd=repo, env=_env(repo),
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def workload(n: int, rooms: list[str], seed: int = 5, guide_share: int = 0) -> list[dict[str, str]]:
    """``n`` messages in ``rooms``; with ``guide_share`` N, every N-th of them (chosen at random,
    one in N on average) a guide question instead."""
    from bench_classifier import make_messages

    rnd = random.Random(seed)
    questions = guide_questions() if guide_share else []
    out = []
    for i, text in enumerate(make_messages(n, seed)):
        if guide_share and rnd.randrange(guide_share) == 0:
            text = rnd.choice(questions)
        room = rnd.choice(rooms)
        out.append({"room": room, "sender": f"居民{room}-{rnd.randrange(SENDERS_PER_GROUP)}", "text": text,
                    "id": f"mem-{i}"})
    return out


def _env(repo: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo), "HOME": os.environ.get("HOME", "/tmp")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def baseline(code: str) -> float:
    """VmRSS (MB) of a fresh Python process after ``code``."""
    script = code + "\nimport pathlib\nprint([l for l in pathlib.Path('/proc/self/status').read_text()" \
                    ".splitlines() if l.startswith('VmRSS')][0].split()[1])"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env=_env(REPO), cwd=tempfile.gettempdir())
    return int(out.stdout.strip().splitlines()[-1]) / 1024


#: LIANHU_* settings for the bot given to this bench (e.g. LIANHU_DEADLINE_CHECK_SECONDS, to see
#: what a job costs); none by default
EXTRA_ENV = {k: v for k, v in os.environ.items() if k.startswith("LIANHU_") and not k.startswith("LIANHU_MEM_")}
RETRIED: list[str] = []  # messages answered 500 and posted again (the same id is handled once)


def _post(base: str, body: dict[str, str]) -> None:
    req = urllib.request.Request(base + "api/sim/messages", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    for attempt in range(3):
        try:
            with urllib.request.urlopen(req, timeout=300) as res:
                res.read()
                return
        except urllib.error.HTTPError as exc:  # e.g. "database is locked" on a loaded machine
            if exc.code != 500 or attempt == 2:
                raise
            RETRIED.append(body["id"])
            time.sleep(1)


def _wait_healthz(base: str, proc: subprocess.Popen[bytes]) -> None:
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"lianhu run exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "healthz", timeout=1) as res:
                if res.status == 200:
                    return
        except OSError:
            time.sleep(0.02)


class Probe:
    """bench/mem_probe.py inside the bot (--trace): a line of where the memory is, on demand."""

    def __init__(self, out: Path, label: str, tracemalloc: bool) -> None:
        self.out, self.label, self.tracemalloc = out, label, tracemalloc
        self.raw = out.with_suffix(f".{label}.raw")
        self.raw.unlink(missing_ok=True)

    def env(self) -> dict[str, str]:
        return {"LIANHU_MEM_PROBE": str(self.raw), "LIANHU_MEM_TRACEMALLOC": "1" if self.tracemalloc else "0",
                "LIANHU_MEM_DEEP": os.environ.get("LIANHU_MEM_DEEP", "0"),
                "LIANHU_MEM_COLLECT": os.environ.get("LIANHU_MEM_COLLECT", "0"),
                "LIANHU_MEM_FRAMES": os.environ.get("LIANHU_MEM_FRAMES", "5")}

    def take(self, pid: int, moment: str) -> None:
        before = self.raw.read_text().count("\n") if self.raw.exists() else 0
        os.kill(pid, signal.SIGUSR2)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.raw.exists() and self.raw.read_text().count("\n") > before:
                break
            time.sleep(0.05)
        line = json.loads(self.raw.read_text().splitlines()[-1])
        with self.out.open("a") as fh:
            fh.write(json.dumps({"label": self.label, "moment": moment, **line}, ensure_ascii=False) + "\n")
        st, m, pm, sq = line.get("status", {}), line.get("malloc", {}), line.get("pymalloc", {}), line.get("sqlite", {})
        print(f"  {self.label} {moment:>12} at {line.get('time')} s: RSS {st.get('VmRSS', 0):.1f} (anon {st.get('RssAnon', 0):.1f}, "
              f"smaps {line.get('smaps')}) malloc in use {m.get('in_use')} free {m.get('free')} "
              f"mmapped {m.get('mmapped')}; pymalloc arenas {pm.get('arenas')} used {pm.get('used')}; "
              f"sqlite {sq.get('memory_used')}; threads {line.get('threads')}", flush=True)


def measure(repo: Path, district: Path, messages: int, clients: int,
            probe: Probe | None = None, every: int = 0, guide_share: int = 0) -> dict[str, float]:
    """Start the bot of ``repo`` on a copy of the district and read its memory as it works."""
    work = Path(tempfile.mkdtemp(prefix="lianhu-mem-"))
    database = work / "district.db"
    shutil.copy(district, database)
    rooms = bind_groups(database)
    # the classifier's dictionary cache (made once from jieba's dict.txt, kept in the data folder
    # of a running bot): kept beside the district, so no run measures its one-time making
    dict_cache = district.parent / "jieba-dict.marisa"
    if dict_cache.exists():
        shutil.copy(dict_cache, work / dict_cache.name)
    entries = load_guides(repo, database) if guide_share else 0
    load = workload(messages, rooms, guide_share=guide_share)
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {**_env(repo), **EXTRA_ENV, "LIANHU_QUIET_START": "00:00", "LIANHU_QUIET_END": "00:00",
           "LIANHU_DATABASE_URL": f"sqlite:///{database}"}
    boot = "import sys; from bot.cli import main; sys.exit(main())"
    cli = [sys.executable, "-c", boot, "--data-dir", str(work)]
    # the copy brought to the checkout's head first, in its own process: a running district's
    # database is at head, and the bot then never loads Alembic (~8 MB) to check or migrate it
    subprocess.run([*cli, "db", "upgrade"], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    if probe is not None:  # the probe from this bench folder, installed before the bot starts
        cli[2] = f"import sys; sys.path.insert(0, {str(REPO / 'bench')!r}); import mem_probe; mem_probe.install(); " + boot
        env.update(probe.env())
    cmd = [*cli, "run", "--gateway", "simulator", "--port", str(port)]
    with (work / "bot.log").open("wb") as logfile:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=logfile, stderr=subprocess.STDOUT)
    figures: dict[str, float] = {"guide entries": entries} if guide_share else {}
    try:
        _wait_healthz(base, proc)
        figures["start"] = status_mb(proc.pid)["VmRSS"]
        _post(base, {"room": rooms[0], "sender": "居民甲", "text": "你好", "id": "mem-first"})
        time.sleep(2)
        figures["classifier"] = status_mb(proc.pid)["VmRSS"]
        if probe is not None:
            probe.take(proc.pid, "classifier")
        t0 = time.perf_counter()
        step = every if probe is not None and every else max(1, len(load) // 5)
        with ThreadPoolExecutor(clients) as pool:
            for start in range(0, len(load), step):
                list(pool.map(lambda body: _post(base, body), load[start:start + step]))
                figures[f"after {start + step}"] = status_mb(proc.pid)["VmRSS"]
                if probe is not None:
                    probe.take(proc.pid, f"after {start + step}")
        figures["rate"] = len(load) / (time.perf_counter() - t0)
        figures["posted again"] = len(RETRIED)
        RETRIED.clear()
        time.sleep(2)
        mem = status_mb(proc.pid)
        figures["idle after"] = mem["VmRSS"]
        figures["peak"] = mem["VmHWM"]
        if probe is not None:
            probe.take(proc.pid, "idle after")
    finally:
        stop(proc)
    # the bot makes the cache again when it was made from another jieba dict.txt (another venv's:
    # the file records the path), and every later run would then pay that making again (a peak of
    # ~170 MB at start and what it leaves behind): the cache it made is the one kept from now on
    made = work / dict_cache.name
    if made.exists() and (not dict_cache.exists() or made.read_bytes() != dict_cache.read_bytes()):
        shutil.copy(made, dict_cache)
    shutil.rmtree(work, ignore_errors=True)
    return figures


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help="the district's SQLite file (built if missing)")
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--before", type=Path, help="another checkout: the same with its code, alternating")
    p.add_argument("--guide", action="store_true", help="every community with the demo guide, guide questions asked")
    p.add_argument("--guide-share", type=int, default=20, metavar="N",
                   help="with --guide: one message in N (on average) a guide question")
    p.add_argument("--trace", type=int, default=0, metavar="N", help="where the memory is, every N messages")
    p.add_argument("--tracemalloc", action="store_true", help="with --trace: Python's allocations too")
    p.add_argument("--trace-out", type=Path, default=Path(tempfile.gettempdir()) / "lianhu-mem-trace.jsonl")
    args = p.parse_args()
    ensure_district(args.db)
    checkouts = ([("before", args.before.resolve())] if args.before else []) + [("now", REPO)]
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in checkouts}
    bare = baseline("pass")
    jieba_mb = baseline("import jieba, logging\nlogging.disable()\njieba.initialize()")
    for _ in range(args.runs):
        for label, repo in checkouts:
            probe = Probe(args.trace_out, label, args.tracemalloc) if args.trace else None
            results[label].append(measure(repo, args.db, args.messages, args.clients, probe, args.trace,
                                          args.guide_share if args.guide else 0))
            print(f"run {len(results[label])} {label}: " + "; ".join(f"{k} {v:.1f}" for k, v in results[label][-1].items()),
                  flush=True)
    print(f"district {args.db}; {args.messages} messages over the simulator API, {args.clients} clients; "
          f"RSS in MB (median of {args.runs})"
          + (f"; every community with the demo guide, one message in {args.guide_share} a guide question"
             if args.guide else ""))
    print(f"baselines: python -c pass {bare:.1f} MB; import jieba + jieba.initialize() {jieba_mb:.1f} MB")
    for label, runs in results.items():
        keys = list(runs[0])
        cells = []
        for key in keys:
            value = statistics.median(r[key] for r in runs)
            cells.append(f"{key} {value:,.0f} msg/s" if key == "rate" else f"{key} {value:.0f}" if key in ("posted again", "guide entries")
                         else f"{key} {value:.1f}")
        print(f"{label:<7} " + "; ".join(cells))
        idle = statistics.median(r["classifier"] for r in runs)
        print(f"{'':<7} idle with the classifier = {idle / jieba_mb:.2f}× the jieba baseline; "
              f"after {args.messages} = {statistics.median(r['idle after'] for r in runs) / jieba_mb:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
