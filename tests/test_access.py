"""Who may see and do what (issue 11): every command × role × place, from one table.

A cell says what the sender notices: ``ok`` (the answer, here), ``refused`` (a refusal, here),
``silent`` (nothing: a resident's "不是 3" is chatter) or ``private`` (in a building group: the
group hears only "已私信发给您", the sender gets the answer privately). Each cell names text the
answer must hold and text it must not (what a refused private command must not echo into a
group; what a status line must not show).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from storage import repo
from storage.models import Building, Household, MemberLink, Person, Role
from tests.conftest import texts_to
from tests.helpers import building_room_of, grid_worker_for, linked_member_of

ROLES = ("unverified", "stranger", "verified", "reporter", "member", "assignee", "grid", "staff")
RESIDENTS = ("unverified", "stranger", "verified", "reporter")
ACTORS = ("assignee", "grid", "staff")  # the ticket's handlers
PLACES = ("building", "staff_group", "private")

NOT_FOR_RESIDENTS = "只有联户党员、网格员和社区工作人员可以使用"
STAFF_OR_GRID_ONLY = "只有网格员和社区工作人员可以使用"
STAFF_ONLY = "只有社区工作人员可以使用"
PRIVATE_ONLY = "请私聊我发送"
NO_RIGHT = "无权查看工单 1001"
SENT_PRIVATELY = "已私信发给您。"


@dataclass(frozen=True)
class Cell:
    outcome: str  # ok / refused / private
    has: tuple[str, ...]  # the answer holds one of these
    lacks: tuple[str, ...] = ()  # and none of these


def ok(*has: str, lacks: tuple[str, ...] = ()) -> Cell:
    return Cell("ok", has, lacks)


def refused(*has: str, lacks: tuple[str, ...] = ()) -> Cell:
    return Cell("refused", has, lacks)


def privately(*has: str) -> Cell:
    return Cell("private", has)


SILENT = Cell("silent", ())


@dataclass
class World:
    room: str  # the reporter's building group
    people: dict[str, str]  # role → chat id
    address: str  # the reporter's household (linked to the assignee)
    other_address: str  # another household the assignee looks after
    colour_word: str  # a colour the reporter's household does not have


async def make_world(bot) -> World:  # type: ignore[no-untyped-def]
    room = building_room_of(bot, "r01")
    assignee = linked_member_of(bot, "r01")
    grid = grid_worker_for(bot, "r01")
    with bot.sessions() as s:
        r01 = repo.person_by_chat_id(s, "r01")
        assert r01 is not None and r01.household is not None
        building = r01.household.building
        address = r01.household.address
        colour_word = "橙" if r01.household.colour != "orange" else "蓝"
        neighbour = s.scalar(select(Person).join(Household, Person.household_id == Household.id).where(
            Household.building_id == building.id, Person.id != r01.id, Person.role == Role.RESIDENT))
        other = s.scalar(select(Household).join(MemberLink).where(
            MemberLink.member_id == assignee.id, Household.id != r01.household_id))
        stranger_member = s.scalar(select(Person).join(MemberLink, MemberLink.member_id == Person.id)
                                   .join(Household).join(Building).where(
            Person.role == Role.MEMBER, Building.grid_id != building.grid_id))
        assert neighbour is not None and other is not None and stranger_member is not None
        people = {"unverified": "u1", "stranger": "x9", "verified": neighbour.chat_id or "",
                  "reporter": "r01", "member": stranger_member.chat_id or "",
                  "assignee": assignee.chat_id or "", "grid": grid.chat_id or "", "staff": "s1"}
        other_address = other.address
    await bot.say("2单元楼道灯坏了好几天了", sender="r01", room=room)  # ticket 1001
    await bot.say("心愿 想请人帮忙修一下家里的旧收音机", sender="r01", room=room)  # W1
    await bot.say("我是 4-3-602", sender="u1", name="新住户")  # a claim nobody confirmed
    return World(room, people, address, other_address, colour_word)


# --- the rules the rows share --------------------------------------------------------------------

Rule = Callable[[str, str], Cell]


def handlers_only(allowed: Cell, member: Cell | None = None) -> Rule:
    def rule(role: str, place: str) -> Cell:
        if role in RESIDENTS:
            return refused(NOT_FOR_RESIDENTS)
        if role == "member" and member is not None:
            return member
        return allowed
    return rule


def staff_or_grid(*has: str) -> Rule:
    def rule(role: str, place: str) -> Cell:
        if role not in ("grid", "staff"):
            return refused(STAFF_OR_GRID_ONLY)
        return privately(*has) if place == "building" else ok(*has)
    return rule


def private_by_nature(allowed: Cell, echo: str, not_linked: Cell | None = None) -> Rule:
    def rule(role: str, place: str) -> Cell:
        if role in RESIDENTS:
            return refused(NOT_FOR_RESIDENTS, lacks=(echo,))
        if place != "private":
            return refused(PRIVATE_ONLY, lacks=(echo,))
        if not_linked is not None and role == "member":  # not linked to the household
            return not_linked
        return allowed
    return rule


def table(w: World) -> dict[str, dict[tuple[str, str], Cell]]:
    """command → (role, place) → what the sender notices."""
    t: dict[str, dict[tuple[str, str], Cell]] = {}

    def every(command: str, rule: Rule) -> None:
        t[command] = {(role, place): rule(role, place) for role in ROLES for place in PLACES}

    def query(role: str, place: str) -> Cell:
        line = ("工单 1001:【",)
        if place == "building":
            if role in ("unverified", "stranger"):
                return refused(NO_RIGHT)
            return ok(*line, lacks=("内容:", "时限", w.address))
        if role == "reporter" or (role in ACTORS and place == "staff_group"):
            return ok("内容:", lacks=("时限", w.address))
        if role in ACTORS:
            return ok("时限", w.address)
        return refused(NO_RIGHT)

    every("查询 1001", query)
    # 进展 without its note: the rights are checked, nothing changes (接单 and the rest share them)
    every("进展 1001", handlers_only(ok("请写上说明"), member=refused("不是派给您的")))
    every("办结 1001", handlers_only(ok("请写上说明"), member=refused("不是派给您的")))
    every("转办 1001", handlers_only(ok("请写上原因"), member=refused("不是派给您的")))
    every("退回 1001", handlers_only(ok("请写上原因"), member=refused("不是派给您的")))
    every("工单 1001", staff_or_grid("接单时限"))
    every("工单", staff_or_grid("工单(未办结"))
    every("统计", staff_or_grid("接诉即办统计"))
    every("我的诉求", lambda role, place: ok("1001 待接单") if role == "reporter" else ok("还没有"))
    every("我的工单", handlers_only(ok("工单")))
    every("又坏了 1001", lambda role, place: ok("还在处理中") if role in ("reporter", *ACTORS)
          else refused("只能由反映人或负责处理的人重新打开"))
    every("认领 W1", private_by_nature(ok("已认领微心愿 W1", "不能再认领"), "收音机"))
    every(f"档案 {w.address}", private_by_nature(ok("住户档案"), w.address, refused("不是您联系的住户")))
    every(f"走访 {w.address} 聊了家常", private_by_nature(ok("已记录对"), "聊了家常",
                                                   refused("不是您联系的住户")))
    every(f"调色 {w.address} {w.colour_word} 家里老人独居", private_by_nature(
        ok("调色申请", "已将", "不用调整"), "老人独居", refused("不是您联系的住户")))
    every(f"婉拒 {w.other_address} 搬家了", lambda role, place: (
        refused(NOT_FOR_RESIDENTS) if role in RESIDENTS else
        refused(PRIVATE_ONLY, lacks=(w.other_address, "搬家")) if place != "private" else
        ok("不再联系") if role == "assignee" else refused("不是您联系或被建议联系的住户")))
    every("积分", lambda role, place: (
        refused(NOT_FOR_RESIDENTS) if role in RESIDENTS else
        privately("积分") if place == "building" else ok("积分")))
    every("通知 全部 明天停水", lambda role, place: ok("将发送到") if role == "staff" else refused(STAFF_ONLY))
    for command, answer in (("派单 1001", "格式:派单"), ("登记", "格式:登记"),
                            ("确认绑定 999", "没有待确认的群绑定 999"), ("确认调色 999", "没有找到调色申请 999"),
                            ("驳回调色 999", "没有找到调色申请 999")):
        every(command, lambda role, place, answer=answer: ok(answer) if role == "staff" else refused(STAFF_ONLY))
    every("心愿单", lambda role, place: refused(NOT_FOR_RESIDENTS) if role in RESIDENTS else
          privately("微心愿") if place == "building" else ok("微心愿"))
    every("走访清单", lambda role, place: (
        refused(NOT_FOR_RESIDENTS) if role in RESIDENTS else
        (privately("逾期") if place == "building" else ok("逾期")) if role == "staff" else
        refused(PRIVATE_ONLY) if place != "private" else ok("走访")))
    every("确认住户 999", handlers_only(ok("没有待确认的住户登记 999")))
    every("不是 999", lambda role, place: ok("没有待确认的住户登记 999") if role not in RESIDENTS
          else SILENT if place != "private" else ok("没看懂您的意思"))
    every("帮助", lambda role, place: (
        ok("联户助手 使用说明") if role in RESIDENTS else
        ok("【网格员 命令】", lacks=("联户党员 命令",)) if role == "grid" else
        ok("社区工作人员 命令") if role == "staff" else ok("【联户党员 命令】", lacks=("社区工作人员",))))
    return t


def where(w: World, place: str) -> str | None:
    return {"building": w.room, "staff_group": "room-staff", "private": None}[place]


async def test_every_command_for_every_role_in_every_place(bot) -> None:
    w = await make_world(bot)
    failures = []
    cells = 0
    for command, rules in table(w).items():
        for (role, place), cell in rules.items():
            cells += 1
            sender, room = w.people[role], where(w, place)
            sent = await bot.say(command, sender=sender, room=room)
            here = texts_to(sent, room if room is not None else sender)
            answer = "\n".join(here)
            if cell.outcome == "private":
                answer = "\n".join(texts_to(sent, sender))
                if here != [SENT_PRIVATELY]:
                    failures.append(f"{command} · {role} · {place}: group heard {here}")
            in_groups = "\n".join(m.text for m in sent if m.is_room)
            if cell.outcome == "silent":
                if sent:
                    failures.append(f"{command} · {role} · {place}: expected silence, got {sent}")
                continue
            problems = []
            if not any(h in answer for h in cell.has):
                problems.append(f"expected one of {cell.has}")
            if cell.outcome == "refused" and any(h in answer for h in ("请写上说明", "时限:", "住户档案")):
                problems.append("refused, but acted")
            for lack in cell.lacks:
                if lack in answer or (place != "private" and lack in in_groups):
                    problems.append(f"must not show {lack!r}")
            if problems:
                failures.append(f"{command} · {role} · {place}: {'; '.join(problems)} — got {answer!r}")
    assert cells == 28 * len(ROLES) * len(PLACES)
    assert not failures, "\n".join(failures)
