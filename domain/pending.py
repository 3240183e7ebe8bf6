"""待处理: what waits for a person, for the console (issue 13), scoped like every console query.

    items = waiting(session, clock, viewer)     # heads-ups, claims, bindings, colour changes,
                                                # matching proposals the viewer may decide
    decide(session, say, clock, settings, viewer, kind, number, action, form)

Each decision calls the same domain function as the chat command (转工单/忽略 K →
domain.headsups, 确认住户/不是 K, 确认绑定 K, 确认调色/驳回调色 N → domain.decisions,
确认匹配 K → domain.matching), so the group and the people concerned are told as if it were
typed; who may decide is the chat commands' rule (headsups.can_decide, trust.may_decide_claim,
staff for bindings, colours and matching).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session, selectinload

from domain import decisions, headsups, matching, trust
from domain.access import may_list_colours
from domain.console import Viewer, building_scope
from kernel import texts as T
from kernel.clock import Clock
from kernel.config import Settings
from storage.models import (
    BindingProposal,
    Building,
    ChangeStatus,
    ColourChange,
    HeadsUp,
    HeadsUpStatus,
    Household,
    HouseholdClaim,
    LinkProposal,
    Person,
)
from storage.outbox import Speaker

LIMIT = 100


@dataclass(frozen=True)
class Item:
    kind: str  # headsup / claim / binding / colour / match
    number: int
    title: str
    lines: tuple[str, ...]
    at: str
    actions: tuple[tuple[str, str], ...]  # (action, button label)
    alert: bool = False
    note: str = ""  # a form field asked for: "reason" (驳回调色), "lines" (确认匹配)


@dataclass
class Waiting:
    sections: list[tuple[str, str, list[Item]]] = field(default_factory=list)  # (kind, heading, items)

    @property
    def total(self) -> int:
        return sum(len(items) for _, _, items in self.sections)


def _in_scope(viewer: Viewer, building_id: Any) -> ColumnElement[bool]:
    return building_id.in_(select(Building.id).where(building_scope(viewer)))


def _heads_ups(session: Session, clock: Clock, viewer: Viewer) -> list[Item]:
    q = select(HeadsUp).where(HeadsUp.status == HeadsUpStatus.OPEN)
    if viewer.is_staff:
        q = q.where(true() if viewer.community_id is None else HeadsUp.community_id == viewer.community_id)
    else:
        q = q.where(_in_scope(viewer, HeadsUp.building_id) | (HeadsUp.recipient_id == viewer.person_id))
    rows = session.scalars(q.options(selectinload(HeadsUp.reporter), selectinload(HeadsUp.recipient))
                           .order_by(HeadsUp.alert.desc(), HeadsUp.id).limit(LIMIT)).all()
    return [Item("headsup", h.id, T.PENDING_HEADS_UP_TITLE.format(
        id=h.id, building=h.building.name if h.building else "未知楼栋", reporter=h.reporter.name),
        (h.text[:headsups.QUOTE], T.PENDING_HEADS_UP_TO.format(
            name=h.recipient.name if h.recipient else "—",
            category=T.CATEGORY_NAMES.get(headsups.guess(h.category), h.category))),
        clock.show(h.created_at), (("ticket", "转工单"), ("ignore", "忽略")), alert=h.alert) for h in rows]


def _claims(session: Session, clock: Clock, viewer: Viewer) -> list[Item]:
    q = (select(HouseholdClaim).join(Household, Household.id == HouseholdClaim.household_id)
         .where(HouseholdClaim.status == ChangeStatus.PENDING, _in_scope(viewer, Household.building_id)))
    rows = session.scalars(q.order_by(HouseholdClaim.id).limit(LIMIT)).all()
    return [Item("claim", c.id, T.PENDING_CLAIM_TITLE.format(id=c.id, name=c.person.name,
                                                              address=c.household.address),
                 (), clock.show(c.created_at), (("confirm", "确认住户"), ("deny", "不是")))
            for c in rows]


def _bindings(session: Session, clock: Clock, viewer: Viewer) -> list[Item]:
    if not viewer.is_staff:
        return []
    q = select(BindingProposal).where(BindingProposal.status == ChangeStatus.PENDING,
                                      _in_scope(viewer, BindingProposal.building_id))
    rows = session.scalars(q.order_by(BindingProposal.id).limit(LIMIT)).all()
    return [Item("binding", b.id, T.PENDING_BINDING_TITLE.format(id=b.id, room=b.room.name, building=b.building.name),
                 (), clock.show(b.created_at), (("confirm", "确认绑定"),)) for b in rows]


def _colours(session: Session, clock: Clock, viewer: Viewer) -> list[Item]:
    if not viewer.is_staff or not may_list_colours(viewer.role):
        return []
    q = (select(ColourChange).join(Household, Household.id == ColourChange.household_id)
         .where(ColourChange.status == ChangeStatus.PENDING, _in_scope(viewer, Household.building_id)))
    rows = session.scalars(q.order_by(ColourChange.id).limit(LIMIT)).all()
    return [Item("colour", c.id, T.PENDING_COLOUR_TITLE.format(
        id=c.id, address=c.household.address, old=decisions.colour_name(c.household.colour),
        new=decisions.colour_name(c.to_colour)),
        (T.PENDING_COLOUR_WHY.format(name=c.proposed_by.name if c.proposed_by else "—", reason=c.reason),),
        clock.show(c.proposed_at), (("confirm", "确认调色"), ("reject", "驳回调色")), note="reason")
        for c in rows]


def _matches(session: Session, clock: Clock, viewer: Viewer) -> list[Item]:
    if not viewer.is_staff:
        return []
    q = select(LinkProposal.batch, func.count(LinkProposal.id), func.min(LinkProposal.created_at)).where(
        LinkProposal.status == ChangeStatus.PENDING)
    if viewer.community_id is not None:
        q = q.where(LinkProposal.community_id == viewer.community_id)
    items = []
    for batch, count, at in session.execute(q.group_by(LinkProposal.batch).order_by(LinkProposal.batch)).all():
        lines = session.scalars(select(LinkProposal).where(
            LinkProposal.batch == batch, LinkProposal.status == ChangeStatus.PENDING)
            .order_by(LinkProposal.line).limit(40)).all()
        shown = tuple(T.MATCH_LINE.format(line=p.line, address=p.household.address, name=p.member.name, why=p.why)
                      for p in lines)
        more = (T.MATCH_MORE.format(count=count - len(lines)),) if count > len(lines) else ()
        items.append(Item("match", batch, T.PENDING_MATCH_TITLE.format(batch=batch, count=count),
                          shown + more, clock.show(at), (("accept", "确认匹配"),), note="lines"))
    return items


def waiting(session: Session, clock: Clock, viewer: Viewer) -> Waiting:
    """Everything waiting for the viewer to decide, by kind (empty kinds left out)."""
    result = Waiting()
    for kind, heading, items in (
            ("headsup", T.PENDING_HEADS_UPS, _heads_ups(session, clock, viewer)),
            ("claim", T.PENDING_CLAIMS, _claims(session, clock, viewer)),
            ("binding", T.PENDING_BINDINGS, _bindings(session, clock, viewer)),
            ("colour", T.PENDING_COLOURS, _colours(session, clock, viewer)),
            ("match", T.PENDING_MATCHES, _matches(session, clock, viewer))):
        if items:
            result.sections.append((kind, heading, items))
    return result


# --- deciding ---------------------------------------------------------------------------------------

def decide(session: Session, say: Speaker, clock: Clock, settings: Settings, viewer: Viewer, kind: str,
           number: int, action: str, form: Mapping[str, Any]) -> tuple[str, str]:
    """Do what the button says, as the chat command would: (what happened, "") or ("", why not)."""
    actor = session.get(Person, viewer.person_id)
    if actor is None:
        return "", T.CONSOLE_NOT_ALLOWED
    deciders = {"headsup": _decide_heads_up, "claim": _decide_claim, "binding": _decide_binding,
                "colour": _decide_colour, "match": _decide_match}
    fn = deciders.get(kind)
    if fn is None:
        return "", T.PENDING_GONE
    return fn(session, say, clock, settings, viewer, actor, number, action, form)


def _decide_heads_up(session: Session, say: Speaker, clock: Clock, settings: Settings, viewer: Viewer,
                     actor: Person, number: int, action: str, form: Mapping[str, Any]) -> tuple[str, str]:
    item = session.get(HeadsUp, number)
    if item is None or not _visible_heads_up(viewer, item):
        return "", T.HEADS_UP_UNKNOWN.format(id=number)
    if not headsups.can_decide(actor, item):
        return "", T.HEADS_UP_NOT_YOURS.format(id=number)
    if not item.is_open:
        return "", T.HEADS_UP_DONE_ALREADY.format(id=number, status=headsups.status_text(item))
    if action == "ticket":
        ticket = headsups.to_ticket(session, say, clock, settings, item, actor)
        return T.HEADS_UP_TICKETED.format(id=item.id, number=ticket.number), ""
    if action == "ignore":
        headsups.ignore(session, clock, item, actor)
        return T.HEADS_UP_IGNORED.format(id=item.id), ""
    return "", T.PENDING_GONE


def _visible_heads_up(viewer: Viewer, item: HeadsUp) -> bool:
    if viewer.is_staff:
        return viewer.community_id is None or item.community_id == viewer.community_id
    return item.recipient_id == viewer.person_id or (
        item.building is not None and item.building.grid_id in viewer.grid_ids)


def _building_ok(viewer: Viewer, building: Building) -> bool:
    if viewer.is_staff:
        return viewer.community_id is None or building.grid.community_id == viewer.community_id
    return building.grid_id in viewer.grid_ids


def _decide_claim(session: Session, say: Speaker, clock: Clock, settings: Settings, viewer: Viewer,
                  actor: Person, number: int, action: str, form: Mapping[str, Any]) -> tuple[str, str]:
    claim = session.get(HouseholdClaim, number)
    if claim is None or claim.status != ChangeStatus.PENDING or not _building_ok(viewer, claim.household.building):
        return "", T.CLAIM_NO_SUCH.format(id=number)
    if not trust.may_decide_claim(actor, claim):
        return "", T.CLAIM_NOT_YOURS.format(id=claim.id)
    if action == "confirm":
        return decisions.confirm_claim(say, clock, claim, actor), ""
    if action == "deny":
        return decisions.deny_claim(say, clock, claim, actor), ""
    return "", T.PENDING_GONE


def _decide_binding(session: Session, say: Speaker, clock: Clock, settings: Settings, viewer: Viewer,
                    actor: Person, number: int, action: str, form: Mapping[str, Any]) -> tuple[str, str]:
    if not viewer.is_staff:
        return "", T.CONSOLE_NOT_ALLOWED
    proposal = session.get(BindingProposal, number)
    if proposal is None or proposal.status != ChangeStatus.PENDING or not _building_ok(viewer, proposal.building):
        return "", T.BINDING_NO_SUCH.format(id=number)
    if action != "confirm":
        return "", T.PENDING_GONE
    return decisions.confirm_binding(session, say, clock, proposal, actor), ""


def _decide_colour(session: Session, say: Speaker, clock: Clock, settings: Settings, viewer: Viewer,
                   actor: Person, number: int, action: str, form: Mapping[str, Any]) -> tuple[str, str]:
    if not viewer.is_staff:
        return "", T.CONSOLE_NOT_ALLOWED
    change = session.get(ColourChange, number)
    if change is None or not _building_ok(viewer, change.household.building):
        return "", T.COLOUR_NO_SUCH.format(id=number)
    if change.status != ChangeStatus.PENDING:
        return "", T.COLOUR_DECIDED_ALREADY.format(
            id=change.id, status=T.CHANGE_STATUS_NAMES.get(change.status, change.status))
    note = str(form.get("note", "")).strip()[:200]
    if action == "confirm":
        return decisions.confirm_colour(session, say, clock, change, actor, note), ""
    if action == "reject":
        if not note:
            return "", T.COLOUR_REJECT_NEED_REASON.format(id=change.id)
        return decisions.reject_colour(session, say, clock, change, actor, note), ""
    return "", T.PENDING_GONE


def _decide_match(session: Session, say: Speaker, clock: Clock, settings: Settings, viewer: Viewer,
                  actor: Person, number: int, action: str, form: Mapping[str, Any]) -> tuple[str, str]:
    if not viewer.is_staff:
        return "", T.CONSOLE_NOT_ALLOWED
    q = select(LinkProposal.id).where(LinkProposal.batch == number, LinkProposal.status == ChangeStatus.PENDING)
    if viewer.community_id is not None:
        q = q.where(LinkProposal.community_id == viewer.community_id)
    if session.scalar(q.limit(1)) is None:
        return "", T.MATCH_NO_SUCH.format(batch=number)
    try:
        lines = matching.parse_lines(str(form.get("note", "")))
    except ValueError:
        return "", T.MATCH_ACCEPT_USAGE
    result = matching.accept(session, clock, number, lines)
    text = T.MATCH_ACCEPTED.format(batch=number, count=result.linked)
    if result.skipped:
        text += T.MATCH_SKIPPED.format(count=len(result.skipped), addresses="、".join(result.skipped[:10]))
    return text, ""

