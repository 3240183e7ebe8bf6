"""Members' commands (private chat, or in a group): 接单 进展 办结 转办 退回 我的工单."""
from __future__ import annotations

from domain import tickets as wf
from domain.classifier.corrections import NOT_REQUEST_WORDS
from handlers.context import Ctx
from handlers.filters import (
    HANDLERS,
    NoteRequired,
    OpenTicket,
    handled_ticket,
    ticket_arg,
)
from handlers.router import Command, Filter, Router
from handlers.rules_admin import (
    close_not_request,  # 办结 N 非诉求: closed and kept as an example
)
from handlers.views import ticket_line
from kernel import texts as T
from storage import repo
from storage.models import Status, Ticket

router = Router("members")


def actionable(action: str, need: str | None = None, name: str = "note") -> tuple[Filter, ...]:
    """An open ticket the sender handles (``action`` names what a closed one cannot have),
    and the note or reason the command needs (``need`` asks for it, e.g. T.NEED_NOTE)."""
    note = (NoteRequired(need, name),) if need is not None else ()
    return (ticket_arg, handled_ticket, OpenTicket(action), *note)


@router.message(Command("接单"), HANDLERS, *actionable("接单"))
def accept(ctx: Ctx, ticket: Ticket) -> None:
    if ticket.status == Status.ACCEPTED and ticket.assignee_id == ctx.person.id:
        ctx.reply(T.ALREADY_ACCEPTED.format(number=ticket.number, status=T.STATUS_NAMES[ticket.status]))
        return
    wf.accept(ctx.session, ctx.say, ctx.clock, ticket, ctx.person)
    ctx.reply(T.ACCEPTED_OK.format(number=ticket.number))


@router.message(Command("进展"), HANDLERS, *actionable("更新进展", T.NEED_NOTE))
def progress(ctx: Ctx, ticket: Ticket, note: str) -> None:
    private = wf.progress(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, note)
    ctx.reply((T.PROGRESS_OK_PRIVATE if private else T.PROGRESS_OK_GROUP).format(number=ticket.number))


@router.message(Command("办结"), HANDLERS, *actionable("办结", T.NEED_NOTE))
def resolve(ctx: Ctx, ticket: Ticket, note: str) -> None:
    if note.strip().lower() in NOT_REQUEST_WORDS:
        close_not_request(ctx, ticket)
        return
    private = wf.resolve(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, note)
    ctx.reply((T.RESOLVED_OK_PRIVATE if private else T.RESOLVED_OK_GROUP).format(number=ticket.number))


@router.message(Command("转办"), HANDLERS, *actionable("转办", T.NEED_REASON, "reason"))
def hand_up(ctx: Ctx, ticket: Ticket, reason: str) -> None:
    target = wf.hand_up(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, reason)
    if target is None:
        ctx.reply(T.HANDED_UP_NOBODY.format(number=ticket.number))
        return
    ctx.reply(T.HANDED_UP_OK.format(number=ticket.number, role=wf.role_name(target), name=target.name))


@router.message(Command("退回"), HANDLERS, *actionable("退回", T.NEED_REASON, "reason"))
def return_ticket(ctx: Ctx, ticket: Ticket, reason: str) -> None:
    wf.return_ticket(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, reason)
    ctx.reply(T.RETURNED_OK.format(number=ticket.number))


@router.message(Command("我的工单"), HANDLERS)
def my_tickets(ctx: Ctx) -> None:
    from handlers.headsups import pending_lines  # unanswered 待确认 messages (issue 10)

    tickets = repo.tickets_assigned_to(ctx.session, ctx.person.id, Status.OPEN)
    pending = pending_lines(ctx)
    if not tickets and not pending:
        ctx.reply(T.MY_TICKETS_NONE)
        return
    lines = [T.MY_TICKETS_HEAD.format(count=len(tickets))] if tickets else []
    lines += [ticket_line(ctx, t, private=ctx.msg.is_private) for t in tickets]
    ctx.reply("\n".join(lines + pending))
