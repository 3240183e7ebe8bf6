"""The report's colours and overdue visits, counted in SQL (domain/reports/standing.py), agree
with the ledger's rules household by household (domain/ledger.py) on a random ledger, for a
past month, this month, and around local midnight."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import ledger
from domain.reports import standing
from kernel.clock import FrozenClock
from kernel.config import Settings
from storage.models import (
    Building,
    ChangeStatus,
    Colour,
    ColourChange,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
    Role,
    Visit,
)

CLOCK = FrozenClock(datetime(2026, 12, 5, 2, 0))
START = datetime(2026, 9, 1)


def build(s: Session, rng: random.Random) -> None:
    c = Community(name="随机社区")
    grids = [Grid(community=c, name=f"G{i}") for i in range(3)]
    buildings = [Building(grid=grids[i % 3], name=f"{i}号楼", code=str(i)) for i in range(6)]
    members = [Person(name=f"党员{i}", role=Role.MEMBER, community=c, created_at=START) for i in range(5)]
    s.add_all([c, *grids, *buildings, *members])
    s.flush()
    for n in range(120):
        h = Household(building=buildings[n % 6], unit="1", room=str(100 + n), floor=1, colour=rng.choice(Colour.ALL))
        s.add(h)
        s.flush()
        if rng.random() < 0.8:
            s.add(MemberLink(household_id=h.id, member_id=rng.choice(members).id,
                             created_at=START + timedelta(hours=rng.randrange(24 * 40))))
        for _ in range(rng.choice((0, 1, 2, 3))):
            s.add(Visit(household_id=h.id, member_id=members[0].id, kind="visit", content="…",
                        visited_at=START + timedelta(minutes=rng.randrange(60 * 24 * 95))))
        for _ in range(rng.choice((0, 0, 1, 2))):  # changes, some after the report's moment
            new = rng.choice(Colour.ALL)
            s.add(ColourChange(household_id=h.id, from_colour=h.colour, to_colour=new, reason="…",
                               status=rng.choice((ChangeStatus.CONFIRMED, ChangeStatus.CONFIRMED,
                                                  ChangeStatus.REJECTED)),
                               proposed_by_id=members[0].id, proposed_at=START,
                               decided_at=START + timedelta(minutes=rng.randrange(60 * 24 * 95))))
    s.flush()


@pytest.mark.parametrize("moment", [datetime(2026, 10, 31, 16, 0), datetime(2026, 11, 15, 15, 59, 59),
                                    datetime(2026, 11, 30, 16, 0), CLOCK.now()])
def test_sql_counts_agree_with_the_ledgers_rules(session: Session, moment: datetime) -> None:
    build(session, random.Random(moment.day))
    settings = Settings()
    colours = ledger.colours_as_of(session, moment)
    building_of = dict(session.execute(select(Household.id, Household.building_id)).all())
    expected_colours = Counter((building_of[hid], colour) for hid, colour in colours.items())
    assert standing.colours_by_building(session, moment) == expected_colours
    day = ledger.local_date(CLOCK, moment - timedelta(microseconds=1))
    dues = ledger.visits_due(session, CLOCK, settings, day, overdue_only=True, colours=colours)
    expected = Counter((building_of[d.household_id], d.grid_id, d.member_id) for d in dues)
    assert dues and standing.overdue_by_building(session, CLOCK, settings, moment, day) == expected
    some = {b for b, _ in expected_colours if b % 2}
    assert standing.overdue_by_building(session, CLOCK, settings, moment, day, some) == Counter(
        {key: n for key, n in expected.items() if key[0] in some})
