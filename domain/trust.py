"""Who is who, and which group is which — decided by people, never by what someone types.

- ``我是 1-1-401`` makes a *claim*: the household's linked member (or the grid worker of its
  grid, or staff) confirms or denies it; only a confirmed claim binds the person.
- A group whose name matches a building's group name is only *proposed* to staff; staff bind a
  group by ``确认绑定 K`` or by ``绑定 楼栋名`` inside it; one building has one group.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.access import is_staff_of
from kernel import texts as T
from kernel.clock import Clock
from storage import repo
from storage.models import (
    BindingProposal,
    Building,
    ChangeStatus,
    ChatRoom,
    Community,
    Grid,
    Household,
    HouseholdClaim,
    Person,
    RoomKind,
)
from storage.outbox import Speaker

# --- household claims -----------------------------------------------------------------------


def claim(session: Session, say: Speaker, clock: Clock, person: Person,
          household: Household) -> HouseholdClaim:
    """A pending claim (the same pending claim again is not asked twice); the linked member, else
    the grid worker, else staff are asked privately."""
    pending = session.scalar(select(HouseholdClaim).where(
        HouseholdClaim.person_id == person.id, HouseholdClaim.status == ChangeStatus.PENDING))
    if pending is not None and pending.household_id == household.id:
        return pending
    if pending is not None:  # a new claim replaces the one still waiting
        pending.status = ChangeStatus.SUPERSEDED
        pending.decided_at = clock.now()
    row = HouseholdClaim(person=person, household=household, status=ChangeStatus.PENDING,
                         created_at=clock.now())
    session.add(row)
    session.flush()
    if person.community_id is None:
        person.community_id = household.building.grid.community_id
    text = T.CLAIM_ASK.format(name=person.name, address=household.address, id=row.id)
    for deciding in claim_deciders(session, household):
        say.person(deciding, text)
    return row


def claim_deciders(session: Session, household: Household) -> Sequence[Person]:
    """Who is asked: the linked member; without one, the grid worker; without one, staff."""
    member = repo.linked_member(session, household.id)
    if member is not None:
        return [member]
    worker = household.building.grid.worker
    if worker is not None:
        return [worker]
    return repo.staff_of(session, household.building.grid.community_id)


def may_decide_claim(person: Person, claim_row: HouseholdClaim) -> bool:
    household = claim_row.household
    if is_staff_of(person, household.building.grid.community_id):
        return True
    if household.link is not None and household.link.member_id == person.id:
        return True
    return household.building.grid.worker_id == person.id


def decide_claim(clock: Clock, claim_row: HouseholdClaim, by: Person, confirmed: bool) -> None:
    if confirmed:
        bind_person(claim_row.person, claim_row.household)  # settles waiting claims...
    claim_row.status = ChangeStatus.CONFIRMED if confirmed else ChangeStatus.REJECTED  # ...this one so
    claim_row.decided_by = by
    claim_row.decided_at = clock.now()


def bind_person(person: Person, household: Household) -> None:
    """Bound, hence verified; a claim still waiting is settled by this (staff's 登记, or another
    claim confirmed)."""
    from sqlalchemy.orm import object_session

    person.household = household
    if person.community_id is None:
        person.community_id = household.building.grid.community_id
    session = object_session(person)
    if session is not None and person.id is not None:
        for row in session.scalars(select(HouseholdClaim).where(
                HouseholdClaim.person_id == person.id, HouseholdClaim.status == ChangeStatus.PENDING)):
            row.status = ChangeStatus.SUPERSEDED


# --- groups -----------------------------------------------------------------------------------


def find_buildings(session: Session, name: str, community_id: int | None = None) -> list[Building]:
    """A building by its name (3号楼), code (3), group name, or community name + building name
    (幸福里2号楼, 幸福里社区2号楼); within ``community_id`` when given."""
    name = name.strip()
    found = list(repo.buildings_named(session, name))
    if not found:
        found = list(session.scalars(select(Building).where(Building.group_name == name)
                                     .order_by(Building.id)))
    if not found:
        for community in session.scalars(select(Community).order_by(Community.id)):
            for prefix in _prefixes(community.name):
                if name.startswith(prefix) and len(name) > len(prefix):
                    rest = name[len(prefix):].strip()
                    found += [b for b in repo.buildings_named(session, rest)
                              if b.grid.community_id == community.id]
            if found:
                break
    if community_id is not None:
        found = [b for b in found if b.grid.community_id == community_id] or found
    return found


def _prefixes(community_name: str) -> list[str]:
    """幸福里社区 is also written 幸福里."""
    names = [community_name]
    for suffix in ("社区居委会", "社区", "小区"):
        if community_name.endswith(suffix) and len(community_name) > len(suffix):
            names.append(community_name[: -len(suffix)])
    return sorted(set(names), key=len, reverse=True)


def bind_room(session: Session, room: ChatRoom, building: Building) -> ChatRoom | None:
    """Make ``room`` the building's group; returns the group it replaced, now unbound."""
    old = session.scalar(select(ChatRoom).where(ChatRoom.building_id == building.id,
                                                ChatRoom.id != room.id).order_by(ChatRoom.id))
    if old is not None:
        old.building = None
        old.building_id = None
        old.kind = RoomKind.OTHER
    room.building = building
    room.kind = RoomKind.BUILDING
    room.community_id = building.grid.community_id
    for p in session.scalars(select(BindingProposal).where(BindingProposal.room_id == room.id,
                                                           BindingProposal.status == ChangeStatus.PENDING)):
        p.status = ChangeStatus.SUPERSEDED
    session.flush()
    return old


def make_staff_room(room: ChatRoom, community_id: int) -> None:
    room.kind = RoomKind.STAFF
    room.building = None
    room.building_id = None
    room.community_id = community_id


def propose_binding(session: Session, say: Speaker, clock: Clock, room: ChatRoom) -> BindingProposal | None:
    """A group nobody bound whose name is a building's group name: staff of that community are
    asked once (in the staff group, else privately); the group stays unbound."""
    if room.building_id is not None or room.kind != RoomKind.OTHER or not room.name:
        return None
    building = session.scalar(select(Building).where(Building.group_name == room.name).order_by(Building.id))
    if building is None:
        return None
    asked = session.scalar(select(BindingProposal.id).where(BindingProposal.room_id == room.id,
                                                            BindingProposal.building_id == building.id))
    if asked is not None:
        return None
    row = BindingProposal(room=room, building=building, status=ChangeStatus.PENDING, created_at=clock.now())
    session.add(row)
    session.flush()
    current = repo.building_room(session, building.id)
    other = T.BINDING_OTHER.format(building=building.name, room=current.name) if current is not None else ""
    say.staff_group(building.grid.community_id,
                    T.BINDING_PROPOSAL.format(room=room.name, building=building.name, id=row.id, other=other))
    return row


def grid_ids_of(session: Session, person: Person) -> list[int]:
    return list(session.scalars(select(Grid.id).where(Grid.worker_id == person.id)))
