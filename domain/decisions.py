"""Deciding what waits for a person — a household claim, a group binding, a colour change — and
telling whoever is told, the same from chat (确认住户 K / 不是 K, 确认绑定 K, 确认调色 N /
驳回调色 N) and from the console's 待处理 page.

Each function changes the row, queues what the other people are told (``say``), and returns
the answer for the person who decided (the chat reply, the console's flash line). Who may
decide is checked by the caller (chat filters, ``domain.pending``).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from domain import ledger, trust
from kernel import texts as T
from kernel.clock import Clock
from storage.models import BindingProposal, ChangeStatus, ColourChange, HouseholdClaim, Person
from storage.outbox import Speaker


def colour_name(colour: str | None) -> str:
    return T.COLOUR_NAMES.get(colour or "", colour or "")


def confirm_claim(say: Speaker, clock: Clock, claim: HouseholdClaim, by: Person) -> str:
    """确认住户 K: the person is bound to the household and told so privately."""
    trust.decide_claim(clock, claim, by, confirmed=True)
    address = claim.household.address
    say.person(claim.person, T.BOUND.format(address=address))
    return T.CLAIM_CONFIRMED_OK.format(name=claim.person.name, address=address)


def deny_claim(say: Speaker, clock: Clock, claim: HouseholdClaim, by: Person) -> str:
    """不是 K: the claim fails; the person is told privately."""
    trust.decide_claim(clock, claim, by, confirmed=False)
    address = claim.household.address
    say.person(claim.person, T.CLAIM_DENIED_RESIDENT.format(address=address))
    return T.CLAIM_DENIED_OK.format(name=claim.person.name, address=address)


def confirm_binding(session: Session, say: Speaker, clock: Clock, proposal: BindingProposal,
                    by: Person) -> str:
    """确认绑定 K: the group becomes the building's group, and the group is told."""
    old = trust.bind_room(session, proposal.room, proposal.building)
    proposal.status = ChangeStatus.CONFIRMED
    proposal.decided_by_id = by.id
    proposal.decided_at = clock.now()
    say.room(proposal.room.chat_id, T.ROOM_BOUND.format(building=proposal.building.name))
    replaced = T.BINDING_REPLACED.format(room=old.name) if old is not None else ""
    return T.BINDING_CONFIRMED.format(room=proposal.room.name, building=proposal.building.name,
                                      replaced=replaced)


def confirm_colour(session: Session, say: Speaker, clock: Clock, change: ColourChange, by: Person,
                   note: str = "") -> str:
    """确认调色 N: the colour holds; who proposed it is told privately."""
    household = change.household
    ledger.confirm_colour(session, clock, change, by, note)
    upgrade = T.COLOUR_UPGRADE_MARK if change.is_upgrade else ""
    say.person(change.proposed_by, T.COLOUR_CONFIRMED_MEMBER.format(
        id=change.id, address=household.address, old=colour_name(change.from_colour),
        new=colour_name(change.to_colour), staff=by.name, upgrade=upgrade))
    return T.COLOUR_CONFIRMED_OK.format(id=change.id, address=household.address)


def reject_colour(session: Session, say: Speaker, clock: Clock, change: ColourChange, by: Person,
                  note: str) -> str:
    """驳回调色 N 原因: who proposed it is told why, privately."""
    ledger.reject_colour(session, clock, change, by, note)
    say.person(change.proposed_by, T.COLOUR_REJECTED_MEMBER.format(
        id=change.id, address=change.household.address, new=colour_name(change.to_colour),
        staff=by.name, note=note))
    return T.COLOUR_REJECTED_OK.format(id=change.id, address=change.household.address)
