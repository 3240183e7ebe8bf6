"""The web console for staff and grid workers (issue 13): its pages register their routes on
the app's HTTP server (bot.driver.server), like the simulator does.

Nothing yet: ``plugins()`` is what the app adds to its server; while it is empty the server
starts only for a gateway that needs it (the simulator).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.driver.server import Plugin
    from kernel.config import Settings


def plugins(settings: Settings) -> list[Plugin]:
    """The console's parts to serve on the app's HTTP server (none yet)."""
    return []
