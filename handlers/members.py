"""Members' commands (private chat, or in a group): 接单 进展 办结 转办 退回 我的工单."""
from __future__ import annotations

from domain import tickets as wf
from domain.classifier.corrections import NOT_REQUEST_WORDS
from handlers.context import Ctx
from handlers.router import Router, command
from handlers.rules_admin import (
    close_not_request,  # 办结 N 非诉求: closed and kept as an example
)
from handlers.tickets_common import allowed, handled_ticket, ticket_line
from kernel import texts as T
from kernel.parsing import register
from storage import repo
from storage.models import Role, Status, Ticket

router = Router("members")
register("接单", "进展", "办结", "转办", "退回", "我的工单")

HANDLERS_ONLY = allowed(Role.HANDLERS, T.WHO_HANDLERS)


def _actionable(ctx: Ctx, action: str) -> tuple[Ticket, str] | None:
    found = handled_ticket(ctx)
    if found is None:
        return None
    ticket, rest = found
    if not ticket.is_open:
        ctx.reply(T.TICKET_CLOSED_ALREADY.format(
            number=ticket.number, status=T.STATUS_NAMES[ticket.status], action=action))
        return None
    return ticket, rest


def _actionable_with_text(ctx: Ctx, action: str, need: str) -> tuple[Ticket, str] | None:
    """``_actionable``, and the note or reason the command needs (``need`` is the text that
    asks for it, e.g. T.NEED_NOTE)."""
    found = _actionable(ctx, action)
    if found is not None and not found[1]:
        assert ctx.command is not None
        ctx.reply(need.format(example=T.EXAMPLES[ctx.command.word]))
        return None
    return found


@router.message(command("接单"))
@HANDLERS_ONLY
def accept(ctx: Ctx) -> None:
    found = _actionable(ctx, "接单")
    if found is None:
        return
    ticket, _ = found
    if ticket.status == Status.ACCEPTED and ticket.assignee_id == ctx.person.id:
        ctx.reply(T.ALREADY_ACCEPTED.format(number=ticket.number, status=T.STATUS_NAMES[ticket.status]))
        return
    wf.accept(ctx.session, ctx.say, ctx.clock, ticket, ctx.person)
    ctx.reply(T.ACCEPTED_OK.format(number=ticket.number))


@router.message(command("进展"))
@HANDLERS_ONLY
def progress(ctx: Ctx) -> None:
    found = _actionable_with_text(ctx, "更新进展", T.NEED_NOTE)
    if found is None:
        return
    ticket, note = found
    wf.progress(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, note)
    ctx.reply(T.PROGRESS_OK.format(number=ticket.number))


@router.message(command("办结"))
@HANDLERS_ONLY
def resolve(ctx: Ctx) -> None:
    found = _actionable_with_text(ctx, "办结", T.NEED_NOTE)
    if found is None:
        return
    ticket, note = found

    if note.strip().lower() in NOT_REQUEST_WORDS:
        close_not_request(ctx, ticket)
        return
    wf.resolve(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, note)
    ctx.reply(T.RESOLVED_OK.format(number=ticket.number))


@router.message(command("转办"))
@HANDLERS_ONLY
def hand_up(ctx: Ctx) -> None:
    found = _actionable_with_text(ctx, "转办", T.NEED_REASON)
    if found is None:
        return
    ticket, reason = found
    target = wf.hand_up(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, reason)
    if target is None:
        ctx.reply(T.HANDED_UP_NOBODY.format(number=ticket.number))
        return
    ctx.reply(T.HANDED_UP_OK.format(number=ticket.number, role=wf.role_name(target), name=target.name))


@router.message(command("退回"))
@HANDLERS_ONLY
def return_ticket(ctx: Ctx) -> None:
    found = _actionable_with_text(ctx, "退回", T.NEED_REASON)
    if found is None:
        return
    ticket, reason = found
    wf.return_ticket(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, reason)
    ctx.reply(T.RETURNED_OK.format(number=ticket.number))


@router.message(command("我的工单"))
@HANDLERS_ONLY
def my_tickets(ctx: Ctx) -> None:
    tickets = repo.tickets_assigned_to(ctx.session, ctx.person.id, Status.OPEN)
    if not tickets:
        ctx.reply(T.MY_TICKETS_NONE)
        return
    lines = [T.MY_TICKETS_HEAD.format(count=len(tickets))]
    lines += [ticket_line(ctx, t, private=ctx.msg.is_private) for t in tickets]
    ctx.reply("\n".join(lines))
