"""The community and its people: grids, buildings, households, people, member links, the
groups the bot sits in, claims to a household, group bindings, households' profiles, console logins."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.kinds import ChangeStatus, Colour, Role, RoomKind


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


class HouseholdProfile(Base):
    """Who lives in a household, as far as policy needs: the residents' birth years and tags
    (新生儿, 残疾, 低保 ...). Private: members and staff only."""

    __tablename__ = "household_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), unique=True)
    birth_years: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)

    household: Mapped[Household] = relationship()


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


class PasswordLink(Base):
    """A one-time link to set one's console password, sent privately by the bot (设置密码).
    Only the token's SHA-256 is kept; it works once, until ``expires_at`` (domain/password_links.py)."""

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)  # set when used, or replaced by a newer link

    person: Mapped[Person] = relationship()


class LedgerVersion(Base):
    """One row: a counter moved by every committed change of who is who and where (community,
    grids, buildings, households, people, member links, groups; storage/ledger_version.py).
    A process that keeps such facts between transactions (the inbox's cache of chat ids) reads
    it once a batch and forgets what it kept when it moved, also when another process moved it."""

    __tablename__ = "ledger_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
