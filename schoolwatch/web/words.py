"""Words, not codes: the filters every page uses to show a risk, a tone, a category, a kind of
source, a case's status and an audit entry the way a lead would say them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crawler.ground.history import describe_action
from crawler.ground.vocab import (
    PLATFORM_NAMES,
    SOURCE_KIND_LABELS,
    CaseStatus,
    Risk,
    Sentiment,
)
from digest import policy


def risk_words(value: str | None) -> str:
    if not value:
        return "Not yet classified"
    try:
        return Risk(value).label
    except ValueError:
        return value


def tone_words(value: str | None) -> str:
    if not value:
        return "Tone not yet classified"
    try:
        return Sentiment(value).label
    except ValueError:
        return value


def case_words(value: str | None) -> str:
    try:
        return CaseStatus(value or "").label
    except ValueError:
        return str(value)


def source_words(mention: dict[str, Any]) -> str:
    """"reddit-ashcombe: a news or alerts feed, from www.reddit.com" rather than
    "reddit-ashcombe (feed, feed)"."""
    kind = SOURCE_KIND_LABELS.get(mention.get("source_kind") or "", mention.get("source_kind"))
    platform = mention.get("platform")
    if platform in PLATFORM_NAMES and platform not in ("generic", mention.get("source_kind")):
        kind = f"{kind} ({platform})"
    try:
        host = urlsplit(mention.get("url") or "").hostname
    except ValueError:
        host = None
    return f"{mention.get('source')}: {kind}" + (f", from {host}" if host else "")


def history_words(entry: Any) -> str:
    return describe_action(entry.actor, entry.action, entry.before, entry.after, entry.case_id)


FILTERS = {
    "risk_words": risk_words,
    "tone_words": tone_words,
    "category_words": policy.label,
    "case_words": case_words,
    "source_words": source_words,
    "history_words": history_words,
}
