"""Who may see a ticket and who may act on it: the one written rule (README, "Who may see what").

A ticket is seen by

- its **handlers**: the assignee, the grid worker of its grid, staff of its community, and the
  member linked to its household — in full (address, text, notes, deadlines);
- its **reporters** (the first and everyone merged into it) — their own report, its status and
  what was done, never handlers' notes;
- in a **building group**, by anyone verified there, only as the public status line, and only a
  ticket of that building;

and by nobody else ("无权查看"). What a person may see is then capped by where they ask: a
building group shows only the status line, the staff group (a staff-only place) everything
but handlers' notes and the household's address; a private chat shows what the person may see.

Acting (接单, 进展, 办结, 转办, 退回, 又坏了) belongs to the assignee, the grid worker of the
ticket's grid and staff of its community. The web console asks the same functions.
"""
from __future__ import annotations

from enum import IntEnum

from storage.models import ChatRoom, Household, Person, RoomKind, Ticket


class Visibility(IntEnum):
    NONE = 0  # 无权查看
    PUBLIC = 1  # the status line: number, category, status, who handles it, when
    REPORTER = 2  # + the report's text and what happened (no handlers' notes)
    FULL = 3  # + address, handlers' notes, deadlines


def is_verified(person: Person) -> bool:
    """A resident bound to a household (imported with their WeChat id, confirmed by the linked
    member or staff, or registered by staff). Handlers are known to the community anyway."""
    return person.is_handler or person.household_id is not None


def is_reporter(person: Person, ticket: Ticket) -> bool:
    return any(r.person_id == person.id for r in ticket.reporters)


def is_first_reporter(person: Person, ticket: Ticket) -> bool:
    if ticket.reporter_id is not None:
        return ticket.reporter_id == person.id
    return bool(ticket.reporters) and ticket.reporters[0].person_id == person.id


def is_staff_of(person: Person, community_id: int | None) -> bool:
    """Staff of that community (an admin, or staff without a community, of every one)."""
    if not person.is_supervisor:
        return False
    return person.community_id is None or community_id is None or person.community_id == community_id


def is_grid_worker_of(person: Person, ticket: Ticket) -> bool:
    building = ticket.building
    return building is not None and building.grid.worker_id == person.id


def is_linked_member(person: Person, ticket: Ticket) -> bool:
    household = ticket.household
    return household is not None and household.link is not None and household.link.member_id == person.id


def can_act(person: Person, ticket: Ticket) -> bool:
    """The assignee, the grid worker of the ticket's grid and staff of its community."""
    if is_staff_of(person, ticket.community_id):
        return True
    if ticket.assignee_id is not None and ticket.assignee_id == person.id:
        return True
    return is_grid_worker_of(person, ticket)


def person_visibility(person: Person, ticket: Ticket) -> Visibility:
    """What this person may see of the ticket, wherever they ask."""
    if can_act(person, ticket) or is_linked_member(person, ticket):
        return Visibility.FULL
    if is_reporter(person, ticket):
        return Visibility.REPORTER
    return Visibility.NONE


def can_see(person: Person, ticket: Ticket, room: ChatRoom | None = None) -> Visibility:
    """What may be shown of the ticket to this person in this place (``room`` None: a private
    chat)."""
    own = person_visibility(person, ticket)
    if room is None:
        return own
    if room.kind == RoomKind.STAFF:
        return min(own, Visibility.REPORTER)
    if room.building_id is not None:
        if ticket.building_id != room.building_id:
            return Visibility.NONE
        if own or is_verified(person):
            return Visibility.PUBLIC
        return Visibility.NONE
    return min(own, Visibility.PUBLIC)  # a group nobody bound: nothing beyond the status line


def may_rate(person: Person, ticket: Ticket) -> bool:
    """Each reporter answers the rating question for themselves."""
    return is_reporter(person, ticket)


def may_reopen(person: Person, ticket: Ticket) -> bool:
    """又坏了 N: the ticket's reporters and its handlers."""
    return is_reporter(person, ticket) or can_act(person, ticket)


def may_edit_profile(person: Person, household: Household) -> bool:
    """A household's ages and tags (标签 …): staff of its community, the grid worker of its grid and
    the member linked to it."""
    grid = household.building.grid
    if is_staff_of(person, grid.community_id):
        return True
    if grid.worker_id is not None and grid.worker_id == person.id:
        return True
    return household.link is not None and household.link.member_id == person.id


def staff_group_summary(ticket: Ticket) -> str:
    """What the staff group (a staff-only place) reads of a ticket: what happened and where
    (the building), never the household's colour or notes — those reach its handlers privately."""
    from kernel import texts as T

    building = ticket.building.name if ticket.building is not None else "未知楼栋"
    return T.STAFF_GROUP_SUMMARY.format(
        category=T.CATEGORY_NAMES.get(ticket.category, ticket.category), building=building,
        text=ticket.text[:300])


# --- a household's colour (四色) -------------------------------------------------------------------

def may_see_colour(person: Person, household: Household) -> bool:
    """One household's colour and its reason, in chat (档案, 调色): staff, the linked member, and
    the building's grid worker."""
    if person.is_supervisor:
        return True
    if household.link is not None and household.link.member_id == person.id:
        return True
    worker = household.building.grid.worker_id
    return worker is not None and worker == person.id


def may_list_colours(role: str) -> bool:
    """Many households' colours on one screen (the console's 台账, its colour counts, a colour
    audience for a notice): staff only. A grid worker's console shows no colours (README,
    "网页控制台"); they still see one household's in chat (``may_see_colour``)."""
    from storage.models import Role

    return role in Role.SUPERVISORS
