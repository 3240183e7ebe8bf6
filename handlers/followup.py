"""回访 answers: "又坏了 N" reopens a solved ticket (the 7-day revisit asks for it).

Not a registered command word on purpose: "又坏了,电梯又停了" is a new report and must
reach the classifier; only "又坏了" followed by a ticket number lands here.
"""
from __future__ import annotations

import re

from domain import access
from domain import tickets as wf
from handlers.context import Ctx
from handlers.filters import ticket_numbered
from handlers.router import FilterResult, Router, is_text
from kernel import texts as T
from kernel.parsing import normalise, strip_mentions
from storage.models import Status, Ticket

router = Router("followup")

_BROKEN_AGAIN = re.compile(r"^(?:又坏了|又坏啦|又坏)\s*[::,]?\s*#?\s*(\d{1,9})\s*号?\s*[,,。.!!]?\s*(.*)$", re.S)


def broken_again_of(ctx: Ctx) -> FilterResult:
    """又坏了 N ...: gives the ``ticket`` numbered N and the ``detail`` after it."""
    m = _BROKEN_AGAIN.match(strip_mentions(normalise(ctx.text)))
    if m is None:
        return None
    return {"ticket": ticket_numbered(ctx, int(m.group(1))), "detail": m.group(2).strip()}


@router.message(is_text, broken_again_of)
def broken_again(ctx: Ctx, ticket: Ticket, detail: str) -> None:
    number = ticket.number
    if not access.may_reopen(ctx.person, ticket):
        ctx.reply(T.REOPEN_NOT_ALLOWED.format(number=number))
        return
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        ctx.reply(T.REOPEN_STILL_OPEN.format(number=number, status=T.STATUS_NAMES[ticket.status]))
        return
    note = T.REOPEN_NOTE + (f":{detail[:300]}" if detail else "")
    wf.reopen(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, note,
              private_text=T.REOPEN_PRIVATE.format(number=number, text=detail or ticket.text[:200]))
    ctx.reply(T.REOPEN_OK.format(number=number, role=wf.role_name(ticket.assignee),
                                 name=ticket.assignee.name if ticket.assignee else ""))
