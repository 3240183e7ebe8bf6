"""How long `lianhu` takes to start: `lianhu --help`, and `lianhu run` until /healthz answers.

    .venv/bin/python bench/bench_start.py [--runs 5] [--before DIR]

Each command runs as a fresh process, one warm-up run first (the OS file cache and jieba's
dictionary cache are warm: the "warm" start), then --runs counted runs; the median is quoted,
with its ratio to `python -c pass` measured in the same run (the machine is shared and its
speed drifts: read the ratios). Baselines: `python -c pass` and `python -c "import jieba"`.
`lianhu run` serves the simulator on a free port over a database already migrated, with the
demo community loaded by the warm-up run; it is stopped with Ctrl+C (SIGINT) once it answers.
--before DIR times another checkout of the project (e.g. `git worktree add /tmp/before HEAD~5`)
with the same commands in the same run, alternating with this one's run by run, for before/after
figures.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _env(repo: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo), "HOME": os.environ.get("HOME", "/tmp")}


def _lianhu(repo: Path, *args: str) -> list[str]:
    """The `lianhu` console script's own call (bot.cli:main) on ``repo``'s code."""
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", *args]


def time_command(cmd: list[str], repo: Path, cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=_env(repo), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def time_run(repo: Path, data: Path) -> float:
    """Seconds from starting `lianhu run` until GET /healthz answers 200."""
    port = _free_port()
    cmd = _lianhu(repo, "--data-dir", str(data), "run", "--port", str(port))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=data, env=_env(repo), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"lianhu run exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as res:
                    if res.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                time.sleep(0.01)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Ctrl+C to a `lianhu run`, killed if it has not exited within a minute."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(fn: Callable[[], float], runs: int) -> list[float]:
    fn()  # warm-up
    return [fn() for _ in range(runs)]


def alternating(steps: list[tuple[str, Callable[[], float]]], runs: int) -> list[tuple[str, list[float]]]:
    """Each step once as a warm-up, then ``runs`` rounds of every step in turn (before, now,
    before, now …), so a change in the machine's load falls on both checkouts alike."""
    for _, fn in steps:
        fn()
    times: list[list[float]] = [[] for _ in steps]
    for _ in range(runs):
        for i, (_, fn) in enumerate(steps):
            times[i].append(fn())
    return [(name, t) for (name, _), t in zip(steps, times)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--before", type=Path, help="another checkout to time the same way (before/after)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lianhu-start-"))
    checkouts = [("before", args.before.resolve())] if args.before else []
    checkouts.append(("now" if args.before else "", REPO))
    rows: list[tuple[str, list[float]]] = [
        ("python -c pass", measure(lambda: time_command([sys.executable, "-c", "pass"], REPO, work), args.runs)),
        ("python -c 'import jieba'",
         measure(lambda: time_command([sys.executable, "-c", "import jieba"], REPO, work), args.runs))]
    steps: list[tuple[str, Callable[[], float]]] = []
    for label, repo in checkouts:
        data = work / (label or "now")
        data.mkdir()
        tag = f" ({label})" if label else ""
        steps.append((f"lianhu --help{tag}", partial(time_command, _lianhu(repo, "--help"), repo, work)))
        steps.append((f"lianhu run → /healthz{tag}", partial(time_run, repo, data)))
    rows += alternating(steps, args.runs)
    base = statistics.median(rows[0][1])
    print(f"{args.runs} runs each after a warm-up; medians (min–max) in seconds; × python -c pass")
    for name, times in rows:
        med = statistics.median(times)
        print(f"{name:<32} {med:7.3f}  ({min(times):.3f}–{max(times):.3f})  ×{med / base:5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
