"""Outreach campaigns (防电诈, 防溺水, 医保缴费, 消防安全): who they reach and what one slot sends.

A campaign is a row in ``campaign`` (made by chat command or from a file in the data
folder's ``campaigns/``) and one APScheduler job ``campaign:<id>`` that runs
``run(app, campaign_id=...)`` at each slot. Each run:

* works out the slot it belongs to (the latest scheduled time not after now), so a
  coalesced run after downtime still counts as that slot;
* for a group audience (全部 / a grid / buildings) puts one outbox row per group, for a
  colour audience (橙色,蓝色) one private visit task per linked member listing their
  households;
* records each send in ``campaign_send`` (unique per campaign, slot and target: a slot
  is never sent to the same group twice, whatever restarts happen).

``sync(app)`` makes the jobs match the table (after a campaign command, and at start).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kernel import texts as T
from kernel.clock import Clock
from kernel.cron import Schedule, describe, parse_schedule
from storage import repo
from storage.models import (
    Building,
    Campaign,
    CampaignSend,
    CampaignStatus,
    ChatRoom,
    Grid,
    Household,
    MemberLink,
    Person,
)
from storage.outbox import Speaker

log = logging.getLogger(__name__)

JOB_PREFIX = "campaign:"
ALL_WORDS = ("全部", "所有", "全体", "全部楼栋")


def job_id(campaign_id: int) -> str:
    return f"{JOB_PREFIX}{campaign_id}"


# --- audience ----------------------------------------------------------------------------------

def _parts(audience: str) -> list[str]:
    return [p for p in re.split(r"[,,、;;\s]+", audience.strip()) if p]


def audience_colours(audience: str) -> list[str] | None:
    """The colours an audience names ("橙色,蓝色"), or None when it names groups."""
    colours = []
    for part in _parts(audience):
        colour = T.colour_code(part)
        if colour is None:
            return None
        colours.append(colour)
    return colours or None


@dataclass
class Audience:
    rooms: list[ChatRoom] = field(default_factory=list)
    #: for a colour audience: each linked member and the households they are to visit
    visits: dict[int, tuple[Person, list[Household]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.rooms and not self.visits

    def describe(self) -> str:
        if self.visits:
            households = sum(len(h) for _, h in self.visits.values())
            return T.CAMPAIGN_TARGETS_MEMBERS.format(count=households, members=len(self.visits))
        return T.CAMPAIGN_TARGETS_ROOMS.format(count=len(self.rooms))


def resolve_audience(session: Session, community_id: int | None, audience: str) -> Audience:
    colours = audience_colours(audience)
    if colours is not None:
        q = (select(Household, Person).join(Building, Household.building_id == Building.id)
             .join(Grid, Building.grid_id == Grid.id)
             .join(MemberLink, MemberLink.household_id == Household.id)
             .join(Person, MemberLink.member_id == Person.id)
             .where(Household.colour.in_(colours)))
        if community_id is not None:
            q = q.where(Grid.community_id == community_id)
        result = Audience()
        for household, member in session.execute(q.order_by(Person.id, Household.id)):
            result.visits.setdefault(member.id, (member, []))[1].append(household)
        return result
    rooms = select(ChatRoom).join(Building, ChatRoom.building_id == Building.id)
    if community_id is not None:
        rooms = rooms.where(ChatRoom.community_id == community_id)
    words = _parts(audience)
    if not words:
        return Audience()
    if len(words) == 1 and words[0] in ALL_WORDS:
        return Audience(rooms=list(session.scalars(rooms.order_by(ChatRoom.id))))
    grid_ids, building_ids = [], []
    for word in words:
        grid = repo.grid_named(session, word)
        if grid is not None:
            grid_ids.append(grid.id)
            continue
        found = repo.buildings_named(session, word)
        if not found:
            return Audience()  # one unknown name: say so rather than send to fewer groups
        building_ids += [b.id for b in found]
    rooms = rooms.where(Building.grid_id.in_(grid_ids) | Building.id.in_(building_ids))
    return Audience(rooms=list(session.scalars(rooms.order_by(ChatRoom.id))))


# --- making one ---------------------------------------------------------------------------------

_FIELDS = {"对象": "audience", "发给": "audience", "范围": "audience", "时间": "schedule",
           "频率": "schedule", "起止": "dates", "日期": "dates", "内容": "content"}
_FIELD_RE = re.compile(r"(对象|发给|范围|时间|频率|起止|日期|内容)\s*[::]")
_DATE = r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"


@dataclass
class Draft:
    name: str
    audience: str
    schedule: Schedule
    content: str
    start: datetime | None = None  # local wall-clock midnight
    end: datetime | None = None  # local wall-clock midnight after the last day


def strip_command(text: str, word: str) -> str:
    """The raw text after the command word (line breaks kept, unlike ``parse_command``)."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    t = re.sub(r"^(?:@\S+\s+)+", "", t)
    i = t.find(word)
    return t[i + len(word):].strip(" :,\t") if i >= 0 else t


