"""``lianhu user add NAME [--password P]``: a web-console login for a staff member or grid
worker already in the ledger (their name is the login). Without --password it asks twice.
Registered through ``bot.cli.EXTENSIONS``; the rules live in domain/accounts.py."""
from __future__ import annotations

import argparse
import getpass
import sys


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    u = sub.add_parser("user", help="web console logins for staff and grid workers")
    usub = u.add_subparsers(dest="user_action", required=True, metavar="ACTION")
    add = usub.add_parser("add", help="give NAME a login (or a new password)")
    add.add_argument("name", help="the staff member's or grid worker's name, as in the ledger")
    add.add_argument("--password", help="the password (default: asked twice)")
    add.set_defaults(func=cmd_user_add)


def cmd_user_add(args: argparse.Namespace) -> int:
    from bot.cli.common import migrated_session
    from domain.accounts import AccountError, add_user
    from kernel import texts as T
    from kernel.clock import Clock

    password = args.password
    if password is None:
        password = getpass.getpass("密码 password: ")
        if getpass.getpass("再输一次 again: ") != password:
            print(T.CONSOLE_PASSWORD_MISMATCH, file=sys.stderr)
            return 1
    with migrated_session(args) as (settings, session):
        try:
            user, created = add_user(session, Clock(settings.timezone), args.name, password)
        except AccountError as exc:
            session.rollback()
            print(exc, file=sys.stderr)
            return 1
        role = T.ROLE_NAMES.get(user.person.role, "")
        session.commit()
    print((T.CONSOLE_USER_ADDED if created else T.CONSOLE_USER_UPDATED).format(role=role, name=user.login))
    return 0
