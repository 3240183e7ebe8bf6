"""Message classifier: category + urgent + evidence for residents' chat messages.

    from domain.classifier import Classifier
    c = Classifier()                      # default rules.toml, dictionary cache in $LIANHU_DATA_DIR or ./data
    tokens = c.tokenize(text)             # once per message, share with the rest of the pipeline
    result = c.classify(text, tokens)     # Classification(category, urgent, evidence, score)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import native

native.install()  # the compiled modules when built and current (native.py); before any of them is imported

from .rules import CATEGORIES, DEFAULT_RULES, REQUEST_CATEGORIES, RuleFileError

if TYPE_CHECKING:
    from .engine import Classifier
    from .scoring import Classification


def __getattr__(name: str) -> Any:
    """``Classifier`` and ``Classification`` are imported when first asked for: the engine
    imports jieba (and jieba pkg_resources), which `lianhu run` need not load before it answers
    (the app loads the classifier in a thread once the server is up)."""
    if name == "Classifier":
        from .engine import Classifier

        return Classifier
    if name == "Classification":
        from .scoring import Classification

        return Classification
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CATEGORIES",
    "DEFAULT_RULES",
    "REQUEST_CATEGORIES",
    "Classification",
    "Classifier",
    "RuleFileError",
]
