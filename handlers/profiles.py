"""A household's ages and tags by chat (domain/household_profiles.py), privately, by its linked
member, its grid worker or staff: ``标签 3-2-502 新生儿`` (no tag: shows them), ``去掉标签 3-2-502
新生儿``, ``出生年份 3-2-502 1941 1945`` (or ``85岁``). A group hears only that it is private."""
from __future__ import annotations

from domain import access
from domain import household_profiles as profiles
from handlers.context import Ctx
from handlers.filters import HANDLERS, HouseholdArg, private_only
from handlers.router import Command, Reply, Router
from kernel import texts as T
from kernel.parsing import normalise
from storage.models import Household, HouseholdProfile

router = Router("profiles")


def _show(ctx: Ctx, template: str, household: Household, profile: HouseholdProfile) -> None:
    year = ctx.clock.local(ctx.clock.now()).year
    ages = "、".join(f"{a}岁" for a in profiles.ages(profile, year)) or T.PROFILE_NONE
    ctx.reply(template.format(address=household.address, tags="、".join(profile.tags) or T.PROFILE_NONE, ages=ages))


def _may(ctx: Ctx, household: Household) -> None:
    if not access.may_edit_profile(ctx.person, household):
        raise Reply(T.PROFILE_NOT_YOURS.format(address=household.address))


def _tags(rest: str) -> list[str]:
    tags, unknown = profiles.parse_tags(normalise(rest))
    if unknown:
        raise Reply(T.PROFILE_UNKNOWN_TAGS.format(words="、".join(unknown), known="、".join(profiles.TAGS)))
    return tags


@router.message(Command("标签"), HANDLERS, private_only, HouseholdArg(T.PROFILE_USAGE))
def tag(ctx: Ctx, household: Household, rest: str) -> None:
    _may(ctx, household)
    if not rest:
        _show(ctx, T.PROFILE_SHOW, household, profiles.profile_of(ctx.session, household))
        return
    _show(ctx, T.PROFILE_SAVED, household, profiles.add_tags(ctx.session, household, _tags(rest)))


@router.message(Command("去掉标签"), HANDLERS, private_only, HouseholdArg(T.PROFILE_USAGE))
def untag(ctx: Ctx, household: Household, rest: str) -> None:
    _may(ctx, household)
    tags = _tags(rest)
    if not tags:
        raise Reply(T.PROFILE_USAGE)
    _show(ctx, T.PROFILE_SAVED, household, profiles.remove_tags(ctx.session, household, tags))


@router.message(Command("出生年份"), HANDLERS, private_only, HouseholdArg(T.PROFILE_USAGE))
def birth_years(ctx: Ctx, household: Household, rest: str) -> None:
    _may(ctx, household)
    years, bad = profiles.parse_birth_years(normalise(rest), ctx.clock.local(ctx.clock.now()).year)
    if bad or not years:
        raise Reply(T.PROFILE_BAD_YEARS.format(words="、".join(bad) or rest) if bad else T.PROFILE_USAGE)
    _show(ctx, T.PROFILE_SAVED, household, profiles.set_profile(ctx.session, household, birth_years=years))
