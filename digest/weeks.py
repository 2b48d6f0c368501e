"""ISO weeks in Europe/London: which Monday-to-Sunday a digest covers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from crawler.ground.errors import WeekError
from crawler.ground.vocab import LONDON

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = _WEEK.match(text.strip())
        if not match:
            raise WeekError(f"{text!r} is not an ISO week like 2026-W47")
        year, number = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise WeekError(f"{year} has no week {number}") from None
        return cls(year, number)

    @classmethod
    def containing(cls, moment: datetime) -> Week:
        year, number, _ = moment.astimezone(LONDON).isocalendar()
        return cls(year, number)

    @classmethod
    def previous(cls, now: datetime) -> Week:
        """The last full Monday-to-Sunday week before `now`, in London."""
        return cls.containing(now).minus(1)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """Monday 00:00 in London, as UTC."""
        return datetime.combine(self.monday, time(0), LONDON).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 in London, as UTC (exclusive)."""
        return datetime.combine(self.monday + timedelta(days=7), time(0), LONDON).astimezone(UTC)

    def minus(self, weeks: int) -> Week:
        year, number, _ = (self.monday - timedelta(weeks=weeks)).isocalendar()
        return Week(year, number)

    def __str__(self) -> str:
        return self.label
