"""What each message means and does. ``build_dispatcher`` puts the routers in order:
media and commands first, then the resident's answer to a rating question, then
requests, then the fallbacks."""
from __future__ import annotations

from handlers.router import Dispatcher


def build_dispatcher() -> Dispatcher:
    from handlers import (
        campaigns,
        colours,
        fallback,
        followup,
        ledger,
        members,
        middlewares,
        residents,
        rules_admin,
        staff,
        trust,
        visits,
        wishes,
    )

    return Dispatcher(
        routers=[fallback.media_router, members.router, colours.router, visits.router, wishes.router,
                 ledger.router, trust.router, staff.router, campaigns.router, followup.router, rules_admin.router,
                 residents.router, fallback.router],
        middlewares=[trust.propose_bindings, middlewares.understand, middlewares.log_route],
    )
