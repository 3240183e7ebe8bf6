"""The gateway interface: one implementation per chat platform (errbot's backends).

A gateway delivers inbound messages to a callback and sends outbound ones. It never
touches the database or decides anything: the app owns the inbox, the outbox and
the handlers. What else a gateway may ask of the app is the typed port it is bound to
(bot/driver/port.py); what it needs of the app is declared here, as capabilities:

* ``paced``: the outbox paces sends (a real account to protect from WeChat's limits);
* ``needs_server``: the gateway serves pages or an API: ``setup(server)`` registers its
  routes on the app's HTTP server (bot/driver/server.py), which the app then starts;
* ``wait_fatal()``: returns when the gateway has failed for good: the app then stops
  with a non-zero exit status;
* ``welcome()``: what to tell the person who started the bot, once it runs;
* ``demo_clock(settings)``: a clock of its own for demos (the simulator's 快进), or None for
  the wall clock; only a gateway that plays every side may move time.
"""
from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from kernel.messages import Inbound, Outbound

if TYPE_CHECKING:
    from bot.driver.port import AppPort
    from bot.driver.server import HttpServer
    from kernel.clock import Clock
    from kernel.config import Settings

#: the app's side of deliver(): stores and handles a message; the app's id for it, or
#: None when it was a duplicate (a test's collector may return nothing)
InboundCallback = Callable[[Inbound], Awaitable[int | None]]


class SendError(Exception):
    """A send failed; the outbox retries it later.

    ``too_frequent`` marks the platform telling us to slow down: the outbox then
    pauses all sending for a while instead of retrying at once.
    """

    def __init__(self, message: str, *, too_frequent: bool = False, permanent: bool = False):
        super().__init__(message)
        self.too_frequent = too_frequent
        self.permanent = permanent


class GatewayFatalError(RuntimeError):
    """The gateway cannot work and retrying will not help (a rejected token, a
    platform that stayed unreachable): the app should stop with this message and
    a non-zero exit status."""


class GatewayUnavailable(GatewayFatalError):
    """The gateway named in the settings cannot be made: an unknown name, or a setting it
    needs is missing. The message says what to do."""


class Gateway(abc.ABC):
    #: stored with each inbound message; (name, message_id) is unique
    name: str = "base"
    #: pace sends (per account, per group, a daily cap): on for a real chat account
    paced: bool = True
    #: serves pages or an API on the app's HTTP server (see ``setup``)
    needs_server: bool = False

    def __init__(self) -> None:
        self._on_message: InboundCallback | None = None
        self._app_port: AppPort | None = None

    def set_handler(self, callback: InboundCallback) -> None:
        self._on_message = callback

    def bind(self, port: AppPort) -> None:
        """The app hands itself over as the port (bot/driver/port.py)."""
        self._app_port = port

    @property
    def app(self) -> AppPort:
        """The app's port (bound by the app before the gateway starts)."""
        if self._app_port is None:
            raise RuntimeError(f"gateway {self.name} is not bound to an app")
        return self._app_port

    async def deliver(self, message: Inbound) -> int | None:
        """Hand an inbound message to the app (gateways call this). Returns once it was
        stored and handled: the app's id for it, or None if it was a duplicate."""
        if self._on_message is None:
            raise RuntimeError("gateway has no handler")
        return await self._on_message(message)

    def setup(self, server: HttpServer) -> None:
        """Register routes on the app's HTTP server (only if ``needs_server``)."""

    async def wait_fatal(self) -> GatewayFatalError:
        """Wait until the gateway gives up for good (e.g. its token was revoked while
        running), and return why. The default gateway never does."""
        never: asyncio.Future[GatewayFatalError] = asyncio.get_running_loop().create_future()
        return await never

    def welcome(self) -> str | None:
        """A line for the person who started the bot, once it runs (e.g. where to look)."""
        return None

    def demo_clock(self, settings: Settings) -> Clock | None:
        """The app's clock when no clock is given: None for the wall clock (real chats)."""
        return None

    async def presence(self) -> tuple[list[str], list[str] | None] | None:
        """Several accounts: the chat ids of the groups this gateway's account is in and of its
        contacts (None: not known), as seen now; the outbox routes their messages here. None:
        the gateway cannot list them (they are learnt as messages arrive)."""
        return None

    @property
    def connected(self) -> bool:
        """False while the platform is unreachable: the outbox then holds messages."""
        return True

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect; return once the gateway can send and receive."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Disconnect and release resources."""

    @abc.abstractmethod
    async def send(self, message: Outbound) -> None:
        """Send one message; raise SendError if it did not go out."""
