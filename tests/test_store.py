"""The DuckDB store: migrations, dedupe, sightings, edits, read-only queries and the write lock."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from crawler.ground.errors import QueryError, StoreLockedError
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument, SourceRun
from crawler.ground.text import content_hash
from crawler.store import Store, migration_names
from crawler.store.base import connect


def matched(url: str, text: str, source: str = "feed-a", school: str = "hg") -> MatchedDocument:
    now = datetime.now(UTC)
    body = f"<rss>{text}</rss>".encode()
    document = Document(
        url=url, title="A thread", text=text, fetched_at=now, final_url="http://x/feed",
        http_status=200, raw_sha256=__import__("hashlib").sha256(body).hexdigest(),
        raw_body=body,
    )
    return MatchedDocument(
        document=document, source=source, source_kind="feed", canonical_url=url,
        content_hash=content_hash("A thread", text),
        matches=[Match(school, "Hollins Green Primary", "text", 0, text[:40])],
    )


def write(store: Store, *documents: MatchedDocument):
    return store.write_crawl(CrawlResult(
        schools=[("hg", "Hollins Green Primary School")],
        sources=[("feed-a", "feed", "http://x/feed", None)],
        runs=[SourceRun(source="feed-a", started_at=datetime.now(UTC))],
        documents=list(documents),
        validators=[],
    ))


def test_migrations_are_named_and_recorded_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    assert store.migrate() == migration_names()
    assert store.migrate() == []
    recorded = [row[0] for row in store.query("SELECT name FROM schema_migrations").rows]
    assert recorded == migration_names() and recorded[0] == "0001_initial.sql"


def test_one_mention_per_school_and_url_and_rerun_adds_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    first = write(store, matched("http://x/t/1", "Hollins Green Primary is great"),
                  matched("http://x/t/2", "Hollins Green Primary nativity was lovely"))
    again = write(store, matched("http://x/t/1", "Hollins Green Primary is great"),
                  matched("http://x/t/2", "Hollins Green Primary nativity was lovely"))
    assert first.new == {"feed-a": 2}
    assert again.new == {} and again.updated == {}
    assert store.query("SELECT count(*) FROM mentions").rows == [(2,)]


def test_same_text_at_two_addresses_is_stored_once_with_both_noted(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    text = "Does anyone know if Hollins Green Primary still has places in reception?"
    write(store, matched("http://x/t/1", text))
    result = write(store, matched("http://mirror.example/t/1", "  does anyone know if Hollins "
                                  "green primary still has places in RECEPTION ", "feed-b"))
    assert result.new == {} and result.sightings == {"feed-b": 1}
    assert store.query("SELECT count(*) FROM mentions").rows == [(1,)]
    assert store.query("SELECT source, url FROM mention_sightings").rows == [
        ("feed-b", "http://mirror.example/t/1")
    ]
    write(store, matched("http://mirror.example/t/1", text, "feed-b"))
    assert store.query("SELECT count(*) FROM mention_sightings").rows == [(1,)]


def test_bulk_write_of_many_mentions_in_one_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    docs = [matched(f"http://x/t/{i}", f"Hollins Green Primary post {i}") for i in range(3000)]
    result = write(store, *docs)
    assert result.new == {"feed-a": 3000}
    assert store.query("SELECT count(DISTINCT id), min(id), max(id) FROM mentions").rows == [
        (3000, 1, 3000)
    ]
    # Evidence is stored once per distinct raw body.
    assert store.query("SELECT count(*) FROM raw_responses").rows == [(3000,)]


def test_query_is_read_only(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    write(store, matched("http://x/t/1", "Hollins Green Primary"))
    with pytest.raises(QueryError, match="read-only"):
        store.query("DELETE FROM mention_records")
    with pytest.raises(QueryError, match="mentionz"):
        store.query("SELECT * FROM mentionz")
    assert store.query("SELECT count(*) FROM mentions").rows == [(1,)]


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[bytes]:
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True);"
        "time.sleep(float(sys.argv[2])); c.close()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    holder.stdout.close()
    return holder


def test_a_reader_waits_for_a_short_write_then_reads(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    write(store, matched("http://x/t/1", "Hollins Green Primary"))
    holder = _hold_write_lock(store.path, 1.0)
    started = time.monotonic()
    try:
        assert store.query("SELECT count(*) FROM mentions").rows == [(1,)]
    finally:
        holder.wait()
    assert time.monotonic() - started >= 0.5


def test_a_reader_says_clearly_when_a_crawl_keeps_writing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    write(store, matched("http://x/t/1", "Hollins Green Primary"))
    holder = _hold_write_lock(store.path, 30)
    try:
        with (
            pytest.raises(StoreLockedError, match=r"stayed locked .* by process \d+"),
            store.reader(wait=0.5),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_write_waits_for_a_read_of_this_process_that_is_closing(tmp_path: Path) -> None:
    # The web inbox: a request's read-only connection closes just after its response, while the
    # next request (or a CLI command in the same process) may already open the file to write.
    path = tmp_path / "store.duckdb"
    Store(path).migrate()
    reading = duckdb.connect(str(path), read_only=True)
    closer = threading.Timer(0.5, reading.close)
    closer.start()
    try:
        started = time.monotonic()
        connect(path, read_only=False, wait=10).close()
        assert time.monotonic() - started >= 0.4
    finally:
        closer.join()
    held = duckdb.connect(str(path), read_only=True)
    try:
        with pytest.raises(StoreLockedError, match="another connection in this process"):
            connect(path, read_only=False, wait=0.3)
    finally:
        held.close()
