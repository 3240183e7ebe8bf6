"""Tickets (接诉即办): the ticket, its reporters, events, ratings and time ladders; heads-ups the
classifier was unsure of; what the classifier learns from (labelled examples, rule changes)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.kinds import HeadsUpStatus, Status

if TYPE_CHECKING:
    from storage.models.community import Building, Household, Person


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (Index("ix_ticket_building_category_status", "building_id", "category", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # what people say: 工单 1024
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    room_chat_id: Mapped[str | None] = mapped_column(String(200))  # where it was reported
    category: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=Status.ASSIGNED, index=True)
    text: Mapped[str] = mapped_column(Text)  # the first report, intact
    evidence: Mapped[str | None] = mapped_column(Text)  # the classifier's reasons
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # first reporter
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    accept_due: Mapped[datetime | None] = mapped_column(DateTime)
    resolve_due: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1 满意, 2 基本满意, 3 不满意; None 未评价
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    #: what it is about (电梯, 3单元电梯 …: only reports of the same subject merge) and the
    #: problem in a few words, shown when a report joins it ("3单元电梯停运")
    subject: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(String(200))

    building: Mapped[Building | None] = relationship()
    household: Mapped[Household | None] = relationship()
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])
    reporter: Mapped[Person | None] = relationship(foreign_keys=[reporter_id])
    reporters: Mapped[list[TicketReporter]] = relationship(
        back_populates="ticket", order_by="TicketReporter.id"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in Status.OPEN


class TicketReporter(Base):
    __tablename__ = "ticket_reporter"
    __table_args__ = (UniqueConstraint("ticket_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="reporters")
    person: Mapped[Person] = relationship()


class TicketEvent(Base):
    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship()


class TicketRating(Base):
    """One reporter's answer to "满意吗": each reporter's own, counted in the figures. Only the
    first reporter's answer closes or reopens the ticket (it is also ``Ticket.rating``)."""

    __tablename__ = "ticket_rating"
    __table_args__ = (UniqueConstraint("ticket_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    value: Mapped[int] = mapped_column(Integer)  # 1 满意, 2 基本满意, 3 不满意
    created_at: Mapped[datetime] = mapped_column(DateTime)

    ticket: Mapped[Ticket] = relationship()
    person: Mapped[Person] = relationship()


class TicketTimer(Base):
    """Where one time ladder of a ticket stands: "accept" / "resolve" deadlines (reminder, then
    grid worker, then staff), "rating" (the 回访 reminder) and "revisit" (the 7-day check).
    ``due`` is the moment the ladder was computed for; when the ticket's deadline moves (a
    reopened ticket gets a new one) the ladder starts again."""

    __tablename__ = "ticket_timer"
    __table_args__ = (UniqueConstraint("ticket_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    phase: Mapped[str] = mapped_column(String(20))
    due: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    level: Mapped[int] = mapped_column(Integer, default=0)  # 1 grid worker told, 2 staff told
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    ticket: Mapped[Ticket] = relationship()


class HeadsUp(Base):
    """A building-group message the classifier was unsure of: nothing was said in the group, and
    the member (else the building's member, else the grid worker) was asked privately whether it
    needs handling (`转工单 K` / `忽略 K`; K is the id). Reminded once when left unanswered."""

    __tablename__ = "heads_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    room_chat_id: Mapped[str | None] = mapped_column(String(200))  # where it was said
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))  # the classifier's best guess
    alert: Mapped[bool] = mapped_column(Boolean, default=False)  # the danger net fired
    danger: Mapped[str | None] = mapped_column(String(30))
    subject: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str | None] = mapped_column(String(200))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=HeadsUpStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))

    building: Mapped[Building | None] = relationship()
    household: Mapped[Household | None] = relationship()
    reporter: Mapped[Person] = relationship(foreign_keys=[reporter_id])
    recipient: Mapped[Person | None] = relationship(foreign_keys=[recipient_id])
    ticket: Mapped[Ticket | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == HeadsUpStatus.OPEN


class RuleChange(Base):
    """A keyword staff added from chat (`规则 加 repair 升降机`), with who did it."""

    __tablename__ = "rule_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(10))  # add / remove
    category: Mapped[str] = mapped_column(String(20))
    keyword: Mapped[str] = mapped_column(String(100))
    weight: Mapped[float] = mapped_column(Float, default=3.0)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LabelledExample(Base):
    """A message whose label a member or staff corrected: the community's own test set."""

    __tablename__ = "labelled_example"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    predicted: Mapped[str | None] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
