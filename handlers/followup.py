"""回访 answers: "又坏了 N" reopens a solved ticket (the 7-day revisit asks for it).

Not a registered command word on purpose: "又坏了,电梯又停了" is a new report and must
reach the classifier; only "又坏了" followed by a ticket number lands here.
"""
from __future__ import annotations

import re

from domain import tickets as wf
from handlers.context import Ctx
from handlers.router import Router, is_text
from kernel import texts as T
from kernel.parsing import normalise, strip_mentions
from storage import repo
from storage.models import Status

router = Router("followup")

_BROKEN_AGAIN = re.compile(r"^(?:又坏了|又坏啦|又坏)\s*[::,]?\s*#?\s*(\d{1,9})\s*号?\s*[,,。.!!]?\s*(.*)$", re.S)


def _broken_again(ctx: Ctx) -> bool:
    return _BROKEN_AGAIN.match(strip_mentions(normalise(ctx.text))) is not None


@router.message(is_text, _broken_again)
def broken_again(ctx: Ctx) -> None:
    m = _BROKEN_AGAIN.match(strip_mentions(normalise(ctx.text)))
    assert m is not None
    number, detail = int(m.group(1)), m.group(2).strip()
    ticket = repo.ticket_by_number(ctx.session, number)
    if ticket is None:
        ctx.reply(T.NO_SUCH_TICKET.format(number=number))
        return
    is_reporter = any(r.person_id == ctx.person.id for r in ticket.reporters)
    if not (is_reporter or wf.can_act(ctx.person, ticket)):
        ctx.reply(T.REOPEN_NOT_YOURS.format(number=number))
        return
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        ctx.reply(T.REOPEN_STILL_OPEN.format(number=number, status=T.STATUS_NAMES[ticket.status]))
        return
    note = T.REOPEN_NOTE + (f":{detail[:300]}" if detail else "")
    wf.reopen(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, note,
              private_text=T.REOPEN_PRIVATE.format(number=number, text=detail or ticket.text[:200]))
    ctx.reply(T.REOPEN_OK.format(number=number, role=wf.role_name(ticket.assignee),
                                 name=ticket.assignee.name if ticket.assignee else ""))
