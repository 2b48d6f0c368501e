"""Publication dates in every form the sources use, resolved against the fetch time (London)."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def from_struct_time(value: time.struct_time | None) -> datetime | None:
    """feedparser's *_parsed fields are UTC struct_times."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def from_epoch(value: float | int | str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC) if value is not None else None
    except (OverflowError, ValueError, OSError):
        return None


def parse_date(
    text: str | None, fetched_at: datetime, languages: list[str] | None = None
) -> datetime | None:
    """Absolute, relative ("Yesterday at 14:32", "3 days ago") or partial ("12 Mar") dates.

    Partial and relative dates are read as London wall-clock time relative to the fetch, and
    dates without a year never land in the future (a post is not written after it was fetched).
    """
    if not text or not text.strip():
        return None
    import dateparser  # slow to import; only the sources that need it pay

    base = fetched_at.astimezone(LONDON).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": base,
        "TIMEZONE": "Europe/London",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
    }
    cleaned = " ".join(text.replace("\u00a0", " ").split())
    parsed = dateparser.parse(cleaned, languages=languages or ["en"], settings=settings)
    if parsed is None and languages is None:
        parsed = dateparser.parse(cleaned, settings=settings)
    if parsed is None:
        return None
    return parsed.astimezone(UTC)
