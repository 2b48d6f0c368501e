"""Durations in settings: "90s", "15m", "1h30m", "2d", "1w" (shared by every stage's settings)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> timedelta:
    """Reads "90s", "15m", "1h", "1h30m", "2d" or "1w" as a timedelta; a bare number is refused."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A bare number is ambiguous (`every = 6` meant hours, not seconds): ask for the unit.
        raise ValueError(
            f"{value!r} has no unit: write it with one, e.g. '{value}h', '{value}m' or '{value}s'"
        )
    else:
        text = str(value).strip().replace(" ", "")
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts).lower() != text.lower():
            raise ValueError(f"{value!r} is not a duration like '30m', '1h', '1h30m' or '2d'")
        seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]

__all__ = ["Duration", "parse_duration"]
