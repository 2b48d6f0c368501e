"""Fetched results are never lost to a busy store (issue 12 item 13)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.ground.errors import StoreLockedError
from crawler.ground.items import CrawlResult, SourceRun
from crawler.store import Store
from tests.test_store import matched, write


def _hold_read_session(path: Path) -> subprocess.Popen[bytes]:
    """A read-only DuckDB session left open, as a notebook or the DuckDB CLI leaves one."""
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True);"
        "print('open', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"open"
    holder.stdout.close()
    return holder


def _crawl(*urls: str) -> CrawlResult:
    return CrawlResult(
        schools=[("hg", "Hollins Green Primary School")],
        sources=[("feed-a", "feed", "http://x/feed", None)],
        runs=[SourceRun(source="feed-a", started_at=datetime.now(UTC))],
        documents=[matched(url, f"Hollins Green Primary post {url}") for url in urls],
        validators=[],
    )


def test_a_busy_store_keeps_the_crawl_and_the_next_write_stores_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    write(store, matched("http://x/t/0", "Hollins Green Primary"))
    holder = _hold_read_session(store.path)
    try:
        current = store.spool_crawl(_crawl("http://x/t/1", "http://x/t/2"))
        with pytest.raises(StoreLockedError) as caught:
            store.write_spooled(current, wait=0.3)
    finally:
        holder.kill()
        holder.wait()
    message = str(caught.value)
    assert "Nothing fetched is lost" in message and "2 document(s)" in message
    assert "a crawl is writing" not in message and "session left open" in message
    assert store.spooled() == [current]

    later = store.spool_crawl(_crawl("http://x/t/3"))
    outcome = store.write_spooled(later)
    assert outcome.earlier == 1 and outcome.result is not None
    assert outcome.result.new_mention_ids and store.spooled() == []
    assert store.query("SELECT count(*) FROM mentions").rows == [(4,)]
    warnings = store.query(
        "SELECT warnings FROM crawl_runs ORDER BY started_at"
    ).rows
    late = [w for (w,) in warnings if w and "written late: the store was busy" in str(w)]
    assert len(late) == 1


def test_the_spool_file_is_written_before_the_store_is_opened(tmp_path: Path) -> None:
    store = Store(tmp_path / "missing-folder" / "s.duckdb")
    path = store.spool_crawl(_crawl("http://x/t/1"))
    assert path.is_file() and not store.path.exists()
    assert not list(path.parent.glob("*.partial"))
