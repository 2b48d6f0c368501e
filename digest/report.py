"""What a digest or an alert says, read from the store: counts, items, sources, themes.

A mention belongs to the week of coalesce(published_at, first_seen_at) in Europe/London. Titles
and excerpts are redacted here, before any template sees them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.cases import open_cases
from crawler.config import Config, School
from crawler.store import Store
from crawler.vocab import ACTION_RISKS, LONDON, Sentiment
from digest import policy
from digest.redact import redact
from digest.safety import excerpt, one_line, safe_url
from digest.themes import negative_themes
from digest.weeks import Week

AVERAGE_WEEKS = 8
OTHER_ITEMS_SHOWN = 25
# The order the digest and the report show them in.
SENTIMENTS = (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE, "unclassified")


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
    generated_at: datetime = field(default_factory=lambda: datetime.now(LONDON))

    @property
    def failed_sources(self) -> list[SourceLine]:
        return [line for line in self.sources if line.failed]

    @property
    def classified(self) -> int:
        return self.mentions - self.unclassified


def _item(row: dict[str, Any]) -> Item:
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
    )


def _sort_key(item: Item) -> tuple[int, float]:
    return (policy.risk_rank(item.risk), -item.when.timestamp())


def build_digest(config: Config, store: Store, school: School, week: Week) -> WeekDigest:
    """Everything the digest of one school for one week shows."""
    history_start = week.minus(AVERAGE_WEEKS).start
    rows = store.school_mentions(school.id, history_start, week.end)
    per_week: Counter[Week] = Counter(Week.containing(row["happened_at"]) for row in rows)
    this_week = [row for row in rows if row["happened_at"] >= week.start]
    items = [_item(row) for row in this_week]
    items.sort(key=_sort_key)

    action_items = [item for item in items if item.risk in ACTION_RISKS]
    # Reviews have their own section; everything else that needs no action is listed here.
    others = [
        item for item in items if item.risk not in ACTION_RISKS and item.rating is None
    ]
    sentiment = Counter(item.sentiment or "unclassified" for item in items)
    negative = [row for row in this_week if row["sentiment"] == "negative"]
    return WeekDigest(
        school_id=school.id,
        school_name=school.name,
        week=week,
        mentions=len(items),
        last_week=per_week.get(week.minus(1), 0),
        average=sum(per_week.get(week.minus(n), 0) for n in range(1, AVERAGE_WEEKS + 1))
        / AVERAGE_WEEKS,
        need_action=len(action_items),
        unclassified=sum(1 for item in items if item.risk is None),
        action_items=action_items,
        other_items=others[:OTHER_ITEMS_SHOWN],
        other_more=max(0, len(others) - OTHER_ITEMS_SHOWN),
        sentiment={name: sentiment.get(name, 0) for name in SENTIMENTS},
        reviews=sorted(
            (item for item in items if item.rating is not None),
            key=lambda item: item.when,
            reverse=True,
        ),
        themes=negative_themes(school, negative),
        sources=source_lines(
            config, store, school, week.start, week.end, Counter(i.source for i in items)
        ),
        negative_posts=len(negative),
        open_cases=case_lines(store, school.id),
    )


def case_lines(store: Store, school_id: str) -> list[CaseLine]:
    """The school's open takedown cases, oldest first, titles redacted."""
    now = datetime.now(LONDON)
    return [
        CaseLine(
            id=case.id,
            status=case.status,
            age_days=case.age_days(now),
            title=redact(one_line(case.title)) or "(untitled)",
            url=safe_url(case.url),
            shown_url=one_line(case.url),
            last_check=one_line(case.last_check) or None,
        )
        for case in open_cases(store, school_id)
    ]


def source_lines(
    config: Config,
    store: Store,
    school: School,
    start: datetime,
    end: datetime,
    mentions: Counter[str],
) -> list[SourceLine]:
    """Each source that covers the school: its runs from start to end and whether any failed."""
    names = [source.name for source in config.source if school in config.schools_for(source)]
    runs = store.source_runs(names, start, end)
    lines = []
    for source in config.source:
        if source.name not in names:
            continue
        run = runs.get(source.name, {})
        last_run = run.get("last_run")
        lines.append(
            SourceLine(
                name=source.name,
                kind=source.kind,
                mentions=mentions.get(source.name, 0),
                runs=run.get("runs", 0),
                failed_runs=run.get("failed_runs", 0),
                last_run=last_run.astimezone(LONDON) if last_run else None,
                last_status=run.get("last_status"),
                last_failed=bool(run.get("last_failed")),
                last_error=one_line(run.get("last_error")) or None,
            )
        )
    return lines


def high_risk_unalerted(
    store: Store, school_id: str, since: datetime
) -> list[Item]:
    """High-risk mentions of the school fetched since `since` that no alert has covered yet."""
    return [_item(row) for row in store.high_risk_unalerted(school_id, since)]
