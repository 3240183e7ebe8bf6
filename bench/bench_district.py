"""A district at the scale of the seeds: generate, import, match, report, export.

    .venv/bin/python bench/bench_district.py [--communities 50] [--grids 200] [--buildings 1500]
        [--households 40000] [--members 4000] [--database-url URL] [--keep DIR]
        [--runs 3] [--before DIR]

Steps, each in its own process so its time and peak memory are its own:
  generate  the district as an import workbook (楼栋, 住户, 人员): three quarters of the
            households already linked (some members over capacity), the rest unlinked
  import    `lianhu import` of that workbook into an empty database
  activity  a month of ledger work written straight to the database (not measured as a
            feature): about 1.3 visits per household, tickets, colour changes, wishes
  match     `lianhu match --apply`: propose and accept links for every community
  report    the month's report (`lianhu report --month`) for the whole district
  export    `lianhu export` of the whole district, ledger sheets included
Peak memory is the step process's peak resident set size (Python, SQLite and all).
match, report and export run --runs times (SQLite: match each time on a copy of the database as
it was before matching) and their median is printed. --before DIR runs those three steps with
another checkout's code too (e.g. `git worktree add /tmp/before <commit>`), alternating with
this one's on the same database, and prints the ratio before / now and whether the results
(links made, the report's figures) are the same.
Targets (issue 12): report ≤ 1 s, export ≤ 10 s, match --apply ≤ 3 s on SQLite.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MONTH = (2026, 11)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "建国秀英桂兰志强丽娟国华玉兰德明淑珍海燕春梅永红建华文杰晓东凤英"
STRENGTHS = ("致富带富", "调解沟通", "时间充裕", "医护", "法律", "时间充裕,医护", "调解沟通,法律", "")
COLOURS = (("绿", 0.70), ("蓝", 0.10), ("黄", 0.08), ("橙", 0.12))
REASONS = {"蓝": "低保户", "黄": "邻里纠纷", "橙": "独居老人"}


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def _colour(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for colour, share in COLOURS:
        acc += share
        if roll < acc:
            return colour
    return "绿"


# --- steps -------------------------------------------------------------------------------------------

def step_generate(args: argparse.Namespace) -> dict[str, object]:
    from openpyxl import Workbook

    rng = random.Random(7)
    wb = Workbook(write_only=True)
    b_ws, h_ws, p_ws = wb.create_sheet("楼栋"), wb.create_sheet("住户"), wb.create_sheet("人员")
    b_ws.append(["社区", "网格", "楼号", "楼栋", "群名", "楼栋长"])
    h_ws.append(["楼号", "单元", "门牌", "楼层", "户主", "电话", "颜色", "颜色原因", "备注", "联户党员"])
    p_ws.append(["社区", "姓名", "角色", "微信号", "电话", "住址", "网格", "特长", "联户上限"])
    grids_per = args.grids // args.communities
    buildings = [(c, c * grids_per + (b % grids_per), b) for c in range(args.communities)
                 for b in range(args.buildings // args.communities)]
    per_building = args.households // len(buildings)
    extra = args.households - per_building * len(buildings)
    members_per_building = args.members / len(buildings)
    code = 0
    member_no = 0
    households = 0
    for c, g, b in buildings:
        code += 1
        community, grid = f"第{c + 1}社区", f"第{g + 1}网格"
        b_ws.append([community, grid, str(code), f"{code}号楼", f"第{c + 1}社区{code}号楼群", ""])
        n = per_building + (1 if extra > 0 else 0)
        extra -= 1
        rooms = [(unit, floor, r) for unit in (1, 2) for floor in range(1, 20) for r in (1, 2)][:n]
        wanted = round(members_per_building * (code)) - member_no
        ids = []
        for _ in range(max(0, wanted)):
            member_no += 1
            ids.append(f"m{member_no:05d}")
        for i, (unit, floor, r) in enumerate(rooms):
            colour = _colour(rng)
            linked = ids[i % len(ids)] if ids and rng.random() < 0.75 else ""
            h_ws.append([str(code), str(unit), f"{floor}{r:02d}", floor, _name(rng), None, colour,
                         REASONS.get(colour), None, linked])
            households += 1
        for j, chat in enumerate(ids):
            home = rooms[j * 3 % len(rooms)]
            p_ws.append([community, _name(rng), "联户党员", chat, None, f"{code}-{home[0]}-{home[1]}{home[2]:02d}",
                         None, rng.choice(STRENGTHS), rng.choice((8, 10, 15))])
    for g in range(args.grids):
        p_ws.append([f"第{g // grids_per + 1}社区", _name(rng), "网格员", f"g{g + 1:04d}", None, None,
                     f"第{g + 1}网格", None, None])
    for c in range(args.communities):
        for k in (1, 2):
            p_ws.append([f"第{c + 1}社区", _name(rng), "社区干部", f"s{c + 1:03d}{k}", None, None, None, None, None])
    path = Path(args.dir) / "district.xlsx"
    wb.save(path)
    return {"buildings": len(buildings), "households": households, "members": member_no}


def _session(args: argparse.Namespace) -> tuple[Engine, sessionmaker[Session]]:
    from storage import db

    engine = db.make_engine(args.database_url)
    return engine, db.session_factory(engine)


def step_import(args: argparse.Namespace) -> dict[str, object]:
    from domain.workbook.importer import import_file
    from storage import db

    engine, sessions = _session(args)
    db.upgrade(engine)
    with sessions() as s:
        summary = import_file(s, Path(args.dir) / "district.xlsx")
        s.commit()
    return {"summary": summary.splitlines()[0]}


def step_activity(args: argparse.Namespace) -> dict[str, object]:
    from sqlalchemy import insert, select

    from kernel.clock import Clock
    from storage.models import (
        Building,
        ColourChange,
        Grid,
        Household,
        MemberLink,
        Person,
        Role,
        Ticket,
        Visit,
        Wish,
    )

    rng = random.Random(11)
    clock = Clock()
    start = clock.to_utc(datetime(*MONTH, 1))
    engine, sessions = _session(args)

    def when() -> datetime:
        return start + timedelta(seconds=rng.randrange(29 * 86400))

    with sessions() as s:
        links = s.execute(select(MemberLink.household_id, MemberLink.member_id)).all()
        homes = dict(s.execute(select(Household.id, Household.building_id)).all())
        community_of = dict(s.execute(select(Building.id, Grid.community_id).join(Grid)).all())
        colours = dict(s.execute(select(Household.id, Household.colour)).all())
        staff = s.scalars(select(Person.id).where(Person.role == Role.STAFF)).all()
        residents = []
        visits, tickets, changes, wishes = [], [], [], []
        number = 100000
        for hid, mid in links:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                kind = rng.choices(("visit", "finding", "suggestion"), (0.93, 0.05, 0.02))[0]
                visits.append({"household_id": hid, "member_id": mid, "visited_at": when(), "kind": kind,
                               "content": "走访"})
            if rng.random() < 0.12:
                number += 1
                created = when()
                accepted = created + timedelta(hours=rng.choice((1, 5, 30)))
                resolved = accepted + timedelta(days=rng.choice((1, 3, 9))) if rng.random() < 0.8 else None
                rating = rng.choice((1, 1, 2, 3, None)) if resolved else None
                tickets.append({"number": number, "community_id": community_of[homes[hid]],
                                "building_id": homes[hid], "household_id": hid,
                                "category": rng.choice(("repair", "sanitation", "dispute", "suggestion", "care")),
                                "urgent": False, "status": "closed" if rating in (1, 2) else "accepted",
                                "text": "…", "created_at": created, "accept_due": created + timedelta(hours=24),
                                "resolve_due": created + timedelta(days=7), "accepted_at": accepted,
                                "resolved_at": resolved, "rating": rating, "escalation_level": 0,
                                "closed_at": resolved if rating in (1, 2) else None})
            if colours[hid] != "green" and rng.random() < 0.03:
                decided = when()
                changes.append({"household_id": hid, "from_colour": colours[hid], "to_colour": "green",
                                "reason": "好转", "status": "confirmed", "proposed_by_id": mid,
                                "proposed_at": decided - timedelta(days=1),
                                "decided_by_id": rng.choice(staff), "decided_at": decided})
            if rng.random() < 0.01:
                residents.append((hid, mid))
        s.execute(insert(Visit), visits)
        s.execute(insert(Ticket), tickets)
        s.execute(insert(ColourChange), changes)
        for hid, mid in residents:
            p = Person(name="居民", role=Role.RESIDENT, household_id=hid, created_at=start,
                       community_id=community_of[homes[hid]])
            s.add(p)
            s.flush()
            done = rng.random() < 0.6
            wishes.append({"community_id": community_of[homes[hid]], "building_id": homes[hid], "household_id": hid,
                           "resident_id": p.id, "text": "心愿", "status": "done" if done else "open",
                           "created_at": when(), "claimed_by_id": mid if done else None,
                           "done_at": when() if done else None})
        s.execute(insert(Wish), wishes)
        s.commit()
    return {"visits": len(visits), "tickets": len(tickets), "colour_changes": len(changes), "wishes": len(wishes)}


def step_match(args: argparse.Namespace) -> dict[str, object]:
    from sqlalchemy import select

    from domain import matching
    from kernel.clock import Clock
    from storage.models import Community

    clock = Clock()
    engine, sessions = _session(args)
    linked = unmatched = 0
    with sessions() as s:
        for cid in s.scalars(select(Community.id).order_by(Community.id)).all():
            proposal = matching.propose(s, cid)
            unmatched += len(proposal.unmatched)
            if proposal.lines:
                batch = matching.store(s, clock, cid, proposal)
                linked += matching.accept(s, clock, batch).linked
        s.commit()
    return {"linked": linked, "unmatched": unmatched}


def step_report(args: argparse.Namespace) -> dict[str, object]:
    from domain.reports.month import month_report, render_report
    from kernel.clock import Clock
    from kernel.config import Settings

    engine, sessions = _session(args)
    with sessions() as s:
        report = month_report(s, Clock(), Settings(), *MONTH)
        text = render_report(report, buildings=True, members=50)
    t = report.total
    return {"lines": len(text.splitlines()), "visits": t.visits, "households_visited": t.households_visited,
            "received": t.received, "problems_solved": t.problems_solved, "upgrades": t.upgrades,
            "overdue": t.overdue, "households": t.households,
            "text_sha1": hashlib.sha1(text.encode()).hexdigest()[:12]}


def step_export(args: argparse.Namespace) -> dict[str, object]:
    import domain.workbook.ledger_sheets  # noqa: F401 - the ledger's sheets
    from domain.workbook.exporter import export_workbook

    engine, sessions = _session(args)
    path = Path(args.dir) / "export.xlsx"
    with sessions() as s:
        summary = export_workbook(s, path)
    return {"summary": summary.split(":")[-1][:80], "megabytes": round(path.stat().st_size / 2**20, 1)}


STEPS = {"generate": step_generate, "import": step_import, "activity": step_activity, "match": step_match,
         "report": step_report, "export": step_export}


def run_step(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    info = STEPS[args.step](args)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"step": args.step, "seconds": round(seconds, 2), "peak_mb": round(peak), **info},
                     ensure_ascii=False), flush=True)


REPEATED = ("match", "report", "export")


def _step(script: Path, step: str, args: argparse.Namespace, work: Path, url: str) -> dict[str, object]:
    cmd = [sys.executable, str(script), "--step", step, "--dir", str(work), "--database-url", url,
           "--communities", str(args.communities), "--grids", str(args.grids),
           "--buildings", str(args.buildings), "--households", str(args.households),
           "--members", str(args.members)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=script.parent.parent)
    if out.returncode != 0:
        raise RuntimeError(f"{step} ({script}):\n{out.stderr[-3000:]}")
    row: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return row


def _repeat(step: str, scripts: list[Path], args: argparse.Namespace, work: Path,
            url: str) -> list[list[dict[str, object]]]:
    """``--runs`` runs of a step with each script in turn (A B A B ...); match on a fresh copy."""
    sqlite = url.startswith("sqlite:///")
    runs = args.runs if sqlite or step != "match" else 1
    out: list[list[dict[str, object]]] = [[] for _ in scripts]
    for _ in range(runs):
        for i, script in enumerate(scripts):
            if step == "match" and sqlite:
                database = Path(url.split("///", 1)[1])
                shutil.copy(database.with_name("before-match.db"), database)
            out[i].append(_step(script, step, args, work, url))
    return out


def _print(step: str, rows: list[dict[str, object]], before: list[dict[str, object]] | None) -> None:
    seconds = statistics.median(float(str(r["seconds"])) for r in rows)
    peak = max(int(str(r["peak_mb"])) for r in rows)
    rest = {k: v for k, v in rows[-1].items() if k not in ("step", "seconds", "peak_mb")}
    line = f"{step:<9} {seconds:>8.2f} {peak:>8}  {json.dumps(rest, ensure_ascii=False)}"
    if before:
        then = statistics.median(float(str(r["seconds"])) for r in before)
        old = {k: v for k, v in before[-1].items() if k in rest and k != "megabytes"}
        same = all(rest[k] == v for k, v in old.items())
        line += f"\n{'  before':<9} {then:>8.2f} {max(int(str(r['peak_mb'])) for r in before):>8}  " \
                f"×{then / seconds:.1f} slower than now; results {'the same' if same else 'DIFFER'}"
    print(line, flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--communities", type=int, default=50)
    p.add_argument("--grids", type=int, default=200)
    p.add_argument("--buildings", type=int, default=1500)
    p.add_argument("--households", type=int, default=40000)
    p.add_argument("--members", type=int, default=4000)
    p.add_argument("--database-url", help="default: SQLite in the work folder")
    p.add_argument("--keep", help="work folder to keep (default: a temporary one)")
    p.add_argument("--runs", type=int, default=3, help="runs of match, report and export (median)")
    p.add_argument("--before", type=Path, help="another checkout: its match, report and export too")
    p.add_argument("--step", choices=list(STEPS), help=argparse.SUPPRESS)
    p.add_argument("--dir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.step:
        run_step(args)
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lianhu-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{work / 'district.db'}"
    print(f"district: {args.communities} communities, {args.grids} grids, {args.buildings} buildings, "
          f"{args.households} households, {args.members} members; database {url.split('@')[-1]}")
    print(f"{'step':<9} {'seconds':>8} {'peak MB':>8}  result (match, report, export: median of "
          f"{args.runs} runs{', alternating with --before' if args.before else ''})")
    scripts = [Path(__file__).resolve()]
    if args.before:
        scripts.append(args.before.resolve() / "bench" / "bench_district.py")
    try:
        for step in STEPS:
            if step not in REPEATED:
                _print(step, [_step(scripts[0], step, args, work, url)], None)
                if step == "activity" and url.startswith("sqlite:///"):
                    database = Path(url.split("///", 1)[1])
                    shutil.copy(database, database.with_name("before-match.db"))
                continue
            now, *before = _repeat(step, scripts, args, work, url)
            _print(step, now, before[0] if before else None)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
