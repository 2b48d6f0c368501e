"""Durations in settings: "90s", "15m", "1h30m", "2d", "1w" (shared by every stage's settings)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# Validation context key set when a person's config file is read (config_from_dict).
FROM_FILE = "from_file"


def parse_duration(value: Any, *, seconds_if_bare: bool = False) -> timedelta:
    """Reads "90s", "15m", "1h", "1h30m", "2d" or "1w" as a timedelta. A bare number is refused
    (`every = 6` meant hours, not seconds) unless `seconds_if_bare`: settings that travel as
    JSON between processes (the queue's jobs) carry their durations as seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not seconds_if_bare:
            raise ValueError(
                f"{value!r} has no unit: write it with one, e.g. '{value}h', '{value}m' or "
                f"'{value}s'"
            )
        seconds = float(value)
    else:
        text = str(value).strip().replace(" ", "")
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts).lower() != text.lower():
            raise ValueError(f"{value!r} is not a duration like '30m', '1h', '1h30m' or '2d'")
        seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(seconds=seconds)


def _validate(value: Any, info: ValidationInfo) -> timedelta:
    from_file = bool(info.context and info.context.get(FROM_FILE))
    return parse_duration(value, seconds_if_bare=not from_file)


Duration = Annotated[timedelta, BeforeValidator(_validate)]

__all__ = ["FROM_FILE", "Duration", "parse_duration"]
