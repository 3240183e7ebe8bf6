"""The classifier's keywords as staff change and read them, the same from chat (handlers/
rules_admin.py: 规则 看/加) and from the console's 规则 page (bot/web/rules_page.py), and the
figures of the classifier on the community's own corrections (what `lianhu eval --db` prints in
its judge table: domain/classifier/measure.py on every LabelledExample).

    plain_keywords(classifier, "repair")            # [(keyword, weight)], heaviest first
    add_keyword(session, clock, classifier, actor, "repair", "升降机", 3.0)   # RuleChange | problem
    corrections(session, community_id)              # recent 改类 / 非诉求 / 转工单 / 忽略
    judge_on_corrections(session, classifier)       # {"rules"|"model"|"combined": figures}
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.classifier.corrections import _group, _weight_for
from domain.classifier.measure import measure
from kernel import texts as T
from kernel.clock import Clock
from storage.models import HeadsUp, LabelledExample, Person, RuleChange, Ticket

if TYPE_CHECKING:
    from domain.classifier.engine import Classifier

MAX_KEYWORD = 20
MIN_WEIGHT, MAX_WEIGHT = 0.5, 10.0


def plain_keywords(classifier: Classifier, code: str) -> tuple[list[tuple[str, float]], int]:
    """A category's plain keywords (heaviest first, weights positive) and how many other rules
    (combinations, regular expressions) it has besides."""
    rules = classifier.keywords(_group(code))
    plain = [(k, w) for k, w in rules if not k.startswith("re:") and "&" not in k and (code != "none" or w < 0)]
    combined = len(rules) - len(plain) if code != "none" else 0
    plain.sort(key=lambda kw: (-abs(kw[1]), kw[0]))
    return [(k.lstrip("="), abs(w)) for k, w in plain], combined


def keyword_problem(keyword: str) -> str | None:
    if not keyword:
        return T.CONSOLE_RULES_KEYWORD_EMPTY
    if keyword.startswith("re:"):
        return T.RULES_NO_REGEX
    if len(keyword) > MAX_KEYWORD:
        return T.RULES_KEYWORD_TOO_LONG.format(max=MAX_KEYWORD)
    return None


def weight_ok(weight: float) -> bool:
    return MIN_WEIGHT <= weight <= MAX_WEIGHT  # NaN is not


def add_keyword(session: Session, clock: Clock, classifier: Classifier, actor: Person, code: str,
                keyword: str, weight: float) -> RuleChange | str:
    """规则 加: the keyword takes effect at once and is kept as a RuleChange (replayed at start);
    or why it cannot be used."""
    problem = keyword_problem(keyword)
    if problem is None:
        try:
            classifier.add_keyword(_group(code), keyword, _weight_for(code, weight))
        except ValueError as e:
            problem = str(e)
    if problem is not None:
        return problem
    change = RuleChange(action="add", category=code, keyword=keyword, weight=weight, by_id=actor.id,
                        created_at=clock.now())
    session.add(change)
    session.flush()
    return change


@dataclass(frozen=True)
class Correction:
    at: datetime
    who: str
    text: str
    predicted: str  # category names
    category: str
    kind: str  # 改类 / 非诉求 / 转工单 / 忽略
    ticket: int | None  # its number


def corrections(session: Session, community_id: int | None, limit: int = 50) -> list[Correction]:
    """The newest labelled examples made by people of the community (all, for an administrator)."""
    from_heads_up = select(HeadsUp.id).where(HeadsUp.ticket_id == LabelledExample.ticket_id).exists()
    stmt = (select(LabelledExample, Person.name, Ticket.number, from_heads_up)
            .outerjoin(Person, Person.id == LabelledExample.by_id)
            .outerjoin(Ticket, Ticket.id == LabelledExample.ticket_id)
            .order_by(LabelledExample.created_at.desc(), LabelledExample.id.desc()).limit(limit))
    if community_id is not None:
        stmt = stmt.where(Person.community_id == community_id)
    out = []
    for example, who, number, heads_up in session.execute(stmt).all():
        out.append(Correction(example.created_at, who or "", example.text,
                              T.CATEGORY_NAMES.get(example.predicted or "", example.predicted or ""),
                              T.CATEGORY_NAMES.get(example.category, example.category),
                              _kind(example, number, bool(heads_up)), number))
    return out


def _kind(example: LabelledExample, number: int | None, heads_up: bool) -> str:
    """Which correction made it: a heads-up 忽略 (no ticket) or 转工单 (its ticket came from a
    heads-up), else 非诉求 or 改类 of a ticket."""
    names = T.CONSOLE_CORRECTION_KINDS
    if number is None:
        return names["ignored"]
    if example.category == "none":
        return names["none"]
    return names["to_ticket"] if heads_up else names["recategorised"]


def judge_on_corrections(session: Session, classifier: Classifier) -> tuple[int, dict[str, dict[str, Any]]]:
    """How many corrections there are, and the judge's figures on them for the rules alone, the
    model alone and combined: the table `lianhu eval --db` prints (same rows, same order)."""
    rows = session.execute(select(LabelledExample.text, LabelledExample.category, LabelledExample.urgent)
                           .order_by(LabelledExample.id)).all()
    scored: dict[str, list[Any]] = {"rules": [], "model": [], "combined": []}
    for text, category, urgent in rows:
        for mode, result in classifier.classify_modes(text).items():
            scored[mode].append((category, bool(urgent), result))
    return len(rows), {mode: measure(items) for mode, items in scored.items()}


def corrections_version(session: Session) -> tuple[object, ...]:
    """Changes whenever the figures above may: a correction added or changed, a keyword changed."""
    examples = session.execute(select(func.count(LabelledExample.id), func.max(LabelledExample.id),
                                      func.max(LabelledExample.created_at))).one()
    return (*examples, session.scalar(select(func.max(RuleChange.id))))
