"""The weekly digest: what a digest or an alert says, read from the store (counts, items,
sources, themes), then each school's digest composed and queued once per (school, ISO week).

A mention belongs to the week of coalesce(published_at, first_seen_at) in Europe/London. Titles
and excerpts are redacted here, before any template sees them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from crawler.engine.screenprint import screen_prints_off
from crawler.ground.config import Config, School
from crawler.ground.errors import UnknownNameError
from crawler.ground.inbox_status import needs_action
from crawler.ground.vocab import LONDON, SENTIMENTS_SHOWN
from crawler.store import Store
from digest import policy
from digest.compose import ComposedDigest, compose_digest
from digest.contents import CaseLine, Item, SourceLine, WeekDigest, mention_item
from digest.mailer import outbox_dir, sender
from digest.outbox import queue_messages
from digest.parent_view import week_flags
from digest.redact import redact
from digest.safety import one_line, safe_url
from digest.themes import negative_themes
from digest.weeks import Week

AVERAGE_WEEKS = 8
OTHER_ITEMS_SHOWN = 25
# The email lists the most urgent action items (high first, then medium) and links to the rest,
# so a busy week makes a longer count, not a longer email.
ACTION_ITEMS_SHOWN = 20
REVIEWS_SHOWN = 10
# Recurring themes are read from the newest this many negative posts of the week.
THEME_POSTS = 400


def _sort_key(row: dict[str, Any]) -> tuple[int, float]:
    """Most urgent first, then newest first."""
    return (policy.risk_rank(row["risk"]), -row["happened_at"].timestamp())


def build_digest(config: Config, store: Store, school: School, week: Week) -> WeekDigest:
    """Everything the digest of one school for one week shows.

    Counts come from every mention of the week; only the items shown are built (redacted,
    linked), so a week of 10,000 mentions costs little more than a week of 1,000.
    """
    history_start = week.minus(AVERAGE_WEEKS).start
    rows = store.school_mention_index(school.id, history_start, week.end)
    per_week: Counter[Week] = Counter(Week.containing(row["happened_at"]) for row in rows)
    this_week = [row for row in rows if row["happened_at"] >= week.start]  # newest first
    ranked = sorted(this_week, key=_sort_key)

    # Handled and false-positive mentions need no action: they are listed with the others.
    action = [row for row in ranked if needs_action(row["risk"], row["status"])]
    # Reviews have their own section; everything else that needs no action is listed here.
    others = [
        row for row in ranked
        if not needs_action(row["risk"], row["status"]) and row["rating"] is None
    ]
    reviews = sorted(
        (row for row in ranked if row["rating"] is not None),
        key=lambda row: row["happened_at"],
        reverse=True,
    )
    sentiment = Counter(row["sentiment"] or "unclassified" for row in this_week)
    negative = [row for row in this_week if row["sentiment"] == "negative"]
    themed = negative[:THEME_POSTS]
    ofsted = [row for row in this_week if row["source_kind"] == "ofsted"]
    shown = [
        *action[:ACTION_ITEMS_SHOWN], *others[:OTHER_ITEMS_SHOWN], *reviews[:REVIEWS_SHOWN],
        *ofsted,
    ]
    full = store.mentions_by_id(sorted({row["id"] for row in [*shown, *themed]}))

    def items(chosen: list[dict[str, Any]]) -> list[Item]:
        return [mention_item(full[row["id"]], config.web.base_url) for row in chosen]

    return WeekDigest(
        school_id=school.id,
        school_name=school.name,
        week=week,
        mentions=len(this_week),
        last_week=per_week.get(week.minus(1), 0),
        average=sum(per_week.get(week.minus(n), 0) for n in range(1, AVERAGE_WEEKS + 1))
        / AVERAGE_WEEKS,
        need_action=len(action),
        unclassified=sum(1 for row in this_week if row["risk"] is None),
        action_items=items(action[:ACTION_ITEMS_SHOWN]),
        action_more=max(0, len(action) - ACTION_ITEMS_SHOWN),
        other_items=items(others[:OTHER_ITEMS_SHOWN]),
        other_more=max(0, len(others) - OTHER_ITEMS_SHOWN),
        sentiment={name: sentiment.get(name, 0) for name in SENTIMENTS_SHOWN},
        reviews=items(reviews[:REVIEWS_SHOWN]),
        reviews_more=max(0, len(reviews) - REVIEWS_SHOWN),
        themes=negative_themes(school, [full[row["id"]] for row in themed]),
        theme_posts=len(themed),
        # A run after the week (the Monday crawl, the demo's) still read that week's posts.
        sources=source_lines(
            config, store, school, week.start, max(week.end, datetime.now(LONDON)),
            Counter(r["source"] for r in this_week),
        ),
        negative_posts=len(negative),
        open_cases=case_lines(store, school.id),
        ofsted=[mention_item(full[row["id"]]) for row in ofsted],
        parent_view=week_flags(store, school.id, week.start, week.end),
        full_list_url=week_in_inbox(config, school, week),
        full_list_command=f"schoolwatch check --school {school.id}",
        evidence_note=screen_prints_off(config.evidence),
    )


def week_in_inbox(config: Config, school: School, week: Week) -> str | None:
    """The school's mentions of the week in the web inbox, when [web] base_url is set."""
    base_url = config.web.base_url
    if not base_url:
        return None
    query = urlencode(
        {"school": school.id, "since": week.monday.isoformat(), "until": week.sunday.isoformat()}
    )
    return f"{base_url}/mentions?{query}"


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
        for case in store.list_cases(school_id=school_id, unresolved_only=True)
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
    since = store.watched_since(names)
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
                since=since[source.name].astimezone(LONDON) if source.name in since else None,
            )
        )
    return lines


def high_risk_unalerted(
    store: Store, school_id: str, since: datetime, base_url: str | None = None
) -> list[Item]:
    """High-risk mentions of the school fetched since `since` that no alert has covered yet
    (false positives never alert)."""
    return [mention_item(row, base_url) for row in store.high_risk_unalerted(school_id, since)]


# ---- composing and queueing ---------------------------------------------------------------


@dataclass(frozen=True)
class DigestOutcome:
    school_id: str
    digest: WeekDigest
    composed: ComposedDigest
    queued: bool  # False: this school's digest for the week was queued before
    eml_path: Path | None


def select_schools(config: Config, school_id: str | None) -> list[School]:
    if school_id is None:
        return list(config.school)
    school = config.get_school(school_id)
    if school is None:
        known = ", ".join(s.id for s in config.school)
        raise UnknownNameError(f"no school with id {school_id!r} (known: {known})")
    return [school]


def compose_digests(
    config: Config, store: Store, week: Week, schools: Sequence[School]
) -> list[tuple[WeekDigest, ComposedDigest]]:
    composed = []
    for school in schools:
        digest = build_digest(config, store, school, week)
        composed.append((digest, compose_digest(digest, sender(config), tuple(school.leads))))
    return composed


def queue_digests(
    config: Config, store: Store, week: Week, schools: Sequence[School] | None = None
) -> list[DigestOutcome]:
    """Composes each school's digest and queues the ones not queued before for that week."""
    composed = compose_digests(config, store, week, schools or config.school)
    result = queue_messages(store, [c.message for _, c in composed], outbox_dir(config))
    return [
        DigestOutcome(
            school_id=digest.school_id,
            digest=digest,
            composed=message,
            queued=message.message.message_id in result.queued,
            eml_path=result.eml_paths.get(message.message.message_id),
        )
        for digest, message in composed
    ]
