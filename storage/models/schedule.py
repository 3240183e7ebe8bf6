"""What runs on time: outreach campaigns, their sends, and the job queue's stored jobs."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.kinds import CampaignStatus

if TYPE_CHECKING:
    from storage.models.messages import OutboxMessage


class Campaign(Base):
    """Policy outreach on a schedule (防电诈, 防溺水, 医保缴费...): to building groups, or as
    visit tasks to the members linked to households of given colours."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(200))  # 全部 / 网格名 / 楼栋名,... / 橙色,蓝色
    schedule: Mapped[str] = mapped_column(String(100))  # 每周一 09:00 / 2026-12-01 09:00
    start_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC, inclusive
    end_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC, exclusive
    status: Mapped[str] = mapped_column(String(10), default=CampaignStatus.ACTIVE, index=True)
    source: Mapped[str] = mapped_column(String(200), default="chat")  # chat, or file:NAME.toml
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime)


class CampaignSend(Base):
    """One send of a campaign: which slot, to which group or member, and its outbox row
    (which says when it went out). Unique per slot and target: a slot is never sent twice."""

    __tablename__ = "campaign_send"
    __table_args__ = (UniqueConstraint("campaign_id", "slot", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    slot: Mapped[datetime] = mapped_column(DateTime)  # the scheduled time it belongs to (UTC)
    target: Mapped[str] = mapped_column(String(200))  # a group's or a member's chat id
    target_kind: Mapped[str] = mapped_column(String(10))  # room / member
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    outbox: Mapped[OutboxMessage | None] = relationship()


class ScheduledJob(Base):
    """One job of the bot's job queue (schedules/jobqueue.py), kept so it survives a restart:
    what to call, when (the APScheduler trigger, pickled) and when it is next due. A job
    missed while the bot was down is run once on return if within ``grace_seconds``."""

    __tablename__ = "scheduled_job"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    func: Mapped[str] = mapped_column(String(200))  # "module:function"
    kwargs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trigger: Mapped[bytes] = mapped_column(LargeBinary)
    grace_seconds: Mapped[int | None] = mapped_column(Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC; None: paused
