"""How long queuing a notice to 1,000 groups takes (staff's 确认通知), and how fast the
outbox drains it without the pace (the pace itself is ~1.5-2 s a message by design).

    .venv/bin/python bench/bench_broadcast.py [--groups 1000] [--database-url URL]

Default database: a fresh SQLite file in a temporary folder. Target: queuing well under
a second.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


async def main(groups: int, database_url: str) -> None:
    from sqlalchemy import func, select

    from bot.app import App
    from bot.gateways.testing import TestGateway
    from kernel.clock import FrozenClock
    from kernel.config import Settings
    from storage.models import Building, ChatRoom, Grid, OutboxMessage, RoomKind
    from tests.conftest import START

    tmp = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    settings = Settings(data_dir=tmp, database_url=database_url)
    gw = TestGateway()
    app = App(settings, gw, clock=FrozenClock(START))
    await app.start()
    with app.sessions() as s:
        grid = s.scalar(select(Grid).order_by(Grid.id))
        assert grid is not None, "the demo data has a grid"
        for i in range(groups - 4):  # the demo community has 4 building groups already
            b = Building(grid=grid, name=f"新{i}号楼", code=f"n{i}")
            s.add(b)
            s.add(ChatRoom(chat_id=f"group-{i:05d}", name=f"新{i}号楼群", kind=RoomKind.BUILDING,
                           building=b, community_id=grid.community_id))
        s.commit()
    gw.online = False  # measure queuing alone
    t0 = time.perf_counter()
    await app.receive(gw.inbound("通知 全部 明天上午9点至12点停水,请提前储水。", sender="s1"))
    t1 = time.perf_counter()
    await app.receive(gw.inbound("确认通知 1", sender="s1"))
    t2 = time.perf_counter()
    with app.sessions() as s:
        queued = s.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.batch == "broadcast:1")) or 0
    gw.online = True
    t3 = time.perf_counter()
    await app.outbox.drain()
    t4 = time.perf_counter()
    await app.stop()
    print(f"database: {database_url or 'sqlite (temp file)'}")
    print(f"groups in the notice:            {queued}")
    print(f"preview (通知 全部 …):           {(t1 - t0) * 1000:8.1f} ms")
    print(f"queue on 确认通知:                {(t2 - t1) * 1000:8.1f} ms   (target: well under 1000 ms)")
    print(f"drain without pace:              {(t4 - t3) * 1000:8.1f} ms   ({queued / (t4 - t3):,.0f} messages/s)")
    interval = settings.send_interval_seconds + settings.send_jitter_seconds / 2
    print(f"drain at the default pace:       ~{queued * interval / 60:.0f} min "
          f"({settings.send_interval_seconds}+~{settings.send_jitter_seconds / 2} s a message)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    asyncio.run(main(args.groups, args.database_url))
