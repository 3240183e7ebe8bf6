"""Routers with handlers declared as data (aiogram 3 style).

A route is a callback plus filters; the dispatcher runs the middlewares around the
first route whose filters all accept the message. A filter answers with

- ``False`` or ``None``: not this route, try the next one;
- ``True``: accepted;
- a dict: accepted, and these are the values it read from the message.

Filters and handlers are called with the ``Ctx`` first, then by name with the values the
filters before them found (only the names they declare), so a handler reads
``def accept(ctx: Ctx, ticket: Ticket) -> None`` and never parses its arguments again.
A filter that recognised the message but finds it wrong (a command without its number, a
person without the right) raises ``Reply(text)``: the route has taken the message and the
person hears ``text``. Handlers are plain functions: they read and write through
``ctx.session`` and speak through ``ctx``.

Command words are declared once, with ``Command(...)`` on a route; the dispatcher reads
``ctx.command`` with the words of all its routes.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from handlers.context import Ctx
from kernel.messages import Kind
from kernel.parsing import parse_command

FilterResult = bool | dict[str, Any] | None
#: ``filter(ctx, **the values it declares)``
Filter = Callable[..., FilterResult]
#: ``handler(ctx, **the values it declares)``
Callback = Callable[..., None]
Middleware = Callable[[Ctx, Callable[[Ctx], None]], None]


class Reply(Exception):
    """Raised by a filter (or a handler) that has recognised the message but cannot go on:
    the dispatcher answers the person with ``text`` and the route counts as taken."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@cache
def _wants(fn: Callable[..., Any]) -> tuple[str, ...] | None:
    """The names ``fn`` takes after the context (None: it takes any, ``**kwargs``)."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return None
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def call_with(fn: Callable[..., Any], ctx: Ctx, data: dict[str, Any]) -> Any:
    """Call ``fn(ctx, ...)`` with the values of ``data`` it declares by name."""
    return _call(fn, _wants(fn), ctx, data)


def _call(fn: Callable[..., Any], names: tuple[str, ...] | None, ctx: Ctx, data: dict[str, Any]) -> Any:
    """``fn(ctx, ...)`` with the values of ``data`` named in ``names`` (None: all of them)."""
    if names is None:
        return fn(ctx, **data)
    return fn(ctx, **{name: data[name] for name in names if name in data}) if names else fn(ctx)


@dataclass(frozen=True)
class Route:
    name: str
    callback: Callback
    filters: tuple[Filter, ...]
    #: each filter with the names it takes (None: any), read once, not at every message
    plan: tuple[tuple[Filter, tuple[str, ...] | None], ...] = field(init=False, repr=False, compare=False)
    #: the words of the route's first filter when it is a ``Command``: a message that is not one
    #: of them is refused without calling anything (what that filter would answer)
    gate: frozenset[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan", tuple((f, _wants(f)) for f in self.filters))
        first = self.filters[0] if self.filters else None
        object.__setattr__(self, "gate", first.words if isinstance(first, Command) else None)

    def check(self, ctx: Ctx, skip: int = 0) -> dict[str, Any] | None:
        """The values the filters read (None: the route refuses the message). ``skip``: the
        first filters are known to accept it already (``Dispatcher.candidates``).

        Raises ``Reply`` when a filter took the message but has to answer instead."""
        if self.gate is not None and (ctx.command is None or ctx.command.word not in self.gate):
            return None
        data: dict[str, Any] = {}
        for f, names in self.plan[skip:] if skip else self.plan:
            result = _call(f, names, ctx, data)
            if result is None or result is False:
                return None
            if isinstance(result, dict):
                data.update(result)
        return data

    @property
    def command_words(self) -> frozenset[str]:
        return frozenset(w for f in self.filters if isinstance(f, Command) for w in f.words)


@dataclass
class Router:
    name: str
    routes: list[Route] = field(default_factory=list)

    def message(self, *filters: Filter) -> Callable[[Callback], Callback]:
        def register(callback: Callback) -> Callback:
            self.routes.append(Route(f"{self.name}.{callback.__name__}", callback, filters))
            return callback

        return register


class Dispatcher:
    def __init__(self, routers: Sequence[Router], middlewares: Sequence[Middleware] = ()) -> None:
        self.routes = [route for router in routers for route in router.routes]
        self.middlewares = list(middlewares)
        #: every command word of every route: what ``ctx.command`` is read with
        self.command_words: frozenset[str] = frozenset(w for r in self.routes for w in r.command_words)
        #: words that are a command only when what follows has the right shape ("评价 1", not
        #: "评价,物业太差": that one is an ordinary message, classified like any other)
        self.word_shapes: dict[str, Callable[[str], bool]] = {
            w: f.shape for r in self.routes for f in r.filters
            if isinstance(f, Command) and f.shape is not None for w in f.words}
        #: the routes that may take a message, by what it is (``situation``): built when first needed
        self._table: dict[tuple[str | None, bool, bool, bool, bool, bool], list[tuple[Route, int]]] = {}

    def read_command(self, ctx: Ctx) -> None:
        """Set ``ctx.command``: the command a text starts with, if any of our routes knows it."""
        if ctx.msg.kind == Kind.TEXT:
            ctx.command = parse_command(ctx.text, self.command_words)
            shape = self.word_shapes.get(ctx.command.word) if ctx.command is not None else None
            if ctx.command is not None and shape is not None and not shape(ctx.command.rest):
                ctx.command = None

    def candidates(self, ctx: Ctx) -> list[tuple[Route, int]]:
        """The routes that may take this message, in order, each with how many of its first
        filters are known to accept it. A route is left out when its command word is not the
        message's, or when one of its first filters that only look at what the message is (text
        or not, private, the kind of group: ``SITUATION``, read before any filter that may
        answer) refuses it; those filters would refuse it anyway, and nothing before them speaks."""
        key = situation(ctx)
        found = self._table.get(key)
        if found is None:
            found = self._table[key] = [(r, n) for r in self.routes if (n := _passes(r, key)) >= 0]
        return found

    def dispatch(self, ctx: Ctx) -> str | None:
        """Handle one message; returns the name of the route that took it, if any."""
        taken: list[str] = []

        def innermost(c: Ctx) -> None:
            for route, skip in self.candidates(c):
                try:
                    data = route.check(c, skip)
                    if data is None:
                        continue
                    taken.append(route.name)
                    call_with(route.callback, c, data)
                except Reply as answer:  # from a filter (the route takes the message) or the handler
                    taken[:] = [route.name]
                    c.reply(answer.text)
                return

        self.read_command(ctx)
        call: Callable[[Ctx], None] = innermost
        for middleware in reversed(self.middlewares):
            call = _wrap(middleware, call)
        call(ctx)
        return taken[0] if taken else None


def _wrap(middleware: Middleware, nxt: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
    return lambda ctx: middleware(ctx, nxt)


def situation(ctx: Ctx) -> tuple[str | None, bool, bool, bool, bool, bool]:
    """What a message is, as far as routing goes: its command word, text or not, private, in a
    group, in a building's group, in a staff group."""
    room = ctx.room
    return (ctx.command.word if ctx.command is not None else None, ctx.msg.kind == Kind.TEXT,
            ctx.msg.is_private, room is not None, room is not None and room.building_id is not None,
            room is not None and room.kind == _staff_kind())


