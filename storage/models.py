"""The ledger and the bot's memory, as typed SQLAlchemy 2 models.

Times are stored as naive UTC (``bot.clock`` makes them); they are shown in the
community's time zone only when a person reads them. The same models run on
SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# --- roles, colours, statuses ---------------------------------------------------------

class Role:
    RESIDENT = "resident"
    MEMBER = "member"  # 联户党员 / 楼栋长
    GRID_WORKER = "grid_worker"  # 网格员
    STAFF = "staff"  # 社区干部
    ADMIN = "admin"

    ALL = (RESIDENT, MEMBER, GRID_WORKER, STAFF, ADMIN)
    HANDLERS = (MEMBER, GRID_WORKER, STAFF, ADMIN)  # may act on tickets
    SUPERVISORS = (STAFF, ADMIN)


class Colour:
    GREEN = "green"  # 绿 和谐平稳
    BLUE = "blue"  # 蓝 经济困难
    YELLOW = "yellow"  # 黄 矛盾纠纷
    ORANGE = "orange"  # 橙 孤老留守

    ALL = (GREEN, BLUE, YELLOW, ORANGE)


class Status:
    ASSIGNED = "assigned"  # waiting for the assignee to accept
    ACCEPTED = "accepted"  # being handled
    HANDED_UP = "handed_up"  # passed up to the grid worker / staff
    RETURNED = "returned"  # assignee says it is not ours; staff decide
    RESOLVED = "resolved"  # closed by the handler, waiting for the resident's rating
    CLOSED = "closed"  # rated or closed for good

    OPEN = (ASSIGNED, ACCEPTED, HANDED_UP, RETURNED)
    ALL = (ASSIGNED, ACCEPTED, HANDED_UP, RETURNED, RESOLVED, CLOSED)


class RoomKind:
    BUILDING = "building"
    STAFF = "staff"
    OTHER = "other"


# --- the community -----------------------------------------------------------------------

class Community(Base):
    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.id")


class Grid(Base):
    __tablename__ = "grid"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(100))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", use_alter=True))

    community: Mapped[Community] = relationship(back_populates="grids")
    buildings: Mapped[list[Building]] = relationship(back_populates="grid", order_by="Building.id")
    worker: Mapped[Person | None] = relationship(foreign_keys=[worker_id], post_update=True)


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    name: Mapped[str] = mapped_column(String(100))  # 3号楼
    code: Mapped[str] = mapped_column(String(20), index=True)  # "3" as in 3-2-502
    group_name: Mapped[str | None] = mapped_column(String(200))  # the WeChat group's topic
    default_member_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", use_alter=True))

    grid: Mapped[Grid] = relationship(back_populates="buildings")
    households: Mapped[list[Household]] = relationship(back_populates="building")
    # post_update: a building's 楼栋长 may live in that building (a cycle in one flush)
    default_member: Mapped[Person | None] = relationship(foreign_keys=[default_member_id],
                                                         post_update=True)


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("building_id", "unit", "room"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    floor: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(10), default=Colour.GREEN)
    colour_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)  # private: members and staff only
    head_name: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))  # private

    building: Mapped[Building] = relationship(back_populates="households")
    link: Mapped[MemberLink | None] = relationship(back_populates="household", uselist=False)

    @property
    def address(self) -> str:
        return f"{self.building.code}-{self.unit}-{self.room}"


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.RESIDENT, index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    phone: Mapped[str | None] = mapped_column(String(30))  # private
    strengths: Mapped[str | None] = mapped_column(String(200))  # 致富带富,调解沟通,...
    capacity: Mapped[int] = mapped_column(Integer, default=15)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    household: Mapped[Household | None] = relationship(foreign_keys=[household_id])
    community: Mapped[Community | None] = relationship()
    links: Mapped[list[MemberLink]] = relationship(back_populates="member")

    @property
    def is_handler(self) -> bool:
        return self.role in Role.HANDLERS

    @property
    def is_supervisor(self) -> bool:
        return self.role in Role.SUPERVISORS


class MemberLink(Base):
    """党员联户: the member who looks after a household (one member per household)."""

    __tablename__ = "member_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    member: Mapped[Person] = relationship(back_populates="links")
    household: Mapped[Household] = relationship(back_populates="link")


class ChatRoom(Base):
    """A group chat the bot sits in: a building's group, the staff group, or unbound."""

    __tablename__ = "chat_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=RoomKind.OTHER)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))

    building: Mapped[Building | None] = relationship()
    community: Mapped[Community | None] = relationship()


