"""Linking members to households: nearest first, colour duty fitted to strengths, capacity
respected, declines honoured, badly linked households re-proposed; staff accept all or part."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain import matching
from kernel.clock import FrozenClock
from storage import repo
from storage.models import (
    Building,
    Community,
    Grid,
    Household,
    LinkProposal,
    MemberDecline,
    MemberLink,
    Person,
    Role,
)
from tests.conftest import texts_to

NOW = datetime(2026, 11, 23, 2, 0)


class Town:
    """A community with grid A (buildings 1, 2) and grid B (building 3), and a second community."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.c = Community(name="测试社区")
        other = Community(name="隔壁社区")
        ga, gb, gx = Grid(community=self.c, name="A网格"), Grid(community=self.c, name="B网格"), Grid(
            community=other, name="X网格")
        self.b = {1: Building(grid=ga, name="1号楼", code="1"), 2: Building(grid=ga, name="2号楼", code="2"),
                  3: Building(grid=gb, name="3号楼", code="3"), 9: Building(grid=gx, name="9号楼", code="9")}
        s.add_all([self.c, other, *self.b.values()])
        self.h: dict[str, Household] = {}

    def house(self, address: str, colour: str = "green") -> Household:
        code, unit, room = address.split("-")
        h = Household(building=self.b[int(code)], unit=unit, room=room, floor=int(room[0]), colour=colour)
        self.s.add(h)
        self.h[address] = h
        return h

    def member(self, name: str, home: str, strengths: str = "", capacity: int = 15,
               community: Community | None = None) -> Person:
        p = Person(name=name, chat_id=name, role=Role.MEMBER, community=community or self.c,
                   household=self.h[home] if home else None, strengths=strengths, capacity=capacity,
                   created_at=NOW)
        self.s.add(p)
        return p

    def link(self, person: Person, address: str) -> None:
        self.s.add(MemberLink(member=person, household=self.h[address], created_at=NOW))


def by_address(proposal: matching.Proposal) -> dict[str, str]:
    return {line.address: line.member_name for line in proposal.lines}


def test_nearest_first_fitted_by_strength_within_capacity(session: Session) -> None:
    t = Town(session)
    for a, colour in (("1-1-101", "yellow"), ("1-1-102", "blue"), ("1-1-201", "green"), ("1-1-202", "green"),
                      ("1-1-301", "orange"), ("2-1-101", "green"), ("3-1-101", "orange"), ("9-1-101", "green")):
        t.house(a, colour)
    session.flush()
    t.member("调解", "", "调解沟通", capacity=2)
    t.member("致富", "", "致富带富", capacity=2)
    t.member("二号楼", "2-1-101", "时间充裕", capacity=5)
    t.member("隔壁", "9-1-101", "时间充裕,医护", capacity=50, community=session.get(Community, 2))
    # the first two have no home: they are placed where their households are
    t.link(session.scalar(select(Person).where(Person.name == "调解")), "1-1-101")
    t.link(session.scalar(select(Person).where(Person.name == "致富")), "1-1-102")
    session.flush()

    proposal = matching.propose(session, t.c.id)
    got = by_address(proposal)
    # orange first: in building 1 both have room (1/2), neither fits orange: the lower id
    assert got["1-1-301"] == "调解"
    # 调解 is now full (2/2); 致富 takes one green (2/2); the other green goes to grid A's 2号楼
    assert got["1-1-201"] == "致富" and got["1-1-202"] == "二号楼"
    # building 3 has nobody: grid B has nobody: the community's member with room, who fits orange
    assert got["3-1-101"] == "二号楼"
    assert got["2-1-101"] == "二号楼"
    assert "隔壁" not in got.values()  # never a member of another community
    assert "9-1-101" not in got
    assert [line.address for line in proposal.lines][0] == "1-1-301"  # orange first
    why = {line.address: line.why for line in proposal.lines}
    assert why["1-1-202"] == "同网格" and why["3-1-101"] == "同社区,时间充裕" and why["1-1-301"] == "同楼"
    assert proposal.unmatched == []


def test_fit_beats_load_within_the_same_building_and_declines_are_honoured(session: Session) -> None:
    t = Town(session)
    for a, colour in (("1-1-101", "yellow"), ("1-1-102", "blue"), ("1-1-201", "orange")):
        t.house(a, colour)
    session.flush()
    mediator = t.member("调解", "1-1-201", "调解沟通", capacity=5)
    helper = t.member("致富", "1-1-201", "致富带富", capacity=5)
    carer = t.member("医护", "1-1-201", "医护", capacity=5)
    session.flush()
    got = by_address(matching.propose(session, t.c.id))
    assert got == {"1-1-101": "调解", "1-1-102": "致富", "1-1-201": "医护"}

    session.add(MemberDecline(member=mediator, household=t.h["1-1-101"], reason="是亲戚", created_at=NOW))
    session.flush()
    got = by_address(matching.propose(session, t.c.id))
    assert got["1-1-101"] != "调解"
    assert helper and carer


def test_capacity_is_never_exceeded_and_the_rest_stay_unmatched(session: Session) -> None:
    t = Town(session)
    for i in range(1, 8):
        t.house(f"1-1-{100 + i}")
    session.flush()
    t.member("甲", "1-1-101", capacity=3)
    t.member("乙", "1-1-102", capacity=2)
    session.flush()
    proposal = matching.propose(session, t.c.id)
    counts: dict[str, int] = {}
    for line in proposal.lines:
        counts[line.member_name] = counts.get(line.member_name, 0) + 1
    assert counts == {"甲": 3, "乙": 2}
    assert len(proposal.unmatched) == 2


