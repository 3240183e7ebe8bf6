"""Logins to the web console (issue 13): staff and grid workers from the people in the ledger.

    add_user(session, clock, "王建国", "s3cret-pass")    # `lianhu user add NAME`; again = new password
    check_login(session, clock, "王建国", "…")           # → LoginResult (ok / wrong / locked)

Passwords are hashed with argon2 (argon2-cffi); after ``MAX_FAILURES`` wrong passwords in a row an
account is locked for ``LOCK_MINUTES``. Members and residents get no login: they use WeChat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from storage.models import ConsoleUser, Person, Role

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
#: roles that may log in to the console
CONSOLE_ROLES = (Role.STAFF, Role.ADMIN, Role.GRID_WORKER)
#: the demo community's staff login (only ever set on the demo data)
DEMO_PASSWORD = "demo1234"
DEMO_STAFF_CHAT_ID = "s1"

_hasher = PasswordHasher()


class AccountError(ValueError):
    """Why an account cannot be made, in Chinese."""


@dataclass(frozen=True)
class LoginResult:
    user_id: int | None  # set when the login succeeded
    error: str = ""  # what to tell the person otherwise

    @property
    def ok(self) -> bool:
        return self.user_id is not None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _person_for(session: Session, name: str) -> Person:
    people = [p for p in session.scalars(select(Person).where(Person.name == name.strip()).order_by(Person.id))]
    if not people:
        raise AccountError(T.CONSOLE_USER_UNKNOWN.format(name=name))
    allowed = [p for p in people if p.role in CONSOLE_ROLES]
    if not allowed:
        raise AccountError(T.CONSOLE_USER_ROLE.format(name=name, role=T.ROLE_NAMES.get(people[0].role, "")))
    if len(allowed) > 1:
        raise AccountError(T.CONSOLE_USER_AMBIGUOUS.format(name=name, count=len(allowed)))
    return allowed[0]


def add_user(session: Session, clock: Clock, name: str, password: str) -> tuple[ConsoleUser, bool]:
    """A login for the staff member or grid worker called ``name`` (their name is the login);
    an existing login gets the new password and is unlocked. Returns (user, created)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(T.CONSOLE_PASSWORD_SHORT.format(min=MIN_PASSWORD))
    return set_password(session, clock, _person_for(session, name), password)


def set_password(session: Session, clock: Clock, person: Person, password: str) -> tuple[ConsoleUser, bool]:
    """``person``'s login (made if need be, their name is the login) gets ``password`` and is
    unlocked: ``add_user`` and the one-time link (domain/password_links.py). (user, created)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(T.CONSOLE_PASSWORD_SHORT.format(min=MIN_PASSWORD))
    if person.role not in CONSOLE_ROLES:
        raise AccountError(T.CONSOLE_USER_ROLE.format(name=person.name, role=T.ROLE_NAMES.get(person.role, "")))
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.person_id == person.id))
    created = user is None
    if user is None:
        if session.scalar(select(ConsoleUser).where(ConsoleUser.login == person.name)) is not None:
            raise AccountError(T.CONSOLE_USER_AMBIGUOUS.format(name=person.name, count=2))
        user = ConsoleUser(person=person, login=person.name, password_hash="", failed_logins=0,
                           created_at=clock.now())
        session.add(user)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user, created


def check_login(session: Session, clock: Clock, login: str, password: str) -> LoginResult:
    """Check a login; counts failures and locks the account after ``MAX_FAILURES``."""
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.login == login.strip()))
    if user is None:
        _hasher.hash(password)  # as slow as a real check: no hint that the name is unknown
        return LoginResult(None, T.CONSOLE_LOGIN_WRONG)
    now = clock.now()
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, T.CONSOLE_LOGIN_LOCKED.format(until=clock.show(user.locked_until, "%H:%M")))
    if user.person.role not in CONSOLE_ROLES:  # no longer staff or a grid worker
        return LoginResult(None, T.CONSOLE_LOGIN_WRONG)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins = 0
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            return LoginResult(None, T.CONSOLE_LOGIN_LOCKED.format(until=clock.show(user.locked_until, "%H:%M")))
        return LoginResult(None, T.CONSOLE_LOGIN_WRONG)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginResult(user.id)


def ensure_demo_login(session: Session, clock: Clock) -> str | None:
    """On the demo community only: a staff login with ``DEMO_PASSWORD``; returns its name."""
    from storage.demo import COMMUNITY

    staff = session.scalar(select(Person).where(Person.chat_id == DEMO_STAFF_CHAT_ID,
                                                Person.role == Role.STAFF))
    if staff is None or staff.community is None or staff.community.name != COMMUNITY:
        return None
    if session.scalar(select(ConsoleUser).where(ConsoleUser.person_id == staff.id)) is None:
        add_user(session, clock, staff.name, DEMO_PASSWORD)
    return staff.name


def demo_login_name(session: Session) -> str | None:
    """The demo staff login's name, when it still has the demo password."""
    staff = session.scalar(select(Person).where(Person.chat_id == DEMO_STAFF_CHAT_ID))
    if staff is None:
        return None
    user = session.scalar(select(ConsoleUser).where(ConsoleUser.person_id == staff.id))
    if user is None:
        return None
    try:
        _hasher.verify(user.password_hash, DEMO_PASSWORD)
    except (VerificationError, InvalidHashError):
        return None
    return user.login
