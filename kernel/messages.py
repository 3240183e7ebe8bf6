"""Platform-neutral messages: what every gateway turns its platform's messages into.

Handlers only ever see these; nothing outside ``bot/gateways`` knows which chat
platform a message came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    FILE = "file"
    STICKER = "sticker"
    OTHER = "other"


@dataclass(frozen=True)
class Inbound:
    """One message as it reached the bot.

    ``room`` is the group's chat id, or None for a private chat with the bot.
    ``message_id`` is the platform's id: together with the gateway name it makes
    the message unique, so a redelivered message is recognised.
    """

    gateway: str
    message_id: str
    sender_id: str
    sender_name: str
    text: str = ""
    room: str | None = None
    room_name: str | None = None
    kind: Kind = Kind.TEXT
    mentions: tuple[str, ...] = ()
    mentions_bot: bool = False
    attachment: str | None = None  # path of a stored file (image, voice...), if any

    @property
    def conversation(self) -> str:
        """Where a reply goes: the room, or the sender for a private chat."""
        return self.room if self.room is not None else self.sender_id

    @property
    def is_private(self) -> bool:
        return self.room is None


@dataclass(frozen=True)
class Outbound:
    """One message the bot sends: to a room (``is_room``) or to a person's chat id.

    ``id`` is the app's number for this message (the same on every retry) and ``reply_to``
    the app's number for the inbound message that caused it (what ``Gateway.deliver``
    returned for it), if any: a gateway may use them, they never change what is sent, and
    two messages with the same content compare equal whatever their numbers.
    """

    conversation: str
    text: str
    is_room: bool
    mentions: tuple[str, ...] = field(default_factory=tuple)
    attachment: str | None = None
    id: int | None = field(default=None, compare=False)
    reply_to: int | None = field(default=None, compare=False)