def test_badly_linked_households_are_reproposed(session: Session) -> None:
    t = Town(session)
    for i in range(1, 5):
        t.house(f"1-1-{100 + i}")
    session.flush()
    busy = t.member("忙", "1-1-101", capacity=2)
    free = t.member("闲", "1-1-102", capacity=5)
    gone = Person(name="搬走", chat_id="gone", role=Role.RESIDENT, community=t.c, created_at=NOW)
    session.add(gone)
    for a in ("1-1-101", "1-1-102", "1-1-103"):
        t.link(busy, a)  # one over capacity
    t.link(gone, "1-1-104")  # no longer a member
    session.flush()
    proposal = matching.propose(session, t.c.id)
    got = {line.address: (line.member_name, line.previous_member_id) for line in proposal.lines}
    assert got == {"1-1-103": ("闲", busy.id), "1-1-104": ("闲", gone.id)}
    assert all("替换原联户人" in line.why for line in proposal.lines)
    assert free


def test_staff_accept_a_proposal_in_part_then_the_rest(session: Session) -> None:
    clock = FrozenClock(NOW)
    t = Town(session)
    for i in range(1, 5):
        t.house(f"1-1-{100 + i}")
    session.flush()
    t.member("甲", "1-1-101", capacity=3)
    session.flush()
    proposal = matching.propose(session, t.c.id)
    batch = matching.store(session, clock, t.c.id, proposal)
    assert len(proposal.lines) == 3 and len(proposal.unmatched) == 1
    result = matching.accept(session, clock, batch, {1, 3})
    assert result.linked == 2 and result.skipped == []
    linked = set(session.scalars(select(MemberLink.household_id)))
    assert linked == {proposal.lines[0].household_id, proposal.lines[2].household_id}
    # meanwhile someone linked line 2's household by hand: accepting it now is skipped, not forced
    other = Person(name="乙", chat_id="乙", role=Role.MEMBER, community=t.c, created_at=NOW)
    session.add(other)
    session.add(MemberLink(member=other, household_id=proposal.lines[1].household_id, created_at=NOW))
    session.flush()
    result = matching.accept(session, clock, batch)
    assert result.linked == 0 and result.skipped == [proposal.lines[1].address]
    assert matching.accept(session, clock, batch).linked == 0  # nothing pending is left
    assert matching.parse_lines("1,3,5-7") == {1, 3, 5, 6, 7} and matching.parse_lines("全部") is None
    with pytest.raises(ValueError):
        matching.parse_lines("一二")


# --- in chat, on the demo community ---------------------------------------------------------------

def unlink(bot, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    with bot.sessions() as s:
        m = repo.person_by_chat_id(s, "m01")
        hs = list(s.scalars(select(Household).join(MemberLink).where(MemberLink.member_id == m.id)
                            .order_by(Household.id).limit(n)))
        s.execute(delete(MemberLink).where(MemberLink.household_id.in_([h.id for h in hs])))
        s.commit()
        return [h.address for h in hs]


async def test_match_in_chat_proposes_privately_and_staff_accept_part(bot) -> None:
    sent = await bot.say("匹配", sender="s1")
    assert texts_to(sent, "s1") == ["所有住户都已联系到合适的党员,没有需要调整的。"]
    addresses = unlink(bot, 3)
    sent = await bot.say("匹配", sender="s1", room="room-staff")
    assert texts_to(sent, "room-staff") == ["已私信发给您。"]
    text = texts_to(sent, "s1")[0]
    assert "【联户匹配建议 1】建议联系 3 户" in text
    assert all(a in text for a in addresses) and "确认匹配 1" in text
    sent = await bot.say("确认匹配 1 1,2", sender="s1")
    assert texts_to(sent, "s1") == ["匹配建议 1:已建立 2 户联系。"]
    with bot.sessions() as s:
        assert s.scalar(select(LinkProposal.status).where(LinkProposal.line == 3)) == "pending"
    sent = await bot.say("确认匹配 1 3", sender="s1")
    assert "已建立 1 户联系" in texts_to(sent, "s1")[0]
    assert "没有找到待确认的匹配建议 1" in texts_to(await bot.say("确认匹配 1", sender="s1"), "s1")[0]
    assert "格式:确认匹配" in texts_to(await bot.say("确认匹配 1 abc", sender="s1"), "s1")[0]
    assert "只有社区工作人员可以使用" in texts_to(await bot.say("匹配", sender="m01"), "m01")[0]


async def test_a_member_declines_a_household_and_staff_are_told_privately(bot) -> None:
    with bot.sessions() as s:
        m = repo.person_by_chat_id(s, "m01")
        address = s.scalars(select(Household).join(MemberLink).where(MemberLink.member_id == m.id)
                            .order_by(Household.id)).first().address
    sent = await bot.say(f"婉拒 {address}", sender="m01")
    assert "请写上原因" in texts_to(sent, "m01")[0]
    sent = await bot.say(f"婉拒 {address} 与该户是亲戚,不便联系", sender="m02")
    assert "不是您联系或被建议联系的住户" in texts_to(sent, "m02")[0]
    sent = await bot.say(f"婉拒 {address} 与该户是亲戚,不便联系", sender="m01")
    assert "不再联系" in texts_to(sent, "m01")[0]
    for staff in ("s1", "s2"):
        assert "与该户是亲戚" in texts_to(sent, staff)[0] and address in texts_to(sent, staff)[0]
    assert not [m for m in sent if m.is_room]
    # the household needs someone else now, and it is never offered back to m01
    text = texts_to(await bot.say("匹配", sender="s1"), "s1")[0]
    assert address in text
    with bot.sessions() as s:
        line = s.scalar(select(LinkProposal).where(LinkProposal.household_id == repo.household_at(
            s, *address.split("-")).id))
        assert line.member.chat_id != "m01"
