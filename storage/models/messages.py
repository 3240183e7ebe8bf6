"""The bot's memory of messages: every inbound message (stored before it is acted on), the
outbox, broadcasts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.models.kinds import InboxStatus, OutboxStatus


class InboundMessage(Base):
    """Every message that reached the bot, stored before anything acts on it."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("gateway", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(30))
    message_id: Mapped[str] = mapped_column(String(200))
    room: Mapped[str | None] = mapped_column(String(200))
    room_name: Mapped[str | None] = mapped_column(String(200))
    sender_id: Mapped[str] = mapped_column(String(200))
    sender_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    mentions: Mapped[list[Any]] = mapped_column(default=list)
    mentions_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    attachment: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=InboxStatus.NEW, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(Base):
    """Every message the bot means to send; the sender drains it with retries."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),
                      Index("ix_outbox_account_due", "account", "status", "not_before"))

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation: Mapped[str] = mapped_column(String(200))
    is_room: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[Any]] = mapped_column(default=list)
    attachment: Mapped[str | None] = mapped_column(String(500))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    cause_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    batch: Mapped[str | None] = mapped_column(String(50), index=True)  # a broadcast's id
    #: the WeChat account that must send it (several accounts, one process each: bot/outbox.py);
    #: None: not routed yet (with a single account: every row, sent by the one process)
    account: Mapped[str | None] = mapped_column(String(100))


class ChatAccount(Base):
    """Which bot account is in which group (kind room) or has whom as a contact (kind person),
    as each account's process sees it at login and when messages arrive: where the outbox
    routes a row (bot/outbox.py)."""

    __tablename__ = "chat_account"

    chat_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    account: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # room / person
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class Broadcast(Base):
    """A notice staff send to many groups: previewed first, queued on confirmation."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    audience: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    rooms: Mapped[list[Any]] = mapped_column(default=list)  # chat ids, fixed at preview
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft/queued/cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)
