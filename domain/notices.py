"""Notices to many groups (通知): whom they reach, the draft staff preview, queueing it, and
how far it has gone (通知进度). The chat commands (handlers/staff.py) and the console's
通知与宣传 page take the same path:

    rooms = audience_rooms(session, community_id, "第一网格")      # 全部 | 网格名 | 楼栋名,楼栋名
    draft = make_draft(session, clock, community_id, author, "第一网格", content, rooms)
    queue(session, clock, draft)                                   # 确认通知: one outbox row a group

A colour audience (橙色,蓝色: the console only) never reaches a group: each linked member of
such a household gets the notice privately with the addresses to pass it on to.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from kernel.timing import QuietHours
from storage import repo
from storage.models import Broadcast, Building, ChatRoom, OutboxStatus, Person
from storage.outbox import Speaker, batch_progress, queue_to_rooms

ALL_WORDS = ("全部", "所有", "全体")


def audience_rooms(session: Session, community_id: int | None, audience: str) -> list[ChatRoom]:
    """The building groups an audience names: 全部, a grid's name, or buildings' names
    (3号楼,5号楼); [] when a name is unknown."""
    q = select(ChatRoom).join(Building, ChatRoom.building_id == Building.id)
    if community_id is not None:
        q = q.where(ChatRoom.community_id == community_id)
    if audience in ALL_WORDS:
        return list(session.scalars(q.order_by(ChatRoom.id)))
    grid = repo.grid_named(session, audience)
    if grid is not None:
        return list(session.scalars(q.where(Building.grid_id == grid.id).order_by(ChatRoom.id)))
    names = [n for n in audience.replace(",", ",").replace("、", ",").split(",") if n]
    ids = [b.id for n in names for b in repo.buildings_named(session, n)]
    if not ids:
        return []
    return list(session.scalars(q.where(Building.id.in_(ids)).order_by(ChatRoom.id)))


def audience_members(session: Session, community_id: int | None, audience: str) -> dict[int, tuple[Person, list[str]]]:
    """For a colour audience (橙色,蓝色): each linked member and the addresses of their households
    of those colours; {} when the audience is not colours."""
    from domain.campaigns import audience_colours, resolve_audience

    if audience_colours(audience) is None:
        return {}
    found = resolve_audience(session, community_id, audience)
    return {mid: (member, [h.address for h in households])
            for mid, (member, households) in found.visits.items() if member.chat_id}


def make_draft(session: Session, clock: Clock, community_id: int | None, author: Person, audience: str,
               content: str, targets: list[str]) -> Broadcast:
    """The notice as previewed: its groups (or members' chat ids) fixed now, sent on 确认."""
    draft = Broadcast(community_id=community_id, created_by_id=author.id, audience=audience,
                      content=content, rooms=targets, status="draft", created_at=clock.now())
    session.add(draft)
    session.flush()
    return draft


def queue(session: Session, clock: Clock, draft: Broadcast, cause_id: int | None = None) -> int:
    """确认通知: one outbox row per group (or, for a colour audience, per linked member), all in
    the batch ``broadcast:<id>`` that 通知进度 follows."""
    batch = f"broadcast:{draft.id}"
    members = audience_members(session, draft.community_id, draft.audience)
    if members:
        say = Speaker(session, clock, cause_id, batch=batch)
        wanted = set(draft.rooms)
        count = 0
        for member, addresses in members.values():
            if member.chat_id in wanted:
                say.person(member, T.NOTICE_TO_MEMBER.format(
                    content=draft.content, count=len(addresses), households="、".join(addresses)))
                count += 1
    else:
        count = queue_to_rooms(session, clock, list(draft.rooms), T.BROADCAST_NOTICE.format(content=draft.content),
                               batch=batch, cause_id=cause_id)
    draft.status = "queued"
    draft.queued_at = clock.now()
    return count


def held_until(clock: Clock, settings: Settings, now: datetime | None = None) -> datetime | None:
    """When a notice queued now starts going out, if quiet hours hold it (else None)."""
    now = now or clock.now()
    start = QuietHours.from_settings(settings).ends_after(clock, now)
    return start if start > now else None


def broadcast_progress_text(session: Session, clock: Clock, settings: Settings, broadcast_id: int) -> str:
    """通知进度: sent / waiting / failed, and when the rest should be out at the send pace."""
    counts = batch_progress(session, f"broadcast:{broadcast_id}")
    pending, sent, failed = counts[OutboxStatus.PENDING], counts[OutboxStatus.SENT], counts[OutboxStatus.FAILED]
    total = sum(counts.values())
    if not pending:
        eta = T.BROADCAST_DONE
    else:
        now = clock.now()
        each = settings.send_interval_seconds + settings.send_jitter_seconds / 2
        quiet = QuietHours.from_settings(settings)
        start = quiet.ends_after(clock, now)
        finish = start + timedelta(seconds=pending * each)
        if start > now:
            eta = T.BROADCAST_QUIET.format(when=clock.show(start, "%H:%M"), finish=clock.show(finish))
        else:
            eta = T.BROADCAST_ETA.format(when=clock.show(finish))
    return T.BROADCAST_PROGRESS.format(id=broadcast_id, total=total, sent=sent, pending=pending,
                                       failed=failed, eta=eta)
