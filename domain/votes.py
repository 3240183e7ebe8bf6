"""议事: a building decides together. Staff or a member put a question with numbered options to
one building's group; each household answers with a number (the latest answer counts; only
residents bound to a household of that building); at the deadline the group hears the tally and
staff get, privately, who answered what and which households have not answered. Nobody's answer
is shown in the group."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from storage import repo
from storage.models import Building, Deliberation, DeliberationVote, Household, Person
from storage.outbox import Speaker

#: the deadline's time when only a date is written (before the evening's quiet hours)
DEFAULT_HOUR = 20
_DEADLINE = re.compile(r"\s*截止\s*(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?"
                       r"(?:\s*(\d{1,2})(?:[::](\d{2})|点))?\s*$")
_OPTION = re.compile(r"(?:^|\s)([1-9])\s*[.、::)]?\s*")


@dataclass(frozen=True)
class Proposal:
    building: str
    question: str
    options: list[str]
    deadline: tuple[int | None, int, int, int, int]  # year, month, day, hour, minute (local)


def parse(rest: str) -> Proposal | None:
    """`3号楼 是否同意加装电梯 1 同意 2 不同意 3 再商量 截止 12-05 [18:00]`; None if it is not that."""
    m = _DEADLINE.search(rest)
    if m is None:
        return None
    head = rest[: m.start()].strip()
    building, _, body = head.partition(" ")
    marks = list(_OPTION.finditer(body))
    # the options are the last run 1, 2, 3 ... in order
    starts = [i for i, mk in enumerate(marks) if mk.group(1) == "1"]
    if not building or not starts:
        return None
    run = marks[starts[-1]:]
    if [int(mk.group(1)) for mk in run] != list(range(1, len(run) + 1)) or len(run) < 2:
        return None
    question = body[: run[0].start()].strip()
    options = [body[a.end(): b.start() if b is not None else len(body)].strip()
               for a, b in zip(run, [*run[1:], None])]
    if not question or not all(options):
        return None
    year = int(m.group(1)) if m.group(1) else None
    hour = int(m.group(4)) if m.group(4) else DEFAULT_HOUR
    minute = int(m.group(5)) if m.group(5) else 0
    return Proposal(building, question[:500], [o[:50] for o in options],
                    (year, int(m.group(2)), int(m.group(3)), hour, minute))


def deadline_utc(clock: Clock, when: tuple[int | None, int, int, int, int]) -> datetime | None:
    """The deadline as naive UTC: this year's date, or next year's if it has passed; None if no
    such date or time, or it is not in the future."""
    year, month, day, hour, minute = when
    now_local = clock.local(clock.now())
    try:
        local = now_local.replace(year=year or now_local.year, month=month, day=day, hour=hour, minute=minute,
                                  second=0, microsecond=0)
        if year is None and local <= now_local:
            local = local.replace(year=local.year + 1)
    except ValueError:
        return None
    if local <= now_local or local - now_local > timedelta(days=366):
        return None
    return clock.to_utc(local)


def create(session: Session, clock: Clock, building: Building, room_chat_id: str, proposal: Proposal,
           deadline: datetime, by: Person) -> Deliberation:
    d = Deliberation(community_id=building.grid.community_id, building=building, room_chat_id=room_chat_id,
                     question=proposal.question, options=proposal.options, deadline=deadline, created_by=by,
                     created_at=clock.now())
    session.add(d)
    session.flush()
    return d


def group_text(clock: Clock, d: Deliberation) -> str:
    options = "\n".join(T.VOTE_OPTION_LINE.format(number=i, label=o) for i, o in enumerate(d.options, 1))
    return T.VOTE_GROUP.format(id=d.id, question=d.question, options=options, deadline=clock.show(d.deadline))


def open_in_room(session: Session, room_chat_id: str, now: datetime) -> Deliberation | None:
    """The latest 议事 of this group still open."""
    return session.scalars(select(Deliberation).where(Deliberation.room_chat_id == room_chat_id,
                                                      Deliberation.tallied_at.is_(None),
                                                      Deliberation.deadline > now)
                           .order_by(Deliberation.id.desc()).limit(1)).first()


def record(session: Session, clock: Clock, d: Deliberation, person: Person, household: Household,
           option: int) -> DeliberationVote:
    """One answer per household: the latest replaces the one before."""
    vote = session.scalar(select(DeliberationVote).where(DeliberationVote.deliberation_id == d.id,
                                                         DeliberationVote.household_id == household.id))
    if vote is None:
        vote = DeliberationVote(deliberation_id=d.id, household=household, person=person, option=option,
                                answered_at=clock.now())
        session.add(vote)
    else:
        vote.person, vote.option, vote.answered_at = person, option, clock.now()
    session.flush()
    return vote


# --- the tally ------------------------------------------------------------------------------------

def votes_of(session: Session, d: Deliberation) -> Sequence[DeliberationVote]:
    return session.scalars(select(DeliberationVote).where(DeliberationVote.deliberation_id == d.id)
                           .order_by(DeliberationVote.household_id)).all()


def tally_text(session: Session, d: Deliberation) -> str:
    """For the group: counts per option, never who."""
    votes = votes_of(session, d)
    lines = "\n".join(T.VOTE_TALLY_LINE.format(number=i, label=o, count=sum(v.option == i for v in votes))
                      for i, o in enumerate(d.options, 1))
    return T.VOTE_TALLY.format(id=d.id, question=d.question, lines=lines, voted=len(votes),
                               households=len(d.building.households))


def detail_text(session: Session, d: Deliberation) -> str:
    """For staff, privately: the households behind each option and those that did not answer."""
    votes = votes_of(session, d)
    by_option: dict[int, list[str]] = {i: [] for i in range(1, len(d.options) + 1)}
    for v in votes:
        by_option.setdefault(v.option, []).append(v.household.address)
    lines = "\n".join(T.VOTE_DETAIL_LINE.format(number=i, label=o, count=len(by_option[i]),
                                                households="、".join(by_option[i]) or "无")
                      for i, o in enumerate(d.options, 1))
    answered = {v.household_id for v in votes}
    missing = sorted((h for h in d.building.households if h.id not in answered),
                     key=lambda h: (h.unit, h.floor, h.room))
    return T.VOTE_DETAIL.format(id=d.id, building=d.building.name, question=d.question, lines=lines,
                                missing=len(missing), missing_list="、".join(h.address for h in missing) or "无")


def close_due(session: Session, say: Speaker, clock: Clock) -> int:
    """Post the tally of every 议事 past its deadline, once; staff and its author get the detail."""
    now = clock.now()
    due = session.scalars(select(Deliberation).where(Deliberation.tallied_at.is_(None),
                                                     Deliberation.deadline <= now)
                          .order_by(Deliberation.id)).all()
    for d in due:
        say.room(d.room_chat_id, tally_text(session, d))
        detail = detail_text(session, d)
        told = set()
        for person in [*repo.staff_of(session, d.community_id), d.created_by]:
            if person is not None and person.id not in told:
                told.add(person.id)
                say.person(person, detail)
        d.tallied_at = now
    return len(due)
