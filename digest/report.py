"""The pre-inspection reputation report: what a parent or an inspector finds online about a school.

One self-contained HTML file (charts inlined as data: URIs, no external resources) that prints
cleanly to PDF. It covers a period (default: since the last inspection, else 12 months): volume
and sentiment by month, the unresolved high- and medium-risk items, reviews and the rating trend,
recurring negative themes, Wikipedia edits, the sources and their failures, open takedown cases,
and a checklist of actions. Titles and excerpts are redacted as in the digest.
"""

from __future__ import annotations

import base64
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from crawler.ground.config import Config, School
from crawler.ground.vocab import ACTION_RISKS, CLOSED_CASES, LONDON, SENTIMENTS_SHOWN
from crawler.store import Case, Store
from digest import policy
from digest.chart import monthly_sentiment_chart, rating_trend_chart
from digest.contents import Item, SourceLine, mention_item, monitoring_since
from digest.parent_view import FALL_POINTS, ParentViewTrend
from digest.parent_view import trend as parent_view_trend
from digest.render import html_environment
from digest.safety import excerpt
from digest.themes import negative_themes
from digest.weekly import source_lines

DEFAULT_PERIOD = timedelta(days=365)
THEME_EXCERPTS = 2
SHOWN_REVIEWS = 8
SHOWN_EDITS = 12


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return date(self.year, self.month, 1).strftime("%b %Y")

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)


@dataclass(frozen=True)
class Theme:
    phrase: str
    posts: int
    excerpts: list[str]


@dataclass
class InspectionReport:
    school: School
    since: date
    until: datetime
    since_reason: str
    mentions: int
    sentiment: dict[str, int]
    months: list[tuple[str, dict[str, int]]]
    action_items: list[tuple[Item, Case | None]]
    resolved_items: list[tuple[Item, Case | None]]
    reviews: list[Item]
    review_count: int
    rating_average: float | None
    rating_months: list[tuple[str, float | None, int]]
    themes: list[Theme]
    categories: list[tuple[str, int]]
    wiki_edits: list[Item]
    sources: list[SourceLine]
    cases: list[Case]
    checklist: list[str] = field(default_factory=list)
    parent_view: ParentViewTrend | None = None  # Parent View results over the period
    sentiment_chart: str | None = None  # data: URI
    rating_chart: str | None = None

    @property
    def unclassified(self) -> int:
        return self.sentiment.get("unclassified", 0)

    @property
    def monitoring_since(self) -> datetime | None:
        return monitoring_since(self.sources)

    @property
    def watched_late(self) -> bool:
        """Monitoring began after the report's start: the months before it were not watched."""
        first = self.monitoring_since
        return first is None or first.date() > self.since

    @property
    def failing_sources(self) -> list[SourceLine]:
        return [source for source in self.sources if source.failing]


def default_since(school: School, now: datetime) -> tuple[date, str]:
    if school.last_inspection is not None:
        return school.last_inspection, "since the last inspection"
    return (now.astimezone(LONDON) - DEFAULT_PERIOD).date(), "the last 12 months"


def build_report(
    config: Config, store: Store, school: School, since: date | None = None,
    now: datetime | None = None,
) -> InspectionReport:
    now = now or datetime.now(UTC)
    reason = "since " + since.strftime("%-d %B %Y") if since else ""
    if since is None:
        since, reason = default_since(school, now)
    start = datetime.combine(since, time(0), LONDON).astimezone(UTC)
    rows = store.school_mentions(school.id, start, now, include_end=True)
    items = {row["id"]: mention_item(row, config.web.base_url) for row in rows}
    cases = store.list_cases(school_id=school.id)
    latest_case = {case.mention_id: case for case in cases}  # in opening order: last one wins

    months = _months(since, now)
    by_month: dict[Month, Counter[str]] = {month: Counter() for month in months}
    for item in items.values():
        key = Month(item.when.year, item.when.month)
        if key in by_month:
            by_month[key][item.sentiment or "unclassified"] += 1
    sentiment = Counter(item.sentiment or "unclassified" for item in items.values())

    serious = [item for item in items.values() if item.risk in ACTION_RISKS]
    closed = {mention_id for mention_id, case in latest_case.items()
              if case.status in CLOSED_CASES}
    action_items = [
        (item, latest_case.get(item.id)) for item in serious
        if not item.resolved and item.id not in closed
    ]
    # Handled or false-positive by a person: shown with how each was resolved.
    resolved_items = [(item, latest_case.get(item.id)) for item in serious if item.resolved]
    resolved_items.sort(key=lambda pair: -pair[0].when.timestamp())
    action_items.sort(key=lambda pair: (policy.risk_rank(pair[0].risk),
                                        -pair[0].when.timestamp()))

    reviews = sorted((i for i in items.values() if i.rating is not None),
                     key=lambda i: i.when, reverse=True)
    ratings: dict[Month, list[float]] = defaultdict(list)
    for review in reviews:
        ratings[Month(review.when.year, review.when.month)].append(review.rating or 0.0)
    rating_months = [
        (month.label, sum(ratings[month]) / len(ratings[month]) if ratings[month] else None,
         len(ratings[month]))
        for month in months
    ]

    negative = [row for row in rows if row["sentiment"] == "negative"]
    report = InspectionReport(
        school=school,
        since=since,
        until=now.astimezone(LONDON),
        since_reason=reason,
        mentions=len(items),
        sentiment={name: sentiment.get(name, 0) for name in SENTIMENTS_SHOWN},
        months=[(month.label, dict(by_month[month])) for month in months],
        action_items=action_items,
        resolved_items=resolved_items,
        reviews=reviews[:SHOWN_REVIEWS],
        review_count=len(reviews),
        rating_average=(sum(r.rating or 0.0 for r in reviews) / len(reviews)) if reviews else None,
        rating_months=rating_months,
        themes=_themes(school, negative),
        categories=Counter(
            policy.label(name) for row in negative for name in (row["categories"] or [])
        ).most_common(),
        wiki_edits=[items[row["id"]] for row in rows if row["source_kind"] == "wikipedia"][
            :SHOWN_EDITS],
        sources=source_lines(config, store, school, start, now + timedelta(microseconds=1),
                             Counter(item.source for item in items.values())),
        cases=[case for case in cases if case.unresolved],
    )
    report.parent_view = parent_view_trend(store, school.id, start)
    report.checklist = _checklist(report, now)
    if items:
        report.sentiment_chart = _data_uri(monthly_sentiment_chart(report.months))
    if reviews:
        report.rating_chart = _data_uri(rating_trend_chart(
            [(label, average) for label, average, _ in rating_months]))
    return report


