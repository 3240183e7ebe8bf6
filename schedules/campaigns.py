"""The campaign jobs: one job ``campaign:<id>`` per active campaign runs ``run`` at each of
its slots (what a slot sends: ``domain.campaigns``). ``sync`` makes the jobs match the table:
at start, and after any commit that changed the ``campaign`` table (a campaign command, a
slot that finished a campaign), through ``@on_change(Campaign)``; ``load_files`` reads
``campaigns/*.toml`` at start."""
from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.campaigns import (
    JOB_PREFIX,
    create,
    job_id,
    make_draft,
    next_run,
    send_slot,
    set_dates,
    trigger_of,
)
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from kernel.cron import parse_schedule
from schedules.jobqueue import JobContext, on_change, on_jobs_start
from storage.models import Campaign, CampaignStatus, Community
from storage.outbox import Speaker

log = logging.getLogger(__name__)

def run(ctx: JobContext, campaign_id: int) -> int:
    """The job: send the campaign's current slot to every target not sent to yet."""
    with ctx.sessions() as session:
        sent = send_slot(session, ctx.clock, ctx.settings, campaign_id)
        session.commit()
    return sent


# --- keeping jobs in step with the table ----------------------------------------------------------

@on_change(Campaign)
def sync(ctx: JobContext) -> None:
    """Schedule every active campaign's job, drop the others'. An unchanged job keeps its
    next run (so a slot missed while the bot was down still runs once)."""
    jobs = ctx.jobs
    clock = ctx.clock
    with ctx.sessions() as session:
        campaigns = session.scalars(select(Campaign)).all()
        wanted = set()
        for campaign in campaigns:
            jid = job_id(campaign.id)
            if campaign.status != CampaignStatus.ACTIVE:
                jobs.remove(jid)
                continue
            try:
                trigger = trigger_of(clock, campaign)
            except ValueError as exc:
                log.error("campaign %s has a bad schedule %r: %s", campaign.id, campaign.schedule, exc)
                continue
            once = parse_schedule(campaign.schedule).once_at is not None
            if next_run(clock, campaign, clock.now() - jobs.grace) is None or (once and campaign.last_run_at):
                campaign.status = CampaignStatus.FINISHED  # nothing left to send, even late
                jobs.remove(jid)
                continue
            job = jobs.add(run, trigger, id=jid, kwargs={"campaign_id": campaign.id})
            if job is None:
                campaign.status = CampaignStatus.FINISHED
            else:
                wanted.add(jid)
        session.commit()
    for job in jobs.jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
            jobs.remove(job.id)


# --- campaign files -------------------------------------------------------------------------------

def campaigns_dir(settings: Settings) -> Path:
    return Path(settings.campaigns_dir) if getattr(settings, "campaigns_dir", "") else Path(settings.data_dir) / "campaigns"


def load_files(ctx: JobContext) -> list[str]:
    """Create or update campaigns from ``campaigns/*.toml``; returns the error messages (also
    logged and told to the staff group). A campaign deleted or paused by chat stays so."""
    folder = campaigns_dir(ctx.settings)
    if not folder.is_dir():
        return []
    errors: list[str] = []
    with ctx.sessions() as session:
        community = session.scalar(select(Community).order_by(Community.id))
        for path in sorted(folder.glob("*.toml")):
            try:
                _load_file(session, ctx.clock, path, community)
            except (ValueError, tomllib.TOMLDecodeError, OSError) as exc:
                session.rollback()
                message = T.CAMPAIGN_FILE_ERROR.format(file=path.name, error=exc)
                log.error(message)
                errors.append(message)
                say = Speaker(session, ctx.clock)
                say.staff_group(community.id if community else None, message)
                session.commit()
                continue
            session.commit()
    return errors


def _load_file(session: Session, clock: Clock, path: Path, default: Community | None) -> None:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    entries = data.get("campaign", [data] if "name" in data else [])
    if isinstance(entries, dict):
        entries = [entries]
    if not entries:
        raise ValueError("文件里没有 [[campaign]]")
    source = f"file:{path.name}"
    for entry in entries:
        dates = entry.get("dates") or " 至 ".join(str(entry[k]) for k in ("start", "end") if entry.get(k))
        draft = make_draft(entry.get("name", ""), {"audience": entry.get("audience"),
                                                   "schedule": entry.get("schedule"),
                                                   "content": entry.get("content"), "dates": dates})
        community = default
        if entry.get("community"):
            community = session.scalar(select(Community).where(Community.name == entry["community"]))
            if community is None:
                raise ValueError(f"没有社区“{entry['community']}”")
        existing = session.scalar(select(Campaign).where(Campaign.source == source, Campaign.name == draft.name))
        if existing is None:
            create(session, clock, draft, community_id=community.id if community else None, source=source)
            continue
        existing.content, existing.audience, existing.schedule = draft.content, draft.audience, draft.schedule.text
        set_dates(clock, existing, draft)
        if existing.status == CampaignStatus.FINISHED and next_run(clock, existing) is not None:
            existing.status = CampaignStatus.ACTIVE  # the file gave it new dates


@on_jobs_start
def start(ctx: JobContext) -> None:
    """At app start: campaign files in, then jobs in step."""
    load_files(ctx)
    sync(ctx)

