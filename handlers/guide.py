"""办事指南: residents' common questions answered at once (domain/guide.py finds the entry).

A question in a building group (or privately) that the guide answers surely gets a short
answer (@ the resident) and ``指南 N`` for the whole entry by private message; an entry about
one's own hardship (``private``) is answered privately, the group hears only "已私信您" and the
linked member is told privately. A question inside an emergency or a danger goes on the alert path
as before and is answered privately beside it (``answer_aside``, a middleware). ``人工`` after an answer makes the question a ticket. Not sure:
no answer here, the message goes on to the report path.

指南 关键词 · 指南 列表 · 指南 N (anyone) · 存为指南 N [标题] (the ticket's handler) ·
确认指南 K / 驳回指南 K (staff).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain import guide, guide_edit
from domain import tickets as wf
from handlers.context import Ctx
from handlers.filters import HANDLERS, STAFF, community_id, handled_ticket, ticket_arg
from handlers.router import Command, FilterResult, Reply, Router, in_building_group, is_text
from handlers.views import reply_out_of_building_group
from kernel import texts as T
from storage.models import GuideEntry, GuideStatus, Ticket, TicketReporter

router = Router("guide")


def _reply_privately(ctx: Ctx, text: str) -> None:
    """Privately; in a group the sender hears only that it was sent."""
    ctx.reply_private(text)
    if not ctx.msg.is_private:
        ctx.reply(T.GUIDE_SENT_PRIVATELY)


@router.message(Command("指南", "办事指南"))
def guide_command(ctx: Ctx, rest: str) -> None:
    words = rest.strip()
    cid = community_id(ctx)
    if not words:
        ctx.reply(T.GUIDE_USAGE)
    elif words in ("列表", "目录", "全部"):
        entries = guide.active_entries(ctx.session, cid)
        if not entries:
            ctx.reply(T.GUIDE_LIST_EMPTY)
            return
        lines = [T.GUIDE_LIST_HEAD.format(count=len(entries))]
        lines += [T.GUIDE_SEARCH_LINE.format(id=e.id, title=e.title) for e in entries]
        reply_out_of_building_group(ctx, "\n".join(lines))
    elif words.isdigit():
        entry = guide.entry_visible(ctx.session, int(words), cid)
        if entry is None:
            raise Reply(T.GUIDE_NO_SUCH.format(id=words))
        _reply_privately(ctx, T.GUIDE_FULL.format(id=entry.id, title=entry.title, body=guide.full_text(entry)))
    else:
        found = guide.search(ctx.session, ctx.classifier.tokenize, cid, words)
        if not found:
            ctx.reply(T.GUIDE_SEARCH_NONE.format(words=words[:30]))
            return
        lines = [T.GUIDE_SEARCH_HEAD.format(words=words[:30])]
        lines += [T.GUIDE_SEARCH_LINE.format(id=e.id, title=e.title) for e in found]
        ctx.reply("\n".join(lines + [T.GUIDE_SEARCH_FOOT]))


# --- questions answered -------------------------------------------------------------------------------

def where_asked(ctx: Ctx) -> bool:
    return ctx.msg.is_private or in_building_group(ctx)


def guide_match(ctx: Ctx) -> FilterResult:
    """A question the guide answers surely: gives ``entry`` and ``match``. Never an emergency."""
    c = ctx.classification
    if ctx.command is not None or c is None or not any(guide.asks(ctx.text)):
        return None
    cid = community_id(ctx)
    tokenize = ctx.classifier.tokenize
    text = ctx.text[: ctx.settings.max_text_chars]
    match = guide.sure_match(guide.index_for(ctx.session, tokenize, cid), tokenize, text,
                             urgent=c.urgent or c.alert, home=ctx.settings.home_city,
                             asked=True if len(text) == len(ctx.text) else None)  # read just above
    if match is None:
        return None
    entry = guide.entry_visible(ctx.session, match.entry_id, cid)
    return {"entry": entry, "match": match} if entry is not None else None


def answer_aside(ctx: Ctx, nxt: Callable[[Ctx], None]) -> None:
    """Middleware: a question inside an emergency or a danger ("我爸中风了半边身子不能动,能办残疾证吗")
    goes on the alert and ticket path exactly as before (``guide_match`` never takes it); after
    that, when the guide answers it surely, the resident gets the answer privately (these are
    health and hardship stories: the group sees only what the alert path sent)."""
    nxt(ctx)
    c = ctx.classification
    if (c is None or not (c.urgent or c.alert) or ctx.command is not None or not is_text(ctx)
            or not where_asked(ctx) or not any(guide.asks(ctx.text))):
        return
    cid = community_id(ctx)
    tokenize = ctx.classifier.tokenize
    text = ctx.text[: ctx.settings.max_text_chars]
    found = guide.answer_to(guide.index_for(ctx.session, tokenize, cid), tokenize, text, urgent=True,
                            home=ctx.settings.home_city, asked=True if len(text) == len(ctx.text) else None)
    entry = guide.entry_visible(ctx.session, found.match.entry_id, cid) if found is not None else None
    if found is None or entry is None:
        return
    now = ctx.clock.now()
    ask = guide.record_ask(ctx.session, entry, ctx.person.id, None, ctx.text, found.match.confidence, now)
    reported = ctx.session.scalar(select(TicketReporter.ticket_id).where(
        TicketReporter.person_id == ctx.person.id, TicketReporter.text == ctx.text,
        TicketReporter.created_at >= now - timedelta(minutes=1)).order_by(TicketReporter.id.desc()).limit(1))
    ask.ticket_id = reported  # the ticket this message opened or joined, if any: 人工 then names it
    ctx.reply_private(T.GUIDE_ASIDE_ANSWER.format(id=entry.id, title=entry.title, body=guide.full_text(entry)))


@router.message(is_text, where_asked, guide_match)
def answer(ctx: Ctx, entry: GuideEntry, match: guide.Match) -> None:
    guide.record_ask(ctx.session, entry, ctx.person.id, None if ctx.msg.is_private else ctx.msg.room,
                     ctx.text, match.confidence, ctx.clock.now())
    if not entry.private:
        ctx.reply(guide.short_answer(entry))
        return
    _reply_privately(ctx, T.GUIDE_PRIVATE_ANSWER.format(id=entry.id, title=entry.title,
                                                        body=guide.full_text(entry)))
    household = ctx.person.household
    building = ctx.room.building if ctx.room is not None and ctx.room.building is not None else (
        household.building if household is not None else None)
    member = wf.choose_assignee(ctx.session, building, household)
    if member is not None and member.id != ctx.person.id:
        place = household.address if household is not None else (building.name if building else "")
        ctx.say.person(member, T.GUIDE_MEMBER_TOLD.format(place=place, name=ctx.person.name, title=entry.title,
                                                          id=entry.id, text=ctx.text[:300]))


@router.message(Command("人工"))
def human(ctx: Ctx) -> None:
    """Still unsure after the guide's answer: the question becomes a ticket for the member."""
    ask = guide.last_ask(ctx.session, ctx.person.id, ctx.clock.now())
    if ask is None:
        raise Reply(T.GUIDE_HUMAN_NONE)
    if ask.ticket_id is not None:
        ticket = ctx.session.get(Ticket, ask.ticket_id)
        raise Reply(T.GUIDE_HUMAN_ALREADY.format(number=ticket.number if ticket else ""))
    household = ctx.person.household
    room = ctx.room
    building = room.building if room is not None and room.building is not None else (
        household.building if household is not None else None)
    if household is not None and building is not None and household.building_id != building.id:
        household = None
    private = ask.entry.private  # hardship: the ticket and everything about it stay private
    ticket = wf.create_ticket(
        ctx.session, ctx.say, ctx.clock, ctx.settings, building=building, household=household,
        reporter=ctx.person, room_chat_id=None if private else ask.room_chat_id, text=ask.text,
        category="care" if private else _category(ctx, ask.text), urgent=False,
        evidence=T.GUIDE_HUMAN_NOTE.format(id=ask.entry.id, title=ask.entry.title))
    ask.ticket_id = ticket.id
    if private:
        _reply_privately(ctx, wf.receipt(ctx.settings, ticket))
    else:
        ctx.reply(wf.receipt(ctx.settings, ticket))
    wf.notify_new(ctx.session, ctx.say, ctx.clock, ticket)


