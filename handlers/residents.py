"""What anyone may type, and what residents' messages mean.

查询 N · 我的诉求 · 帮助 · the 1/2/3 answer after 办结 · a request in a
building group becomes a ticket (or joins the open ticket of the same problem), what the
classifier is unsure of becomes a private heads-up (待确认), danger is told at once to the
member, grid worker and staff; chatter gets silence; 不是一个问题 splits a merged report off.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import access, headsups
from domain import tickets as wf
from domain.access import Visibility
from handlers import numbers
from handlers.context import Ctx
from handlers.filters import ticket_arg
from handlers.router import (
    Command,
    FilterResult,
    Reply,
    Router,
    in_building_group,
    is_request,
    is_text,
    private,
)
from handlers.views import ticket_line
from kernel import texts as T
from kernel.parsing import normalise, parse_rating, strip_mentions
from storage import repo
from storage.models import Building, HeadsUp, Household, Role, Ticket, TicketRating, TicketReporter

if TYPE_CHECKING:
    from domain.classifier import Classification

router = Router("residents")


@router.message(Command("帮助"))
def help_(ctx: Ctx) -> None:
    text = T.HELP_RESIDENT
    if ctx.person.role == Role.GRID_WORKER:
        text = T.HELP_GRID_WORKER
    elif ctx.person.is_handler:
        text = T.HELP_MEMBER
        if ctx.person.is_supervisor:
            text += T.HELP_STAFF
    ctx.reply(text)


@router.message(Command("查询"), ticket_arg)
def query(ctx: Ctx, ticket: Ticket) -> None:
    """What the one rule (domain/access.py) lets this person see here."""
    room = None if ctx.msg.is_private else ctx.room
    seen = access.can_see(ctx.person, ticket, room)
    if seen == Visibility.NONE:
        if room is not None and room.building_id is not None \
                and access.person_visibility(ctx.person, ticket) > Visibility.NONE:
            ctx.reply(T.QUERY_ASK_PRIVATELY.format(number=ticket.number))
        else:
            ctx.reply(T.QUERY_NO_RIGHT.format(number=ticket.number))
        return
    ctx.reply(ticket_view(ctx, ticket, seen))


def ticket_view(ctx: Ctx, ticket: Ticket, seen: Visibility) -> str:
    """The status line; for reporters their report and what happened; in full for handlers."""
    last = ticket.events[-1].created_at if ticket.events else ticket.created_at
    text = T.QUERY_GROUP.format(
        number=ticket.number, category=T.CATEGORY_NAMES.get(ticket.category, ticket.category),
        status=T.STATUS_NAMES[ticket.status], role=wf.role_name(ticket.assignee),
        assignee=ticket.assignee.name if ticket.assignee else "待分配", when=ctx.clock.show(last))
    if seen < Visibility.REPORTER:
        return text
    full = seen == Visibility.FULL
    timeline = "\n".join(
        T.TIMELINE_LINE.format(when=ctx.clock.show(e.created_at),
                               event=T.EVENT_NAMES.get(e.kind, e.kind),
                               actor=f" {e.actor.name}" if e.actor else "",
                               note=f":{e.note}" if e.note and full else "")
        for e in ticket.events)
    if full or access.is_first_reporter(ctx.person, ticket) or not access.is_reporter(ctx.person, ticket):
        body = ticket.text[:500]
    else:  # a co-reporter reads their own words, not their neighbour's
        body = next(r.text for r in ticket.reporters if r.person_id == ctx.person.id)[:500]
    text += T.QUERY_PRIVATE_EXTRA.format(place=wf.place(ticket, full), text=body, timeline=timeline)
    if full:
        text += T.QUERY_DEADLINES.format(deadlines=wf.deadline_summary(ctx.clock, ticket, ctx.clock.now()))
    return text


@router.message(Command("我的诉求"))
def my_requests(ctx: Ctx) -> None:
    tickets = repo.tickets_reported_by(ctx.session, ctx.person.id)
    if not tickets:
        ctx.reply(T.MY_REQUESTS_NONE)
        return
    ctx.reply("\n".join([T.MY_REQUESTS_HEAD] + [ticket_line(ctx, t, private=False) for t in tickets]))


def awaited_rating(ctx: Ctx) -> FilterResult:
    """A 1/2/3 answer from a reporter whose ticket waits for their answer: gives ``ticket`` and
    ``value``. Digits from anyone else are chatter (and ignored); a bare digit in a group whose
    议事 was posted after the rating question answers the 议事 (handlers/numbers.py)."""
    value = parse_rating(ctx.text)
    if value is None:
        return None
    ticket = repo.awaiting_rating_for(ctx.session, ctx.person.id)
    if ticket is None or not access.may_rate(ctx.person, ticket):
        return None
    if numbers.vote_is_newer(ctx, ticket, value) and strip_mentions(normalise(ctx.text)).strip(
            "。.!!~ ").isdigit():
        return None
    if not access.is_first_reporter(ctx.person, ticket) and ctx.session.scalar(
            select(TicketRating.id).where(TicketRating.ticket_id == ticket.id,
                                          TicketRating.person_id == ctx.person.id)) is not None:
        return None  # a co-reporter answered already
    return {"ticket": ticket, "value": value}


@router.message(is_text, awaited_rating)
def rating(ctx: Ctx, ticket: Ticket, value: int) -> None:
    vote = numbers.open_vote(ctx, value)  # asked before the rating: say how to answer it
    decided = wf.rate(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, value)
    if not decided:
        text = (T.RATED_CO_UNHAPPY.format(number=ticket.number) if value == 3 else
                T.RATED_CO_REPORTER.format(rating=T.RATING_NAMES[value], number=ticket.number))
    elif value == 3:
        text = T.RATED_REOPENED.format(number=ticket.number, role=wf.role_name(ticket.assignee),
                                       name=ticket.assignee.name if ticket.assignee else "")
    else:
        text = T.RATED_THANKS.format(rating=T.RATING_NAMES[value], number=ticket.number)
    ctx.reply(text + ("\n" + T.RATED_NOT_VOTE.format(id=vote.id) if vote is not None else ""))


def rating_shaped(rest: str) -> bool:
    """`评价`, `评价 1`, `评价 7` are the command (the last answered with the usage); "评价,物业
    很差" is what a resident says, an ordinary message."""
    return not rest or _JUST_A_NUMBER.fullmatch(rest) is not None


