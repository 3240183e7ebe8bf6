"""The ``lianhu`` command.

    lianhu run [--gateway simulator|wechaty] [--port N] [--account NAME]   start the bot
    lianhu db upgrade                                    apply database migrations
    lianhu demo                                          load the demo community
    lianhu import FILE.xlsx|FILE.csv|FOLDER              import a community
    lianhu export FILE.xlsx [--community NAME]           the 台账 as a workbook
    lianhu classify / lianhu eval FILE.jsonl             the message classifier
    lianhu config                                        every setting and its default
    lianhu doctor [--retry N | --drop N]                 failed messages set aside for staff
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import migrated_session, settings_from
from bot.cli.lazy import EXTENSION_COMMANDS, LazyParser

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kernel.config import Settings

# Only what parsing needs is imported here: `lianhu --help` stays quick. Each command imports
# what it uses when it runs; the other modules' commands are loaded by bot.cli.lazy.


def _logging(settings: Settings) -> None:
    import logging

    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("jieba", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# --- run -------------------------------------------------------------------------------------

async def serve(settings: Settings) -> int:
    """Build the app (with the gateway named in the settings) and run it until Ctrl+C /
    SIGTERM, or until the gateway fails for good (e.g. a revoked token)."""
    import asyncio
    import signal

    from bot.app import App
    from bot.driver.gateway import GatewayUnavailable

    if settings.rules_path:  # a community's own rules file: wrong, it stops the start, said plainly
        from pathlib import Path

        from domain.classifier.rules import RuleFileError, parse_rules

        try:
            path = Path(settings.rules_path)
            parse_rules(path, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, RuleFileError) as exc:
            print(exc, file=sys.stderr)
            return 1
    try:
        app = App(settings)
    except GatewayUnavailable as exc:  # an unknown gateway, or a setting it needs is missing
        print(exc, file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - Windows
            pass
    return await app.run(stop, announce=lambda text: print(text, flush=True))


def cmd_run(args: argparse.Namespace) -> int:
    import asyncio
    import faulthandler
    import signal

    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 PID`: every thread's stack to stderr (a bot that hangs)
        try:
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        except (OSError, ValueError, AttributeError):  # stderr is no file (e.g. captured in tests)
            pass

    from kernel.memory import limit_arenas

    limit_arenas()  # before any thread: the workers share the heap instead of one arena each
    settings = settings_from(args)
    _logging(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(serve(settings))


# --- database ----------------------------------------------------------------------------------



def cmd_db(args: argparse.Namespace) -> int:
    from storage import db

    settings = settings_from(args)
    engine = db.make_engine(settings.db_url)
    if args.action == "upgrade":
        db.upgrade(engine)
    print(f"数据库 database at revision {db.current_revision(engine)}: {settings.db_url}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from kernel.clock import Clock
    from storage.demo import COMMUNITY, load_demo
    from storage.models import Community

    with migrated_session(args) as (settings, session):
        if session.scalar(select(func.count(Community.id)).where(Community.name == COMMUNITY)):
            print(f"演示社区“{COMMUNITY}”已经存在,未重复导入。")
            return 0
        load_demo(session, Clock(settings.timezone))
        session.commit()
    print(f"已导入演示社区“{COMMUNITY}”。")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from domain.workbook.importer import ImportError_, import_file

    with migrated_session(args) as (_, session):
        try:
            summary = import_file(session, Path(args.file))
            summary = _with_guide_sheet(session, Path(args.file), summary)
        except (ImportError_, ValueError) as exc:  # ValueError: a bad 办事指南 row (GuideFileError)
            session.rollback()
            print(str(exc), file=sys.stderr)
            return 1
        session.commit()
    print(summary)
    return 0


def _with_guide_sheet(session: Session, path: Path, summary: str) -> str:
    """The workbook's 办事指南 sheet, if it has one, read into the guide too."""
    from domain.workbook.guide_sheet import import_guide
    from kernel.clock import Clock

    guide = import_guide(session, path, Clock().now())
    return summary if guide is None else f"{summary}\n{guide}"


def cmd_export(args: argparse.Namespace) -> int:
    from domain.workbook import guide_sheet, ledger_sheets
    from domain.workbook.exporter import export_workbook

    ledger_sheets.register()  # the ledger's sheets, then the 办事指南 (each once)
    guide_sheet.register()

    with migrated_session(args) as (_, session):
        try:
            print(export_workbook(session, Path(args.file), args.community))
        except ValueError as exc:  # no such community
            print(exc, file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"无法写入 {args.file}:{exc.strerror or exc}", file=sys.stderr)
            return 1
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from kernel.config import Settings

    print("设置 settings (TOML file via --config or LIANHU_CONFIG; each also as an environment variable):")
    print(Settings.describe())
    return 0


# --- parser --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lianhu", description="联户助手:楼栋群里的接诉即办机器人",
        epilog="Settings come from defaults, then a TOML file (--config, LIANHU_CONFIG or ./lianhu.toml),"
               " then LIANHU_* environment variables. `lianhu config` lists them all with defaults.")
    parser.add_argument("--config", help="TOML settings file")
    parser.add_argument("--data-dir", type=Path, help="data folder (default ./data)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default SQLite in the data folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=LazyParser)

    run = sub.add_parser("run", help="start the bot (default: simulator on http://127.0.0.1:8080/)")
    run.add_argument("--gateway", choices=["simulator", "wechaty"])
    run.add_argument("--host", help="simulator address (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="simulator port (default 8080)")
    run.add_argument("--account", help="several WeChat accounts on one PostgreSQL: the account this process "
                                       "serves (its settings: [accounts.NAME] in the settings file)")
    run.set_defaults(func=cmd_run)

    dbp = sub.add_parser("db", help="database migrations")
    dbp.add_argument("action", choices=["upgrade", "current"])
    dbp.set_defaults(func=cmd_db)

    sub.add_parser("demo", help="load the demo community").set_defaults(func=cmd_demo)
    imp = sub.add_parser("import", help="import a community from .xlsx, .csv or a folder of .csv")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", help="write the 台账 (ledger) to an .xlsx workbook")
    exp.add_argument("file")
    exp.add_argument("--community", help="only this community (default: all)")
    exp.set_defaults(func=cmd_export)
    sub.add_parser("config", help="list settings and defaults").set_defaults(func=cmd_config)

    for name, module, help_text in EXTENSION_COMMANDS:  # built when the command is chosen
        sub.add_parser(name, help=help_text, module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # bad settings
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
