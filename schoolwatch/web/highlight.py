"""Marks the matched alias and the classifier's reason phrases in a post's text.

Returns plain segments; the template escapes each one and wraps the marked ones in <mark>, so
crawled text never reaches the page as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Segment = tuple[str, str | None]  # (text, None | "alias" | "reason")


def reason_phrases(risk_reasons: Any) -> dict[str, str]:
    if not risk_reasons:
        return {}
    try:
        parsed = json.loads(risk_reasons) if isinstance(risk_reasons, str) else risk_reasons
        return {str(k): str(v) for k, v in dict(parsed).items() if v}
    except (ValueError, TypeError):
        return {}


def highlight(text: str, alias: str | None, reasons: Iterable[str]) -> list[Segment]:
    """The text cut into segments; every case-insensitive occurrence of a term is marked,
    earlier first, longer first where two start together."""
    terms = [(alias, "alias")] if alias else []
    terms += [(phrase, "reason") for phrase in reasons if phrase and phrase.strip()]
    folded = text.casefold()
    spans: list[tuple[int, int, str]] = []
    for term, kind in terms:
        needle = term.casefold().strip()
        if not needle or len(needle) != len(term.strip()):
            continue  # casefold changed the length: positions would not line up
        start = folded.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle), kind))
            start = folded.find(needle, start + len(needle))
    spans.sort(key=lambda span: (span[0], -(span[1] - span[0])))
    segments: list[Segment] = []
    position = 0
    for start, end, kind in spans:
        if start < position:
            continue  # overlaps a span already marked
        if start > position:
            segments.append((text[position:start], None))
        segments.append((text[start:end], kind))
        position = end
    if position < len(text):
        segments.append((text[position:], None))
    return segments
