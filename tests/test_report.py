"""The month's figures on a small known ledger, every one worked out by hand below."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from domain.reports.month import month_report, parse_month
from kernel.clock import FrozenClock
from kernel.config import Settings
from storage.models import (
    Building,
    ColourChange,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
    Role,
    Ticket,
    Visit,
    Wish,
)
from tests.conftest import texts_to

CLOCK = FrozenClock(datetime(2026, 12, 5, 2, 0))  # "now" is 2026-12-05 10:00 in Shanghai


def L(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Shanghai) time in 2026 as stored (naive UTC)."""
    return CLOCK.to_utc(datetime(2026, month, day, hour, minute))


def build(s: Session) -> dict[str, object]:
    """样板社区: grid G1 (buildings 1, 2) and grid G2 (building 3); eight households.

    B1: 1-1-101 green, 1-1-102 blue, 1-1-103 yellow, 1-1-104 orange   (member 甲)
    B2: 2-1-101 green, 2-1-102 green                                   (member 乙)
    B3: 3-1-101 orange, 3-1-102 blue                                   (member 丙)
    All linked on 10-01.
    """
    c = Community(name="样板社区")
    g1, g2 = Grid(community=c, name="G1"), Grid(community=c, name="G2")
    b1, b2, b3 = (Building(grid=g1, name="1号楼", code="1"), Building(grid=g1, name="2号楼", code="2"),
                  Building(grid=g2, name="3号楼", code="3"))
    s.add_all([c, g1, g2, b1, b2, b3])
    s.flush()
    h: dict[str, Household] = {}
    for b, room, colour in ((b1, "101", "green"), (b1, "102", "blue"), (b1, "103", "yellow"),
                            (b1, "104", "orange"), (b2, "101", "green"), (b2, "102", "green"),
                            (b3, "101", "orange"), (b3, "102", "blue")):
        h[f"{b.code}-1-{room}"] = Household(building=b, unit="1", floor=1, room=room, colour=colour)
    s.add_all(h.values())
    staff = Person(name="社工", chat_id="s", role=Role.STAFF, community=c, created_at=L(10, 1))
    m = {name: Person(name=name, chat_id=name, role=Role.MEMBER, community=c, created_at=L(10, 1))
         for name in ("甲", "乙", "丙")}
    s.add_all([staff, *m.values()])
    for address, hh in h.items():
        owner = {"1": "甲", "2": "乙", "3": "丙"}[address[0]]
        s.add(MemberLink(member=m[owner], household=hh, created_at=L(10, 1)))

    def visit(address: str, who: str, at: datetime, kind: str = "visit") -> None:
        s.add(Visit(household=h[address], member=m[who], visited_at=at, kind=kind, content="走访"))

    # November: 8 visits to 7 households (1-1-101 twice); one finding
    visit("1-1-101", "甲", L(11, 2))
    visit("1-1-101", "甲", L(11, 20))
    visit("1-1-102", "甲", L(11, 5), "finding")
    visit("1-1-104", "甲", L(11, 10))
    visit("2-1-101", "乙", L(11, 15), "suggestion")
    visit("2-1-102", "乙", L(11, 1, 0, 30))  # 00:30 on the 1st, local: November (UTC: October 31st)
    visit("3-1-101", "丙", L(11, 3))
    visit("3-1-102", "丙", L(11, 30, 23, 30))  # 23:30 on the 30th, local: November
    # outside November
    visit("1-1-103", "甲", L(10, 20))
    visit("2-1-102", "乙", L(12, 1, 0, 30))

    number = iter(range(1001, 2000))

    def ticket(b: Building | None, category: str, created: datetime, *, accepted: datetime | None = None,
               resolved: datetime | None = None, rating: int | None = None, status: str = "accepted") -> None:
        s.add(Ticket(number=next(number), community_id=c.id, building=b,
                     category=category, status=status, text="…", created_at=created,
                     accept_due=created + timedelta(days=1), resolve_due=created + timedelta(days=7),
                     accepted_at=accepted, resolved_at=resolved, rating=rating,
                     closed_at=resolved if rating in (1, 2) else None))

    ticket(b1, "repair", L(11, 3), accepted=L(11, 3, 12), resolved=L(11, 5), rating=1, status="closed")  # T1
    ticket(b1, "dispute", L(11, 10), accepted=L(11, 12), resolved=L(11, 20), rating=2, status="closed")  # T2 late
    ticket(b2, "suggestion", L(11, 15), status="assigned")  # T3
    ticket(b3, "sanitation", L(11, 20), accepted=L(11, 20, 11))  # T4
    ticket(b3, "dispute", L(10, 25), accepted=L(10, 25, 11), resolved=L(11, 2), status="resolved")  # T5 October's
    ticket(b1, "repair", L(11, 28), accepted=L(11, 28, 11), resolved=L(12, 2), status="resolved")  # T6
    s.add(Ticket(number=next(number), community_id=c.id, building=None, category="other", status="assigned",
                 text="…", created_at=L(11, 12), accept_due=L(11, 13), resolve_due=L(11, 19)))  # T7 no building

    def change(address: str, old: str, new: str, status: str, when: datetime) -> None:
        s.add(ColourChange(household=h[address], from_colour=old, to_colour=new, reason="…", status=status,
                           proposed_by=m["甲"], proposed_at=when - timedelta(days=1), decided_by=staff,
                           decided_at=when))
        if status == "confirmed":
            h[address].colour = new

    change("1-1-102", "blue", "green", "confirmed", L(11, 18))  # 升级调色
    change("3-1-101", "orange", "green", "rejected", L(11, 25))  # rejected: no upgrade
    change("2-1-101", "green", "yellow", "confirmed", L(11, 8))  # not toward green
    change("3-1-102", "blue", "green", "confirmed", L(12, 3))  # December's

    resident = Person(name="居民", chat_id="r", role=Role.RESIDENT, community=c, created_at=L(10, 1))
    s.add(resident)
    s.add_all([
        Wish(community_id=c.id, building=b2, resident=resident, text="…", status="done", created_at=L(11, 1),
             claimed_by=m["乙"], claimed_at=L(11, 2), done_at=L(11, 22)),
        Wish(community_id=c.id, building=b1, resident=resident, text="…", status="claimed", created_at=L(11, 1),
             claimed_by=m["甲"], claimed_at=L(11, 2)),
        Wish(community_id=c.id, building=b3, resident=resident, text="…", status="done", created_at=L(11, 1),
             claimed_by=m["丙"], claimed_at=L(11, 2), done_at=L(12, 1)),
    ])
    s.flush()
    return {"community": c, "g1": g1, "g2": g2}


