"""What the console needs of the app (``Host``), and what its pages need of the console (``Shell``)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp_session import Session as WebSession
    from sqlalchemy.orm import Session, sessionmaker

    from domain.console import Viewer
    from kernel.clock import Clock
    from kernel.config import Settings

R = TypeVar("R")

@dataclass
class Host:
    """What the console needs of the app."""

    sessions: sessionmaker[Session]
    clock: Clock
    settings: Settings
    wake: Callable[[], None]  # the outbox sender: something was queued
    settle: Callable[[], None] = field(default=lambda: None)  # the scheduler's jobs follow the tables
    classifier: Any = None  # the app's classifier (the 规则 page reads and adds its keywords)


class Shell(Protocol):
    """The console as its pages use it."""

    host: Host

    async def db(self, fn: Callable[..., R], *args: Any) -> R: ...

    def viewer(self, session: Session, uid: int) -> Viewer: ...

    def render(self, name: str, request: web.Request, websession: WebSession, context: dict[str, Any],
               status: int = 200) -> web.Response: ...