def split_command(raw: str) -> tuple[str, dict[str, str]]:
    """'防电诈\n对象:全部\n…' → ('防电诈', fields): the name is what comes before the first label."""
    first = raw.split("\n", 1)[0]
    return _FIELD_RE.split(first)[0].strip(), parse_fields(raw)


def parse_fields(text: str) -> dict[str, str]:
    """'对象:全部 时间:每周一 09:00 内容:…' (one line or several) → fields; 内容 takes the rest."""
    out: dict[str, str] = {}
    matches = list(_FIELD_RE.finditer(text))
    for i, m in enumerate(matches):
        key = _FIELDS[m.group(1)]
        end = len(text) if key == "content" else (matches[i + 1].start() if i + 1 < len(matches) else len(text))
        if key == "content":
            out[key] = text[m.end():].strip()
            break
        out[key] = " ".join(text[m.end():end].split())
    return out


def parse_dates(text: str) -> tuple[datetime | None, datetime | None]:
    dates = re.findall(_DATE, text or "")
    if not text or not text.strip():
        return None, None
    if not dates or len(dates) > 2:
        raise ValueError(T.CAMPAIGN_BAD_DATES.format(text=text))
    try:
        days = [datetime(int(y), int(m), int(d)) for y, m, d in dates]
    except ValueError as exc:
        raise ValueError(T.CAMPAIGN_BAD_DATES.format(text=text)) from exc
    start = days[0]
    end = days[1] + timedelta(days=1) if len(days) == 2 else None
    if end is not None and end <= start:
        raise ValueError(T.CAMPAIGN_ENDS_BEFORE)
    return start, end


def make_draft(name: str, fields: dict[str, Any]) -> Draft:
    """Check a campaign's fields; ValueError with a Chinese message for staff."""
    name = " ".join(str(name or "").split())[:100]
    for key, label in (("audience", "对象"), ("schedule", "时间"), ("content", "内容")):
        if not str(fields.get(key) or "").strip():
            raise ValueError(T.CAMPAIGN_NEED.format(field=label))
    if not name:
        raise ValueError(T.CAMPAIGN_NEED.format(field="名称"))
    schedule = parse_schedule(str(fields["schedule"]))
    start, end = parse_dates(str(fields.get("dates") or ""))
    return Draft(name=name, audience=str(fields["audience"]).strip(), schedule=schedule,
                 content=str(fields["content"]).strip(), start=start, end=end)


def create(session: Session, clock: Clock, draft: Draft, *, community_id: int | None,
           created_by: Person | None = None, source: str = "chat") -> Campaign:
    campaign = Campaign(community_id=community_id, name=draft.name, content=draft.content,
                        audience=draft.audience, schedule=draft.schedule.text, status=CampaignStatus.ACTIVE,
                        source=source, created_by_id=created_by.id if created_by else None,
                        created_at=clock.now())
    set_dates(clock, campaign, draft)
    session.add(campaign)
    session.flush()
    return campaign


def set_dates(clock: Clock, campaign: Campaign, draft: Draft) -> None:
    campaign.start_at = clock.to_utc(draft.start) if draft.start else None
    campaign.end_at = clock.to_utc(draft.end) if draft.end else None


def trigger_of(clock: Clock, campaign: Campaign) -> BaseTrigger:
    schedule = parse_schedule(campaign.schedule)
    start = clock.local(campaign.start_at).replace(tzinfo=None) if campaign.start_at else None
    end = clock.local(campaign.end_at).replace(tzinfo=None) if campaign.end_at else None
    if end is not None:
        end -= timedelta(seconds=1)  # end_at is exclusive
    return schedule.trigger(clock.tz, start, end)


