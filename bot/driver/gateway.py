"""The gateway interface: one implementation per chat platform (errbot's backends).

A gateway delivers inbound messages to a callback and sends outbound ones. It never
touches the database or decides anything: the app owns the inbox, the outbox and
the handlers.
"""
from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable

from kernel.messages import Inbound, Outbound

InboundCallback = Callable[[Inbound], Awaitable[None]]


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


class Gateway(abc.ABC):
    #: stored with each inbound message; (name, message_id) is unique
    name: str = "base"

    def __init__(self) -> None:
        self._on_message: InboundCallback | None = None

    def set_handler(self, callback: InboundCallback) -> None:
        self._on_message = callback

    async def deliver(self, message: Inbound) -> None:
        """Hand an inbound message to the app (gateways call this)."""
        if self._on_message is None:
            raise RuntimeError("gateway has no handler")
        await self._on_message(message)

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
