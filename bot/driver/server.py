"""The app's one HTTP server (aiohttp): the simulator, the web console and any callback
gateway or API register their routes on it; the app starts and stops it.

    server = HttpServer("127.0.0.1", 8080)
    server.add_plugin(simulator)        # calls simulator.setup(server): server.add_routes([...])
    await server.start()                # once; GET /healthz is the server's own
    ...
    await server.stop()

Routes are registered before the start; the server is started only if something registered
(a gateway that needs it, a web page), so a bot on WeChat alone opens no port.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from aiohttp import web

log = logging.getLogger(__name__)

#: the largest request body accepted (the simulator's JSON messages are far smaller)
MAX_BODY = 1024 * 1024

Health = Callable[[], Mapping[str, object]]


#: seconds requests still running get when the bot stops
SHUTDOWN_SECONDS = 3.0


class Plugin(Protocol):
    """Something that serves pages or an API on the app's server."""

    def setup(self, server: HttpServer) -> None:
        """Register routes (``server.add_routes``); called once, before the server starts."""


class HttpServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 8080, *,
                 health: Health | None = None) -> None:
        self.host = host
        self.port = port  # after start(): the port bound (port 0 asks for a free one)
        self._health = health
        self._routes: list[web.AbstractRouteDef] = []
        self._plugins: list[Plugin] = []
        self._configure: list[Callable[[web.Application], None]] = []
        self._runner: web.AppRunner | None = None

    # --- registration ---------------------------------------------------------------------

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        if self._runner is not None:
            raise RuntimeError("routes are registered before the HTTP server starts")
        self._routes.extend(routes)

    def add_plugin(self, plugin: Plugin) -> None:
        if self._runner is not None:
            raise RuntimeError("plugins are added before the HTTP server starts")
        self._plugins.append(plugin)
        plugin.setup(self)

    def configure(self, setup: Callable[[web.Application], None]) -> None:
        """Something to do to the aiohttp application before it starts (middlewares, template
        engines: e.g. ``aiohttp_session.setup``); called once, in the order registered."""
        if self._runner is not None:
            raise RuntimeError("the application is configured before the HTTP server starts")
        self._configure.append(setup)

    @property
    def plugins(self) -> list[Plugin]:
        return list(self._plugins)

    @property
    def wanted(self) -> bool:
        """Whether anything registered: the app starts the server only then."""
        return bool(self._plugins or self._routes)

    # --- life -------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._runner is not None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the HTTP server is already started")
        app = web.Application(client_max_size=MAX_BODY)
        app.add_routes([web.get("/healthz", self.healthz), *self._routes])
        for setup in self._configure:
            setup(app)
        # on stop, requests still running get a few seconds (aiohttp's default is 60: a bot asked to
        # stop would wait that long for one slow client)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if self.port == 0:  # a free port was asked for: remember which
            for address in runner.addresses:
                if isinstance(address, tuple) and len(address) >= 2:
                    self.port = int(address[1])
                    break
        log.info("HTTP server on %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def healthz(self, request: web.Request) -> web.Response:
        body: dict[str, object] = {"ok": True}
        if self._health is not None:
            body.update(self._health())
        return web.json_response(body)
