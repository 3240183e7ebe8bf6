"""Several WeChat accounts as several processes on one PostgreSQL (issue 12): three real
``lianhu run --account`` processes with simulated accounts over 300 groups share one database;
the one running the scheduled jobs is killed (SIGKILL) in the middle of a notice to every group.

Each simulated account is in its own groups (some groups have two accounts) and writes every
send to its own file; the tests read those files and the database."""
from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.cli.main import main
from bot.gateways.testing import TestGateway
from bot.outbox import OutboxSender
from kernel.clock import Clock, FrozenClock
from kernel.config import Settings
from schedules.leadership import Leadership
from storage import db
from storage.models import ChatAccount, OutboxMessage, OutboxStatus, ScheduledJob
from storage.outbox import queue_to_rooms
from tests.conftest import PG_URL, START, _truncate

needs_pg = pytest.mark.skipif(not PG_URL, reason="several processes share PostgreSQL (LIANHU_TEST_PG_URL)")

ROOT = Path(__file__).resolve().parents[1]
ROOMS = [f"r{i:03d}@chatroom" for i in range(300)]
#: in a ring: each account has 80 groups of its own and shares 20 with each of the two others
ACCOUNTS = {f"a{k + 1}": [ROOMS[(100 * k + i) % 300] for i in range(-20, 100)] for k in range(3)}
NOTICE = "【通知】本周六上午九点小区消防演练,请大家留意。"
BATCH = "notice-fire-drill"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str, bots: list[Bot]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n" + "\n".join(b.log_tail() for b in bots))


class Bot:
    """One ``lianhu run --account NAME`` process."""

    def __init__(self, account: str, config: Path, workdir: Path, port: int) -> None:
        self.account, self.config, self.workdir, self.port = account, config, workdir, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []
        self.out = workdir / f"{account}.out"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIANHU_")}
        env["PYTHONPATH"] = str(ROOT)
        with self.out.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", "--config", str(self.config), "run",
                 "--gateway", "simulator", "--account", self.account],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.pids.append(self.proc.pid)

    def ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.account} exited with {self.proc.returncode}\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def sends(self) -> list[dict[str, Any]]:
        path = self.workdir / f"sends-{self.account}.jsonl"
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def log_tail(self, lines: int = 25) -> str:
        text = self.out.read_text("utf-8", errors="replace") if self.out.exists() else ""
        return f"--- {self.account} ---\n" + "\n".join(text.splitlines()[-lines:])


def write_config(workdir: Path, ports: dict[str, int]) -> Path:
    lines = [f'database_url = "{PG_URL}"', "demo_on_first_run = false", 'default_account = "a1"',
             'console = "off"', "sim_send_seconds = 0.02", "job_leader_retry_seconds = 1.0",
             'quiet_start = "00:00"', 'quiet_end = "00:00"',
             f'data_dir = "{workdir / "data"}"', 'log_level = "INFO"']
    for account, rooms in ACCOUNTS.items():
        lines += [f"[accounts.{account}]", f"sim_port = {ports[account]}", f"sim_rooms = {json.dumps(rooms)}",
                  f'sim_send_log = "{workdir / f"sends-{account}.jsonl"}"']
    path = workdir / "lianhu.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_job(engine: Engine, name: str, at: datetime, marks: Path) -> None:
    """A one-off job as the job queue stores it (schedules/jobstore.py), due at ``at`` (UTC)."""
    with Session(engine) as session:
        session.add(ScheduledJob(id=f"test.{name}", func="tests.multiprocess_jobs:mark",
                                 kwargs={"path": str(marks), "name": name},
                                 trigger=pickle.dumps(DateTrigger(run_date=at.replace(tzinfo=UTC))),
                                 grace_seconds=3600, next_run_at=at))
        session.commit()


