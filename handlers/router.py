"""Routers with handlers declared as data (aiogram 3 style).

A route is a callback plus filters; the dispatcher runs the middlewares around the
first route whose filters all accept the message. Handlers are plain functions of a
``Ctx``: they read and write through ``ctx.session`` and speak through ``ctx``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from handlers.context import Ctx

Filter = Callable[[Ctx], bool]
Callback = Callable[[Ctx], None]
Middleware = Callable[[Ctx, Callable[[Ctx], None]], None]


@dataclass(frozen=True)
class Route:
    name: str
    callback: Callback
    filters: tuple[Filter, ...]

    def accepts(self, ctx: Ctx) -> bool:
        return all(f(ctx) for f in self.filters)


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

    def route_for(self, ctx: Ctx) -> Route | None:
        return next((r for r in self.routes if r.accepts(ctx)), None)

    def dispatch(self, ctx: Ctx) -> str | None:
        """Handle one message; returns the name of the route that took it, if any."""
        taken: list[str] = []

        def innermost(c: Ctx) -> None:
            route = self.route_for(c)
            if route is not None:
                taken.append(route.name)
                route.callback(c)

        call = innermost
        for middleware in reversed(self.middlewares):
            call = _wrap(middleware, call)
        call(ctx)
        return taken[0] if taken else None


def _wrap(middleware: Middleware, nxt: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
    return lambda ctx: middleware(ctx, nxt)


# --- filters -----------------------------------------------------------------------------

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
    from kernel.messages import Kind

    return ctx.msg.kind == Kind.TEXT


def not_text(ctx: Ctx) -> bool:
    return not is_text(ctx)


def mentions_bot(ctx: Ctx) -> bool:
    return ctx.msg.mentions_bot


def command(*words: str) -> Filter:
    """The message is one of these commands (after the @mention, if any)."""
    wanted = frozenset(words)

    def check(ctx: Ctx) -> bool:
        return ctx.command is not None and ctx.command.word in wanted

    check.__name__ = f"command({'|'.join(words)})"
    return check


def any_command(ctx: Ctx) -> bool:
    return ctx.command is not None


def is_request(ctx: Ctx) -> bool:
    c = ctx.classification
    return c is not None and c.is_request
