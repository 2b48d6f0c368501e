"""One crawl result, one shape: a CrawlResult goes into the spool (and comes out of one an
earlier version wrote), through a queue message, into `Store.write_crawl`; the follow-up
classifies exactly the mentions that write returned."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.engine.runner import CrawlReport
from crawler.ground.items import CrawlResult, SourceRun
from crawler.store import Store, spool
from schoolwatch.jobs import after_crawl
from schoolwatch.queue.payload import decode_result, encode_result
from tests.store_helpers import Post, unattended_config, write_posts
from tests.test_store import matched

SCHOOLS = [("hg", "Hollins Green Primary School")]
SOURCES = [("feed-a", "feed", "http://x/feed", None)]


def _result(*urls: str) -> CrawlResult:
    return CrawlResult(
        runs=[SourceRun(source="feed-a", started_at=datetime.now(UTC))],
        documents=[matched(url, f"Hollins Green Primary post {url}") for url in urls],
        schools=SCHOOLS, sources=SOURCES,
    )


def test_the_write_returns_the_ids_and_fills_in_the_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = _result("http://x/t/1", "http://x/t/2")
    written = store.write_crawl(result)
    assert len(written.new_mention_ids) == 2
    assert result.runs[0].new_mentions == 2
    stored = store.query("SELECT name FROM sources").rows
    assert stored == [("feed-a",)]


def test_a_result_travels_through_the_spool_whole(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    path = store.spool_crawl(_result("http://x/t/1"))
    outcome = store.write_spooled(path)
    assert outcome.result is not None and len(outcome.result.new_mention_ids) == 1
    assert store.spooled() == []


@dataclass
class _OldSpooledCrawl:
    """The spool's shape before CrawlResult: what an earlier version left in a spool file."""

    schools: list[tuple[str, str]]
    sources: list[tuple[str, str, str, str | None]]
    runs: list[SourceRun]
    documents: list
    validators: list
    state: dict = field(default_factory=dict)
    spooled_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def test_a_spool_file_of_an_earlier_version_is_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "s.duckdb")
    _OldSpooledCrawl.__module__, _OldSpooledCrawl.__qualname__ = spool.__name__, "SpooledCrawl"
    monkeypatch.setattr(spool, "SpooledCrawl", _OldSpooledCrawl, raising=False)
    old = _OldSpooledCrawl(SCHOOLS, SOURCES, [SourceRun("feed-a", datetime.now(UTC))],
                           [matched("http://x/t/9", "Hollins Green Primary old post")], [],
                           spooled_at=datetime(2026, 1, 1, tzinfo=UTC))
    store.spool_folder.mkdir(parents=True)
    (store.spool_folder / f"20260101T000000000000Z-1{spool.SUFFIX}").write_bytes(
        pickle.dumps(old))
    monkeypatch.delattr(spool, "SpooledCrawl")

    outcome = store.write_spooled()
    assert outcome.earlier == 1 and store.spooled() == []
    assert store.query("SELECT count(*) FROM mention_records").rows == [(1,)]
    (warnings,) = store.query("SELECT warnings FROM crawl_runs").rows[0]
    assert "2026-01-01 00:00 UTC, so its results waited in the spool" in warnings


def test_a_result_travels_through_a_queue_message_whole() -> None:
    result = _result("http://x/t/1")
    result.schools, result.sources = [], []  # the ingest fills them from its own config
    message = encode_result("job-1", "feed-a", "host:1", result)
    assert decode_result(message) == result


def test_after_a_crawl_only_the_mentions_its_write_returned_are_classified(
    tmp_path: Path,
) -> None:
    config = unattended_config(tmp_path)
    store = Store(config.store.path)
    (left_over,) = write_posts(store, [Post("https://forum.example/t/1",
                                            "Hollins Green Primary: a post nobody tagged")])
    (new,) = write_posts(store, [Post("https://forum.example/t/2",
                                      "Hollins Green Primary: the new post of this crawl")])
    report = CrawlReport(runs=[], new_mention_ids=[new])
    followed = after_crawl(config, report)
    assert followed.classified.classified == 1
    tagged = {row[0] for row in store.query("SELECT mention_id FROM classifications").rows}
    assert tagged == {new} and left_over not in tagged
