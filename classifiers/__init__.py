"""Mention classifier: sentiment, risk, categories and reasons (encoder + heads + rules).

Imports are lazy so `import classifiers` stays cheap; torch and transformers load only when a
Classifier is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from classifiers.decide import Classification, Classifier, ClassifyRequest
    from classifiers.stream import classify_jsonl
    from crawler.ground.config import ClassifierSettings

__all__ = [
    "Classification",
    "Classifier",
    "ClassifierSettings",
    "ClassifyRequest",
    "classify_jsonl",
]

_WHERE = {
    "Classification": "classifiers.decide",
    "Classifier": "classifiers.decide",
    "ClassifyRequest": "classifiers.decide",
    "ClassifierSettings": "crawler.ground.config",
    "classify_jsonl": "classifiers.stream",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'classifiers' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)
