"""议事 (domain/votes.py): `议事 3号楼 是否同意加装电梯 1 同意 2 不同意 3 再商量 截止 12-05` (staff or a
member) posts the question to the building's group; residents answer with the number (one answer
per household, the latest counts); `议事结果 N` shows staff the detail so far, privately. The
tally at the deadline is a job (schedules/deliberation.py)."""
from __future__ import annotations

import re

from domain import access, votes
from handlers import numbers
from handlers.context import Ctx
from handlers.filters import HANDLERS
from handlers.router import Command, FilterResult, Reply, Router, in_building_group, is_text
from kernel import texts as T
from kernel.parsing import normalise, strip_mentions
from storage import repo
from storage.models import Deliberation

router = Router("deliberation")


@router.message(Command("议事"), HANDLERS)
def propose(ctx: Ctx, rest: str) -> None:
    proposal = votes.parse(normalise(rest))
    if proposal is None:
        raise Reply(T.VOTE_USAGE)
    buildings = repo.buildings_named(ctx.session, proposal.building)
    if ctx.person.community_id is not None:
        buildings = [b for b in buildings if b.grid.community_id == ctx.person.community_id] or buildings
    if not buildings:
        raise Reply(T.VOTE_NO_BUILDING.format(name=proposal.building))
    building = buildings[0]
    room = repo.building_room(ctx.session, building.id)
    if room is None:
        raise Reply(T.VOTE_NO_GROUP.format(building=building.name))
    deadline = votes.deadline_utc(ctx.clock, proposal.deadline)
    if deadline is None:
        _, month, day, hour, minute = proposal.deadline
        raise Reply(T.VOTE_BAD_DEADLINE.format(deadline=f"{month}-{day} {hour}:{minute:02d}"))
    d = votes.create(ctx.session, ctx.clock, building, room.chat_id, proposal, deadline, ctx.person)
    ctx.say.room(room.chat_id, votes.group_text(ctx.clock, d))
    text = T.VOTE_POSTED.format(id=d.id, building=building.name, deadline=ctx.clock.show(deadline))
    if ctx.room is not None and ctx.room.building_id is not None and not ctx.msg.is_private:
        ctx.reply_private(text)  # the group has just seen the question; the rest is for the author
    else:
        ctx.reply(text)


@router.message(Command("议事结果"), HANDLERS)
def detail(ctx: Ctx, word: str, rest: str) -> None:
    number = rest.strip().lstrip("#")
    if not number.isdigit():
        raise Reply(T.NEED_NUMBER.format(example=T.EXAMPLES.get(word, word)))
    d = ctx.session.get(Deliberation, int(number))
    if d is None or (ctx.person.community_id is not None and d.community_id not in (None, ctx.person.community_id)):
        raise Reply(T.VOTE_NO_SUCH.format(id=number))
    text = votes.detail_text(ctx.session, d)
    if d.tallied_at is None:
        text = T.VOTE_OPEN_NOW.format(id=d.id, deadline=ctx.clock.show(d.deadline)) + "\n" + text
    ctx.reply_private(text)  # who answered what: never in a group
    if not ctx.msg.is_private:
        ctx.reply(T.GUIDE_SENT_PRIVATELY)


_NUMBER = re.compile(r"^[1-9]$")


def vote_answer(ctx: Ctx) -> FilterResult:
    """A bare number in a building group with an open 议事 whose options it names (a rating
    question asked after the 议事 took it first: handlers/numbers.py)."""
    text = strip_mentions(normalise(ctx.text)).rstrip("。.!!~ ")
    if not _NUMBER.match(text):
        return None
    d = numbers.open_vote(ctx, int(text))
    return {"deliberation": d, "option": int(text)} if d is not None else None


@router.message(in_building_group, is_text, vote_answer)
def vote(ctx: Ctx, deliberation: Deliberation, option: int) -> None:
    household = ctx.person.household
    if household is None:
        raise Reply(T.VOTE_UNBOUND)
    if household.building_id != deliberation.building_id:
        raise Reply(T.VOTE_OTHER_BUILDING.format(building=deliberation.building.name))
    votes.record(ctx.session, ctx.clock, deliberation, ctx.person, household, option)
    text = T.VOTE_THANKS.format(id=deliberation.id)  # which option: never in the group
    ticket = repo.awaiting_rating_for(ctx.session, ctx.person.id)
    if ticket is not None and access.may_rate(ctx.person, ticket):  # asked before the 议事
        text += "\n" + T.VOTE_NOT_RATING.format(number=ticket.number)
    ctx.reply(text)


@router.message(Command("投票", "表态"))
def vote_command(ctx: Ctx, rest: str) -> None:
    """`投票 1`: always an answer to the group's open 议事, whatever else waits for a number."""
    number = strip_mentions(normalise(rest)).strip("。.!!~ ")
    if not _NUMBER.match(number):
        raise Reply(T.VOTE_ANSWER_USAGE)
    if not in_building_group(ctx):
        raise Reply(T.VOTE_IN_GROUP)
    d = numbers.open_vote(ctx, int(number))
    if d is None:
        open_now = votes.open_in_room(ctx.session, ctx.msg.room or "", ctx.clock.now())
        raise Reply(T.VOTE_NO_OPTION.format(id=open_now.id, count=len(open_now.options))
                    if open_now is not None else T.VOTE_NONE_OPEN)
    vote(ctx, d, int(number))
