"""What flows between the stages: documents from spiders, matches, and per-source run records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from crawler.ground.vocab import RunStatus, now

# The request.meta key naming the source a request was made for (SourceSpider.request sets
# it): one crawler reads every source of a run, and this is how a response, an error or a
# retry finds its source again.
SOURCE_META = "schoolwatch_source"


@dataclass
class Document:
    """One post, feed entry, review or revision as a spider read it, before matching."""

    url: str
    title: str
    text: str
    fetched_at: datetime
    final_url: str
    http_status: int
    raw_sha256: str
    raw_body: bytes = field(repr=False)
    content_type: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    platform: str | None = None
    rating: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the configured source whose spider read it (SourceSpider.document)

    def as_json(self) -> dict[str, Any]:
        """The user-facing fields, as `schoolwatch extract` prints them."""
        shown: dict[str, Any] = {
            "title": self.title,
            "url": self.url,
            "author": self.author,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "text": self.text,
        }
        if self.platform:
            shown["platform"] = self.platform
        if self.rating is not None:
            shown["rating"] = self.rating
        if self.extra:
            shown["extra"] = self.extra
        return shown


@dataclass(frozen=True)
class Match:
    """Where a school was found in a document."""

    school_id: str
    alias: str
    field: str  # "title" or "text"
    offset: int  # character offset of the match in that field
    context: str  # a few words either side, for a person to check


@dataclass
class MatchedDocument:
    """A document with every school it mentions; the store turns it into one mention per school."""

    document: Document
    source: str
    source_kind: str
    canonical_url: str
    content_hash: str
    matches: list[Match]


@dataclass
class SourceRun:
    """How one source's crawl went; stored in crawl_runs and shown in the crawl summary."""

    source: str
    started_at: datetime
    finished_at: datetime | None = None
    status: RunStatus = RunStatus.OK
    pages_fetched: int = 0
    unreadable_pages: int = 0  # fetched, but holding nothing this source kind can read
    items_seen: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_mentions: int = 0
    updated_mentions: int = 0

    @property
    def last_error(self) -> str | None:
        return self.errors[-1] if self.errors else None

    @property
    def failed(self) -> bool:
        return self.status == RunStatus.FAILED


@dataclass(frozen=True)
class Validators:
    """HTTP cache validators remembered for a URL."""

    url: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class SeriesPoint:
    """One measured value at one time (a Parent View question's agree share): a time series
    kept beside the mentions, never as one."""

    source: str
    school_id: str
    series: str  # e.g. parent_view
    observed_at: datetime  # when schoolwatch read it
    as_of: date | None  # the date the publisher gives the figures
    metric: str  # e.g. "submissions", "My child is happy at this school"
    value: float
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What `schoolwatch extract` prints for a measurement."""
        return {"series": self.series, "metric": self.metric, "value": self.value,
                "as_of": self.as_of.isoformat() if self.as_of else None, "detail": self.detail}


@dataclass
class CrawlResult:
    """What one crawl found, in the one shape it travels in: from the runner (or a queue
    worker) through the spool file or the queue's result message to `Store.write_crawl`.

    Per source: its run record, the matched documents, the conditional-GET validators to keep,
    its resume state and any series points. `schools` and `sources` are the configuration the
    write records beside it ((id, name) and (name, kind, url, platform)); whoever holds the
    config fills them in (`describing`)."""

    runs: list[SourceRun]
    documents: list[MatchedDocument] = field(default_factory=list)
    validators: list[Validators] = field(default_factory=list)
    state: dict[str, dict[str, str]] = field(default_factory=dict)
    series: list[SeriesPoint] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    ended_at: datetime = field(default_factory=now)

    def describing(self, schools: Sequence[Any], sources: Sequence[Any]) -> CrawlResult:
        """The same result with the configured schools and sources (config.school,
        config.source) to record beside it."""
        return replace(
            self,
            schools=[(school.id, school.name) for school in schools],
            sources=[(s.name, s.kind, s.url, s.platform) for s in sources],
        )
