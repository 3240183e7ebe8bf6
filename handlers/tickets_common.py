"""Small pieces every ticket command shares: reading the number, checking rights."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps

from handlers.context import Ctx
from kernel import texts as T
from kernel.parsing import ticket_number
from storage import repo
from storage.models import Ticket


def allowed(roles: Sequence[str], who: str) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    """Only these roles may use the command; anyone else is told who may."""

    def decorate(callback: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        @wraps(callback)
        def guarded(ctx: Ctx) -> None:
            if ctx.person.role not in roles:
                word = ctx.command.word if ctx.command else ""
                ctx.reply(T.NOT_ALLOWED.format(command=word, who=who))
                return
            callback(ctx)

        return guarded

    return decorate


def ticket_arg(ctx: Ctx) -> tuple[Ticket, str] | None:
    """The ticket a command names and the rest of its text; replies and returns None when
    the number is missing or unknown."""
    assert ctx.command is not None
    number, rest = ticket_number(ctx.command.rest)
    example = T.EXAMPLES.get(ctx.command.word, f"{ctx.command.word} 1024")
    if number is None:
        ctx.reply(T.NEED_NUMBER.format(example=example))
        return None
    ticket = repo.ticket_by_number(ctx.session, number)
    if ticket is None:
        ctx.reply(T.NO_SUCH_TICKET.format(number=number))
        return None
    return ticket, rest


def handled_ticket(ctx: Ctx) -> tuple[Ticket, str] | None:
    """Like ``ticket_arg``, for commands only the ticket's handlers may use."""
    from domain.tickets import can_act

    found = ticket_arg(ctx)
    if found is not None and not can_act(ctx.person, found[0]):
        ctx.reply(T.NOT_YOURS.format(number=found[0].number))
        return None
    return found


def ticket_line(ctx: Ctx, ticket: Ticket, private: bool) -> str:
    from domain.tickets import place

    return T.TICKET_LINE.format(
        number=ticket.number, status=T.STATUS_NAMES.get(ticket.status, ticket.status),
        category=T.CATEGORY_NAMES.get(ticket.category, ticket.category),
        place=place(ticket, private), when=ctx.clock.show(ticket.created_at)).rstrip()
