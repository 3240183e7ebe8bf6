"""Staff's corrections to the classifier (规则 加/删 in chat) kept in ``rule_change`` and replayed
onto the classifier at start, so a keyword added from chat survives a restart."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import RuleChange

if TYPE_CHECKING:
    from domain.classifier.engine import Classifier

log = logging.getLogger(__name__)


def apply_stored_rules(session: Session, classifier: Classifier) -> int:
    """Make the classifier's run-time rules exactly the stored changes, in order.
    Returns how many changes were replayed."""
    rows = list(session.scalars(select(RuleChange).order_by(RuleChange.id)))
    problems = classifier.set_runtime_rules(
        (r.action, _group(r.category), r.keyword, _weight_for(r.category, r.weight)) for r in rows)
    for p in problems:
        log.warning("stored rule change skipped: %s", p)
    return len(rows)


DEFAULT_WEIGHT = 3.0  # alone, one such word makes a message a request


NONE_GROUP = "cancel"  # 非诉求 words subtract from "this is a request"


NOT_REQUEST_WORDS = ("非诉求", "不是诉求", "none")


def _group(code: str) -> str:
    return NONE_GROUP if code == "none" else code


def _weight_for(code: str, weight: float) -> float:
    return -abs(weight) if code == "none" else weight
