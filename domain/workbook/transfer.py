"""The ledger's import and export from the web console (bot/web/transfer.py), the same as
`lianhu import FILE` and `lianhu export FILE` (domain/workbook), scoped to the staff member's
community:

    check_import(session, clock, path, community)   # a dry run: every problem, or what it would do
    apply_import(session, clock, path, community)   # the same checks, then written (caller commits)
    export_ledger(session, path, community)         # the `lianhu export` workbook of one community

A workbook naming another community, or rows that belong to one, is refused as a whole (an
administrator without a community may import and export every community, as the CLI does).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

import domain.workbook.guide_sheet
import domain.workbook.ledger_sheets  # noqa: F401 - the ledger's sheets, as in `lianhu export`
from domain.workbook.checker import Checker
from domain.workbook.exporter import export_workbook
from domain.workbook.guide_sheet import import_guide
from domain.workbook.importer import ImportError_, import_file
from domain.workbook.reading import read_tables
from kernel import texts as T
from kernel.clock import Clock
from storage.models import Community


@dataclass
class ImportReport:
    ok: bool
    summary: str = ""
    problems: list[str] = field(default_factory=list)


def _other_communities(session: Session, path: Path, community: Community | None) -> list[str]:
    """Problems when the file reaches beyond the viewer's community."""
    if community is None:
        return []
    try:
        checker = Checker(session, read_tables(path))
        plan = checker.run()
    except ImportError_:
        return []  # unreadable: the import's own check says why
    problems = [T.CONSOLE_IMPORT_OTHER_COMMUNITY.format(name=name, mine=community.name)
                for name in plan.communities if name and name != community.name]
    stored = [*(b.existing for b in plan.buildings.values()), *plan.stored_buildings.values(),
              *(h.existing.building for h in plan.households.values() if h.existing is not None),
              *(h.building for h in plan.stored_households.values())]
    elsewhere = sorted({b.name for b in stored if b is not None and b.grid.community_id != community.id})
    if elsewhere:
        problems.append(T.CONSOLE_IMPORT_OTHER_BUILDINGS.format(names="、".join(elsewhere), mine=community.name))
    session.rollback()
    return problems


def apply_import(session: Session, clock: Clock, path: Path, community: Community | None) -> ImportReport:
    """Check and write (the caller commits when ``ok``, rolls back otherwise)."""
    problems = _other_communities(session, path, community)
    if problems:
        return ImportReport(False, problems=problems)
    try:
        summary = import_file(session, path, clock=clock)
        guide = import_guide(session, path, clock.now())
    except ImportError_ as exc:
        session.rollback()
        return ImportReport(False, problems=exc.problems)
    except ValueError as exc:  # a bad 办事指南 row (GuideFileError), as `lianhu import` reports it
        session.rollback()
        return ImportReport(False, problems=str(exc).splitlines())
    return ImportReport(True, summary if guide is None else f"{summary}\n{guide}")


def check_import(session: Session, clock: Clock, path: Path, community: Community | None) -> ImportReport:
    """A dry run: every problem with its row, or what importing would do; nothing is kept."""
    report = apply_import(session, clock, path, community)
    session.rollback()
    if report.ok:
        report.summary = T.CONSOLE_IMPORT_CHECKED.format(summary=report.summary.replace(T.CONSOLE_IMPORT_DONE_WORD,
                                                                                      "", 1))
    return report


def export_ledger(session: Session, path: Path, community: Community | None) -> str:
    return export_workbook(session, path, community.name if community is not None else None)