def counts(engine: Engine) -> dict[tuple[str, str | None], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxMessage.status, OutboxMessage.account, func.count())
                            .where(OutboxMessage.batch == BATCH)
                            .group_by(OutboxMessage.status, OutboxMessage.account)).all()
    return {(status, account): n for status, account, n in rows}


def pending_rows(engine: Engine) -> set[tuple[str, str | None]]:
    with engine.connect() as conn:
        return {(c, a) for c, a in conn.execute(
            select(OutboxMessage.conversation, OutboxMessage.account)
            .where(OutboxMessage.batch == BATCH, OutboxMessage.status == OutboxStatus.PENDING)).all()}


def job_runs(marks: Path) -> list[tuple[str, int]]:
    if not marks.exists():
        return []
    return [(name, int(pid)) for name, pid in (line.split() for line in marks.read_text().splitlines())]


@pytest.fixture
def district(pg_engine: Engine, tmp_path: Path) -> Iterator[tuple[Engine, dict[str, Bot], Path]]:
    _truncate(pg_engine)
    ports = {account: free_port() for account in ACCOUNTS}
    config = write_config(tmp_path, ports)
    bots = {account: Bot(account, config, tmp_path, ports[account]) for account in ACCOUNTS}
    try:
        yield pg_engine, bots, tmp_path
    finally:
        for bot in bots.values():
            bot.stop()


@needs_pg
def test_three_accounts_send_a_notice_to_every_group_once_through_a_kill_and_jobs_run_once(district) -> None:  # type: ignore[no-untyped-def]
    engine, bots, workdir = district
    marks = workdir / "jobs.txt"
    everyone = list(bots.values())
    add_job(engine, "before-start", datetime.now(UTC).replace(tzinfo=None), marks)
    for bot in everyone:
        bot.start()
    wait_for(lambda: all(b.ready() for b in everyone), 90, "the three accounts to start", everyone)
    wait_for(lambda: len(job_runs(marks)) == 1, 30, "the leader to run the job due at start", everyone)
    [(_, leader_pid)] = job_runs(marks)
    [leader] = [b for b in everyone if b.pids[0] == leader_pid]  # it is the one killed below
    others = [b for b in everyone if b is not leader]
    own = set(ACCOUNTS[leader.account]) - {r for b in others for r in ACCOUNTS[b.account]}
    with engine.connect() as conn:  # each account told where it is at login
        assert conn.scalar(select(func.count()).select_from(ChatAccount)) == sum(map(len, ACCOUNTS.values()))

    with Session(engine) as session:  # a notice to every group, queued as staff's confirmation does
        queue_to_rooms(session, Clock(), ROOMS, NOTICE, batch=BATCH)
        session.commit()

    # mid-broadcast: the leader has sent some of its groups, not all
    wait_for(lambda: len(leader.sends()) >= 15, 30, "the leader to send", everyone)
    leader.kill()
    killed_at = datetime.now(UTC).replace(tzinfo=None)
    add_job(engine, "while-leaderless", killed_at, marks)  # due with nobody running jobs
    add_job(engine, "after-takeover", killed_at + timedelta(seconds=3), marks)

    # the others finish everything that is not the dead account's; its rows wait for it
    def others_done() -> bool:
        left = pending_rows(engine)
        return all(account == leader.account or (account is None and room in own) for room, account in left) \
            and len(job_runs(marks)) >= 3
    wait_for(others_done, 30, "the others to finish their groups and the jobs to run", everyone)
    waiting = pending_rows(engine)
    assert waiting, "the leader was killed after its part of the notice was done: nothing tested"
    time.sleep(2)
    assert pending_rows(engine) == waiting  # nobody else sends the dead account's rows
    assert not {s["conversation"] for b in others for s in b.sends()} & own

    leader.start()  # it returns and sends what is its own
    wait_for(lambda: not pending_rows(engine), 30, "the restarted account to send its groups", everyone)

    sends = [s for b in everyone for s in b.sends()]
    assert Counter(s["conversation"] for s in sends) == Counter(ROOMS)  # every group once, exactly
    assert all(s["conversation"] in ACCOUNTS[s["account"]] for s in sends)  # by an account in it
    assert all(s["text"] == NOTICE for s in sends)
    assert counts(engine) == {(OutboxStatus.SENT, a): n
                              for a, n in Counter(s["account"] for s in sends).items()}  # none failed

    runs = dict(job_runs(marks))
    assert sorted(n for n, _ in job_runs(marks)) == ["after-takeover", "before-start", "while-leaderless"]
    takers = {b.pids[0] for b in others}
    assert runs["while-leaderless"] in takers and runs["after-takeover"] in takers  # taken over


