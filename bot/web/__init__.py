"""The web console for staff and grid workers (issue 13): its pages register their routes on
the app's HTTP server (bot.driver.server), like the simulator does.

    plugins(settings, host)   # what the app adds to its server: the console at /console/

The console reads and writes the ledger through ``host`` (the app's sessions, clock and the
outbox's wake-up), and asks ``domain/`` for every query and every change, so a 派单 from the
web is the same event as one typed in chat.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.web.host import Host

if TYPE_CHECKING:
    from bot.driver.server import Plugin
    from kernel.config import Settings




def plugins(settings: Settings, host: Host | None = None, *, serving: bool = False) -> list[Plugin]:
    """The console's parts to serve on the app's HTTP server (``serving``: the server runs
    anyway, for the gateway's pages). Setting ``console``: auto (only then), on, off."""
    wanted = settings.console == "on" or (settings.console == "auto" and serving)
    if host is None or not wanted:
        return []
    from bot.web.console import Console
    from bot.web.password_link import PasswordLinkPage

    console = Console(host)
    return [console, PasswordLinkPage(console)]  # the one-time link's page uses the console's sessions


__all__ = ["Host", "plugins"]
