"""Who lives in a household, as far as policy needs (``HouseholdProfile``): the residents' birth
years and tags such as 老人, 残疾, 低保, 新生儿, 新市民. Filled from the 住户 sheet of the ledger
workbook (columns 出生年份 and 标签) or by chat (``标签 3-2-502 新生儿`` / ``去掉标签 …``); campaigns
by age or tag (domain/outreach.py) read them. Private: members and staff only, never a group."""
from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Household, HouseholdProfile

#: the tags a household may carry (campaigns name them: ``政策宣传 … 对象:新生儿``)
TAGS = ("老人", "独居", "残疾", "低保", "特困", "失业", "慢病", "孕产妇", "新生儿", "学生", "新市民", "租户",
        "退役军人", "优抚")
#: everyday names of the same tag
TAG_ALIASES = {"老年人": "老人", "高龄": "老人", "独居老人": "独居", "空巢": "独居", "残疾人": "残疾",
               "低保户": "低保", "特困户": "特困", "五保": "特困", "失业人员": "失业", "慢性病": "慢病",
               "孕妇": "孕产妇", "婴儿": "新生儿", "新生": "新生儿", "外来人口": "新市民", "流动人口": "新市民",
               "租客": "租户", "退伍军人": "退役军人", "军属": "优抚"}
_SPLIT = re.compile(r"[\s,,、;;/|]+")
_AGE = re.compile(r"^(\d{1,3})\s*(岁|周岁)$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
OLDEST_AGE = 120


def split(cell: str) -> list[str]:
    return [w for w in _SPLIT.split(cell.strip()) if w]


def tag_of(word: str) -> str | None:
    """The tag a word names, or None."""
    w = word.strip()
    return w if w in TAGS else TAG_ALIASES.get(w)


def parse_tags(cell: str) -> tuple[list[str], list[str]]:
    """The tags a cell or command names (in order, once each) and the words that name none."""
    tags: list[str] = []
    unknown: list[str] = []
    for word in split(cell):
        tag = tag_of(word)
        if tag is None:
            unknown.append(word)
        elif tag not in tags:
            tags.append(tag)
    return tags, unknown


def parse_birth_years(cell: str, this_year: int) -> tuple[list[int], list[str]]:
    """Birth years, one a person, from ``1941、1945`` or ages (``85岁``, counted from ``this_year``); and the words
    that are neither (a year before ``this_year - OLDEST_AGE`` or in the future is wrong too)."""
    years: list[int] = []
    bad: list[str] = []
    for word in split(cell):
        age, year = _AGE.match(word), _YEAR.match(word)
        value = this_year - int(age.group(1)) if age else int(year.group(1)) if year else None
        if value is None or not this_year - OLDEST_AGE <= value <= this_year:
            bad.append(word)
        else:
            years.append(value)  # one a person: a couple born the same year is two
    return sorted(years), bad


def profile_of(session: Session, household: Household) -> HouseholdProfile:
    """The household's profile, made empty when it has none."""
    profile = None if household.id is None else session.scalar(
        select(HouseholdProfile).where(HouseholdProfile.household_id == household.id))
    if profile is None:
        profile = HouseholdProfile(household=household, birth_years=[], tags=[])
        session.add(profile)
    return profile


def set_profile(session: Session, household: Household, *, birth_years: list[int] | None = None,
                tags: list[str] | None = None) -> HouseholdProfile:
    """Replace the birth years and/or the tags (None: leave as they are)."""
    profile = profile_of(session, household)
    if birth_years is not None:
        profile.birth_years = sorted(birth_years)
    if tags is not None:
        profile.tags = list(tags)
    return profile


def add_tags(session: Session, household: Household, tags: Iterable[str]) -> HouseholdProfile:
    profile = profile_of(session, household)
    profile.tags = list(profile.tags) + [t for t in tags if t not in profile.tags]
    return profile


def remove_tags(session: Session, household: Household, tags: Iterable[str]) -> HouseholdProfile:
    profile = profile_of(session, household)
    gone = set(tags)
    profile.tags = [t for t in profile.tags if t not in gone]
    return profile


def ages(profile: HouseholdProfile, this_year: int) -> list[int]:
    return sorted((this_year - int(y) for y in profile.birth_years), reverse=True)
