"""Message classifier: category + urgent + evidence for residents' chat messages.

    from domain.classifier import Classifier
    c = Classifier()                      # default rules.toml, jieba cache in $LIANHU_DATA_DIR or ./data
    tokens = c.tokenize(text)             # once per message, share with the rest of the pipeline
    result = c.classify(text, tokens)     # Classification(category, urgent, evidence, score)
"""
from .engine import Classifier
from .rules import CATEGORIES, DEFAULT_RULES, REQUEST_CATEGORIES, RuleFileError
from .scoring import Classification

__all__ = [
    "CATEGORIES",
    "DEFAULT_RULES",
    "REQUEST_CATEGORIES",
    "Classification",
    "Classifier",
    "RuleFileError",
]
