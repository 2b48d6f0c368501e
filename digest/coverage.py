"""Is anything actually watching? An empty inbox reads as calm; when the sources have failed or
not run for a while it is silence, and the lead must be told so on the page, not only in the
Monday digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.ground.config import Config
from crawler.ground.vocab import LONDON, now
from crawler.store import Store

# A source whose last good crawl is older than this many of its intervals (and at least a day)
# counts as not watching: `schoolwatch run` is not running, or the source stopped answering.
STALE_INTERVALS = 3
STALE_AT_LEAST = timedelta(days=1)


@dataclass(frozen=True)
class SourceHealth:
    name: str
    every: timedelta
    last_run: datetime | None
    last_failed: bool
    last_good: datetime | None
    failing_since: datetime | None

    @property
    def never_ran(self) -> bool:
        return self.last_run is None

    @property
    def failing(self) -> bool:
        return self.never_ran or self.last_failed

    def stale(self, at: datetime) -> bool:
        """Its latest run went well, but that was long ago."""
        if self.failing or self.last_good is None:
            return False
        return at - self.last_good > max(self.every * STALE_INTERVALS, STALE_AT_LEAST)


@dataclass(frozen=True)
class Coverage:
    sources: list[SourceHealth]
    at: datetime

    @property
    def failing(self) -> list[SourceHealth]:
        return [source for source in self.sources if source.failing]

    @property
    def stale(self) -> list[SourceHealth]:
        return [source for source in self.sources if source.stale(self.at)]

    @property
    def warning(self) -> str | None:
        """One sentence for the top of the inbox, or None when every source is watching."""
        total = len(self.sources)
        if not total:
            return ("No source is set up for these schools, so nothing is being watched: "
                    "add sources with 'schoolwatch sources suggest'.")
        if all(source.never_ran for source in self.sources):
            return ("No source has been crawled yet: an empty inbox means nothing has looked, "
                    "not that all is calm.")
        failing, stale = self.failing, self.stale
        parts = []
        if failing:
            began = [s.failing_since for s in failing if s.failing_since is not None]
            since = f" since {day_phrase(min(began), self.at)}" if began else ""
            verb = "has" if len(failing) == 1 else "have"
            parts.append(f"{_of(len(failing), total)} {verb} failed{since}")
        if stale:
            oldest = min(s.last_good for s in stale if s.last_good is not None)
            verb = "has" if len(stale) == 1 else "have"
            parts.append(f"{_of(len(stale), total)} {verb} not been crawled since "
                         f"{day_phrase(oldest, self.at)}")
        if not parts:
            return None
        return "; ".join(parts) + ": this may be silence, not calm."


def _of(count: int, total: int) -> str:
    if count == total:
        return "the only source" if total == 1 else f"all {total} sources"
    return f"{count} of {total} sources"


def day_phrase(moment: datetime, at: datetime) -> str:
    """"08:05 today", "yesterday", "Tuesday" within the week, "3 Dec" this year, else with
    the year: a lead reads it at a glance, and never mistakes last year's date for this one."""
    local, today = moment.astimezone(LONDON), at.astimezone(LONDON)
    days = (today.date() - local.date()).days
    if days <= 0:
        return local.strftime("%H:%M today")
    if days == 1:
        return "yesterday"
    if days < 7:
        return local.strftime("%A")
    if local.year == today.year:
        return local.strftime("%-d %b")
    return local.strftime("%-d %b %Y")


def coverage(config: Config, store: Store, schools: Sequence[str] | None,
             at: datetime | None = None) -> Coverage:
    """The health of every source that watches any of these schools (None: all of them)."""
    sources = [
        source for source in config.source
        if schools is None or any(s.id in schools for s in config.schools_for(source))
    ]
    health = store.source_health([source.name for source in sources]) if sources else {}
    return Coverage(
        sources=[
            SourceHealth(
                name=source.name,
                every=source.every,
                last_run=health.get(source.name, {}).get("last_run"),
                last_failed=bool(health.get(source.name, {}).get("last_failed")),
                last_good=health.get(source.name, {}).get("last_good"),
                failing_since=health.get(source.name, {}).get("failing_since"),
            )
            for source in sources
        ],
        at=at or now(),
    )
