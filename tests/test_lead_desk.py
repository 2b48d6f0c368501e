"""The lead's desk without a browser: the needs-action-first order, the coverage warning that
says silence is not calm, words rather than codes, and a history in sentences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.ground.config import config_from_dict, load_config
from crawler.ground.history import describe_action
from crawler.ground.items import CrawlResult, SourceRun
from crawler.ground.vocab import RunStatus
from crawler.store import InboxFilter, Store
from digest.coverage import coverage, day_phrase
from schoolwatch.web.words import source_words
from tests.web_helpers import SCHOOLS, seed, web_config

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)  # a Sunday


def test_inbox_puts_unresolved_high_then_medium_first_newest_within(tmp_path: Path) -> None:
    store = Store(web_config(tmp_path).store.path)
    ids = seed(store)  # newest first: high, medium, hostile (high), calm, other school (high)
    order = [row["id"] for row in store.inbox(InboxFilter(), None).rows]
    assert order == [ids.high, ids.hostile, ids.other_school, ids.medium, ids.calm]
    newest = [row["id"] for row in store.inbox(InboxFilter(order="newest"), None).rows]
    assert newest == [ids.high, ids.medium, ids.hostile, ids.calm, ids.other_school]

    store.set_status([ids.high], "handled", "lead@school.example")  # resolved: no longer first
    order = [row["id"] for row in store.inbox(InboxFilter(), None).rows]
    assert order == [ids.hostile, ids.other_school, ids.medium, ids.high, ids.calm]
    exported = [row["id"] for row in store.inbox_export(InboxFilter(), None)]
    assert exported == order


def _config(tmp_path: Path, sources: int = 3) -> object:
    return config_from_dict({
        "store": {"path": str(tmp_path / "store.duckdb")},
        "crawl": {"allow_private": True},
        "school": [{"id": sid, "name": name} for sid, name in SCHOOLS],
        "source": [{"name": f"source-{n}", "kind": "feed", "url": f"http://127.0.0.1/{n}",
                    "every": "6h"} for n in range(sources)],
    }, "test.toml", base_dir=tmp_path)


def _runs(store: Store, runs: list[SourceRun]) -> None:
    store.write_crawl(CrawlResult(runs=runs, schools=SCHOOLS))


def test_coverage_says_when_sources_fail_that_silence_is_not_calm(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = Store(config.store.path)
    assert "No source has been crawled yet" in coverage(config, store, None, NOW).warning

    tuesday = NOW - timedelta(days=5)
    _runs(store, [
        SourceRun("source-0", tuesday - timedelta(days=1)),
        SourceRun("source-0", tuesday, status=RunStatus.FAILED, errors=["DNS lookup failed"]),
        SourceRun("source-0", NOW - timedelta(hours=2), status=RunStatus.FAILED),
        SourceRun("source-1", NOW - timedelta(days=1), status=RunStatus.PARTIAL, errors=["x"]),
        SourceRun("source-2", NOW - timedelta(hours=1)),
    ])
    found = coverage(config, store, None, NOW)
    assert [s.name for s in found.failing] == ["source-0", "source-1"]
    assert found.warning == ("2 of 3 sources have failed since Tuesday: this may be silence, "
                             "not calm.")
    assert coverage(config, store, ["oakfield"], NOW).warning is not None

    _runs(store, [SourceRun("source-0", NOW - timedelta(minutes=30)),
                  SourceRun("source-1", NOW - timedelta(minutes=20))])
    assert coverage(config, store, None, NOW).warning is None
    a_week_on = NOW + timedelta(days=8)
    assert coverage(config, store, None, a_week_on).warning == (
        "all 3 sources have not been crawled since Sunday: this may be silence, not calm."
        .replace("Sunday", day_phrase(NOW - timedelta(hours=1), a_week_on)))


def test_coverage_without_sources_says_nothing_is_watched(tmp_path: Path) -> None:
    config = _config(tmp_path, sources=0)
    assert "nothing is being watched" in coverage(config, Store(config.store.path), None).warning


def test_day_phrases_carry_the_year_only_when_it_differs() -> None:
    assert day_phrase(NOW - timedelta(hours=3), NOW) == "12:00 today"
    assert day_phrase(NOW - timedelta(days=1), NOW) == "yesterday"
    assert day_phrase(NOW - timedelta(days=5), NOW) == "Tuesday"
    assert day_phrase(NOW - timedelta(days=30), NOW) == "6 Nov"
    assert day_phrase(NOW - timedelta(days=400), NOW) == "1 Nov 2025"


def test_history_reads_as_sentences() -> None:
    assert describe_action("sam@school.example", "status", {"status": "new"},
                           {"status": "false_positive", "reason": "about the church, not us"}
                           ) == "sam@school.example marked this false positive: " \
                                "'about the church, not us'"
    assert describe_action("sam@s", "correct", {"risk": "medium"}, {"risk": "low"}) == (
        "sam@s corrected the risk from medium risk to low risk")
    assert describe_action("sam@s", "assign", {"assigned_to": None},
                           {"assigned_to": "jo@s"}) == "sam@s assigned this to jo@s"
    assert describe_action("sam@s", "case_status", {"status": "open"},
                           {"status": "reported", "note": None}, case_id=4) == (
        "sam@s set takedown case 4 to reported to the platform")
    for action in ("status", "assign", "note", "correct", "open_case", "case_status"):
        assert "{" not in describe_action("a", action, {"status": "new"}, {"status": "handled"})


def test_a_source_is_described_in_words() -> None:
    mention = {"source": "reddit-ashcombe", "source_kind": "feed", "platform": "feed",
               "url": "https://www.reddit.com/r/Ashcombe/comments/1"}
    assert source_words(mention) == (
        "reddit-ashcombe: a news or alerts feed, from www.reddit.com")
    forum = {"source": "mums", "source_kind": "forum", "platform": "phpbb", "url": "nonsense"}
    assert source_words(forum) == "mums: a forum (phpbb)"


def test_without_chromium_sources_and_the_digest_footer_say_screen_prints_are_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from crawler.engine import screenprint
    from digest.compose import compose_digest
    from digest.weekly import build_digest
    from digest.weeks import Week
    from schoolwatch.cli import cli

    config_path = tmp_path / "schoolwatch.toml"
    config_path.write_text(
        f'[store]\npath = "{tmp_path / "store.duckdb"}"\n[crawl]\nallow_private = true\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
        'leads = ["lead@school.example"]\n'
        '[[source]]\nname = "news"\nkind = "feed"\nurl = "http://127.0.0.1:9/rss"\n',
        encoding="utf-8")
    config = load_config(config_path)
    Store(config.store.path).migrate()
    line = "Screen prints are off: Chromium is not installed (apt-get install chromium)"

    monkeypatch.setattr(screenprint, "chromium_path", lambda: None)
    result = CliRunner().invoke(cli, ["sources", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert line in " ".join(result.output.split())
    digest = build_digest(config, Store(config.store.path), config.school[0],
                          Week.containing(NOW))
    composed = compose_digest(digest, "schoolwatch@school.example", ("lead@school.example",))
    assert line in " ".join(composed.text.split())

    monkeypatch.setattr(screenprint, "chromium_path", lambda: "/usr/bin/chromium")
    result = CliRunner().invoke(cli, ["sources", "--config", str(config_path)])
    assert "Screen prints are off" not in result.output
    digest = build_digest(config, Store(config.store.path), config.school[0],
                          Week.containing(NOW))
    assert digest.evidence_note is None


def test_without_playwright_screen_prints_say_they_are_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A runtime-only install (no [screenprints] extra) beside Debian's chromium: every capture
    would fail, so screen prints are off and say what to install."""
    from crawler.engine import screenprint
    from crawler.ground.config import EvidenceSettings

    monkeypatch.setattr(screenprint, "chromium_path", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(screenprint, "playwright_installed", lambda: False)
    line = screenprint.screen_prints_off(EvidenceSettings())
    assert line is not None and "playwright package is not installed" in line
    monkeypatch.undo()
    monkeypatch.setattr(screenprint, "chromium_path", lambda: "/usr/bin/chromium")
    assert screenprint.playwright_installed()  # the test venv has the [dev] extra
    assert screenprint.screen_prints_off(EvidenceSettings()) is None
