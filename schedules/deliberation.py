"""议事 tallies (domain/votes.py): a sweep posts each 议事's tally to its group once its deadline
has passed, and sends staff and its author the detail privately. A sweep missed while the bot was
down is made up by the next (``tallied_at`` marks the ones done).

Also at start: the 办事指南's files, ``<data_dir>/guide/*.toml`` (storage/guide_files.py), are read
into the guide (an entry with the same id is updated)."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from domain.votes import close_due
from kernel.clock import Clock
from kernel.config import Settings
from schedules.jobqueue import JobContext, on_jobs_start, register_sweep
from storage.guide_files import load_guide_folder
from storage.outbox import Speaker

log = logging.getLogger(__name__)


def check(session: Session, clock: Clock, settings: Settings) -> int:
    return close_due(session, Speaker(session, clock), clock)


register_sweep("deliberation.tally", check)


@on_jobs_start
def load_guide_files(ctx: JobContext) -> None:
    folder = ctx.settings.data_dir / "guide"
    with ctx.sessions() as session:
        added, updated, problems = load_guide_folder(session, folder, ctx.clock.now())
        session.commit()
    for problem in problems:
        log.error("办事指南 guide file: %s", problem)
    if added or updated:
        log.info("办事指南: %d entries added, %d updated from %s", added, updated, folder)
