"""One-time links to set one's console password from chat (issue 13: 设置密码).

    token = issue_link(session, clock, person)        # the bot sends …/console/password/<token>
    link_state(session, clock, token)                  # → (PasswordLink, "") or (None, why not)
    use_link(session, clock, token, password, again)   # → (ConsoleUser, "") or (None, why not)

The token is 32 random bytes (``secrets``); only its SHA-256 is stored, so the table alone
opens nothing. A link works once, for ``LINK_MINUTES``; asking again replaces the older ones.
The password is set exactly as ``lianhu user add`` sets it (domain/accounts.set_password).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.accounts import CONSOLE_ROLES, MIN_PASSWORD, AccountError, set_password
from kernel import texts as T
from kernel.clock import Clock
from storage.models import ConsoleUser, PasswordLink, Person

LINK_MINUTES = 30
PATH = "/console/password/"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def may_have_login(session: Session, person: Person) -> str:
    """Why ``person`` cannot set a console password from chat ("" if they can)."""
    if person.role not in CONSOLE_ROLES:
        return T.PASSWORD_LINK_NOT_FOR.format(role=T.ROLE_NAMES.get(person.role, "您"))
    own = session.scalar(select(ConsoleUser).where(ConsoleUser.person_id == person.id))
    if own is None:  # their name becomes the login: nobody else may have it
        namesakes = session.scalars(select(Person).where(Person.name == person.name, Person.id != person.id,
                                                         Person.role.in_(CONSOLE_ROLES))).first()
        taken = session.scalar(select(ConsoleUser).where(ConsoleUser.login == person.name))
        if namesakes is not None or taken is not None:
            return T.PASSWORD_LINK_AMBIGUOUS.format(name=person.name)
    return ""


def issue_link(session: Session, clock: Clock, person: Person) -> str:
    """A new one-time token for ``person``; their older unused links stop working."""
    now = clock.now()
    session.execute(update(PasswordLink).where(PasswordLink.person_id == person.id, PasswordLink.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(PasswordLink(person_id=person.id, token_hash=_digest(token), created_at=now,
                             expires_at=now + timedelta(minutes=LINK_MINUTES)))
    session.flush()
    return token


def login_name(session: Session, person: Person) -> str:
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.person_id == person.id))
    return user.login if user is not None else person.name


def link_url(base: str, token: str) -> str:
    return base.rstrip("/") + PATH + token


def link_state(session: Session, clock: Clock, token: str) -> tuple[PasswordLink | None, str]:
    """The link ``token`` opens, or why it opens nothing (in Chinese)."""
    if not token or len(token) > 200:
        return None, T.PASSWORD_PAGE_INVALID
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _digest(token)))
    if link is None:
        return None, T.PASSWORD_PAGE_INVALID
    if link.used_at is not None:
        return None, T.PASSWORD_PAGE_USED
    if clock.now() >= link.expires_at:
        return None, T.PASSWORD_PAGE_EXPIRED.format(minutes=LINK_MINUTES)
    if link.person.role not in CONSOLE_ROLES:  # no longer staff or a grid worker
        return None, T.PASSWORD_PAGE_INVALID
    return link, ""


def use_link(session: Session, clock: Clock, token: str, password: str, again: str) -> tuple[ConsoleUser | None, str]:
    """Set the password the link is for; the link is then used up. (user, "") or (None, why not);
    a password refused (too short, the two differ) leaves the link usable."""
    link, error = link_state(session, clock, token)
    if link is None:
        return None, error
    if len(password) < MIN_PASSWORD:
        return None, T.CONSOLE_PASSWORD_SHORT.format(min=MIN_PASSWORD)
    if password != again:
        return None, T.CONSOLE_PASSWORD_MISMATCH
    # used up first, in one statement: of two requests racing with the same link, one wins
    claimed = session.execute(update(PasswordLink).where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
                              .values(used_at=clock.now()).execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 0) != 1:
        return None, T.PASSWORD_PAGE_USED
    try:
        user, _ = set_password(session, clock, link.person, password)
    except AccountError as exc:
        session.rollback()
        return None, str(exc)
    return user, ""
