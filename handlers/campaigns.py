"""Staff's outreach campaigns by chat: 新建宣传 · 宣传列表 · 暂停宣传 N · 恢复宣传 N · 删除宣传 N.

The handlers only write the ``campaign`` table; the app brings the scheduler's jobs in
step after the message is committed (``schedules.campaigns.sync``).
"""
from __future__ import annotations

from sqlalchemy import select

from domain import campaigns as C
from handlers.context import Ctx
from handlers.router import Router, command
from handlers.staff import STAFF_ONLY, community_id
from kernel import texts as T
from kernel.parsing import register, ticket_number
from storage.models import Campaign, CampaignStatus

router = Router("campaigns")
register("新建宣传", "宣传列表", "暂停宣传", "恢复宣传", "删除宣传")

LIST_LIMIT = 30


def _next(ctx: Ctx, campaign: Campaign) -> str:
    if campaign.status != CampaignStatus.ACTIVE:
        return "—"
    nxt = C.next_run(ctx.clock, campaign)
    return ctx.clock.show(nxt, "%Y-%m-%d %H:%M") if nxt else T.CAMPAIGN_NO_NEXT


@router.message(command("新建宣传"))
@STAFF_ONLY
def create(ctx: Ctx) -> None:
    assert ctx.command is not None
    name, fields = C.split_command(C.strip_command(ctx.text, ctx.command.word))
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


@router.message(command("宣传列表"))
@STAFF_ONLY
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


def _campaign(ctx: Ctx) -> Campaign | None:
    assert ctx.command is not None
    number, _ = ticket_number(ctx.command.rest)
    if number is None:
        ctx.reply(T.CAMPAIGN_NEED_ID.format(word=ctx.command.word))
        return None
    campaign = ctx.session.get(Campaign, number)
    if campaign is None or campaign.status == CampaignStatus.DELETED:
        ctx.reply(T.CAMPAIGN_UNKNOWN.format(id=number))
        return None
    return campaign


def _not_now(ctx: Ctx, campaign: Campaign, action: str) -> None:
    ctx.reply(T.CAMPAIGN_NOT_NOW.format(id=campaign.id, name=campaign.name, action=action,
                                        status=T.CAMPAIGN_STATUS.get(campaign.status, campaign.status)))


@router.message(command("暂停宣传"))
@STAFF_ONLY
def pause(ctx: Ctx) -> None:
    campaign = _campaign(ctx)
    if campaign is None:
        return
    if campaign.status != CampaignStatus.ACTIVE:
        _not_now(ctx, campaign, "暂停")
        return
    campaign.status = CampaignStatus.PAUSED
    ctx.reply(T.CAMPAIGN_PAUSED.format(id=campaign.id, name=campaign.name))


@router.message(command("恢复宣传"))
@STAFF_ONLY
def resume(ctx: Ctx) -> None:
    campaign = _campaign(ctx)
    if campaign is None:
        return
    if campaign.status != CampaignStatus.PAUSED:
        _not_now(ctx, campaign, "恢复")
        return
    campaign.status = CampaignStatus.ACTIVE
    if C.next_run(ctx.clock, campaign) is None:
        campaign.status = CampaignStatus.FINISHED
        _not_now(ctx, campaign, "恢复")
        return
    ctx.reply(T.CAMPAIGN_RESUMED.format(id=campaign.id, name=campaign.name, next=_next(ctx, campaign)))


@router.message(command("删除宣传"))
@STAFF_ONLY
def delete(ctx: Ctx) -> None:
    campaign = _campaign(ctx)
    if campaign is None:
        return
    campaign.status = CampaignStatus.DELETED
    ctx.reply(T.CAMPAIGN_DELETED.format(id=campaign.id, name=campaign.name))
