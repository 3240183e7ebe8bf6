"""What every subcommand shares: the settings from the command line."""
from __future__ import annotations

import argparse

from kernel.config import Settings


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.load(args.config, data_dir=args.data_dir, database_url=args.database_url,
                         gateway=getattr(args, "gateway", None), sim_port=getattr(args, "port", None),
                         sim_host=getattr(args, "host", None))
