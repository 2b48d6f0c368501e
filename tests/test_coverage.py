"""Coverage honesty: each school's "monitoring since" date, and a week or a report period where
sources failed or were not yet watched never reads as a calm one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawler.ground.config import Config
from crawler.ground.items import CrawlResult, SourceRun
from crawler.store import Store
from digest.compose import compose_digest
from digest.report import build_report, render_report
from digest.weekly import build_digest
from digest.weeks import Week
from tests.store_helpers import unattended_config


def _config(tmp_path: Path) -> Config:
    return unattended_config(tmp_path, source=[
        {"name": "news", "kind": "feed", "url": "https://news.example/rss"},
        {"name": "forum", "kind": "forum", "url": "https://forum.example/board"},
    ])


def _runs(store: Store, runs: list[tuple[str, datetime, str]]) -> None:
    store.write_crawl(CrawlResult(
        schools=[("hollins-green", "Hollins Green Primary School")],
        sources=[("news", "feed", "https://news.example/rss", None),
                 ("forum", "forum", "https://forum.example/board", None)],
        runs=[SourceRun(source=name, started_at=at, finished_at=at + timedelta(minutes=1),
                        status=status, errors=["HTTP 503"] if status == "failed" else [])
              for name, at, status in runs],
        documents=[], validators=[],
    ))


def _text(config: Config, store: Store, week: Week) -> str:
    digest = build_digest(config, store, config.school[0], week)
    message = compose_digest(digest, "a@b.example", ("c@d.example",)).message.body
    from email import message_from_bytes
    from email.policy import default

    part = message_from_bytes(message, policy=default).get_body(("plain",))
    assert part is not None
    return part.get_content()


def test_a_quiet_week_with_a_failed_source_is_not_called_calm(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store(config.store.path)
    week = Week.previous(datetime.now(UTC))
    first = week.start - timedelta(days=20)
    _runs(store, [("news", first, "ok"), ("news", week.start + timedelta(days=1), "ok"),
                  ("forum", first, "failed"), ("forum", week.start + timedelta(days=2), "failed")])
    digest = build_digest(config, store, config.school[0], week)
    assert digest.monitoring_since == first
    by_name = {line.name: line for line in digest.sources}
    assert by_name["forum"].since is None  # it has never run cleanly
    text = _text(config, store, week)
    assert "1 of 2 sources did not run cleanly: this may be silence, not calm." in text
    assert "quiet, not silence" not in text
    assert f"monitoring since {digest.monitoring_since:%a %-d %b %Y}." in text


def test_a_clean_quiet_week_says_so_and_a_new_source_says_since_when(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store(config.store.path)
    week = Week.previous(datetime.now(UTC))
    _runs(store, [("news", week.start - timedelta(days=20), "ok"),
                  ("news", week.start + timedelta(days=1), "ok"),
                  ("forum", week.start + timedelta(days=3, hours=10), "ok")])
    text = _text(config, store, week)
    assert "The sources below ran, so this is quiet, not silence." in text
    assert "(new: watched since" in text


def test_a_school_nothing_has_watched_yet_says_so(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store(config.store.path)
    week = Week.previous(datetime.now(UTC))
    _runs(store, [("news", week.start + timedelta(days=1), "failed")])
    text = _text(config, store, week)
    assert "Not monitored yet: no source has run without failing." in text


def test_the_report_says_since_when_it_watched(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store(config.store.path)
    started = datetime.now(UTC) - timedelta(days=40)
    _runs(store, [("news", started, "ok")])
    report = build_report(config, store, config.school[0], since=date(2025, 1, 1))
    assert report.monitoring_since is not None and report.watched_late
    html = render_report(report)
    assert "Monitoring since" in html
    assert "no mentions there means not watched, not quiet" in html
    recent = build_report(config, store, config.school[0],
                          since=(datetime.now(UTC) - timedelta(days=10)).date())
    assert not recent.watched_late
