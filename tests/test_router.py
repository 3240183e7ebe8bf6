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
    room: Any = None  # a group (ChatRoom) or None: privately
    kind: Kind = Kind.TEXT

    @property
    def msg(self) -> Inbound:
        return Inbound(gateway="test", message_id="1", sender_id="u1", sender_name="u1", text=self.text,
                       room=self.room.chat_id if self.room else None, room_name=None, kind=self.kind)

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


@dataclass
class FakeRoom:
    chat_id: str = "g1"
    building_id: int | None = None
    kind: str = "other"


def test_routes_are_taken_by_what_the_message_is_and_a_reply_before_a_place_filter_still_speaks() -> None:
    from handlers.router import in_building_group, in_staff_group, is_text, not_text, private

    router = Router("t")
    checked: list[str] = []

    def staff_only(ctx: FakeCtx) -> bool:
        raise Reply("staff only")

    def looked(ctx: FakeCtx) -> bool:
        checked.append(ctx.text)
        return False

    @router.message(Command("台账"), staff_only, private)
    def ledger(ctx: FakeCtx) -> None: ...

    @router.message(private, is_text, looked)
    def never(ctx: FakeCtx) -> None: ...

    @router.message(in_building_group, is_text)
    def building(ctx: FakeCtx) -> None: ...

    @router.message(in_staff_group)
    def staff(ctx: FakeCtx) -> None: ...

    @router.message(not_text)
    def media(ctx: FakeCtx) -> None: ...

    @router.message(lambda ctx: True)
    def rest(ctx: FakeCtx) -> None: ...

    dispatcher = Dispatcher([router])

    def dispatch(text: str, room: FakeRoom | None = None, kind: Kind = Kind.TEXT) -> tuple[str | None, list[str]]:
        ctx = FakeCtx(text, room=room, kind=kind)
        return dispatcher.dispatch(ctx), ctx.replies  # type: ignore[arg-type]

    # the filter before ``private`` answers, in a group too: the route took the message
    assert dispatch("台账", FakeRoom(building_id=1)) == ("t.ledger", ["staff only"])
    assert dispatch("台账") == ("t.ledger", ["staff only"])
    assert dispatch("水管漏了", FakeRoom(building_id=1)) == ("t.building", [])
    assert dispatch("开会", FakeRoom(kind="staff")) == ("t.staff", [])
    assert dispatch("你好", FakeRoom()) == ("t.rest", [])
    assert dispatch("", FakeRoom(), kind=Kind.IMAGE) == ("t.media", [])
    assert dispatch("私聊") == ("t.rest", [])
    assert checked == ["私聊"]  # looked at privately only
    # the same situation again: the same answers
    assert dispatch("水管漏了", FakeRoom(building_id=2)) == ("t.building", [])
    assert dispatch("私聊2") == ("t.rest", [])
    assert checked == ["私聊", "私聊2"]
