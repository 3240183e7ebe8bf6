"""The figures communities report for 接诉即办: received, 响应率, 解决率, 满意率."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from storage.models import Ticket, TicketRating


@dataclass(frozen=True)
class TicketFigures:
    received: int
    accepted_in_time: int
    resolved: int
    resolved_in_time: int
    rated: int
    satisfied: int  # 满意 or 基本满意
    unrated_closed: int
    #: received, not accepted yet, and still inside the acceptance time: not (yet) a miss
    awaiting: int = 0

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return None if whole == 0 else part / whole

    @property
    def response_rate(self) -> float | None:
        """Accepted in time / the tickets whose acceptance time is over or that were accepted
        (a ticket still inside its acceptance time is not a miss)."""
        return self.rate(self.accepted_in_time, self.received - self.awaiting)

    @property
    def resolve_rate(self) -> float | None:
        return self.rate(self.resolved, self.received)

    @property
    def resolve_in_time_rate(self) -> float | None:
        """解决率 as the weekly report counts it: resolved within the deadline."""
        return self.rate(self.resolved_in_time, self.received)

    @property
    def satisfaction(self) -> float | None:
        return self.rate(self.satisfied, self.rated)


def awaiting_condition(now: datetime) -> ColumnElement[bool]:
    """Not accepted yet, and the acceptance deadline is still ahead."""
    return and_(Ticket.accepted_at.is_(None), Ticket.accept_due.is_not(None), Ticket.accept_due > now)


def ticket_figures(session: Session, start: datetime, end: datetime,
                   community_id: int | None = None, building_ids: list[int] | None = None,
                   now: datetime | None = None) -> TicketFigures:
    """Figures for the tickets received in [start, end); ``now`` (default: ``end``) decides
    which unaccepted tickets are still inside their acceptance time."""
    now = end if now is None else now
    conds = [Ticket.created_at >= start, Ticket.created_at < end]
    if community_id is not None:
        conds.append(Ticket.community_id == community_id)
    if building_ids is not None:
        conds.append(Ticket.building_id.in_(building_ids))

    def count_if(*c: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((and_(*c), 1), else_=0)), 0)

    row = session.execute(select(
        func.count(Ticket.id),
        count_if(Ticket.accepted_at.is_not(None), Ticket.accepted_at <= Ticket.accept_due),
        count_if(Ticket.resolved_at.is_not(None)),
        count_if(Ticket.resolved_at.is_not(None), Ticket.resolved_at <= Ticket.resolve_due),
        count_if(Ticket.rating.is_not(None)),
        count_if(Ticket.rating.in_((1, 2))),
        count_if(Ticket.status == "closed", Ticket.rating.is_(None)),
        count_if(awaiting_condition(now)),
    ).where(*conds)).one()
    values = [int(v) for v in row]
    # a co-reporter's own answer counts too (only the first reporter's is the ticket's rating)
    co = session.execute(select(count_if(TicketRating.id.is_not(None)),
                                count_if(TicketRating.value.in_((1, 2))))
                         .join(Ticket, Ticket.id == TicketRating.ticket_id)
                         .where(*conds, TicketRating.person_id != Ticket.reporter_id)).one()
    values[4] += int(co[0])
    values[5] += int(co[1])
    return TicketFigures(*values)