_JUST_A_NUMBER = re.compile(r"[\d\s#号分。.!!~满意基本不非常]+")


@router.message(Command("评价", shape=rating_shaped))
def rating_command(ctx: Ctx, rest: str) -> None:
    """`评价 1`: always the rating of one's finished ticket, whatever else is open."""
    value = parse_rating(rest)
    if value is None:
        raise Reply(T.RATE_USAGE)
    ticket = repo.awaiting_rating_for(ctx.session, ctx.person.id)
    if ticket is None or not access.may_rate(ctx.person, ticket):
        raise Reply(T.RATE_NOTHING)
    rating(ctx, ticket, value)


def _where(ctx: Ctx) -> tuple[Building | None, Household | None]:
    """The building a message is about (the group's, else the sender's) and the sender's
    household when it is in that building."""
    building = ctx.room.building if ctx.room is not None and ctx.room.building is not None else (
        ctx.person.household.building if ctx.person.household is not None else None)
    household = ctx.person.household
    if household is not None and building is not None and household.building_id != building.id:
        household = None  # reporting for another building: its group knows best
    return building, household


def report(ctx: Ctx, c: Classification) -> None:
    """A sure request: join the open ticket of the same problem, or open a new one."""
    session, settings, clock = ctx.session, ctx.settings, ctx.clock
    building, household = _where(ctx)
    room_chat_id = None if ctx.msg.is_private else ctx.msg.room
    since = clock.now() - timedelta(hours=settings.merge_window_hours)
    existing = wf.duplicate_of(session, since, building=building, household=household,
                               category=c.category, subject=c.subject, reporter=ctx.person)
    if existing is not None:
        join(ctx, c, existing.ticket, room_chat_id, reported=existing.reported)
        return
    ticket = wf.create_ticket(
        session, ctx.say, clock, settings, building=building, household=household,
        reporter=ctx.person, room_chat_id=room_chat_id, text=ctx.text, category=c.category,
        urgent=c.urgent, evidence=" ".join(c.evidence), subject=c.subject, summary=c.summary)
    ctx.reply(wf.receipt(settings, ticket), urgent=ticket.urgent)
    wf.notify_new(session, ctx.say, clock, ticket)
    if c.alert and not ticket.urgent:  # the urgent ping told everyone already
        headsups.danger_alert(session, ctx.say, building=building, household=household,
                              reporter=ctx.person, text=ctx.text, danger=c.danger, ticket=ticket)