def _category(ctx: Ctx, text: str) -> str:
    category = ctx.classifier.classify(text).category
    return "policy" if category == "none" else category


# --- entries from tickets -----------------------------------------------------------------------------

@router.message(Command("存为指南"), HANDLERS, ticket_arg, handled_ticket)
def save(ctx: Ctx, ticket: Ticket, rest: str) -> None:
    answer_text = guide.ticket_answer(ticket)
    if not answer_text:
        raise Reply(T.GUIDE_SAVE_NEED_ANSWER.format(number=ticket.number))
    title = rest.strip() or ticket.text.strip()[:30]
    entry = guide.propose_entry(ctx.session, community_id=ticket.community_id, title=title, ask=ticket.text,
                                answer=answer_text, ticket_id=ticket.id, by_id=ctx.person.id,
                                now=ctx.clock.now())
    ctx.reply(T.GUIDE_SAVED.format(number=ticket.number, id=entry.id, title=entry.title))
    ctx.say.staff_group(ticket.community_id, T.GUIDE_CONFIRM_ASK.format(
        id=entry.id, name=ctx.person.name, number=ticket.number, title=entry.title, ask=ticket.text[:200],
        answer=answer_text[:500]))


def pending_entry(ctx: Ctx, word: str, rest: str) -> dict[str, Any]:
    number = rest.strip().lstrip("#")
    if not number.isdigit():
        raise Reply(T.NEED_NUMBER.format(example=T.EXAMPLES.get(word, word)))
    entry = ctx.session.get(GuideEntry, int(number))
    if entry is None:
        raise Reply(T.GUIDE_NO_SUCH.format(id=number))
    if entry.status != GuideStatus.PENDING:
        raise Reply(T.GUIDE_NOT_PENDING.format(id=entry.id, status=T.GUIDE_STATUS_NAMES.get(entry.status, "")))
    return {"entry": entry}


@router.message(Command("确认指南"), STAFF, pending_entry)
def confirm(ctx: Ctx, entry: GuideEntry) -> None:
    guide_edit.confirm(ctx.session, ctx.say, entry, ctx.person.id, ctx.clock.now())
    ctx.reply(T.GUIDE_CONFIRMED.format(id=entry.id, title=entry.title))


@router.message(Command("驳回指南"), STAFF, pending_entry)
def reject(ctx: Ctx, entry: GuideEntry) -> None:
    guide_edit.reject(entry, ctx.clock.now())
    ctx.reply(T.GUIDE_REJECTED.format(id=entry.id, title=entry.title))
