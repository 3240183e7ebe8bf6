"""宣传到户: policy taken to the households it is for. Staff start a drive for a policy and an
audience read from the households' profiles (ages, tags: ``80岁以上``, ``新生儿``, ``残疾``); each
linked member gets, privately, the list of their households to tell at the next visit; a visit
marked ``走访 3-2-502 宣传:高龄补贴`` reaches the household; staff see the coverage (宣传到户率):
which households were reached, by whom, and which not yet."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from storage.models import (
    Building,
    Grid,
    Household,
    HouseholdProfile,
    MemberLink,
    Person,
    PolicyDrive,
    PolicyTask,
    VisitKind,
)
from storage.outbox import Speaker

_AGE = re.compile(r"^(\d{1,3})\s*岁?\s*(以上|及以上|\+)$")


@dataclass(frozen=True)
class Audience:
    min_age: int | None = None
    tag: str | None = None

    def fits(self, profile: HouseholdProfile, year: int) -> bool:
        if self.min_age is not None:
            return any(year - int(y) >= self.min_age for y in profile.birth_years)
        return self.tag in profile.tags


def parse_audience(text: str) -> Audience | None:
    """`80岁以上` → the households where someone is 80 or older; any other word is a tag."""
    t = text.strip()
    if not t:
        return None
    m = _AGE.match(t)
    if m is not None:
        return Audience(min_age=int(m.group(1)))
    return Audience(tag=t)


def start(session: Session, say: Speaker, clock: Clock, *, community_id: int | None, name: str, audience_text: str,
          audience: Audience, content: str | None, by: Person) -> tuple[PolicyDrive, list[PolicyTask]]:
    """The drive, a task per household it is for, and each member's list, privately."""
    year = clock.local(clock.now()).year
    q = (select(HouseholdProfile, Household, MemberLink.member_id).join(Household, HouseholdProfile.household)
         .join(Building).join(Grid).outerjoin(MemberLink, MemberLink.household_id == Household.id))
    if community_id is not None:
        q = q.where(Grid.community_id == community_id)
    drive = PolicyDrive(community_id=community_id, name=name[:100], audience=audience_text[:200], content=content,
                        created_by_id=by.id, created_at=clock.now())
    session.add(drive)
    tasks = [PolicyTask(drive=drive, household=h, member_id=member_id)
             for profile, h, member_id in session.execute(q.order_by(Household.id)) if audience.fits(profile, year)]
    session.add_all(tasks)
    session.flush()
    by_member: dict[int, list[PolicyTask]] = defaultdict(list)
    for t in tasks:
        if t.member_id is not None:
            by_member[t.member_id].append(t)
    for member_id, mine in by_member.items():
        member = session.get(Person, member_id)
        addresses = "\n".join(f"· {t.household.address}" for t in mine)
        say.person(member, T.DRIVE_TASKS.format(id=drive.id, name=drive.name, count=len(mine), addresses=addresses,
                                                content=f"\n要点:{content}" if content else "",
                                                example=mine[0].household.address))
    return drive, tasks


def drive_named(session: Session, community_id: int | None, name: str) -> PolicyDrive | None:
    """The latest drive of that name (or D{id})."""
    m = re.fullmatch(r"[Dd]?(\d+)", name.strip())
    if m is not None:
        return session.get(PolicyDrive, int(m.group(1)))
    q = select(PolicyDrive).where(PolicyDrive.name == name.strip())
    if community_id is not None:
        q = q.where(PolicyDrive.community_id == community_id)
    return session.scalars(q.order_by(PolicyDrive.id.desc()).limit(1)).first()


def reach(session: Session, clock: Clock, drive: PolicyDrive, household: Household, member: Person) -> PolicyTask | None:
    """A visit told the household about the policy: its task is reached (None: not in the drive)."""
    from domain.ledger import log_visit

    task = session.scalar(select(PolicyTask).where(PolicyTask.drive_id == drive.id,
                                                   PolicyTask.household_id == household.id))
    if task is None:
        return None
    if task.reached_at is None:
        task.reached_at, task.reached_by = clock.now(), member
    log_visit(session, clock, household, member, VisitKind.VISIT, f"宣传:{drive.name}")
    return task


def coverage_text(session: Session, drive: PolicyDrive) -> str:
    tasks: Sequence[PolicyTask] = session.scalars(select(PolicyTask).where(PolicyTask.drive_id == drive.id)
                                                  .order_by(PolicyTask.household_id)).all()
    reached = [t for t in tasks if t.reached_at is not None]
    rate = f"{len(reached) / len(tasks):.0%}" if tasks else "—"
    by_member: dict[str, int] = defaultdict(int)
    for t in reached:
        by_member[t.reached_by.name if t.reached_by else "?"] += 1
    not_yet: dict[str, list[str]] = defaultdict(list)
    for t in tasks:
        if t.reached_at is None:
            not_yet[t.member.name if t.member else "未联户"].append(t.household.address)
    return T.DRIVE_COVERAGE.format(
        id=drive.id, name=drive.name, audience=drive.audience, reached=len(reached), total=len(tasks), rate=rate,
        by=("、".join(f"{n} {c} 户" for n, c in sorted(by_member.items())) or "无"),
        missing="\n".join(f"· {n}:{'、'.join(a)}" for n, a in sorted(not_yet.items())) or "无")
