"""Community staff: broadcasts, ticket lists, reassignment, statistics, binding rooms
and residents."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain import access, notices, trust
from domain import tickets as wf
from domain.access import Visibility
from domain.reports.figures import ticket_figures
from handlers.context import Ctx
from handlers.filters import STAFF, Roles, community_id, handled_ticket, ticket_arg
from handlers.router import Command, FilterResult, Reply, Router
from handlers.views import answer_privately, reply_out_of_building_group, ticket_line
from kernel import texts as T
from kernel.parsing import parse_address, ticket_number
from storage import repo
from storage.models import (
    Broadcast,
    Building,
    ChatRoom,
    Community,
    Person,
    Role,
    RoomKind,
    Status,
    Ticket,
)

router = Router("staff")

TICKET_LIST_LIMIT = 20


# --- broadcasts ------------------------------------------------------------------------------

def audience_rooms(ctx: Ctx, audience: str) -> list[ChatRoom]:
    return notices.audience_rooms(ctx.session, community_id(ctx), audience)


@router.message(Command("通知"), STAFF)
def broadcast(ctx: Ctx, rest: str) -> None:
    audience, _, content = rest.partition(" ")
    content = content.strip()
    if not audience or not content:
        ctx.reply(T.BROADCAST_USAGE)
        return
    rooms = audience_rooms(ctx, audience)
    if not rooms:
        ctx.reply(T.BROADCAST_NO_ROOMS.format(audience=audience))
        return
    draft = notices.make_draft(ctx.session, ctx.clock, community_id(ctx), ctx.person, audience, content,
                               [r.chat_id for r in rooms])
    shown = "、".join(r.name for r in rooms[:8]) + ("等" if len(rooms) > 8 else "")
    ctx.reply(T.BROADCAST_PREVIEW.format(count=len(rooms), rooms=shown, content=content[:200],
                                         id=draft.id))


def draft_arg(ctx: Ctx, rest: str) -> FilterResult:
    """The broadcast draft a command names (``draft``)."""
    number, _ = ticket_number(rest)
    draft = ctx.session.get(Broadcast, number) if number is not None else None
    if draft is None or draft.status != "draft":
        raise Reply(T.BROADCAST_UNKNOWN.format(id=number if number is not None else ""))
    return {"draft": draft}


@router.message(Command("确认通知"), STAFF, draft_arg)
def confirm_broadcast(ctx: Ctx, draft: Broadcast) -> None:
    queue_broadcast(ctx, draft)
    ctx.reply(T.BROADCAST_QUEUED.format(id=draft.id, count=len(draft.rooms)))


def queue_broadcast(ctx: Ctx, draft: Broadcast) -> None:
    notices.queue(ctx.session, ctx.clock, draft, cause_id=ctx.inbound_id)


@router.message(Command("通知进度"), STAFF)
def broadcast_progress(ctx: Ctx, rest: str) -> None:
    from domain.notices import broadcast_progress_text

    number, _ = ticket_number(rest)
    if number is not None:
        draft = ctx.session.get(Broadcast, number)
        if draft is None:
            ctx.reply(T.BROADCAST_UNKNOWN.format(id=number))
            return
    else:
        q = select(Broadcast).where(Broadcast.status == "queued")
        cid = community_id(ctx)
        if cid is not None:
            q = q.where(Broadcast.community_id == cid)
        draft = ctx.session.scalar(q.order_by(Broadcast.id.desc()))
        if draft is None:
            ctx.reply(T.BROADCAST_PROGRESS_NONE)
            return
    if draft.status != "queued":
        ctx.reply(T.BROADCAST_NOT_QUEUED.format(
            id=draft.id, status=T.BROADCAST_STATUS_NAMES.get(draft.status, draft.status)))
        return
    ctx.reply(broadcast_progress_text(ctx.session, ctx.clock, ctx.settings, draft.id))


@router.message(Command("取消通知"), STAFF, draft_arg)
def cancel_broadcast(ctx: Ctx, draft: Broadcast) -> None:
    draft.status = "cancelled"
    ctx.reply(T.BROADCAST_CANCELLED.format(id=draft.id))


# --- tickets ---------------------------------------------------------------------------------

STAFF_OR_GRID = Roles((*Role.SUPERVISORS, Role.GRID_WORKER), T.WHO_STAFF_OR_GRID)


def scope(ctx: Ctx) -> tuple[int | None, list[int] | None]:
    """What a list or a figure covers: staff their community; a grid worker their grid's
    buildings."""
    if ctx.person.role == Role.GRID_WORKER:
        grids = trust.grid_ids_of(ctx.session, ctx.person)
        ids = list(ctx.session.scalars(select(Building.id).where(Building.grid_id.in_(grids)))) if grids else []
        return community_id(ctx), ids
    return community_id(ctx), None


@router.message(Command("工单"), STAFF_OR_GRID)
def list_tickets(ctx: Ctx, rest: str) -> None:
    word = rest.strip() or "未办结"
    statuses = T.STATUS_WORDS.get(word)
    if statuses is None:
        number, _ = ticket_number(word)
        if number is not None:  # 工单 1024 reads as 查询 1024
            one_ticket(ctx, number)
            return
        statuses, word = Status.OPEN, "未办结"
    q = select(Ticket).where(Ticket.status.in_(statuses))
    cid, building_ids = scope(ctx)
    if cid is not None:
        q = q.where(Ticket.community_id == cid)
    if building_ids is not None:
        q = q.where(Ticket.building_id.in_(building_ids))
    tickets = list(ctx.session.scalars(q.order_by(Ticket.created_at.desc()).limit(TICKET_LIST_LIMIT + 1)))
    if not tickets:
        reply_out_of_building_group(ctx, T.TICKETS_NONE.format(filter=word))
        return
    more = T.TICKETS_MORE.format(shown=TICKET_LIST_LIMIT) if len(tickets) > TICKET_LIST_LIMIT else ""
    tickets = tickets[:TICKET_LIST_LIMIT]
    private = ctx.msg.is_private or (ctx.room is not None and ctx.room.kind == RoomKind.STAFF)
    in_building = ctx.room is not None and ctx.room.building_id is not None and not ctx.msg.is_private
    head = T.TICKETS_HEAD.format(filter=word, count=len(tickets), more=more)
    reply_out_of_building_group(ctx, "\n".join(
        [head] + [ticket_line(ctx, t, private=private or in_building) for t in tickets]))


def one_ticket(ctx: Ctx, number: int) -> None:
    ticket = repo.ticket_by_number(ctx.session, number)
    if ticket is None:
        ctx.reply(T.NO_SUCH_TICKET.format(number=number))
        return
    if access.person_visibility(ctx.person, ticket) < Visibility.FULL:
        ctx.reply(T.QUERY_NO_RIGHT.format(number=number))
        return
    reply_out_of_building_group(ctx, ticket_line(ctx, ticket, private=True) + "\n"
                                 + wf.deadline_summary(ctx.clock, ticket, ctx.clock.now()))


def _handler_named(ctx: Ctx, name: str) -> Person | None:
    name = name.lstrip("@").strip()
    people = [p for p in repo.people_named(ctx.session, name) if p.is_handler]
    return people[0] if people else None


@router.message(Command("派单"), STAFF, ticket_arg, handled_ticket)  # staff of its community
def reassign(ctx: Ctx, ticket: Ticket, rest: str) -> None:
    name = rest
    if not name:
        ctx.reply(T.REASSIGN_USAGE)
        return
    target = _handler_named(ctx, name)
    if target is None:
        ctx.reply(T.PERSON_UNKNOWN.format(name=name))
        return
    if not ticket.is_open:
        ctx.reply(T.TICKET_CLOSED_ALREADY.format(number=ticket.number,
                                                 status=T.STATUS_NAMES[ticket.status], action="派单"))
        return
    wf.reassign(ctx.session, ctx.say, ctx.clock, ticket, ctx.person, target)
    ctx.reply(T.ASSIGNED_OK.format(number=ticket.number, role=wf.role_name(target), name=target.name))


def _percent(value: float | None) -> str:
    return T.NO_DATA if value is None else f"{value:.0%}"


@router.message(Command("统计"), STAFF_OR_GRID)
def statistics(ctx: Ctx) -> None:
    local_now = ctx.clock.local()
    day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = {"today": day, "week": day - timedelta(days=day.weekday()), "month": day.replace(day=1)}
    rows = []
    end = ctx.clock.now() + timedelta(seconds=1)
    cid, building_ids = scope(ctx)
    for key, start in starts.items():
        f = ticket_figures(ctx.session, ctx.clock.to_utc(start), end, cid, building_ids)
        rows.append(T.STATS_ROW.format(
            period=T.STATS_PERIODS[key], received=f.received, accepted_in_time=f.accepted_in_time,
            response_rate=_percent(f.response_rate), resolved=f.resolved,
            resolve_rate=_percent(f.resolve_rate), rated=f.rated,
            satisfaction=_percent(f.satisfaction)))
    reply_out_of_building_group(ctx, T.STATS.format(rows="\n".join(rows)))


# --- binding rooms and residents -------------------------------------------------------------

@router.message(Command("绑定"), STAFF)
def bind_room(ctx: Ctx, rest: str) -> None:
    """Inside a group: 绑定 楼栋名 makes it that building's group (replacing another one),
    绑定 工作群 the community's staff group."""
    if ctx.room is None or ctx.msg.is_private:
        ctx.reply(T.ROOM_NOT_BOUND)
        return
    name = rest.strip()
    if name in T.ROOM_STAFF_WORDS:
        cid = community_id(ctx)
        community = ctx.session.get(Community, cid) if cid is not None else None
        if community is None:
            ctx.reply(T.BIND_NO_COMMUNITY)
            return
        trust.make_staff_room(ctx.room, community.id)
        ctx.reply(T.ROOM_BOUND_STAFF.format(community=community.name), mention=False)
        return
    buildings = trust.find_buildings(ctx.session, name, ctx.person.community_id) if name else []
    if len(buildings) > 1:
        ctx.reply(T.BUILDING_AMBIGUOUS.format(name=name, names="、".join(
            f"{b.grid.community.name}{b.name}" for b in buildings[:10])))
        return
    if not buildings:
        names = "、".join(b.name for b in ctx.session.scalars(select(Building).order_by(Building.id)).all()[:30])
        ctx.reply(T.BUILDING_UNKNOWN.format(name=name, names=names))
        return
    building = buildings[0]
    old = trust.bind_room(ctx.session, ctx.room, building)
    replaced = T.BINDING_REPLACED.format(room=old.name) if old is not None else ""
    ctx.reply(T.ROOM_BOUND.format(building=building.name) + replaced, mention=False)


@router.message(Command("登记"), STAFF)
def bind_other(ctx: Ctx, rest: str) -> None:
    """Staff vouch for a resident: bound (verified) at once; answered privately (a name and an
    address)."""
    words = rest.split()
    address = parse_address(words[-1]) if words else None
    if address is None or len(words) < 2:
        ctx.reply(T.BAD_ADDRESS_STAFF)
        return
    household = repo.household_at(ctx.session, *address)
    if household is None:
        answer_privately(ctx, T.UNKNOWN_ADDRESS.format(address="-".join(address)))
        return
    target = None
    mentioned = [m for m in ctx.msg.mentions if m != ctx.msg.sender_id]
    if mentioned:
        target = repo.person_by_chat_id(ctx.session, mentioned[-1])
    if target is None:
        people = repo.people_named(ctx.session, words[0].lstrip("@"))
        target = people[0] if people else None
    if target is None:
        ctx.reply(T.PERSON_NOT_SEEN.format(name=words[0]))
        return
    trust.bind_person(target, household)
    answer_privately(ctx, T.BOUND_OTHER.format(name=target.name, address=household.address))
