"""The ledger's own sheets in the `lianhu export` workbook, after the importer's base sheets
(楼栋, 住户, 人员):

    走访情况  every linked household: colour, member, last visit, next visit due, days overdue
    走访记录  every visit
    工单      every ticket with its timeline
    调色记录  every colour change (proposed, confirmed, rejected)
    微心愿    every wish
    党员台账  every member: households, points this month and in all, declined households

Importing ignores these sheets (they are records of what happened, not settings), so an
exported workbook imports as is. Importing this module registers the sheets with
``storage.exporter`` (the CLI does it when it builds its parser). Times are local.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from domain import ledger
from domain.workbook import exporter, month_sheet
from domain.workbook.exporter import AnySheet, Header, natural, write_table
from kernel.clock import Clock
from kernel.config import Settings
from kernel.texts import COLOUR_SHORT
from storage.models import (
    Building,
    ColourChange,
    Community,
    Grid,
    Household,
    MemberDecline,
    MemberLink,
    Person,
    Role,
    Ticket,
    TicketEvent,
    Visit,
    Wish,
)

# the sheets' Chinese names and headers
VISIT_STATUS, VISITS, TICKETS, COLOUR_CHANGES, WISHES, MEMBERS = (
    "走访情况", "走访记录", "工单", "调色记录", "微心愿", "党员台账")
COLOUR = COLOUR_SHORT
VISIT_KIND = {"visit": "走访", "finding": "发现问题", "suggestion": "意见建议"}
TICKET_STATUS = {"assigned": "待接单", "accepted": "处理中", "handed_up": "已转办", "returned": "已退回",
                 "resolved": "已办结待评价", "closed": "已关闭"}
CHANGE_STATUS = {"pending": "待确认", "confirmed": "已确认", "rejected": "已驳回", "superseded": "已替代"}
WISH_STATUS = {"open": "待认领", "claimed": "已认领", "done": "已实现"}
RATING = {1: "满意", 2: "基本满意", 3: "不满意"}
EVENT = {"created": "受理", "assigned": "派单", "accepted": "接单", "progress": "进展", "handed_up": "转办",
         "returned": "退回", "resolved": "办结", "rated": "评价", "reopened": "重新打开", "merged": "合并",
         "escalated": "督办升级", "recategorised": "改类", "reminded": "提醒", "closed": "关闭"}
CATEGORY = {"utilities": "水电气暖", "repair": "设施报修", "sanitation": "环境卫生", "dispute": "邻里纠纷",
            "safety": "治安消防", "traffic": "交通出行", "care": "帮扶关爱", "policy": "政策咨询",
            "suggestion": "意见建议", "other": "其他诉求", "none": "非诉求"}


def _context() -> tuple[Settings, Clock]:
    try:
        settings = Settings.load()
    except (OSError, ValueError):
        settings = Settings()
    return settings, Clock(settings.timezone)


def _local(clock: Clock, moment: datetime | None) -> datetime | None:
    return None if moment is None else clock.local(moment).replace(tzinfo=None, microsecond=0)


def _ids(communities: Sequence[Community]) -> list[int]:
    return [c.id for c in communities]


def _building_ids(session: Session, communities: Sequence[Community]) -> list[int]:
    return list(session.scalars(select(Building.id).join(Grid).where(Grid.community_id.in_(_ids(communities)))))


def write_visit_status(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    settings, clock = _context()
    today = clock.local().date()
    households = session.execute(
        select(Household.id, Building.code, Household.unit, Household.room, Household.colour, Person.name,
               MemberLink.created_at)
        .join(Building, Building.id == Household.building_id).join(Grid, Grid.id == Building.grid_id)
        .outerjoin(MemberLink, MemberLink.household_id == Household.id)
        .outerjoin(Person, Person.id == MemberLink.member_id)
        .where(Grid.community_id.in_(_ids(communities)))).all()
    last = ledger.last_visits(session)
    rows = []
    for hid, code, unit, room, colour, member, linked_at in households:
        seen = last.get(hid)
        due = overdue = None
        if linked_at is not None:
            since = ledger.local_date(clock, seen if seen is not None else linked_at)
            due = since.toordinal() + ledger.visit_pace(settings, colour)
            overdue = max(0, today.toordinal() - due)
        rows.append(((natural(code), natural(unit), natural(room)),
                     (f"{code}-{unit}-{room}", COLOUR.get(colour, colour), member, _local(clock, seen),
                      datetime.fromordinal(due).date() if due else None, overdue)))
    rows.sort(key=lambda r: r[0])
    write_table(ws, [Header("住址", 12), Header("颜色", 6), Header("联户党员", 10), Header("最近走访", 18),
                     Header("应走访日期", 12), Header("逾期天数", 9)], (r for _, r in rows))


def write_visits(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    _, clock = _context()
    visits = session.execute(
        select(Visit.visited_at, Building.code, Household.unit, Household.room, Person.name, Visit.kind,
               Visit.content, Ticket.number)
        .join(Household, Household.id == Visit.household_id).join(Building, Building.id == Household.building_id)
        .join(Person, Person.id == Visit.member_id).outerjoin(Ticket, Ticket.id == Visit.ticket_id)
        .where(Household.building_id.in_(_building_ids(session, communities)))
        .order_by(Visit.visited_at, Visit.id))
    write_table(ws, [Header("时间", 18), Header("住址", 12), Header("走访人", 10), Header("类型", 9),
                     Header("内容", 40), Header("工单号", 9)], (
        (_local(clock, at), f"{code}-{unit}-{room}", member, VISIT_KIND.get(kind, kind), content, number)
        for at, code, unit, room, member, kind, content, number in visits))


def write_tickets(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    _, clock = _context()
    tickets = session.scalars(
        select(Ticket).where(Ticket.community_id.in_(_ids(communities)))
        .options(selectinload(Ticket.building), selectinload(Ticket.household).selectinload(Household.building),
                 selectinload(Ticket.reporter), selectinload(Ticket.assignee),
                 selectinload(Ticket.events).selectinload(TicketEvent.actor))
        .order_by(Ticket.number))

    def timeline(t: Ticket) -> str:
        return "\n".join(
            f"{clock.show(e.created_at, '%Y-%m-%d %H:%M')} {EVENT.get(e.kind, e.kind)}"
            + (f" {e.actor.name}" if e.actor else "") + (f":{e.note}" if e.note else "") for e in t.events)

    write_table(ws, [Header("工单号", 8), Header("受理时间", 18), Header("类别", 10), Header("紧急", 6),
                     Header("楼栋", 10), Header("住址", 12), Header("状态", 12), Header("反映人", 10),
                     Header("负责人", 10), Header("内容", 40), Header("接单时间", 18), Header("办结时间", 18),
                     Header("办结说明", 30), Header("评价", 9), Header("经过", 60)], (
        (t.number, _local(clock, t.created_at), CATEGORY.get(t.category, t.category), "是" if t.urgent else "",
         t.building.name if t.building else None, t.household.address if t.household else None,
         TICKET_STATUS.get(t.status, t.status), t.reporter.name if t.reporter else None,
         t.assignee.name if t.assignee else None, t.text, _local(clock, t.accepted_at),
         _local(clock, t.resolved_at), t.resolution, RATING.get(t.rating) if t.rating else None, timeline(t))
        for t in tickets))


def write_colour_changes(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    _, clock = _context()
    changes = session.scalars(
        select(ColourChange).join(Household)
        .where(Household.building_id.in_(_building_ids(session, communities)))
        .options(selectinload(ColourChange.household).selectinload(Household.building),
                 selectinload(ColourChange.proposed_by), selectinload(ColourChange.decided_by))
        .order_by(ColourChange.proposed_at, ColourChange.id))
    write_table(ws, [Header("编号", 6), Header("住址", 12), Header("原颜色", 7), Header("新颜色", 7),
                     Header("原因", 30), Header("状态", 8), Header("申请人", 10), Header("申请时间", 18),
                     Header("确认人", 10), Header("确认时间", 18), Header("意见", 20), Header("升级调色", 9)], (
        (c.id, c.household.address, COLOUR.get(c.from_colour), COLOUR.get(c.to_colour), c.reason,
         CHANGE_STATUS.get(c.status, c.status), c.proposed_by.name if c.proposed_by else None,
         _local(clock, c.proposed_at), c.decided_by.name if c.decided_by else None,
         _local(clock, c.decided_at), c.decision_note, "是" if c.is_upgrade else "") for c in changes))


def write_wishes(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    _, clock = _context()
    wishes = session.scalars(
        select(Wish).where(Wish.community_id.in_(_ids(communities)))
        .options(selectinload(Wish.building), selectinload(Wish.household).selectinload(Household.building),
                 selectinload(Wish.resident), selectinload(Wish.claimed_by))
        .order_by(Wish.id))
    write_table(ws, [Header("编号", 7), Header("登记时间", 18), Header("楼栋", 10), Header("住址", 12),
                     Header("居民", 10), Header("心愿", 40), Header("状态", 8), Header("认领人", 10),
                     Header("认领时间", 18), Header("实现时间", 18), Header("说明", 30)], (
        (w.code, _local(clock, w.created_at), w.building.name if w.building else None,
         w.household.address if w.household else None, w.resident.name, w.text,
         WISH_STATUS.get(w.status, w.status), w.claimed_by.name if w.claimed_by else None,
         _local(clock, w.claimed_at), _local(clock, w.done_at), w.done_note) for w in wishes))


def write_members(session: Session, ws: AnySheet, communities: Sequence[Community]) -> None:
    settings, clock = _context()
    handlers = session.execute(
        select(Person.id, Person.name, Person.chat_id, Person.strengths, Person.capacity, Person.role)
        .where(Person.community_id.in_(_ids(communities)), Person.role.in_(Role.HANDLERS))
        .order_by(Person.id)).all()
    links: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for member_id, code, unit, room in session.execute(
            select(MemberLink.member_id, Building.code, Household.unit, Household.room)
            .join(Household, Household.id == MemberLink.household_id)
            .join(Building, Building.id == Household.building_id)
            .where(MemberLink.member_id.in_([h[0] for h in handlers])).order_by(MemberLink.id)):
        links[member_id].append((code, unit, room))
    members = [m for m in handlers if m[5] == Role.MEMBER or links.get(m[0])]
    today = clock.local().date()
    start, end = ledger.month_bounds(clock, today.year, today.month)
    ids = [m[0] for m in members]
    month = ledger.member_points(session, clock, settings, start, end, ids)
    total = ledger.member_points(session, clock, settings, None, None, ids)
    declined: dict[int, list[str]] = defaultdict(list)
    for member_id, code, unit, room, reason in session.execute(
            select(MemberDecline.member_id, Building.code, Household.unit, Household.room, MemberDecline.reason)
            .join(Household, Household.id == MemberDecline.household_id)
            .join(Building, Building.id == Household.building_id)
            .where(MemberDecline.member_id.in_(ids)).order_by(MemberDecline.id)):
        declined[member_id].append(f"{code}-{unit}-{room}:{reason}")

    def addresses(member_id: int) -> str:
        homes = sorted(links.get(member_id, []), key=lambda h: (natural(h[0]), natural(h[1]), natural(h[2])))
        return "、".join(f"{code}-{unit}-{room}" for code, unit, room in homes)

    write_table(ws, [Header("姓名", 10), Header("微信号", 14), Header("特长", 16), Header("联户上限", 9),
                     Header("联系户数", 9), Header("联系住户", 50), Header("本月积分", 9), Header("累计积分", 9),
                     Header("本月走访户次", 12), Header("婉拒", 30)], (
        (name, chat_id, strengths, capacity, len(links.get(mid, [])), addresses(mid), month[mid].total,
         total[mid].total, month[mid].visits, ";".join(declined.get(mid, [])))
        for mid, name, chat_id, strengths, capacity, _ in members))


SHEETS = ((VISIT_STATUS, write_visit_status), (VISITS, write_visits), (TICKETS, write_tickets),
          (COLOUR_CHANGES, write_colour_changes), (WISHES, write_wishes), (MEMBERS, write_members),
          (month_sheet.SHEET, month_sheet.write_month))


def register() -> None:
    """Add the ledger's sheets to ``storage.exporter`` (once)."""
    known = {name for name, _ in exporter.EXTRA_SHEETS}
    for name, writer in SHEETS:
        if name not in known:
            exporter.EXTRA_SHEETS.append((name, writer))


register()