def render_report(report: InspectionReport) -> str:
    template = html_environment().get_template("inspection.html.j2")
    return template.render(r=report, now=report.until, policy=policy)


def _months(since: date, now: datetime) -> list[Month]:
    month = Month(since.year, since.month)
    last = Month(now.astimezone(LONDON).year, now.astimezone(LONDON).month)
    months = [month]
    while (month.year, month.month) < (last.year, last.month):
        month = month.next()
        months.append(month)
    return months


def _themes(school: School, negative: list[dict[str, Any]]) -> list[Theme]:
    themes = []
    for phrase, posts in negative_themes(school, negative, top=6):
        excerpts = []
        for row in negative:
            if phrase in f"{row['title'] or ''} {row['text']}".casefold():
                excerpts.append(mention_item(row).excerpt)
                if len(excerpts) == THEME_EXCERPTS:
                    break
        themes.append(Theme(phrase, posts, [_short(e, phrase) for e in excerpts]))
    return themes


def _short(text: str, around: str, length: int = 160) -> str:
    return excerpt(text, around=around, length=length)


def _checklist(report: InspectionReport, now: datetime) -> list[str]:
    """What to do before the inspection, from what the report found, most urgent first."""
    steps: list[str] = []
    high = [item for item, _ in report.action_items if item.risk == "high"]
    medium = [item for item, _ in report.action_items if item.risk == "medium"]
    if high:
        steps.append(f"Deal with the {len(high)} unresolved high-risk item(s) first: "
                     + _first_actions(high))
    if medium:
        steps.append(f"Review the {len(medium)} medium-risk item(s): " + _first_actions(medium))
    if report.cases:
        oldest = max(case.age_days(now) for case in report.cases)
        steps.append(f"Chase the {len(report.cases)} open takedown request(s) with the platforms "
                     f"(oldest: {oldest} days); keep the evidence listed below.")
    for theme in report.themes[:3]:
        steps.append(f"Prepare a short, factual account of “{theme.phrase}” ({theme.posts} "
                     "negative posts): what the school has done about it, in case it is raised.")
    if report.rating_average is not None:
        recent = [avg for _, avg, _ in report.rating_months[-3:] if avg is not None]
        earlier = [avg for _, avg, _ in report.rating_months[:-3] if avg is not None]
        if recent and earlier and sum(recent) / len(recent) < sum(earlier) / len(earlier) - 0.3:
            steps.append(
                f"Reviews are getting worse ({sum(earlier) / len(earlier):.1f} → "
                f"{sum(recent) / len(recent):.1f} stars): read the recent ones and respond "
                "through the review site's official channel where it allows one.")
    falls = [line for line in (report.parent_view.lines if report.parent_view else [])
             if line.change <= -FALL_POINTS]
    if falls:
        worst = min(falls, key=lambda line: line.change)
        steps.append(f"Parent View has fallen on {len(falls)} question(s), most on “"
                     f"{worst.question}” ({worst.first:.0f}% → {worst.latest:.0f}% agreeing): "
                     "inspectors read it; know why, and what the school is doing about it.")
    if report.wiki_edits:
        steps.append(f"Check the {len(report.wiki_edits)} Wikipedia edit(s) for accuracy; ask for "
                     "corrections on the article's talk page rather than editing it yourself "
                     "(Wikipedia's conflict-of-interest rule).")
    failing = report.failing_sources
    if failing:
        steps.append("Fix or replace the sources that failed (" + ", ".join(
            source.name for source in failing) + "): this report may miss what they carry.")
    if report.unclassified:
        steps.append(f"{report.unclassified} mention(s) are not yet classified for risk: "
                     "read them or run the classifier before relying on this report.")
    if not steps:
        steps.append("Nothing needs action: keep the scheduler running and look again a week "
                     "before the inspection window.")
    return steps


def _first_actions(items: list[Item]) -> str:
    actions: list[str] = []
    for item in items:
        for action in item.actions:
            if action not in actions:
                actions.append(action)
    return " ".join(actions) if actions else "read each one and decide."


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
