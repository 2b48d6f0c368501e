"""Publication dates in every form the sources use, resolved against the fetch time (London)."""

from __future__ import annotations

import calendar
import email.utils
import re
import time
from datetime import UTC, datetime

from crawler.ground.vocab import LONDON

_ISO_LIKE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)

_RFC_2822 = re.compile(
    r"^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? "
    r"(?:[+-]\d{4}|GMT|UTC|UT)$"
)

# Labels and arrows boards print around a date: "Posted: ...", "« on: ... »", "by X » ...".
_LABELS = re.compile(
    r"^(?:(?:posted|sent|written|date|published|last edited)(?: on)?|on)\s*:?\s+"
    r"|^(?:am|le|el|il)\s+(?=\d)",  # "on" in German, French, Spanish, Italian boards
    re.IGNORECASE,
)
_ARROWS = re.compile(r"[«»\u2039\u203a|]+")
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)


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
    never land after the fetch (a post is not written after it was fetched).
    """
    if not text or not text.strip():
        return None
    cleaned = clean_date_text(text)
    if _EPOCH.match(cleaned):  # Unix seconds, or milliseconds from JavaScript-minded APIs
        value = float(cleaned)
        return from_epoch(value / 1000 if value > 1e11 else value)
    exact = _machine_date(cleaned)
    if exact is not None:
        return exact
    # lazy: dateparser costs ~0.5 s to import; most dates parse without it
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
    parsed = dateparser.parse(cleaned, languages=languages or ["en"], settings=settings)
    if parsed is None and languages is None:
        parsed = dateparser.parse(cleaned, settings=settings)
    if parsed is None:
        return None
    # "Today 08:05" read at 07:00 is a site clock ahead of London's, not a post from the
    # future: nothing was written after it was fetched.
    return min(parsed.astimezone(UTC), fetched_at.astimezone(UTC))


def _machine_date(text: str) -> datetime | None:
    """ISO 8601 and RFC 2822 stamps, read in microseconds; dateparser takes milliseconds."""
    if _ISO_LIKE.match(text):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    elif _RFC_2822.match(text):  # strictly: the email parser skips words it does not know
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LONDON)
    return parsed.astimezone(UTC)


def clean_date_text(text: str) -> str:
    """The date alone, without the labels, arrows and ordinals boards wrap it in."""
    cleaned = " ".join(_ARROWS.sub(" ", text.replace("\u00a0", " ")).split())
    previous = None
    while previous != cleaned:
        previous = cleaned
        cleaned = _LABELS.sub("", cleaned).strip(" ,-")
    return _ORDINAL.sub(r"\1", cleaned)


def shown_moment(moment: datetime, weekday: bool = True, at: datetime | None = None) -> str:
    """"Tue 3 Dec, 08:05" in London time, with the year when it is not this year's: a post
    from last December must not read as this one's."""
    local = moment.astimezone(LONDON)
    this_year = (at or datetime.now(UTC)).astimezone(LONDON).year
    day = f"{local:%a} {local.day} {local:%b}" if weekday else f"{local.day} {local:%b}"
    year = f" {local.year}" if local.year != this_year else ""
    return f"{day}{year}, {local:%H:%M}"
