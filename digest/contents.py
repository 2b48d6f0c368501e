"""What a digest, an alert or a report shows: one mention as an item, one source's coverage,
an open case, one school's week. Plain data, built from store rows; weekly.py fills them,
compose.py and render.py turn them into a message, report.py and channels.py reuse them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.ground.inbox_status import LABELS, is_resolved
from crawler.ground.vocab import LONDON
from digest import policy
from digest.redact import redact
from digest.safety import excerpt, one_line, safe_url
from digest.weeks import Week


@dataclass(frozen=True)
class Reason:
    category: str
    phrase: str


@dataclass(frozen=True)
class Item:
    """One mention as a message shows it: redacted, with a link only when it is http(s)."""

    id: int
    title: str
    excerpt: str
    url: str | None  # safe to link
    shown_url: str  # the address as text
    source: str
    when: datetime  # London time
    risk: str | None  # None: not yet classified
    categories: list[str]
    reasons: list[Reason]
    actions: list[str]
    sentiment: str | None
    rating: float | None
    first_seen_at: datetime
    fetched_at: datetime
    raw_sha256: str
    status: str = "new"
    status_reason: str | None = None
    link: str | None = None  # the mention's page in the web inbox, when [web] base_url is set

    @property
    def status_label(self) -> str:
        return LABELS.get(self.status, self.status)  # type: ignore[call-overload]

    @property
    def resolved(self) -> bool:
        return is_resolved(self.status)

    @property
    def category_labels(self) -> list[str]:
        return [policy.label(name) for name in self.categories]


@dataclass(frozen=True)
class SourceLine:
    name: str
    kind: str
    mentions: int
    runs: int
    failed_runs: int
    last_run: datetime | None
    last_status: str | None
    last_error: str | None
    last_failed: bool = False  # the latest run failed (or was interrupted after errors)
    since: datetime | None = None  # first run that did not fail (London): watched since then

    @property
    def failed(self) -> bool:
        """Did not run, or failed at least once in the period (the digest's warning)."""
        return self.failed_runs > 0 or self.runs == 0

    @property
    def failing(self) -> bool:
        """Did not run, or its latest run failed (the report's warning: is it broken now?)."""
        return self.runs == 0 or self.last_failed


@dataclass(frozen=True)
class CaseLine:
    """A takedown case still open (not yet removed or refused), with its age in days."""

    id: int
    status: str
    age_days: int
    title: str
    url: str | None  # safe to link
    shown_url: str
    last_check: str | None


@dataclass
class WeekDigest:
    school_id: str
    school_name: str
    week: Week
    mentions: int
    last_week: int
    average: float
    need_action: int
    unclassified: int
    action_items: list[Item]
    other_items: list[Item]
    other_more: int
    sentiment: dict[str, int]
    reviews: list[Item]
    themes: list[tuple[str, int]]
    sources: list[SourceLine]
    negative_posts: int = 0
    open_cases: list[CaseLine] = field(default_factory=list)
    ofsted: list[Item] = field(default_factory=list)  # new inspection reports this week
    parent_view: list[str] = field(default_factory=list)  # Parent View changes to flag
    action_more: int = 0  # action items not listed (the count is need_action)
    reviews_more: int = 0
    theme_posts: int = 0  # negative posts the themes were read from (the newest)
    full_list_url: str | None = None  # the week's mentions in the web inbox, when there is one
    full_list_command: str = ""  # otherwise: the report that lists every unresolved item
    generated_at: datetime = field(default_factory=lambda: datetime.now(LONDON))
    evidence_note: str | None = None  # why no screen prints are being taken, when they are not

    @property
    def failed_sources(self) -> list[SourceLine]:
        return [line for line in self.sources if line.failed]

    @property
    def unchecked(self) -> bool:
        """No source ran cleanly: the week was not looked at, whatever the counts say."""
        return len(self.failed_sources) == len(self.sources)

    @property
    def coverage_note(self) -> str:
        """"1 of 2 sources did not run cleanly", or "" when every source did."""
        failed = len(self.failed_sources)
        if not failed:
            return ""
        return f"{failed} of {len(self.sources)} source{'' if len(self.sources) == 1 else 's'} " \
            "did not run cleanly"

    @property
    def monitoring_since(self) -> datetime | None:
        return monitoring_since(self.sources)

    @property
    def classified(self) -> int:
        return self.mentions - self.unclassified


def mention_link(base_url: str | None, mention_id: int) -> str | None:
    return f"{base_url}/mentions/{mention_id}" if base_url else None


def mention_item(row: dict[str, Any], base_url: str | None = None) -> Item:
    reasons_raw = row["risk_reasons"]
    reasons: dict[str, str] = {}
    if reasons_raw:
        try:
            parsed = json.loads(reasons_raw) if isinstance(reasons_raw, str) else reasons_raw
            reasons = {str(k): str(v) for k, v in dict(parsed).items()}
        except (ValueError, TypeError):
            reasons = {}
    categories = policy.ordered(row["categories"])
    focus = next(iter(reasons.values()), None) or row["match_context"]
    url = row["url"] or ""
    return Item(
        id=row["id"],
        title=redact(one_line(row["title"])) or "(untitled)",
        excerpt=redact(excerpt(row["text"], around=focus)),
        url=safe_url(url),
        shown_url=one_line(url),
        source=row["source"],
        when=row["happened_at"].astimezone(LONDON),
        risk=row["risk"],
        categories=categories,
        reasons=[
            Reason(policy.label(name), redact(one_line(reasons[name])))
            for name in categories
            if name in reasons
        ],
        actions=policy.actions(categories),
        sentiment=row["sentiment"],
        rating=row["rating"],
        first_seen_at=row["first_seen_at"].astimezone(LONDON),
        fetched_at=row["fetched_at"].astimezone(LONDON),
        raw_sha256=row["raw_sha256"],
        status=row.get("status") or "new",
        status_reason=one_line(row.get("status_reason")) or None,
        link=mention_link(base_url, row["id"]),
    )


def monitoring_since(sources: list[SourceLine]) -> datetime | None:
    """Since when anything has watched the school: its earliest source's first good run."""
    return min((line.since for line in sources if line.since is not None), default=None)
