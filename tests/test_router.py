"""The dispatcher: filters give what they read to the handler by name, or answer for it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.router import Command, Dispatcher, Reply, Router
from kernel.messages import Inbound, Kind
from kernel.parsing import CommandText


@dataclass
class FakeCtx:
    text: str
    command: CommandText | None = None
    replies: list[str] = field(default_factory=list)

    @property
    def msg(self) -> Inbound:
        return Inbound(gateway="test", message_id="1", sender_id="u1", sender_name="u1", text=self.text,
                       room=None, room_name=None, kind=Kind.TEXT)

    def reply(self, text: str, **_: Any) -> None:
        self.replies.append(text)


def number(ctx: FakeCtx, rest: str) -> dict[str, Any]:
    head, _, after = rest.partition(" ")
    if not head.isdigit():
        raise Reply("need a number")
    return {"number": int(head), "rest": after}


def test_values_reach_the_handler_by_name_and_replies_stop_the_route() -> None:
    router = Router("t")
    seen: list[tuple[Any, ...]] = []

    @router.message(Command("接单"), number)
    def accept(ctx: FakeCtx, number: int) -> None:  # only the names it declares
        seen.append((number,))

    @router.message(Command("办结", "完成"), number)
    def resolve(ctx: FakeCtx, word: str, number: int, rest: str) -> None:
        seen.append((word, number, rest))

    @router.message(lambda ctx: ctx.text == "hi")
    def hello(ctx: FakeCtx) -> None:
        ctx.reply("hello")

    dispatcher = Dispatcher([router])
    assert dispatcher.command_words == {"接单", "办结", "完成"}

    def dispatch(text: str) -> tuple[str | None, list[str]]:
        ctx = FakeCtx(text)
        return dispatcher.dispatch(ctx), ctx.replies  # type: ignore[arg-type]

    assert dispatch("接单 12") == ("t.accept", [])
    assert dispatch("完成 7 修好了") == ("t.resolve", [])
    assert seen == [(12,), ("完成", 7, "修好了")]
    assert dispatch("接单") == ("t.accept", ["need a number"])  # the route took it and answered
    assert dispatch("hi") == ("t.hello", ["hello"])
    assert dispatch("接单子") == (None, [])  # not a command: no route
    assert len(seen) == 2
