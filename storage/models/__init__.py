"""The ledger and the bot's memory, as typed SQLAlchemy 2 models.

Times are stored as naive UTC (``bot.clock`` makes them); they are shown in the
community's time zone only when a person reads them. The same models run on
SQLite and PostgreSQL.

One module per area: base, kinds (the stored vocabularies), community, tickets, messages,
schedule, ledger, civic. Import from here: ``from storage.models import Ticket``.
"""
from __future__ import annotations

from storage.models.base import NAMING, Base
from storage.models.civic import Deliberation, DeliberationVote, GuideAsk, GuideEntry
from storage.models.community import (
    BindingProposal,
    Building,
    ChatRoom,
    Community,
    ConsoleUser,
    Grid,
    Household,
    HouseholdClaim,
    HouseholdProfile,
    LedgerVersion,
    MemberLink,
    PasswordLink,
    Person,
)
from storage.models.kinds import (
    CampaignStatus,
    ChangeStatus,
    Colour,
    EventKind,
    GuideStatus,
    HeadsUpStatus,
    InboxStatus,
    OutboxStatus,
    Role,
    RoomKind,
    Status,
    VisitKind,
    WishStatus,
)
from storage.models.ledger import (
    ColourChange,
    LinkProposal,
    MemberDecline,
    PolicyDrive,
    PolicyTask,
    Visit,
    Wish,
)
from storage.models.messages import Broadcast, ChatAccount, InboundMessage, OutboxMessage
from storage.models.schedule import Campaign, CampaignSend, ScheduledJob
from storage.models.tickets import (
    HeadsUp,
    LabelledExample,
    RuleChange,
    Ticket,
    TicketEvent,
    TicketRating,
    TicketReporter,
    TicketTimer,
)

__all__ = [
    "NAMING",
    "Base",
    "Role",
    "Colour",
    "Status",
    "RoomKind",
    "EventKind",
    "InboxStatus",
    "OutboxStatus",
    "ChangeStatus",
    "VisitKind",
    "WishStatus",
    "CampaignStatus",
    "HeadsUpStatus",
    "GuideStatus",
    "Community",
    "Grid",
    "Building",
    "Household",
    "Person",
    "MemberLink",
    "ChatRoom",
    "HouseholdClaim",
    "BindingProposal",
    "HouseholdProfile",
    "LedgerVersion",
    "ConsoleUser",
    "PasswordLink",
    "Ticket",
    "TicketReporter",
    "TicketEvent",
    "TicketRating",
    "TicketTimer",
    "HeadsUp",
    "RuleChange",
    "LabelledExample",
    "InboundMessage",
    "OutboxMessage",
    "Broadcast",
    "ChatAccount",
    "Campaign",
    "CampaignSend",
    "ScheduledJob",
    "ColourChange",
    "Visit",
    "Wish",
    "MemberDecline",
    "LinkProposal",
    "PolicyDrive",
    "PolicyTask",
    "GuideEntry",
    "GuideAsk",
    "Deliberation",
    "DeliberationVote",
]