def test_every_figure_of_a_known_month(session: Session) -> None:
    parts = build(session)
    report = month_report(session, CLOCK, Settings(), 2026, 11)
    [community] = report.communities
    f = community.figures
    # 走访: 8 visits in November (1-1-101 twice, 2-1-102 at 00:30 on 11-01, 3-1-102 at 23:30 on 11-30;
    # 10-20 and 12-01 are outside) to 7 households
    assert (f.visits, f.households_visited) == (8, 7)
    assert f.problems_found == 1  # the finding at 1-1-102
    assert f.suggestions == 1  # T3
    # received in November: T1 T2 T3 T4 T6 T7 (T5 was October's) = 6
    assert f.received == 6
    # accepted in time (within a day): T1, T4, T6; T2 late, T3 T7 not accepted: 3 of 6 = 50%
    assert f.accepted_in_time == 3 and f.tickets.response_rate == pytest.approx(0.5)
    # of the 6, resolved by now: T1 T2 T6 = 50%; rated T1 (1) T2 (2): both satisfied = 100%
    assert f.resolved == 3 and f.tickets.resolve_rate == pytest.approx(0.5)
    assert (f.rated, f.satisfied) == (2, 2) and f.tickets.satisfaction == pytest.approx(1.0)
    # solved in November: T1 (11-05) T2 (11-20) T5 (11-02); T6 was solved on 12-02
    assert f.problems_solved == 3
    assert f.disputes_mediated == 2  # T2, T5
    assert f.upgrades == 1  # 1-1-102 blue → green; the rejected one and December's do not count
    assert f.wishes_fulfilled == 1  # W1 on 11-22; W3 on 12-01 is December's
    # colours at the end of November: 1-1-102 green, 2-1-101 yellow, 3-1-102 still blue
    # green 1-1-101 1-1-102 2-1-102 = 3, blue 3-1-102 = 1, yellow 1-1-103 2-1-101 = 2, orange 1-1-104 3-1-101 = 2
    assert dict(f.colours) == {"green": 3, "blue": 1, "yellow": 2, "orange": 2}
    assert f.colour_share("green") == pytest.approx(3 / 8) and f.colour_share("orange") == pytest.approx(2 / 8)
    # overdue on 11-30 (pace: orange 7, yellow/blue 14, green 30 days; never visited: from 10-01):
    # 1-1-103 yellow, last 10-20 → due 11-03; 1-1-104 orange, last 11-10 → 11-17;
    # 2-1-101 yellow since 11-08, last 11-15 → 11-29; 3-1-101 orange, last 11-03 → 11-10.
    # Not: 1-1-101 (→12-20), 1-1-102 (→12-05), 2-1-102 (→12-01), 3-1-102 blue then (→12-14)
    assert f.overdue == 4
    assert report.overdue_by_member == [("甲", "G1", 2), ("乙", "G1", 1), ("丙", "G2", 1)]

    g1, g2 = community.children
    assert (g1.name, g2.name) == ("G1", "G2")
    # G1 = buildings 1 and 2: visits 4 + 2; received T1 T2 T6 T3; in time T1 T6; solved T1 T2
    assert (g1.figures.visits, g1.figures.households_visited, g1.figures.received,
            g1.figures.accepted_in_time, g1.figures.problems_solved, g1.figures.disputes_mediated,
            g1.figures.upgrades, g1.figures.wishes_fulfilled, g1.figures.overdue) == (6, 5, 4, 2, 2, 1, 1, 1, 3)
    # G2 = building 3: visits 2; received T4 (in time); solved T5 (a dispute)
    assert (g2.figures.visits, g2.figures.households_visited, g2.figures.received,
            g2.figures.accepted_in_time, g2.figures.problems_solved, g2.figures.disputes_mediated,
            g2.figures.upgrades, g2.figures.wishes_fulfilled, g2.figures.overdue) == (2, 2, 1, 1, 1, 1, 0, 0, 1)
    b1, b2 = g1.children
    assert (b1.figures.visits, b1.figures.households_visited, b1.figures.problems_found) == (4, 3, 1)
    assert (b2.figures.visits, b2.figures.suggestions, dict(b2.figures.colours)) == (2, 1, {"green": 1, "yellow": 1})
    # T7 has no building: it counts for the community only
    assert g1.figures.received + g2.figures.received + 1 == f.received

    # one grid only
    only = month_report(session, CLOCK, Settings(), 2026, 11, grid_id=parts["g2"].id)  # type: ignore[attr-defined]
    assert [g.name for g in only.communities[0].children] == ["G2"]
    assert only.communities[0].figures.received == 1 and only.overdue_by_member == [("丙", "G2", 1)]


