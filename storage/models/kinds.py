"""The vocabularies stored in the tables: roles, colours, statuses, kinds of events."""
from __future__ import annotations


class Role:
    RESIDENT = "resident"
    MEMBER = "member"  # 联户党员 / 楼栋长
    GRID_WORKER = "grid_worker"  # 网格员
    STAFF = "staff"  # 社区干部
    ADMIN = "admin"

    ALL = (RESIDENT, MEMBER, GRID_WORKER, STAFF, ADMIN)
    HANDLERS = (MEMBER, GRID_WORKER, STAFF, ADMIN)  # may act on tickets
    SUPERVISORS = (STAFF, ADMIN)


class Colour:
    GREEN = "green"  # 绿 和谐平稳
    BLUE = "blue"  # 蓝 经济困难
    YELLOW = "yellow"  # 黄 矛盾纠纷
    ORANGE = "orange"  # 橙 孤老留守

    ALL = (GREEN, BLUE, YELLOW, ORANGE)


class Status:
    ASSIGNED = "assigned"  # waiting for the assignee to accept
    ACCEPTED = "accepted"  # being handled
    HANDED_UP = "handed_up"  # passed up to the grid worker / staff
    RETURNED = "returned"  # assignee says it is not ours; staff decide
    RESOLVED = "resolved"  # closed by the handler, waiting for the resident's rating
    CLOSED = "closed"  # rated or closed for good

    OPEN = (ASSIGNED, ACCEPTED, HANDED_UP, RETURNED)
    ALL = (ASSIGNED, ACCEPTED, HANDED_UP, RETURNED, RESOLVED, CLOSED)


class RoomKind:
    BUILDING = "building"
    STAFF = "staff"
    OTHER = "other"


class EventKind:
    CREATED = "created"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    PROGRESS = "progress"
    HANDED_UP = "handed_up"
    RETURNED = "returned"
    RESOLVED = "resolved"
    RATED = "rated"
    REOPENED = "reopened"
    MERGED = "merged"
    ESCALATED = "escalated"
    RECATEGORISED = "recategorised"
    REMINDED = "reminded"
    ATTACHED = "attached"
    CLOSED = "closed"
    UPGRADED = "upgraded"  # a duplicate report showed the problem is urgent
    SPLIT = "split"  # a merged reporter said it is not the same problem


class InboxStatus:
    NEW = "new"
    DONE = "done"
    FAILED = "failed"
    #: failed MAX_ATTEMPTS times (bot/inbox.py): never retried again, listed by `lianhu doctor`
    ASIDE = "aside"
    #: still to be handled: replayed at the start, claimed by a batch (storage/inbound.py ``claim``)
    WAITING = (NEW, FAILED)


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept for staff to see


class ChangeStatus:
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer proposal for the same household replaced it


class VisitKind:
    VISIT = "visit"  # 走访
    FINDING = "finding"  # 走访发现问题或隐患 (becomes a ticket)
    SUGGESTION = "suggestion"  # 走访收集意见建议 (becomes a suggestion ticket)


class WishStatus:
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"

    ALL = (OPEN, CLAIMED, DONE)


class CampaignStatus:
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"  # a one-off that ran, or past its end date
    DELETED = "deleted"  # kept for the record of what was sent


class HeadsUpStatus:
    OPEN = "open"
    TICKETED = "ticketed"  # 转工单: it became a ticket
    IGNORED = "ignored"  # 忽略: nothing to do


class GuideStatus:
    ACTIVE = "active"
    PENDING = "pending"  # saved from a ticket by a member (存为指南), waiting for staff (确认指南)
    REJECTED = "rejected"
    RETIRED = "retired"  # taken out of use from the web console (kept, and can be put back)
