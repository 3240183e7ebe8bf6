"""What a gateway may ask of the app: a typed port the app implements (bot/app.py).

Messages go in only through ``Gateway.deliver()`` and come out only through
``Gateway.send()``; this port is for what a gateway shows besides: the people and groups
it may play (the simulator), the conversation so far, the messages still waiting in the
outbox (quiet hours, pace), and "send what is due now" for a gateway that answers a
request with the replies it caused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class RoomEntry:
    """A group the bot is in."""

    chat_id: str
    name: str
    kind: str  # building, staff, ...


@dataclass(frozen=True)
class PersonEntry:
    """Someone the bot knows by a chat id."""

    chat_id: str
    name: str
    role: str  # resident, member, grid_worker, staff, admin
    address: str | None = None
    building: str | None = None  # their household's building, e.g. "3号楼"


@dataclass(frozen=True)
class Heard:
    """A message someone sent (as the app stored it)."""

    sender_id: str
    sender_name: str
    text: str
    kind: str
    at: datetime


@dataclass(frozen=True)
class Queued:
    """A message from the bot: sent, or still waiting in the outbox."""

    id: int
    conversation: str
    text: str
    is_room: bool
    status: str  # pending, sent or failed
    at: datetime  # when it was sent, or else queued
    mentions: tuple[str, ...] = ()
    #: the names of those mentioned, as people read them
    mention_names: tuple[str, ...] = ()
    #: when a waiting message is expected to go, as people read it ("11-24 07:30"); None once sent
    waiting_until: str | None = None
    reply_to: int | None = None


@dataclass(frozen=True)
class ClockReading:
    """The app's time as people read it, and whether a demo may move it."""

    now: str  # "2026-11-24 10:00", the community's time zone
    weekday: int  # 0 = Monday
    movable: bool
    offset_seconds: float = 0.0  # how far a demo clock is ahead of the wall clock


@dataclass(frozen=True)
class ClockMoved:
    reading: ClockReading
    jobs: tuple[str, ...]  # the jobs that ran (ids)
    sent: int  # messages that went out


class ClockFixed(RuntimeError):
    """The app runs on the wall clock: it cannot be moved."""


class AppPort(Protocol):
    def rooms(self) -> list[RoomEntry]:
        """The groups, building groups first (that is where residents talk)."""
        ...

    def people(self) -> list[PersonEntry]:
        """Everyone with a chat id: residents, then members, grid workers, staff, admins."""
        ...

    def person(self, key: str) -> PersonEntry | None:
        """Someone by chat id, else by name (the first of that name)."""
        ...

    def speaker(self, key: str) -> tuple[str, str] | None:
        """(chat id, name) of someone by chat id, else by name, as ``person``: only those two,
        so it is cheap enough for every message a gateway hands over."""
        ...

    def room(self, chat_id: str) -> RoomEntry | None:
        ...

    def transcript(self, conversation: str) -> list[Heard | Queued]:
        """A group (by its chat id) or a private chat (by the person's chat id) so far, in
        order: sent messages and those still waiting; a reply after what caused it."""
        ...

    def waiting(self, *, conversation: str | None = None, reply_to: int | None = None) -> list[Queued]:
        """Messages still waiting in the outbox: to a conversation, or caused by a message."""
        ...

    async def send_due(self) -> int:
        """Send what is due now (pace and quiet hours respected); how many went out."""
        ...

    async def send_due_then_waiting(self, reply_to: int) -> list[Queued]:
        """``send_due``, then ``waiting(reply_to=…)``: what that message caused that still waits
        (quiet hours, pace). Callers that come together share the sending."""
        ...

    def clock_now(self) -> ClockReading:
        ...

    async def advance_clock(self, seconds: float) -> ClockMoved:
        """Move a demo clock on, run the jobs that fell due and send what is due (ClockFixed:
        the app runs on the wall clock)."""
        ...
