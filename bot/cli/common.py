"""What every subcommand shares: the settings from the command line, and the migrated database."""
from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kernel.config import Settings


def settings_from(args: argparse.Namespace) -> Settings:
    from kernel.config import Settings

    return Settings.load(args.config, data_dir=args.data_dir, database_url=args.database_url,
                         gateway=getattr(args, "gateway", None), sim_port=getattr(args, "port", None),
                         sim_host=getattr(args, "host", None), account=getattr(args, "account", None))


@contextmanager
def migrated_session(args: argparse.Namespace) -> Iterator[tuple[Settings, Session]]:
    """The configured database, migrated, and a session on it (closed afterwards)."""
    from storage import db

    settings = settings_from(args)
    engine = db.make_engine(settings.db_url)
    try:
        db.upgrade(engine)
        with db.session_factory(engine)() as session:
            yield settings, session
    finally:
        engine.dispose()