# --- tickets -----------------------------------------------------------------------------

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


class EventKind:
    CREATED = "created"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    PROGRESS = "progress"
    HANDED_UP = "handed_up"
    RETURNED = "returned"
    RESOLVED = "resolved"
    RATED = "rated"
    REOPENED = "reopened"
    MERGED = "merged"
    ESCALATED = "escalated"
    RECATEGORISED = "recategorised"
    REMINDED = "reminded"
    ATTACHED = "attached"
    CLOSED = "closed"
    UPGRADED = "upgraded"  # a duplicate report showed the problem is urgent
    SPLIT = "split"  # a merged reporter said it is not the same problem


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


# --- the bot's memory: inbox and outbox ---------------------------------------------------

class InboxStatus:
    NEW = "new"
    DONE = "done"
    FAILED = "failed"
    #: failed MAX_ATTEMPTS times (bot/inbox.py): never retried again, listed by `lianhu doctor`
    ASIDE = "aside"


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


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept for staff to see


class OutboxMessage(Base):
    """Every message the bot means to send; the sender drains it with retries."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),)

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


# --- classifier memory --------------------------------------------------------------------

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


# --- the ledger (台账): colour changes, visits, wishes, declined links, link proposals ------------
# Points (党员积分) are not stored: storage/ledger.py computes them from tickets, visits and
# wishes with the rules in Settings, so they can never drift from what happened.

class ChangeStatus:
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer proposal for the same household replaced it


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


class VisitKind:
    VISIT = "visit"  # 走访
    FINDING = "finding"  # 走访发现问题或隐患 (becomes a ticket)
    SUGGESTION = "suggestion"  # 走访收集意见建议 (becomes a suggestion ticket)


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


class WishStatus:
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"

    ALL = (OPEN, CLAIMED, DONE)


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


# --- time: deadline ladders, outreach campaigns (issue 5; schedules/) ------------------------------

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


class CampaignStatus:
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"  # a one-off that ran, or past its end date
    DELETED = "deleted"  # kept for the record of what was sent


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


# --- heads-ups (待确认): messages the classifier is unsure of (issue 10) ---------------------------

class HeadsUpStatus:
    OPEN = "open"
    TICKETED = "ticketed"  # 转工单: it became a ticket
    IGNORED = "ignored"  # 忽略: nothing to do


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

# --- 办事指南 and 议事 (issue 14: domain/guide.py, domain/votes.py) ----------------------------------

class GuideStatus:
    ACTIVE = "active"
    PENDING = "pending"  # saved from a ticket by a member (存为指南), waiting for staff (确认指南)
    REJECTED = "rejected"


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


# --- policy to the right households (宣传到户, issue 14: domain/outreach.py) -------------------------

class HouseholdProfile(Base):
    """Who lives in a household, as far as policy needs: the residents' birth years and tags
    (新生儿, 残疾, 低保 ...). Private: members and staff only."""

    __tablename__ = "household_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), unique=True)
    birth_years: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)

    household: Mapped[Household] = relationship()


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

# --- the web console's accounts (issue 13) -------------------------------------------------

class ConsoleUser(Base):
    """A staff member's or grid worker's login to the web console (domain/accounts.py)."""

    __tablename__ = "console_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)  # the person's name by default
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    person: Mapped[Person] = relationship()

# --- trust (issue 11): residents' claims, each reporter's rating, proposed group bindings ----------

class HouseholdClaim(Base):
    """`我是 1-1-401`: a resident says they live there. Pending until the household's linked
    member or staff confirms (确认住户 K) or denies it (不是 K); only then is the person bound
    to the household (``Person.household``)."""

    __tablename__ = "household_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ChangeStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    household: Mapped[Household] = relationship()
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])


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


class BindingProposal(Base):
    """A group whose name matches a building's group name: staff bind it (确认绑定 K); it is
    never bound by its name alone."""

    __tablename__ = "binding_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_room.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    status: Mapped[str] = mapped_column(String(12), default=ChangeStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)

    room: Mapped[ChatRoom] = relationship()
    building: Mapped[Building] = relationship()