def next_run(clock: Clock, campaign: Campaign, after: datetime | None = None) -> datetime | None:
    """The next slot (naive UTC) strictly after ``after`` (default now), by the campaign's own schedule."""
    moment = (after or clock.now()).replace(tzinfo=UTC) + timedelta(seconds=1)
    nxt = trigger_of(clock, campaign).get_next_fire_time(None, moment)
    if nxt is None or nxt < moment:  # a one-off's date trigger answers its date even when past
        return None
    return nxt.astimezone(UTC).replace(tzinfo=None)


def describe_schedule(campaign: Campaign) -> str:
    try:
        return describe(parse_schedule(campaign.schedule))
    except ValueError:
        return campaign.schedule


def pause(campaign: Campaign) -> bool:
    """暂停宣传 N: only an active campaign pauses (False: nothing changed)."""
    if campaign.status != CampaignStatus.ACTIVE:
        return False
    campaign.status = CampaignStatus.PAUSED
    return True


def resume(clock: Clock, campaign: Campaign) -> bool:
    """恢复宣传 N: only a paused one; one with no slot left is finished instead (False)."""
    if campaign.status != CampaignStatus.PAUSED:
        return False
    campaign.status = CampaignStatus.ACTIVE
    if next_run(clock, campaign) is None:
        campaign.status = CampaignStatus.FINISHED
        return False
    return True


def upcoming(clock: Clock, campaign: Campaign, until: datetime, limit: int = 60) -> list[datetime]:
    """The slots (naive UTC) from now until ``until`` of an active campaign."""
    if campaign.status != CampaignStatus.ACTIVE:
        return []
    out: list[datetime] = []
    moment = clock.now()
    while len(out) < limit:
        nxt = next_run(clock, campaign, moment)
        if nxt is None or nxt > until:
            break
        out.append(nxt)
        moment = nxt
    return out


# --- running ----------------------------------------------------------------------------------

def current_slot(clock: Clock, campaign: Campaign, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest scheduled time in (now - lookback, now], naive UTC."""
    trigger = trigger_of(clock, campaign)
    moment = now.replace(tzinfo=UTC)
    t = trigger.get_next_fire_time(None, moment - lookback)
    last = None
    while t is not None and t <= moment:
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return None if last is None else last.astimezone(UTC).replace(tzinfo=None)



def send_slot(session: Session, clock: Clock, settings: Any, campaign_id: int) -> int:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.ACTIVE:
        return 0
    now = clock.now()
    grace = timedelta(hours=getattr(settings, "job_grace_hours", 6.0)) + timedelta(minutes=1)
    slot = current_slot(clock, campaign, now, grace)
    if slot is None:
        log.info("campaign %s ran with no slot in the last %s", campaign_id, grace)
        return 0
    done = set(session.scalars(select(CampaignSend.target).where(CampaignSend.campaign_id == campaign.id,
                                                                 CampaignSend.slot == slot)))
    audience = resolve_audience(session, campaign.community_id, campaign.audience)
    say = Speaker(session, clock, batch=f"campaign:{campaign.id}")
    sent = 0
    if audience.visits:
        for member, households in audience.visits.values():
            if not member.chat_id or member.chat_id in done:
                continue
            lines = "\n".join(f"  {h.address} {h.head_name or ''}".rstrip() for h in households)
            row = say.person(member, T.CAMPAIGN_VISIT.format(name=campaign.name, content=campaign.content,
                                                             count=len(households), households=lines))
            session.add(CampaignSend(campaign_id=campaign.id, slot=slot, target=member.chat_id,
                                     target_kind="member", outbox=row, created_at=now))
            sent += 1
    else:
        text = T.CAMPAIGN_ROOM_TEXT.format(name=campaign.name, content=campaign.content)
        for room in audience.rooms:
            if room.chat_id in done:
                continue
            row = say.room(room.chat_id, text)
            session.add(CampaignSend(campaign_id=campaign.id, slot=slot, target=room.chat_id,
                                     target_kind="room", outbox=row, created_at=now))
            sent += 1
    campaign.last_run_at = now
    if next_run(clock, campaign, max(now, slot)) is None:
        campaign.status = CampaignStatus.FINISHED
    log.info("campaign %s (%s): slot %s, %d sends queued", campaign.id, campaign.name, slot, sent)
    return sent


def runs_of(session: Session, campaign_id: int) -> int:
    return session.scalar(select(func.count(func.distinct(CampaignSend.slot)))
                          .where(CampaignSend.campaign_id == campaign_id)) or 0
