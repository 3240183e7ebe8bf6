"""The demo community: 幸福里社区, made the same way every time.

One community, 2 grids, 4 buildings each with a WeChat group, 144 households in all
four colours, 12 members each linked to the 12 households of one unit, a grid worker
per grid, 2 staff and a staff group, and 24 residents who already said who they are.
Chat ids are short and readable so the simulator and tests can use them: residents
``r01``…, members ``m01``…, grid workers ``g1`` ``g2``, staff ``s1`` ``s2``; groups
``room-1``…``room-4`` and ``room-staff``.
"""
from __future__ import annotations

import random

from sqlalchemy.orm import Session

from kernel.clock import Clock
from storage.models import (
    Building,
    ChatRoom,
    Colour,
    Community,
    Grid,
    Household,
    MemberLink,
    Person,
    Role,
    RoomKind,
)

COMMUNITY = "幸福里社区"
GRIDS = ("第一网格", "第二网格")
BUILDINGS_PER_GRID = 2
UNITS = 3
FLOORS = 6
ROOMS_PER_FLOOR = 2

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ("建国", "秀英", "桂兰", "志强", "丽娟", "国华", "玉兰", "德明", "淑珍", "海燕", "春梅", "永红",
         "建华", "文杰", "晓东", "凤英", "国强", "红梅", "志刚", "美玲", "振华", "素芬", "明辉", "小军",
         "卫东", "雪梅", "宏伟", "丽华", "家豪", "婷婷", "金凤", "长林", "秀兰", "立新", "爱华", "子涵")
STRENGTHS = ("致富带富", "调解沟通", "时间充裕", "医护", "法律", "时间充裕,医护", "调解沟通,法律")
REASONS = {
    Colour.BLUE: ("低保户,家庭收入低", "主要劳动力失业", "家人患大病,医疗支出大"),
    Colour.YELLOW: ("与楼上因漏水有纠纷", "与邻居因噪音有矛盾", "家庭内部矛盾"),
    Colour.ORANGE: ("独居老人,子女在外地", "空巢老人,行动不便", "留守儿童,由祖辈照看"),
}
NOTES = {Colour.ORANGE: ("耳背,敲门请大声些", "有高血压,每周量一次血压", "腿脚不便,很少下楼")}


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name


def _colour(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.70:
        return Colour.GREEN
    if roll < 0.80:
        return Colour.BLUE
    if roll < 0.88:
        return Colour.YELLOW
    return Colour.ORANGE


def load_demo(session: Session, clock: Clock) -> Community:
    rng = random.Random(20261122)
    now = clock.now()
    used: set[str] = set()
    community = Community(name=COMMUNITY)
    session.add(community)

    def person(role: str, chat_id: str, **kw: object) -> Person:
        p = Person(name=_name(rng, used), chat_id=chat_id, role=role, community=community,
                   created_at=now, **kw)
        session.add(p)
        return p

    for i in (1, 2):
        person(Role.STAFF, f"s{i}", phone=f"1390000000{i}")
    session.add(ChatRoom(chat_id="room-staff", name=f"{COMMUNITY}工作群", kind=RoomKind.STAFF,
                         community=community))
    member_no = resident_no = 0
    building_no = 0
    for g, grid_name in enumerate(GRIDS, start=1):
        worker = person(Role.GRID_WORKER, f"g{g}", phone=f"1380000000{g}")
        grid = Grid(community=community, name=grid_name, worker=worker)
        session.add(grid)
        for _ in range(BUILDINGS_PER_GRID):
            building_no += 1
            building = Building(grid=grid, name=f"{building_no}号楼", code=str(building_no),
                                group_name=f"幸福里{building_no}号楼邻里群")
            session.add(building)
            session.add(ChatRoom(chat_id=f"room-{building_no}", name=building.group_name or "",
                                 kind=RoomKind.BUILDING, building=building, community=community))
            for unit in range(1, UNITS + 1):
                member_no += 1
                member = person(Role.MEMBER, f"m{member_no:02d}", strengths=rng.choice(STRENGTHS),
                                capacity=15)
                if unit == 1:
                    building.default_member = member
                households = []
                for floor in range(1, FLOORS + 1):
                    for r in range(1, ROOMS_PER_FLOOR + 1):
                        colour = _colour(rng)
                        h = Household(building=building, unit=str(unit), floor=floor,
                                      room=f"{floor}0{r}", colour=colour,
                                      colour_reason=rng.choice(REASONS[colour]) if colour in REASONS else None,
                                      notes=rng.choice(NOTES[colour]) if colour in NOTES else None,
                                      head_name=_name(rng, used),
                                      phone=f"13{rng.randrange(10**8, 10**9)}")
                        session.add(h)
                        households.append(h)
                        session.add(MemberLink(member=member, household=h, created_at=now))
                # two residents per unit have introduced themselves already
                for h in rng.sample(households, 2):
                    resident_no += 1
                    person(Role.RESIDENT, f"r{resident_no:02d}", household=h)
    session.flush()
    _ensure_colours(session, community)  # every colour is present however the dice fell
    session.flush()
    from storage.guide_files import load_demo_guide

    load_demo_guide(session, community.id, now)  # the 办事指南's demo entries (storage/demo_guide.toml)
    _profiles(session, community, clock.local(now).year)
    return community


def _profiles(session: Session, community: Community, year: int) -> None:
    """Who lives in each household, for 宣传到户 (its own dice: the rest of the demo is unchanged):
    about one household in six has someone 80 or older, one in twelve a newborn."""
    from sqlalchemy import select

    from storage.models import HouseholdProfile

    rng = random.Random(14)
    households = session.scalars(select(Household).join(Building).join(Grid)
                                 .where(Grid.community_id == community.id).order_by(Household.id)).all()
    for h in households:
        years = [year - rng.randint(30, 79) for _ in range(rng.randint(1, 3))]
        tags = []
        if rng.random() < 1 / 6:
            years.append(year - rng.randint(80, 96))
        if rng.random() < 1 / 12:
            years.append(year)
            tags.append("新生儿")
        session.add(HouseholdProfile(household=h, birth_years=sorted(years), tags=tags))
    session.flush()


def _ensure_colours(session: Session, community: Community) -> None:
    from sqlalchemy import select

    households = session.scalars(select(Household).join(Building).join(Grid)
                                 .where(Grid.community_id == community.id).order_by(Household.id)).all()
    have = {h.colour for h in households}
    for i, colour in enumerate(c for c in Colour.ALL if c not in have):
        h = households[i * 7]
        h.colour = colour
        h.colour_reason = REASONS.get(colour, (None,))[0]
