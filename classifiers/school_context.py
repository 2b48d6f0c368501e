"""Is the text around an ambiguous school name about the school? An encoder-based check.

The crawl's matcher calls `school_probability` only for ambiguous hits (a short name shared
with a village, a park, a club...), after its own rules. The hit is masked with one fixed
placeholder name, so the check judges the context, never the name itself. The head is a
logistic regression on the classifier's encoder (same weights, adapters and precision), trained
by `python -m classifiers.training.school_context` on fictional contexts. The model loads on
the first ambiguous hit of a process, never at import.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from classifiers.model_files import MODEL_DIR
from crawler.ground.errors import ModelLoadError

WEIGHTS = MODEL_DIR / "school_context.safetensors"
MASK = "brookfield"


def masked(before: str, after: str) -> str:
    return " ".join(part for part in (before, MASK, after) if part)


class SchoolContextCheck:
    def __init__(self, precision: str = "auto", weights: Path = WEIGHTS) -> None:
        # lazy: the encoder model and its weights load only when a school context is scored
        from safetensors import safe_open

        from classifiers.model import EncoderModel

        self.model = EncoderModel(precision=precision, batch_size=16, max_tokens=128)
        try:
            with safe_open(str(weights), framework="numpy") as handle:
                meta = handle.metadata() or {}
                self.weight = handle.get_tensor("weight")
                self.bias = handle.get_tensor("bias")
        except OSError as exc:
            raise ModelLoadError(f"school-context weights {weights} cannot be read: {exc}") from exc
        if json.loads(meta.get("adapters_digest", "null")) != self.model.info.adapters_digest:
            raise ModelLoadError(
                f"{weights} was trained on another encoder state; retrain it with "
                "`python -m classifiers.training.school_context`"
            )

    def probabilities(self, contexts: list[tuple[str, str]]) -> np.ndarray:
        """P(about the school) for (words before, words after) pairs around a masked hit."""
        encoded = self.model.encode([masked(before, after) for before, after in contexts])
        vectors = np.stack([e.vector for e in encoded])
        return 1.0 / (1.0 + np.exp(-(vectors @ self.weight + self.bias)))


@lru_cache(maxsize=1)
def _check() -> SchoolContextCheck:
    return SchoolContextCheck()


def school_probability(before: str, hit: str, after: str) -> float:
    """The matcher's disambiguation hook (crawler.ground.matching.Disambiguate)."""
    del hit  # masked: the decision rests on the context alone
    return float(_check().probabilities([(before, after)])[0])
