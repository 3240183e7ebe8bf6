"""The web console's pages on a district-sized database (issue 13: each page ≤ 200 ms).

    .venv/bin/python bench/bench_console.py [--keep DIR]   # makes the district with bench_district.py
    .venv/bin/python bench/bench_console.py --db FILE       # or uses one already made (district.db)

Starts the real app (simulator gateway, the app's HTTP server on a free port) on that database,
gives a staff member of the first community and a grid worker a login, and times each page
over HTTP (the median and the slowest of 7 requests, after one warm-up).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
RUNS = 7
PASSWORD = "bench-password"


async def measure(db_file: Path) -> int:
    import re

    import aiohttp
    from sqlalchemy import select

    from bot.app import App
    from domain.accounts import add_user
    from kernel.config import Settings
    from storage.models import Building, Grid, Person, Role, Ticket

    settings = Settings(data_dir=db_file.parent / "data", database_url=f"sqlite:///{db_file}", sim_port=0,
                        demo_on_first_run=False)
    app = App(settings)
    await app.start()
    try:
        with app.sessions() as s:
            staff = s.scalar(select(Person).where(Person.role == Role.STAFF).order_by(Person.id))
            grid = s.scalar(select(Grid).where(Grid.worker_id.is_not(None)).order_by(Grid.id))
            assert staff is not None and grid is not None and grid.worker is not None, "no staff or grid worker"
            number = s.scalar(select(Ticket.number).where(Ticket.community_id == staff.community_id)
                              .order_by(Ticket.id))
            building = s.scalar(select(Building.id).join(Grid).where(Grid.community_id == staff.community_id)
                                .order_by(Building.id))
            logins = [(add_user(s, app.clock, staff.name, PASSWORD)[0].login, "staff"),
                      (add_user(s, app.clock, grid.worker.name, PASSWORD)[0].login, "grid worker")]
            s.commit()
        base = f"http://127.0.0.1:{app.server.port}/console"
        pages = ["/tickets", "/tickets?status=all", "/tickets?status=all&overdue=1", "/tickets?status=all&q=3-1-1",
                 f"/tickets?status=all&q={number}", f"/tickets/{number}", "/stats",
                 "/pending", "/ledger", "/ledger?tab=members", "/ledger?tab=visits", "/ledger?tab=wishes",
                 f"/ledger/buildings/{building}", "/notices",
                 "/rules", "/transfer"]  # staff only: a grid worker's answer is the refusal
        worst = 0.0
        for login, who in logins:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(base + "/login") as res:
                    token = re.search(r'name="csrf" value="([^"]+)"', await res.text())
                assert token
                async with http.post(base + "/login", data={"csrf": token.group(1), "login": login,
                                                            "password": PASSWORD}) as res:
                    assert res.status == 200, res.status
                print(f"{who} ({login})")
                for page in pages:
                    times = []
                    for i in range(RUNS + 1):
                        t0 = time.perf_counter()
                        async with http.get(base + page) as res:
                            await res.read()
                            status = res.status
                        if i:
                            times.append((time.perf_counter() - t0) * 1000)
                    worst = max(worst, statistics.median(times))
                    print(f"  {page:<40} {status}  median {statistics.median(times):6.0f} ms"
                          f"  slowest {max(times):6.0f} ms")
        print(f"slowest median: {worst:.0f} ms (target ≤ 200 ms)")
        return 0
    finally:
        await app.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", help="an SQLite file made by bench_district.py (district.db)")
    p.add_argument("--keep", help="work folder for bench_district.py (default: a temporary one)")
    args = p.parse_args()
    if args.db:
        db_file = Path(args.db)
    else:
        work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lianhu-bench-console-"))
        subprocess.run([sys.executable, str(REPO / "bench" / "bench_district.py"), "--keep", str(work)],
                       check=True, cwd=REPO)
        db_file = work / "district.db"
    return asyncio.run(measure(db_file))


if __name__ == "__main__":
    sys.exit(main())