def join(ctx: Ctx, c: Classification, existing: Ticket, room_chat_id: str | None,
         reported: bool | None = None) -> None:
    """The report is about the problem of an open ticket: the reporter joins it (told which
    problem, and how to split it off); an urgent report upgrades it; an alert is never silenced.
    ``reported``: whether they had reported it (wf.Duplicate), None when not known."""
    session, settings, clock = ctx.session, ctx.settings, ctx.clock
    merged = wf.merge_into(session, ctx.say, clock, existing, ctx.person, room_chat_id, ctx.text,
                           reported=reported)
    if c.urgent and not existing.urgent:
        wf.upgrade_to_urgent(session, ctx.say, clock, settings, existing, ctx.person, ctx.text)
    elif c.alert:
        building, household = _where(ctx)
        headsups.danger_alert(session, ctx.say, building=building, household=household,
                              reporter=ctx.person, text=ctx.text, danger=c.danger, ticket=existing)
    if merged:
        text = T.MERGED_SAME.format(number=existing.number, summary=wf.problem_name(existing))
    else:
        text = T.ALREADY_REPORTED.format(number=existing.number,
                                         status=T.STATUS_NAMES[existing.status])
    if c.urgent:
        text = wf.urgent_advice(settings, ctx.text) + "\n" + text
    ctx.reply(text, urgent=c.urgent)


def heads_up(ctx: Ctx, c: Classification) -> HeadsUp:
    """Not sure (or only the danger net fired): nothing in the group; one person is asked
    privately, and when people may be in danger the member, grid worker and staff are told."""
    building, household = _where(ctx)
    item = headsups.create(
        ctx.session, ctx.say, ctx.clock, building=building, household=household,
        reporter=ctx.person, room_chat_id=None if ctx.msg.is_private else ctx.msg.room,
        text=ctx.text, category=c.category, alert=c.alert, danger=c.danger, subject=c.subject,
        summary=c.summary, inbound_id=ctx.inbound_id)
    if c.alert:
        told = {item.recipient_id} if item.recipient_id is not None else set()
        headsups.danger_alert(ctx.session, ctx.say, building=building, household=household,
                              reporter=ctx.person, text=ctx.text, danger=c.danger, heads_up=item,
                              told=told)
    return item


@router.message(in_building_group, is_text, is_request)
def report_in_group(ctx: Ctx, classification: Classification) -> None:
    report(ctx, classification)


# --- 不是一个问题: a merged report becomes its own ticket -------------------------------------------

def merged_report(ctx: Ctx) -> FilterResult:
    """The sender's latest report that joined someone else's ticket (``joined``); in a group,
    someone with none is left alone (it was talk), privately they are told."""
    since = ctx.clock.now() - timedelta(hours=ctx.settings.split_window_hours)
    joined = wf.merged_report_of(ctx.session, ctx.person, since)
    if joined is None:
        if ctx.msg.is_private or ctx.msg.mentions_bot:
            raise Reply(T.SPLIT_NOTHING)
        return None
    if not joined.ticket.is_open:
        raise Reply(T.SPLIT_CLOSED.format(number=joined.ticket.number,
                                          status=T.STATUS_NAMES[joined.ticket.status]))
    return {"joined": joined}


NOT_THE_SAME = ("不是一个问题", "不是同一个问题", "不是一个事", "不是一回事")


@router.message(Command(*NOT_THE_SAME), merged_report)
def split(ctx: Ctx, joined: TicketReporter) -> None:
    old = joined.ticket
    c = ctx.classifier.classify(joined.text)
    urgent = c.urgent and c.category == old.category
    ticket = wf.split_report(ctx.session, ctx.say, ctx.clock, ctx.settings, joined,
                             category=old.category, urgent=urgent, subject=None,
                             summary=c.summary if c.category == old.category else None)
    ctx.reply(wf.receipt(ctx.settings, ticket), urgent=ticket.urgent)
    wf.notify_new(ctx.session, ctx.say, ctx.clock, ticket)


def needs_a_look(ctx: Ctx) -> FilterResult:
    """The classifier is unsure, or only the danger net fired: gives ``classification``."""
    c = ctx.classification
    if c is None or c.is_request or not (c.tier == "unsure" or c.alert):
        return None
    if ctx.person.is_handler and not c.alert:
        return None  # members and staff talking in the group: they know whom to tell
    return {"classification": c}


@router.message(in_building_group, is_text, needs_a_look)
def heads_up_in_group(ctx: Ctx, classification: Classification) -> None:
    heads_up(ctx, classification)


def in_danger(ctx: Ctx) -> FilterResult:
    """Not a sure request, but the danger net fired: gives ``classification``."""
    c = ctx.classification
    return {"classification": c} if c is not None and not c.is_request and c.alert else None


def resident(ctx: Ctx) -> bool:
    return ctx.person.role == Role.RESIDENT


@router.message(private, is_text, resident, is_request)
def report_in_private(ctx: Ctx, classification: Classification) -> None:
    if ctx.person.household is None:
        ctx.reply(T.PRIVATE_REQUEST_UNBOUND)
        return
    report(ctx, classification)


@router.message(private, is_text, resident, in_danger)
def danger_in_private(ctx: Ctx, classification: Classification) -> None:
    heads_up(ctx, classification)
    ctx.reply(T.DANGER_PRIVATE_ACK, urgent=True)
