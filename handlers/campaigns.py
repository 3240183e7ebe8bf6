"""Staff's outreach campaigns by chat: 新建宣传 · 宣传列表 · 暂停宣传 N · 恢复宣传 N · 删除宣传 N.

The handlers only write the ``campaign`` table; the app brings the scheduler's jobs in
step after the message is committed (``schedules.campaigns.sync``).
"""
from __future__ import annotations

from sqlalchemy import select

from domain import campaigns as C
from handlers.context import Ctx
from handlers.filters import STAFF, community_id
from handlers.router import Command, FilterResult, Reply, Router
from kernel import texts as T
from kernel.parsing import ticket_number
from storage.models import Campaign, CampaignStatus

router = Router("campaigns")

LIST_LIMIT = 30


def _next(ctx: Ctx, campaign: Campaign) -> str:
    if campaign.status != CampaignStatus.ACTIVE:
        return "—"
    nxt = C.next_run(ctx.clock, campaign)
    return ctx.clock.show(nxt, "%Y-%m-%d %H:%M") if nxt else T.CAMPAIGN_NO_NEXT


@router.message(Command("新建宣传"), STAFF)
def create(ctx: Ctx, word: str) -> None:
    name, fields = C.split_command(C.strip_command(ctx.text, word))
    if not fields and not name:
        ctx.reply(T.CAMPAIGN_USAGE)
        return
    try:
        draft = C.make_draft(name, fields)
    except ValueError as exc:
        ctx.reply(T.CAMPAIGN_BAD.format(error=exc))
        return
    cid = community_id(ctx)
    audience = C.resolve_audience(ctx.session, cid, draft.audience)
    if audience.empty:
        ctx.reply(T.CAMPAIGN_NO_AUDIENCE.format(audience=draft.audience))
        return
    campaign = C.create(ctx.session, ctx.clock, draft, community_id=cid, created_by=ctx.person)
    if C.next_run(ctx.clock, campaign) is None:
        ctx.session.delete(campaign)
        ctx.reply(T.CAMPAIGN_BAD.format(error=T.CAMPAIGN_PAST))
        return
    ctx.reply(T.CAMPAIGN_CREATED.format(id=campaign.id, name=campaign.name, schedule=C.describe_schedule(campaign),
                                        audience=campaign.audience, targets=audience.describe(),
                                        next=_next(ctx, campaign)))


@router.message(Command("宣传列表"), STAFF)
def list_campaigns(ctx: Ctx) -> None:
    q = select(Campaign).where(Campaign.status != CampaignStatus.DELETED)
    cid = community_id(ctx)
    if cid is not None:
        q = q.where((Campaign.community_id == cid) | Campaign.community_id.is_(None))
    campaigns = list(ctx.session.scalars(q.order_by(Campaign.id).limit(LIST_LIMIT)))
    if not campaigns:
        ctx.reply(T.CAMPAIGN_NONE)
        return
    lines = [T.CAMPAIGN_LIST_HEAD.format(count=len(campaigns))]
    for c in campaigns:
        lines.append(T.CAMPAIGN_LINE.format(id=c.id, name=c.name, schedule=C.describe_schedule(c),
                                            audience=c.audience, status=T.CAMPAIGN_STATUS.get(c.status, c.status),
                                            next=_next(ctx, c), runs=C.runs_of(ctx.session, c.id)))
    ctx.reply("\n".join(lines))


def campaign_arg(ctx: Ctx, word: str, rest: str) -> FilterResult:
    """The campaign a command names (``campaign``)."""
    number, _ = ticket_number(rest)
    if number is None:
        raise Reply(T.CAMPAIGN_NEED_ID.format(word=word))
    campaign = ctx.session.get(Campaign, number)
    if campaign is None or campaign.status == CampaignStatus.DELETED:
        raise Reply(T.CAMPAIGN_UNKNOWN.format(id=number))
    return {"campaign": campaign}


def _not_now(ctx: Ctx, campaign: Campaign, action: str) -> None:
    ctx.reply(T.CAMPAIGN_NOT_NOW.format(id=campaign.id, name=campaign.name, action=action,
                                        status=T.CAMPAIGN_STATUS.get(campaign.status, campaign.status)))


@router.message(Command("暂停宣传"), STAFF, campaign_arg)
def pause(ctx: Ctx, campaign: Campaign) -> None:
    if not C.pause(campaign):
        _not_now(ctx, campaign, "暂停")
        return
    ctx.reply(T.CAMPAIGN_PAUSED.format(id=campaign.id, name=campaign.name))


@router.message(Command("恢复宣传"), STAFF, campaign_arg)
def resume(ctx: Ctx, campaign: Campaign) -> None:
    if not C.resume(ctx.clock, campaign):  # not paused, or nothing left to send (now finished)
        _not_now(ctx, campaign, "恢复")
        return
    ctx.reply(T.CAMPAIGN_RESUMED.format(id=campaign.id, name=campaign.name, next=_next(ctx, campaign)))


@router.message(Command("删除宣传"), STAFF, campaign_arg)
def delete(ctx: Ctx, campaign: Campaign) -> None:
    campaign.status = CampaignStatus.DELETED
    ctx.reply(T.CAMPAIGN_DELETED.format(id=campaign.id, name=campaign.name))
