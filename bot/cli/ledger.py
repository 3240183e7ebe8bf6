"""The ledger's subcommands, registered through ``bot.cli.EXTENSIONS``:

    lianhu match [--community NAME]            propose links for unlinked / badly linked households
    lianhu match --accept N [--lines 1,3,5-8]  accept proposal N, whole or in part
    lianhu match --apply                       propose and accept at once
    lianhu report --month YYYY-MM [--grid G] [--community NAME]   the month's figures

``lianhu export`` adds the ledger's sheets (domain/workbook/ledger_sheets.py) itself.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from kernel.clock import Clock
    from kernel.config import Settings

T_NO_COMMUNITY = "没有叫“{name}”的社区。现有:{names}"
T_NO_GRID = "没有叫“{name}”的网格。"
T_BAD_MONTH = "月份“{value}”格式不对,应为 YYYY-MM,如 2026-10。"
T_BAD_LINES = "序号“{value}”格式不对,应为 1,3,5-8 这样的写法。"


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    m = sub.add_parser("match", help="propose member links for unlinked or badly linked households")
    m.add_argument("--community", help="only this community (default: every community)")
    m.add_argument("--accept", type=int, metavar="N", help="accept proposal N")
    m.add_argument("--lines", default="", help="with --accept: only these lines, e.g. 1,3,5-8")
    m.add_argument("--apply", action="store_true", help="propose and accept at once")
    m.add_argument("--all-lines", action="store_true", help="print every line (default: the first 200)")
    m.set_defaults(func=cmd_match)
    r = sub.add_parser("report", help="the month's ledger figures by community, grid and building")
    r.add_argument("--month", help="YYYY-MM (default: this month)")
    r.add_argument("--grid", help="only this grid")
    r.add_argument("--community", help="only this community")
    r.set_defaults(func=cmd_report)


def _open(args: argparse.Namespace) -> tuple[Settings, Clock, sessionmaker[Session]]:
    from bot.cli.common import settings_from
    from kernel.clock import Clock
    from storage import db

    settings = settings_from(args)
    engine = db.make_engine(settings.db_url)
    db.upgrade(engine)
    return settings, Clock(settings.timezone), db.session_factory(engine)


def _communities(session: Session, name: str | None) -> list[int] | str:
    from storage.models import Community

    rows = session.execute(select(Community.id, Community.name).order_by(Community.id)).all()
    if not name:
        return [cid for cid, _ in rows]
    found = [cid for cid, n in rows if n == name]
    return found or T_NO_COMMUNITY.format(name=name, names="、".join(n for _, n in rows) or "无")


def cmd_match(args: argparse.Namespace) -> int:
    from domain import matching
    from domain.matching import proposal_text

    settings, clock, sessions = _open(args)
    with sessions() as session:
        if args.accept is not None:
            try:
                lines = matching.parse_lines(args.lines)
            except ValueError as exc:
                print(T_BAD_LINES.format(value=exc), file=sys.stderr)
                return 2
            result = matching.accept(session, clock, args.accept, lines)
            session.commit()
            print(f"建议 {args.accept}:已建立 {result.linked} 户联系"
                  + (f",{len(result.skipped)} 户未建立(情况已变化或党员已满)" if result.skipped else "") + "。")
            return 0
        communities = _communities(session, args.community)
        if isinstance(communities, str):
            print(communities, file=sys.stderr)
            return 2
        for cid in communities:
            proposal = matching.propose(session, cid)
            if proposal.lines:
                matching.store(session, clock, cid, proposal)
            if args.apply and proposal.batch is not None:
                result = matching.accept(session, clock, proposal.batch)
                print(f"建议 {proposal.batch}:已建立 {result.linked} 户联系,{len(proposal.unmatched)} 户暂无合适党员。")
            else:
                print(proposal_text(clock, proposal, limit=None if args.all_lines else 200))
        session.commit()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from domain.reports.month import month_report, render_report
    from storage.models import Grid

    settings, clock, sessions = _open(args)
    if args.month:
        try:
            moment = datetime.strptime(args.month, "%Y-%m")
        except ValueError:
            print(T_BAD_MONTH.format(value=args.month), file=sys.stderr)
            return 2
        year, month = moment.year, moment.month
    else:
        today = clock.local().date()
        year, month = today.year, today.month
    with sessions() as session:
        communities = _communities(session, args.community)
        if isinstance(communities, str):
            print(communities, file=sys.stderr)
            return 2
        grid_id = None
        if args.grid:
            q = select(Grid.id).where(Grid.name == args.grid)
            if args.community:
                q = q.where(Grid.community_id.in_(communities))
            grid_id = session.scalar(q.order_by(Grid.id))
            if grid_id is None:
                print(T_NO_GRID.format(name=args.grid), file=sys.stderr)
                return 2
        report = month_report(session, clock, settings, year, month,
                              community_id=communities[0] if args.community else None, grid_id=grid_id)
        print(render_report(report, buildings=True, members=50))
    return 0
