"""办事指南 and 议事: the guide's entries and the questions it answered; a building's deliberations
and their votes."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.kinds import GuideStatus

if TYPE_CHECKING:
    from storage.models.community import Building, Household, Person


class GuideEntry(Base):
    """One entry of the 办事指南: what residents ask and the short answer. Shown as 指南 {id}.
    ``key`` names it in its file or sheet (unique per community; None for the whole district)."""

    __tablename__ = "guide_entry"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    asks: Mapped[list[Any]] = mapped_column(default=list)  # the ways people ask
    answer: Mapped[str] = mapped_column(Text)
    materials: Mapped[list[Any]] = mapped_column(default=list)
    place: Mapped[str | None] = mapped_column(Text)  # 办理地点
    hours: Mapped[str | None] = mapped_column(Text)  # 办理时间
    phone: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    private: Mapped[bool] = mapped_column(Boolean, default=False)  # hardship: answered privately
    source: Mapped[str | None] = mapped_column(String(200))
    checked: Mapped[str | None] = mapped_column(String(20))  # date checked, ISO
    origin: Mapped[str] = mapped_column(String(200), default="chat")  # file:NAME, sheet, chat, demo
    status: Mapped[str] = mapped_column(String(10), default=GuideStatus.ACTIVE, index=True)
    from_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    proposed_by: Mapped[Person | None] = relationship()


class GuideAsk(Base):
    """A question the guide answered: what was asked, by whom, where, and the ticket it became
    when the resident answered 人工."""

    __tablename__ = "guide_ask"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("guide_entry.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    room_chat_id: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))

    entry: Mapped[GuideEntry] = relationship()


class Deliberation(Base):
    """议事: a question put to one building's group, with numbered options and a deadline.
    Shown as 议事 {id}. ``tallied_at`` is set once the tally was posted."""

    __tablename__ = "deliberation"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    room_chat_id: Mapped[str] = mapped_column(String(200), index=True)
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column(default=list)
    deadline: Mapped[datetime] = mapped_column(DateTime)  # naive UTC
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    tallied_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    building: Mapped[Building] = relationship()
    created_by: Mapped[Person | None] = relationship()


class DeliberationVote(Base):
    """One household's answer to a 议事 (the latest counts: the row is updated)."""

    __tablename__ = "deliberation_vote"
    __table_args__ = (UniqueConstraint("deliberation_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(ForeignKey("deliberation.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    option: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime)

    household: Mapped[Household] = relationship()
    person: Mapped[Person] = relationship()
