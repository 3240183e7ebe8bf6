"""The ``lianhu`` command: one module per group of subcommands, imported only when used."""
from __future__ import annotations

from bot.cli.main import main

__all__ = ["main"]