def test_october_is_its_own_month(session: Session) -> None:
    build(session)
    f = month_report(session, CLOCK, Settings(), 2026, 10).communities[0].figures
    # one visit (1-1-103 on 10-20), T5 received and accepted in time, nothing solved in October
    assert (f.visits, f.received, f.accepted_in_time, f.problems_solved, f.upgrades) == (1, 1, 1, 0, 0)
    # colours at the end of October: every confirmed change since is undone
    assert dict(f.colours) == {"green": 3, "blue": 2, "yellow": 1, "orange": 2}


def test_month_words() -> None:
    clock = FrozenClock(datetime(2026, 1, 10, 2, 0))
    assert parse_month("本月", clock) == (2026, 1)
    assert parse_month("上月", clock) == (2025, 12)
    assert parse_month("2026-10", clock) == (2026, 10)
    assert parse_month("2026年3月", clock) == (2026, 3)
    assert parse_month("10月", clock) == (2026, 10)
    assert parse_month("2026-13", clock) is None and parse_month("明年", clock) is None


# --- 统计 in chat ---------------------------------------------------------------------------------

async def test_month_figures_in_the_staff_group(bot) -> None:
    from tests.helpers import building_room_of, linked_member_of

    room = building_room_of(bot, "r01")
    member = linked_member_of(bot, "r01")
    await bot.say("单元门禁坏了,刷卡没反应", sender="r01", room=room)
    await bot.say("接单 1001", sender=member.chat_id)
    await bot.say("办结 1001 已修好", sender=member.chat_id)
    await bot.say("1", sender="r01", room=room)
    sent = await bot.say("统计 本月", sender="s1", room="room-staff")
    [text] = texts_to(sent, "room-staff")
    assert "【2026年11月 台账统计】" in text and "■ 幸福里社区" in text and "■ 第一网格" in text
    assert "受理诉求 1 件,响应率 100%,解决率 100%,满意率 100%" in text
    assert "四色分布(共 144 户)" in text and "1号楼" not in text  # buildings only with a grid named
    sent = await bot.say("统计 2026-11 第一网格", sender="s1", room="room-staff")
    assert "1号楼" in texts_to(sent, "room-staff")[0]
    # plain 统计 is still the ticket figures
    assert "【接诉即办统计】" in texts_to(await bot.say("统计", sender="s1"), "s1")[0]
    for text, expected in {"统计 明年": "格式:统计 本月", "统计 本月 第九网格": "没有找到网格“第九网格”"}.items():
        assert expected in texts_to(await bot.say(text, sender="s1"), "s1")[0]
    assert "只有社区工作人员可以使用" in texts_to(await bot.say("统计 本月", sender="m01"), "m01")[0]
    # in a residents' group: privately
    sent = await bot.say("统计 本月", sender="s1", room=room)
    assert texts_to(sent, room) == ["已私信发给您。"] and "台账统计" in texts_to(sent, "s1")[0]
