"""Real WeChat through a Wechaty puppet service (python-wechaty's gRPC client).

The gateway talks plain gRPC to ``WECHATY_PUPPET_SERVICE_ENDPOINT`` (host:port)
with ``WECHATY_PUPPET_SERVICE_TOKEN`` as the ``:authority``, using python-wechaty
0.10.7's puppet-service client (``wechaty_puppet_service.PuppetService`` and its
generated ``wechaty_grpc`` stub) for every call and payload.

It deliberately does not run the ``wechaty.Wechaty`` bot object on top of that
client: 0.10.7's Wechaty retries a lost connection only after a fixed 60 s and
then crashes in ``on_login`` ("Scheduler is already running"); it returns from
``start()`` silently on a wrong token and stops the event loop on an unreachable
endpoint; it only prints exceptions raised in ``on_message``; it binds a web
server to port 5000, writes ``.wechaty/job.db`` into the current directory, and
its Room/Contact objects are cached process-wide bound to the puppet that made
them (stale after a reconnect).  Instead this module owns the connection:

* connect = open the event stream, call ``Start``; ``connected`` is True once
  the account's ``login`` event arrived and the stream is up;
* a lost stream (service restarted, network) or a failed keep-alive ``Ding``
  marks the gateway disconnected and reconnects with capped exponential backoff
  (0.5 s, 1 s, 2 s, ... at most ``max_backoff``), handling ``login`` again;
* a rejected token (gRPC UNAUTHENTICATED) raises :class:`GatewayFatalError` at
  once; an endpoint never reached is retried (logged) for ``give_up_after``
  seconds, then :class:`GatewayFatalError`;
* sends while disconnected, or failing, raise :class:`SendError`: the app's
  outbox keeps the message and retries it after the reconnect.

Nothing outside ``bot/gateways`` imports wechaty; import this module only when
the wechaty gateway is chosen (it needs the ``wechaty`` extra). The gateway is built in
parts, each its own module: wechaty_state.py (settings, connection state, names),
wechaty_connection.py (connect, keep alive, reconnect, events), wechaty_inbound.py and
wechaty_files.py (messages and pictures in), wechaty_outbound.py (messages out),
wechaty_support.py (what they share); wechaty_compat.py is the one place with shims.
"""
from __future__ import annotations

# The compat shim must run before any wechaty module is imported.
import bot.gateways.wechaty_compat as wechaty_compat

wechaty_compat.apply()

import asyncio  # noqa: E402
import os  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bot.gateways.wechaty_connection import _Connection  # noqa: E402
from bot.gateways.wechaty_inbound import _Inbound  # noqa: E402
from bot.gateways.wechaty_outbound import _Outbound  # noqa: E402
from bot.gateways.wechaty_support import AT_SEPARATOR, ENV_ENDPOINT, ENV_TOKEN, log, settle  # noqa: E402

wechaty_compat.tame_loggers()

__all__ = ["AT_SEPARATOR", "ENV_ENDPOINT", "ENV_TOKEN", "WechatyGateway"]


#: seconds the connection and the hand-over tasks get to end on stop (then the channel is closed)
STOP_SECONDS = 5.0


class WechatyGateway(_Connection, _Inbound, _Outbound):
    """WeChat through a Wechaty puppet service. See the module docstring."""

    # ------------------------------------------------------------------ config

    @classmethod
    def from_env(cls, data_dir: Path, **kwargs: Any) -> WechatyGateway:
        """Endpoint and token from WECHATY_PUPPET_SERVICE_ENDPOINT / _TOKEN."""
        return cls(os.environ.get(ENV_ENDPOINT, ""), os.environ.get(ENV_TOKEN, ""), data_dir, **kwargs)

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Connect and wait for the account's login.

        Raises GatewayFatalError on a rejected token, an endpoint that stayed
        unreachable for ``give_up_after`` seconds, or no login within
        ``login_timeout`` seconds.
        """
        if self._runner is not None:
            raise RuntimeError("WechatyGateway already started")
        self._stopping = False
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._worker = asyncio.create_task(self._work(), name="wechaty-inbound")
        self._runner = asyncio.create_task(self._run(), name="wechaty-connection")
        try:
            await self._ready
        except BaseException:
            await self.stop()
            raise
        log.info("wechaty: connected to %s, logged in as %s (%s)", self.endpoint, self._self_name, self._self_id)

    async def presence(self) -> tuple[list[str], list[str] | None] | None:
        """The account's groups and contacts (several accounts: where the outbox routes)."""
        rooms = await self._rpc(self._puppet.room_list())
        contacts = await self._rpc(self._puppet.contact_list())
        return [str(r) for r in rooms], [str(c) for c in contacts]

    async def stop(self) -> None:
        """Disconnect; messages already received are handed over first (5 s at most)."""
        if self._worker is not None and self.connected and not self._queue.empty():
            try:
                await asyncio.wait_for(self._queue.join(), 5.0)
            except (TimeoutError, asyncio.TimeoutError):
                log.warning("wechaty: stopping with %d received message(s) not handed over", self._queue.qsize())
        self._stopping = True
        for task in (self._runner, self._worker):
            if task is not None and not task.done():
                task.cancel()
        # bounded, as the session's own teardown is: the channel is closed next either way
        late = await settle([t for t in (self._runner, self._worker) if t is not None], STOP_SECONDS)
        if late:
            log.warning("wechaty: %d task(s) still stopping after %.0f s; closing the channel", len(late), STOP_SECONDS)
        self._runner = self._worker = None
        self._close_channel()
        self._stream_up = False
        self._pulse()