# --- in one process: routing rows to accounts, on both databases -------------------------------------

def sender(sessions: Any, account: str, default: str = "a1") -> tuple[OutboxSender, TestGateway]:
    gw = TestGateway()
    settings = Settings(account=account, default_account=default)
    return OutboxSender(sessions, gw, FrozenClock(START), settings, paced=False), gw


def private(session: Session, to: str, text: str) -> None:
    session.add(OutboxMessage(conversation=to, is_room=False, text=text, mentions=[], not_before=START,
                              created_at=START))


async def test_a_group_goes_through_an_account_in_it_and_a_private_message_through_a_contact(db_url: str) -> None:
    engine = db.make_engine(db_url)
    sessions = db.session_factory(engine)
    a1, gw1 = sender(sessions, "a1")
    a2, gw2 = sender(sessions, "a2")
    a1.record_presence(["g1", "g2"], ["p1"])
    a2.record_presence(["g2", "g3"], ["p2"])
    with sessions() as session:
        queue_to_rooms(session, FrozenClock(START), ["g1", "g2", "g3", "g4"], "停水通知", batch="n1")
        for to in ("p1", "p2", "p9"):
            private(session, to, f"给{to}")
        session.commit()

    await a2.drain()  # a2 first: the group both are in goes through a2
    await a1.drain()
    assert sorted(m.conversation for m in gw2.sent) == ["g2", "g3", "p2"]
    assert sorted(m.conversation for m in gw1.sent) == ["g1", "p1", "p9"]  # p9: nobody's contact → default
    with sessions() as session:  # the group no account is in waits, given to nobody
        left = session.execute(select(OutboxMessage.conversation, OutboxMessage.account)
                               .where(OutboxMessage.status == OutboxStatus.PENDING)).all()
    assert [tuple(r) for r in left] == [("g4", None)]

    # p9 writes to a2 privately: from now on a2 is the account that knows p9
    a2.seen(TestGateway().inbound("你好", sender="p9"))
    with sessions() as session:
        private(session, "p9", "回复p9")
        session.commit()
    await a1.drain()
    await a2.drain()
    assert [m.text for m in gw2.sent if m.conversation == "p9"] == ["回复p9"]
    assert [m.conversation for m in gw1.sent].count("p9") == 1
    engine.dispose()


def test_an_unknown_account_is_said_in_chinese_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "district.toml"
    config.write_text("[accounts.a1]\nsim_port = 8081\n[accounts.a2]\nsim_port = 8082\n", encoding="utf-8")
    assert main(["--config", str(config), "run", "--account", "a9"]) == 2
    err = capsys.readouterr().err
    assert "未知的账号“a9”" in err and "a1、a2" in err and "Traceback" not in err


async def test_one_process_leads_the_jobs_and_another_takes_over_when_it_lets_go(db_url: str) -> None:
    engine = db.make_engine(db_url)
    first, second = Leadership(engine, needed=True), Leadership(engine, needed=True)
    assert await first.try_acquire()
    if engine.dialect.name == "sqlite":  # one process: it always leads
        assert await second.try_acquire()
    else:
        assert not await second.try_acquire()
        assert await first.still_leading()
        await first.release()
        assert await second.try_acquire()
        assert not await first.try_acquire()
    await second.release()
    await first.release()
    engine.dispose()
