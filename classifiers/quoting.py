"""The words a reason quotes: the sentence of a post that carries a category, shortened around
its cue when it is long."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from classifiers.rules import CUES

REASON_CHARS = 200
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    return spans or [(0, len(text))]


def clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1].rstrip() + "…"


def quote(text: str, span: tuple[int, int], category: str) -> str:
    """The sentence at span, shortened around its first cue for the category if too long."""
    sentence = " ".join(text[span[0] : span[1]].split())
    if len(sentence) <= REASON_CHARS:
        return sentence
    cue = CUES.get(category) or CUES["complaint"]
    match = cue.search(sentence)
    if match is None:
        return clip(sentence)
    start = max(0, min(match.start() - REASON_CHARS // 3, len(sentence) - REASON_CHARS + 2))
    part = sentence[start : start + REASON_CHARS - 2].strip()
    return ("…" if start else "") + part + ("…" if start + REASON_CHARS - 2 < len(sentence) else "")


def pick_sentence(
    text: str, spans: Sequence[tuple[int, int]], scores: np.ndarray, category: str
) -> tuple[int, int]:
    """The model's best sentence for a category, preferring sentences that hold a cue for it."""
    cue = CUES.get(category)
    bonus = np.array(
        [1.0 if cue is not None and cue.search(text[a:b]) else 0.0 for a, b in spans]
    )
    return spans[int((scores + bonus).argmax())]
