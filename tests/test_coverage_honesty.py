"""Silence that looks like calm (issue 12 item 5): failed coverage changes the digest's subject
and headline and the report's verdict; a run after the week still counts as having run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.store import Store
from digest.compose import compose_digest
from digest.report import build_report, render_report
from digest.weekly import build_digest
from digest.weeks import Week
from tests.mail_helpers import Post, make_config, run, write_posts

WEEK = Week.parse("2026-W20")
MONDAY = WEEK.start + timedelta(hours=9)
SOURCES = [{"name": "local-news", "kind": "feed", "url": "https://news.example.org/rss"},
           {"name": "mumsnet", "kind": "feed", "url": "https://forum.example.org/rss"}]


def _digest(tmp_path: Path, statuses: dict[str, str], posts: Sequence[Post] = ()) -> Any:
    config = make_config(tmp_path, sources=SOURCES)
    runs = [run(name, MONDAY + timedelta(days=1), status, "HTTP 500 from x" if status == "failed"
                else None) for name, status in statuses.items()]
    write_posts(config, list(posts), runs=runs)
    digest = build_digest(config, Store(config.store.path), config.school[0], WEEK)
    return digest, compose_digest(digest, "schoolwatch@localhost", ())


def test_every_source_failing_is_not_a_quiet_week(tmp_path: Path) -> None:
    _, composed = _digest(tmp_path, {"local-news": "failed", "mumsnet": "failed"})
    subject = composed.message.subject
    assert "no mentions" not in subject and "not checked" in subject
    assert "every source failed" in subject
    for body in (composed.text, composed.preview_html):
        assert "quiet, not silence" not in body
        assert "not checked" in body


def test_some_sources_failing_says_so_in_subject_and_headline(tmp_path: Path) -> None:
    _, composed = _digest(tmp_path, {"local-news": "ok", "mumsnet": "failed"})
    assert "1 of 2 sources failed" in composed.message.subject
    assert "quiet, not silence" not in composed.text
    assert "1 of 2 sources did not run cleanly" in composed.text.split("\n\n")[1]


def test_with_mentions_the_subject_still_names_failed_sources(tmp_path: Path) -> None:
    _, composed = _digest(tmp_path, {"local-news": "ok", "mumsnet": "failed"},
                          [Post("Fair", "Hollins Green Primary fair.", MONDAY)])
    assert composed.message.subject.startswith("Hollins Green Primary: 1 mention, ")
    assert "1 of 2 sources failed" in composed.message.subject


def test_a_clean_quiet_week_is_still_quiet(tmp_path: Path) -> None:
    _, composed = _digest(tmp_path, {"local-news": "ok", "mumsnet": "ok"})
    assert "no mentions" in composed.message.subject
    assert "quiet, not silence" in composed.text


def test_a_run_after_the_week_counts_as_coverage_of_it(tmp_path: Path) -> None:
    """The demo crawls this week and digests last week: its sources did run."""
    config = make_config(tmp_path, sources=SOURCES)
    week = Week.previous(datetime.now(UTC))
    now = datetime.now(UTC)
    write_posts(config, [Post("Fair", "Hollins Green Primary fair.", week.start + timedelta(
        days=2), source="mumsnet")], runs=[run("local-news", now), run("mumsnet", now)])
    digest = build_digest(config, Store(config.store.path), config.school[0], week)
    assert [line.runs for line in digest.sources] == [1, 1]
    assert digest.failed_sources == []


def test_the_report_verdict_is_not_green_when_sources_failed(tmp_path: Path) -> None:
    config = make_config(tmp_path, sources=SOURCES)
    now = datetime.now(UTC)
    write_posts(config, [], runs=[run("local-news", now, "failed", "HTTP 500 from x"),
                                  run("mumsnet", now, "failed", "HTTP 500 from y")])
    report = build_report(config, Store(config.store.path), config.school[0])
    html = render_report(report)
    assert "nothing high or medium risk is outstanding" not in html
    assert "quiet, not silence" not in html
    assert "not fully checked" in html
