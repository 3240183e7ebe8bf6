"""An in-process gateway for tests (errbot's test backend): push a message, await its
handling, read what the bot sent. No network, the real bot behind it."""
from __future__ import annotations

import itertools
from collections.abc import Iterable

from bot.driver.gateway import Gateway, SendError
from kernel.messages import Inbound, Kind, Outbound

BOT_ID = "bot"
BOT_NAME = "联户助手"


class TestGateway(Gateway):
    __test__ = False  # not a pytest class
    name = "test"
    paced = False

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Outbound] = []
        self.fail_next = 0  # make the next N sends fail
        self.too_frequent_next = 0
        self.online = True
        self._ids = itertools.count(1)

    @property
    def connected(self) -> bool:
        return self.online

    async def start(self) -> None:
        self.online = True

    async def stop(self) -> None:
        pass

    async def send(self, message: Outbound) -> None:
        if not self.online:
            raise SendError("offline")
        if self.too_frequent_next:
            self.too_frequent_next -= 1
            raise SendError("操作过于频繁", too_frequent=True)
        if self.fail_next:
            self.fail_next -= 1
            raise SendError("simulated failure")
        self.sent.append(message)

    def inbound(self, text: str = "", *, sender: str, name: str | None = None,
                room: str | None = None, room_name: str | None = None, kind: Kind = Kind.TEXT,
                mentions: Iterable[str] = (), mention_bot: bool = False,
                message_id: str | None = None, attachment: str | None = None) -> Inbound:
        mentions = tuple(mentions) + ((BOT_ID,) if mention_bot else ())
        if mention_bot and text is not None:
            text = f"@{BOT_NAME} {text}"
        return Inbound(gateway=self.name, message_id=message_id or f"m{next(self._ids)}",
                       sender_id=sender, sender_name=name or "", text=text, room=room,
                       room_name=room_name, kind=kind, mentions=mentions,
                       mentions_bot=mention_bot, attachment=attachment)
