"""Ingest rate on PostgreSQL with 1, 2 and 4 bot processes (one per WeChat account) sharing the
database (issue 12, "Several processes on one PostgreSQL").

    .venv/bin/python bench/bench_accounts.py --database-url postgresql://postgres@127.0.0.1:5499/DB \
        [--messages 300] [--repeats 3] [--processes 1,2,4]

THE DATABASE IS EMPTIED (its public schema dropped) before each run. Each process is the real
App (the test gateway, offline, so only ingest is measured: store, classify, ticket or silence,
outbox row) with its own account and its own four building groups; the processes start, load
jieba, then all begin at once. A run's rate = all messages / (last process done − start). The
mix: about a third requests (repairs, utilities, noise...), the rest chatter and thanks. Reported:
the median of the repeats for each number of processes and its ratio to one process, all
measured in the same run.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

REQUESTS = ["{b}号楼电梯又坏了,老人上不去", "{b}号楼楼道灯不亮了,晚上很黑", "{b}号楼下水道堵了,味道很大",
            "{b}号楼楼上漏水,天花板都湿了", "{b}号楼门口的垃圾好几天没人收了", "{b}号楼晚上有人一直大声放音乐"]
CHATTER = ["今天天气不错", "谢谢大家", "收到", "好的", "有人知道快递柜在哪吗", "明天几点开会?",
           "[微笑]", "孩子放学了吗", "楼下超市打折", "周末一起去公园吗", "辛苦了", "晚安"]


def text_for(i: int, building: str) -> str:
    if i % 3 == 0:
        return REQUESTS[(i // 3) % len(REQUESTS)].format(b=building)
    return CHATTER[i % len(CHATTER)]


def reset(url: str) -> None:
    from sqlalchemy import text

    from kernel.clock import Clock
    from storage import db
    from storage.demo import load_demo

    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(engine)
    with db.session_factory(engine)() as session:
        load_demo(session, Clock())
        session.commit()
    engine.dispose()


def seed_rooms(url: str, account: str) -> list[tuple[str, str]]:
    """Four building groups of this account's own: (chat id, building number)."""
    from sqlalchemy import select

    from storage import db
    from storage.models import Building, ChatRoom, Grid, RoomKind

    engine = db.make_engine(url)
    rooms = []
    with db.session_factory(engine)() as s:
        grid = s.scalar(select(Grid).order_by(Grid.id))
        assert grid is not None
        for j in range(4):
            number = f"{account}{j}"
            b = Building(grid=grid, name=f"{number}号楼", code=number)
            s.add(b)
            s.add(ChatRoom(chat_id=f"room-{number}", name=f"{number}号楼群", kind=RoomKind.BUILDING,
                           building=b, community_id=grid.community_id))
            rooms.append((f"room-{number}", number))
        s.commit()
    engine.dispose()
    return rooms


def worker(url: str, account: str, messages: int, data_dir: str, ready: Any, go: Any, results: Any) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("jieba").setLevel(logging.ERROR)
    asyncio.run(_work(url, account, messages, Path(data_dir), ready, go, results))


async def _work(url: str, account: str, messages: int, data_dir: Path, ready: Any, go: Any, results: Any) -> None:
    from bot.app import App
    from bot.gateways.testing import TestGateway
    from kernel.config import Settings

    rooms = seed_rooms(url, account)
    settings = Settings(data_dir=data_dir, database_url=url,  # shared: jieba's cache
                        account=account, demo_on_first_run=False, quiet_start="00:00", quiet_end="00:00",
                        job_leader_retry_seconds=3600)
    gw = TestGateway()
    app = App(settings, gw)
    await app.start()
    gw.online = False  # ingest alone: what is queued stays queued
    inbound = [gw.inbound(text_for(i, rooms[i % 4][1]), sender=f"{account}-p{i % 40}", name=f"居民{i % 40}",
                          room=rooms[i % 4][0], message_id=f"{account}-{i}") for i in range(messages)]
    ready.put(account)
    go.wait()
    for message in inbound:
        await app.receive(message)
    results.put((account, time.time()))
    await app.stop()


def handled(url: str) -> tuple[int, int, int]:
    """(messages handled, messages not handled, tickets) after a run: nothing may fail."""
    from sqlalchemy import func, select

    from storage import db
    from storage.models import InboundMessage, InboxStatus, Ticket

    engine = db.make_engine(url)
    with engine.connect() as conn:
        done = conn.scalar(select(func.count()).where(InboundMessage.status == InboxStatus.DONE)) or 0
        other = conn.scalar(select(func.count()).where(InboundMessage.status != InboxStatus.DONE)) or 0
        tickets = conn.scalar(select(func.count(Ticket.id))) or 0
    engine.dispose()
    return done, other, tickets


def one_run(url: str, processes: int, messages: int, data_dir: str) -> float:
    reset(url)
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=worker, args=(url, f"b{k}", messages, data_dir, ready, go, results))
             for k in range(processes)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=300)
    start = time.time()
    go.set()
    ends = [results.get(timeout=600)[1] for _ in procs]
    for p in procs:
        p.join(60)
    done, other, _tickets = handled(url)
    if other or done != processes * messages:
        print(f"  !! {other} of {done + other} messages not handled", flush=True)
    return processes * messages / (max(ends) - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="PostgreSQL; ITS SCHEMA IS DROPPED")
    parser.add_argument("--messages", type=int, default=300, help="messages per process")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", default="1,2,4")
    args = parser.parse_args()
    counts = [int(n) for n in args.processes.split(",")]
    rates: dict[int, list[float]] = {n: [] for n in counts}
    data_dir = tempfile.mkdtemp(prefix="bench-accounts-")
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)", flush=True)
    for r in range(args.repeats):  # interleaved, so a busy moment of the machine hits all alike
        for n in counts:
            rates[n].append(one_run(args.database_url, n, args.messages, data_dir))
            print(f"  repeat {r + 1}: {n} process(es): {rates[n][-1]:7.1f} msg/s", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    base = statistics.median(rates[counts[0]])
    print(f"ingest on PostgreSQL, {args.messages} messages per process, median of {args.repeats}:")
    for n in counts:
        median = statistics.median(rates[n])
        print(f"  {n} process(es): {median:7.1f} msg/s   ×{median / base:.2f} of {counts[0]}")


if __name__ == "__main__":
    main()
