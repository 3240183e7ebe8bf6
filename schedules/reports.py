"""The weekly report's job: one report per community to its staff group (every Monday
morning by default: ``weekly_report = "每周一 08:30"``; empty turns it off). The report
itself, its figures and text, is domain/reports/weekly.py.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.reports.weekly import weekly_text
from schedules.jobqueue import JobContext, register_job
from storage.models import Community
from storage.outbox import Speaker


def weekly(ctx: JobContext) -> int:
    """The job: one report per community to its staff group."""
    with ctx.sessions() as session:
        now = ctx.clock.now()
        say = Speaker(session, ctx.clock, batch="report:weekly")
        communities = session.scalars(select(Community).order_by(Community.id)).all()
        for community in communities:
            say.staff_group(community.id, weekly_text(session, ctx.clock, community.id, now))
        session.commit()
    return len(communities)


register_job("report.weekly", weekly, cron="setting:weekly_report", grace=timedelta(hours=24))
