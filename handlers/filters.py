"""The filters the chat commands share: who may use a command, and what its arguments name.

Each one follows ``Command(...)`` on a route, reads the ``word`` and ``rest`` found so
far, and gives the handler what it found (``ticket``, ``household``, ``note``...) with
``rest`` cut to what is left; when the arguments are wrong it answers the person with
``Reply`` (the same texts the commands always gave).

    @router.message(Command("进展"), HANDLERS, ticket_arg, handled_ticket,
                    OpenTicket("更新进展"), NoteRequired(T.NEED_NOTE))
    def progress(ctx: Ctx, ticket: Ticket, note: str) -> None: ...
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from handlers.context import Ctx
from handlers.router import FilterResult, Reply
from kernel import texts as T
from kernel.parsing import parse_address, ticket_number
from storage import repo
from storage.models import ChangeStatus, Role, Ticket

P = TypeVar("P")


def community_id(ctx: Ctx) -> int | None:
    """The community a command is about: the sender's, else the group's."""
    return ctx.person.community_id or (ctx.room.community_id if ctx.room else None)


# --- who may ---------------------------------------------------------------------------------

@dataclass(frozen=True, init=False)
class Roles:
    """Only these roles may use the command; anyone else is told who may."""

    roles: frozenset[str]
    who: str

    def __init__(self, roles: Iterable[str], who: str) -> None:
        object.__setattr__(self, "roles", frozenset(roles))
        object.__setattr__(self, "who", who)

    def __call__(self, ctx: Ctx, word: str = "") -> bool:
        if ctx.person.role not in self.roles:
            raise Reply(T.NOT_ALLOWED.format(command=word, who=self.who))
        return True


STAFF = Roles(Role.SUPERVISORS, T.WHO_STAFF)
HANDLERS = Roles(Role.HANDLERS, T.WHO_HANDLERS)


def private_only(ctx: Ctx, word: str = "") -> bool:
    """Only in a private chat; in a group the sender is told to write privately."""
    if not ctx.msg.is_private:
        raise Reply(T.LEDGER_PRIVATE_ONLY.format(command=word))
    return True


def is_supervisor(ctx: Ctx) -> bool:
    return ctx.person.is_supervisor


# --- numbered pending rows -------------------------------------------------------------------

def pending_row(ctx: Ctx, rest: str, model: type[P], need: str, unknown: str) -> P:
    """The pending row (a household claim, a group binding …) a command names by its number; a
    missing number is answered with ``need``, an unknown or decided one with ``unknown``."""
    number, _ = ticket_number(rest)
    if number is None:
        raise Reply(need)
    row = ctx.session.get(model, number)
    if row is None or getattr(row, "status", None) != ChangeStatus.PENDING:
        raise Reply(unknown.format(id=number))
    return row


# --- tickets ---------------------------------------------------------------------------------

def ticket_arg(ctx: Ctx, word: str, rest: str) -> FilterResult:
    """The ticket the command names: gives ``ticket`` and the ``rest`` after its number."""
    number, after = ticket_number(rest)
    if number is None:
        raise Reply(T.NEED_NUMBER.format(example=T.EXAMPLES.get(word, f"{word} 1024")))
    return {"ticket": ticket_numbered(ctx, number), "rest": after}


def ticket_numbered(ctx: Ctx, number: int) -> Ticket:
    """The ticket with this number; an unknown number is answered."""
    ticket = repo.ticket_by_number(ctx.session, number)
    if ticket is None:
        raise Reply(T.NO_SUCH_TICKET.format(number=number))
    return ticket


def handled_ticket(ctx: Ctx, ticket: Ticket) -> bool:
    """After ``ticket_arg``: only the ticket's handlers may go on."""
    from domain.tickets import can_act

    if not can_act(ctx.person, ticket):
        raise Reply(T.NOT_YOURS.format(number=ticket.number))
    return True


@dataclass(frozen=True)
class OpenTicket:
    """After ``ticket_arg``: the ticket is still open (``action`` names what cannot be done)."""

    action: str

    def __call__(self, ctx: Ctx, ticket: Ticket) -> bool:
        if not ticket.is_open:
            raise Reply(T.TICKET_CLOSED_ALREADY.format(
                number=ticket.number, status=T.STATUS_NAMES[ticket.status], action=self.action))
        return True


@dataclass(frozen=True)
class NoteRequired:
    """What is left of the command must not be empty: gives it as ``name``; ``need`` asks for
    it (its ``{example}`` is the command's example)."""

    need: str
    name: str = "note"

    def __call__(self, ctx: Ctx, word: str, rest: str) -> FilterResult:
        if not rest:
            raise Reply(self.need.format(example=T.EXAMPLES.get(word, word)))
        return {self.name: rest}


# --- households ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdArg:
    """The household an address names: all of ``rest`` (``whole``) or its first word; gives
    ``household`` and the ``rest`` after the address. ``usage`` answers a missing or bad
    address; ``unknown`` an address nobody lives at."""

    usage: str
    whole: bool = False
    unknown: str = T.LEDGER_UNKNOWN_ADDRESS

    def __call__(self, ctx: Ctx, rest: str) -> FilterResult:
        where, _, after = (rest, "", "") if self.whole else rest.partition(" ")
        address = parse_address(where) if where else None
        if address is None:
            raise Reply(self.usage)
        household = repo.household_at(ctx.session, *address)
        if household is None:
            raise Reply(self.unknown.format(address="-".join(address)))
        return {"household": household, "rest": after.strip()}

