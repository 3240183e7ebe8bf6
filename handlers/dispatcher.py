"""What each message means and does. ``build_dispatcher`` puts the routers in order:
media and commands first, then the resident's answer to a rating question, then
requests, then the fallbacks."""
from __future__ import annotations

from handlers.router import Dispatcher


def build_dispatcher() -> Dispatcher:
    from handlers import (
        accounts,
        campaigns,
        colours,
        deliberation,
        fallback,
        followup,
        guide,
        headsups,
        ledger,
        members,
        middlewares,
        outreach,
        profiles,
        residents,
        rules_admin,
        staff,
        trust,
        visits,
        wishes,
    )

    return Dispatcher(
        routers=[fallback.media_router, members.router, headsups.router, colours.router,
                 outreach.router,  # 走访 … 宣传: before the visits router
                 profiles.router,
                 visits.router, wishes.router,
                 ledger.router, trust.router, staff.router, campaigns.router, followup.router,
                 rules_admin.router, accounts.router,
                 guide.router,  # a question the guide answers surely: before the report path
                 residents.router,
                 deliberation.router,  # a bare number answers an open 议事 (after the rating answer)
                 fallback.router],
        middlewares=[trust.propose_bindings, middlewares.understand,
                     guide.answer_aside,  # a question inside an alert: answered privately after the alert path
                     middlewares.log_route],
    )
