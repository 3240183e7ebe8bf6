"""The context of one message: who, where, what they said, and how to answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from kernel.clock import Clock
from kernel.config import Settings
from kernel.messages import Inbound
from kernel.parsing import CommandText
from storage.models import ChatRoom, Person
from storage.outbox import Speaker

if TYPE_CHECKING:
    from domain.classifier import Classification, Classifier


@dataclass
class Ctx:
    session: Session
    msg: Inbound
    inbound_id: int
    clock: Clock
    settings: Settings
    classifier: Classifier
    person: Person
    room: ChatRoom | None
    say: Speaker
    command: CommandText | None = None
    #: the message's tokens and class, computed once (only for texts that need them)
    tokens: list[str] = field(default_factory=list)
    classification: Classification | None = None

    @property
    def text(self) -> str:
        return self.msg.text

    def reply(self, text: str, *, mention: bool = True, urgent: bool = False) -> None:
        """Answer where the message came from: in the group @ the sender, or privately."""
        if self.msg.is_private:
            self.say.person(self.person, text, urgent=urgent)
        else:
            mentions = (self.msg.sender_id,) if mention else ()
            self.say.room(self.msg.room or "", text, mentions=mentions, urgent=urgent)

    def reply_private(self, text: str) -> None:
        self.say.person(self.person, text)