def _passes(route: Route, key: tuple[str | None, bool, bool, bool, bool, bool]) -> int:
    """-1: the route refuses every message of this situation; else how many of its first filters
    accept all of them (``Command`` and the ``SITUATION`` filters, up to the first other one)."""
    word = key[0]
    if route.gate is not None and (word is None or word not in route.gate):
        return -1
    known = 0
    for f in route.filters:
        if isinstance(f, Command):
            if word is None or word not in f.words:
                return -1
            break  # it gives ``word`` and ``rest``: called as before
        rule = SITUATION.get(f)
        if rule is None:
            break
        if not rule(*key[1:]):
            return -1
        known += 1
    return known


@cache
def _staff_kind() -> str:
    from storage.models import RoomKind

    return str(RoomKind.STAFF)


# --- filters -----------------------------------------------------------------------------

@dataclass(frozen=True, init=False)
class Command:
    """The message is one of these commands (after the @mention, if any). Gives ``word``
    (the command word) and ``rest`` (what follows it); the words join the dispatcher's.
    ``shape``: when given, a text is this command only if ``shape(rest)`` holds."""

    words: frozenset[str]
    shape: Callable[[str], bool] | None

    def __init__(self, *words: str, shape: Callable[[str], bool] | None = None) -> None:
        object.__setattr__(self, "words", frozenset(words))
        object.__setattr__(self, "shape", shape)

    def __call__(self, ctx: Ctx) -> FilterResult:
        if ctx.command is None or ctx.command.word not in self.words:
            return None
        return {"word": ctx.command.word, "rest": ctx.command.rest}


def has_arguments(ctx: Ctx, rest: str) -> bool:
    """After ``Command``: something follows the command word."""
    return bool(rest.strip())


def in_building_group(ctx: Ctx) -> bool:
    return ctx.room is not None and ctx.room.building_id is not None


def in_staff_group(ctx: Ctx) -> bool:
    from storage.models import RoomKind

    return ctx.room is not None and ctx.room.kind == RoomKind.STAFF


def in_unbound_group(ctx: Ctx) -> bool:
    from storage.models import RoomKind

    return ctx.room is not None and ctx.room.building_id is None and ctx.room.kind != RoomKind.STAFF


def private(ctx: Ctx) -> bool:
    return ctx.msg.is_private


def is_text(ctx: Ctx) -> bool:
    return ctx.msg.kind == Kind.TEXT


def not_text(ctx: Ctx) -> bool:
    return not is_text(ctx)


def mentions_bot(ctx: Ctx) -> bool:
    return ctx.msg.mentions_bot


def any_command(ctx: Ctx) -> bool:
    return ctx.command is not None


def is_request(ctx: Ctx) -> FilterResult:
    """The classifier read a request: gives its ``classification``."""
    c = ctx.classification
    return {"classification": c} if c is not None and c.is_request else None


#: filters that read only what ``situation`` holds, as functions of (text, private, in a group,
#: in a building's group, in a staff group): the routing table leaves out the routes they refuse
SITUATION: dict[Filter, Callable[[bool, bool, bool, bool, bool], bool]] = {
    is_text: lambda text, private, group, building, staff: text,
    not_text: lambda text, private, group, building, staff: not text,
    private: lambda text, private, group, building, staff: private,
    in_building_group: lambda text, private, group, building, staff: building,
    in_staff_group: lambda text, private, group, building, staff: staff,
    in_unbound_group: lambda text, private, group, building, staff: group and not building and not staff,
}
