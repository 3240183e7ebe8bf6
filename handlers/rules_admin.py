"""The classifier's rules from chat, and corrections that become labelled examples.

Staff:   规则 看 类别 [页] · 规则 加 类别 词 [权重] · 规则 删 类别 词
         Every change is a RuleChange row (who, when) and takes effect at once; the App
         replays the rows at start-up (``apply_stored_rules``).
Handlers of a ticket (assignee, grid worker, staff):
         改类 N 类别 · 改类 N 非诉求 · 非诉求 N (and 办结 N 非诉求 in members.py)
         The ticket's first message is kept as a LabelledExample (one per ticket, the last
         correction wins), so `lianhu eval --db` measures the classifier on the community's
         own corrections.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from domain import corrections, rule_changes
from domain import tickets as wf
from domain.classifier.corrections import (
    DEFAULT_WEIGHT,
    _group,
)
from domain.classifier.rules import REQUEST_CATEGORIES
from handlers.context import Ctx
from handlers.filters import HANDLERS, STAFF, handled_ticket, ticket_arg
from handlers.router import Command, Router
from kernel import texts as T
from storage.models import (
    Person,
    RuleChange,
    Ticket,
)

log = logging.getLogger(__name__)

router = Router("rules_admin")

PAGE_SIZE = 60
RECENT_CHANGES = 5

#: what people may write for a category, besides the code and its full Chinese name
#: words after 办结 N / 改类 N that mean "this was not a request"




def _category_list() -> str:
    return "、".join(f"{T.CATEGORY_NAMES[c]}({c})" for c in (*REQUEST_CATEGORIES, "none"))






# --- start-up ----------------------------------------------------------------------------------



# --- 规则 ----------------------------------------------------------------------------------------

def _who(person: Person) -> str:
    return f"{wf.role_name(person)}{person.name}"


@router.message(Command("规则"), STAFF)
def rules(ctx: Ctx, rest: str) -> None:
    parts = rest.split()
    usage = T.RULES_USAGE.format(weight=DEFAULT_WEIGHT, categories=_category_list())
    if len(parts) < 2 or parts[0] not in ("看", "查看", "加", "添加", "增加", "删", "删除", "去掉"):
        ctx.reply(usage)
        return
    action, cat_word, args = parts[0], parts[1], parts[2:]
    code = T.category_code(cat_word)
    if code is None:
        ctx.reply(T.RULES_UNKNOWN_CATEGORY.format(given=cat_word, categories=_category_list()))
        return
    if action in ("看", "查看"):
        _show(ctx, code, args)
    elif not args:
        ctx.reply(usage)
    elif action in ("加", "添加", "增加"):
        _add(ctx, code, args)
    else:
        _remove(ctx, code, " ".join(args))


def _add(ctx: Ctx, code: str, args: list[str]) -> None:
    weight = DEFAULT_WEIGHT
    if len(args) > 1:
        try:
            weight = float(args[-1])
        except ValueError:
            weight = float("nan")
        if not rule_changes.weight_ok(weight):
            ctx.reply(T.RULES_BAD_WEIGHT.format(given=args[-1]))
            return
        args = args[:-1]
    keyword = "".join(args)
    change = rule_changes.add_keyword(ctx.session, ctx.clock, ctx.classifier, ctx.person, code, keyword, weight)
    if isinstance(change, str):
        ctx.reply(T.RULES_BAD_KEYWORD.format(keyword=keyword, reason=change))
        return
    template = T.RULES_ADDED_NONE if code == "none" else T.RULES_ADDED
    ctx.reply(template.format(keyword=keyword, category=T.CATEGORY_NAMES[code], weight=weight, id=change.id,
                              who=_who(ctx.person)))


def _remove(ctx: Ctx, code: str, keyword: str) -> None:
    name = T.CATEGORY_NAMES[code]
    try:
        removed = ctx.classifier.remove_keyword(_group(code), keyword)
    except ValueError:
        removed = False
    if not removed:
        ctx.reply(T.RULES_NOT_THERE.format(category=name, keyword=keyword))
        return
    change = RuleChange(action="remove", category=code, keyword=keyword, weight=0.0, by_id=ctx.person.id,
                        created_at=ctx.clock.now())
    ctx.session.add(change)
    ctx.session.flush()
    ctx.reply(T.RULES_REMOVED.format(category=name, keyword=keyword, id=change.id, who=_who(ctx.person)))


def _show(ctx: Ctx, code: str, args: list[str]) -> None:
    name = T.CATEGORY_NAMES[code]
    page = 1
    if args:
        if not args[0].isdigit() or int(args[0]) < 1:
            ctx.reply(T.RULES_BAD_PAGE.format(given=args[0], category=name))
            return
        page = int(args[0])
    plain, combined = rule_changes.plain_keywords(ctx.classifier, code)
    pages = max(1, -(-len(plain) // PAGE_SIZE))
    page = min(page, pages)
    lines = []
    if not plain:
        lines.append(T.RULES_LIST_EMPTY.format(category=name))
    else:
        lines.append(T.RULES_LIST_HEAD.format(category=name, count=len(plain), page=page, pages=pages))
        chunk = plain[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        lines.append("、".join(f"{k}({w:g})" for k, w in chunk))
        if page < pages:
            lines.append(T.RULES_LIST_MORE.format(category=name, next=page + 1))
    if combined:
        lines.append(T.RULES_LIST_REGEX.format(count=combined))
    changes = list(ctx.session.scalars(
        select(RuleChange).where(RuleChange.category == code).order_by(RuleChange.id.desc()).limit(RECENT_CHANGES)))
    if changes:
        lines.append(T.RULES_LIST_CHANGES)
        for c in changes:
            who = ctx.session.get(Person, c.by_id) if c.by_id else None
            lines.append(T.RULES_CHANGE_LINE.format(
                when=ctx.clock.show(c.created_at), who=who.name if who else "", keyword=c.keyword,
                action=T.RULES_ACTION_NAMES.get(c.action, c.action),
                weight=f"({c.weight:g})" if c.action == "add" else ""))
    ctx.reply("\n".join(lines))


# --- corrections: 改类 / 非诉求 --------------------------------------------------------------------

@router.message(Command("改类"), HANDLERS, ticket_arg, handled_ticket)
def recategorise(ctx: Ctx, ticket: Ticket, rest: str) -> None:
    code = T.category_code(rest.split()[0]) if rest else None
    if not rest:
        ctx.reply(T.RECATEGORISE_USAGE)
        return
    if code is None:
        ctx.reply(T.RULES_UNKNOWN_CATEGORY.format(given=rest, categories=_category_list()))
        return
    if code == "none":
        close_not_request(ctx, ticket)
        return
    if code == ticket.category:
        ctx.reply(T.RECATEGORISE_SAME.format(number=ticket.number, category=T.CATEGORY_NAMES[code]))
        return
    old = corrections.recategorise(ctx.session, ctx.clock, ticket, ctx.person, code)
    ctx.reply(T.RECATEGORISED_OK.format(number=ticket.number, old=T.CATEGORY_NAMES.get(old, old),
                                        new=T.CATEGORY_NAMES[code]))


@router.message(Command("非诉求"), HANDLERS, ticket_arg, handled_ticket)
def not_request(ctx: Ctx, ticket: Ticket) -> None:
    close_not_request(ctx, ticket)


def close_not_request(ctx: Ctx, ticket: Ticket) -> None:
    """Close a ticket that was not a request: the reporters get a short, detail-free note in
    the group, the assignee (if someone else) is told to stop, and the message becomes an
    example labelled 非诉求."""
    if not corrections.close_not_request(ctx.session, ctx.say, ctx.clock, ticket, ctx.person):
        ctx.reply(T.TICKET_CLOSED_ALREADY.format(number=ticket.number, status=T.STATUS_NAMES[ticket.status],
                                                 action="按非诉求关闭"))
        return
    ctx.reply(T.NOT_REQUEST_OK.format(number=ticket.number))
