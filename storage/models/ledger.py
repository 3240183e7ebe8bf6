"""The ledger (台账): colour changes, visits, wishes, declines, matching proposals, policy drives."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.kinds import ChangeStatus, Colour, VisitKind, WishStatus

if TYPE_CHECKING:
    from storage.models.community import Building, Household, Person
    from storage.models.tickets import Ticket


class ColourChange(Base):
    """A proposed or decided change of a household's colour (四色调色), with its reason.

    The confirmed rows, by ``decided_at``, are the household's dated colour history."""

    __tablename__ = "colour_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    from_colour: Mapped[str] = mapped_column(String(10))
    to_colour: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=ChangeStatus.PENDING, index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    decision_note: Mapped[str | None] = mapped_column(Text)

    household: Mapped[Household] = relationship()
    proposed_by: Mapped[Person | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_upgrade(self) -> bool:
        """升级调色: a confirmed change to green from another colour."""
        return (self.status == ChangeStatus.CONFIRMED and self.to_colour == Colour.GREEN
                and self.from_colour != Colour.GREEN)


class Visit(Base):
    """走访: a member's visit to a household, logged by private message."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_household_visited", "household_id", "visited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(12), default=VisitKind.VISIT)
    content: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))

    household: Mapped[Household] = relationship()
    member: Mapped[Person] = relationship()
    ticket: Mapped[Ticket | None] = relationship()


class Wish(Base):
    """微心愿: a resident's small wish, claimed and fulfilled by a member. Shown as W{id}."""

    __tablename__ = "wish"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    room_chat_id: Mapped[str | None] = mapped_column(String(200))  # where it was posted
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=WishStatus.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    done_note: Mapped[str | None] = mapped_column(Text)

    building: Mapped[Building | None] = relationship()
    household: Mapped[Household | None] = relationship()
    resident: Mapped[Person] = relationship(foreign_keys=[resident_id])
    claimed_by: Mapped[Person | None] = relationship(foreign_keys=[claimed_by_id])

    @property
    def code(self) -> str:
        return f"W{self.id}"


class MemberDecline(Base):
    """A member declined to look after a household (双向选择), with the reason staff see.
    Matching never proposes that pair again."""

    __tablename__ = "member_decline"
    __table_args__ = (UniqueConstraint("member_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    member: Mapped[Person] = relationship()
    household: Mapped[Household] = relationship()


class LinkProposal(Base):
    """One line of a matching proposal (`lianhu match` / 匹配): staff accept it whole or in part.
    ``batch`` is the proposal's number, ``line`` the line within it."""

    __tablename__ = "link_proposal"
    __table_args__ = (UniqueConstraint("batch", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[int] = mapped_column(Integer, index=True)
    line: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    previous_member_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    why: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=ChangeStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    household: Mapped[Household] = relationship()
    member: Mapped[Person] = relationship(foreign_keys=[member_id])
    previous_member: Mapped[Person | None] = relationship(foreign_keys=[previous_member_id])


class PolicyDrive(Base):
    """宣传到户: a policy to explain at the next visit to the households it is for. Shown as D{id}."""

    __tablename__ = "policy_drive"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(100))  # 高龄补贴
    audience: Mapped[str] = mapped_column(String(200))  # 80岁以上 / 新生儿
    content: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PolicyTask(Base):
    """One household to reach for a drive: its member, and when and by whom it was reached."""

    __tablename__ = "policy_task"
    __table_args__ = (UniqueConstraint("drive_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("policy_drive.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    reached_at: Mapped[datetime | None] = mapped_column(DateTime)
    reached_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    drive: Mapped[PolicyDrive] = relationship()
    household: Mapped[Household] = relationship()
    member: Mapped[Person | None] = relationship(foreign_keys=[member_id])
    reached_by: Mapped[Person | None] = relationship(foreign_keys=[reached_by_id])
