"""A crawl's documents travel as one Arrow batch (MentionBatch): built where the crawl ends, read
back whole from the spool or a queue result, and stored as they are. What a batch read from
elsewhere may hold is checked before the store sees it."""

from __future__ import annotations

import base64
import hashlib
import pickle
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from crawler.ground.errors import BatchFormatError
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument, MentionBatch
from crawler.store import Store

WHEN = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _page_documents() -> list[MatchedDocument]:
    """Two posts of one page (one body), the second naming two schools, and a post of another
    page."""
    page = b"<html>one page, two posts</html>"
    other = b"<html>another page</html>"

    def post(url: str, body: bytes, text: str, schools: list[str]) -> MatchedDocument:
        document = Document(
            url=url, title="A thread", text=text, fetched_at=WHEN, final_url=url.split("#")[0],
            http_status=200, raw_sha256=hashlib.sha256(body).hexdigest(), raw_body=body,
            content_type="text/html", extra={"thread": "7"} if "p1" in url else {},
        )
        matches = [Match(school, school.upper(), "text", 0, text[:20]) for school in schools]
        return MatchedDocument(document, "board", "forum", url,
                               hashlib.sha256(text.encode()).hexdigest(), matches)

    return [post("https://f.example/t/7#p1", page, "first post", ["hg"]),
            post("https://f.example/t/7#p2", page, "second post", ["hg", "sa"]),
            post("https://f.example/t/8#p1", other, "another post", ["sa"])]


def test_a_batch_has_a_row_per_school_matched_and_each_body_once() -> None:
    batch = MentionBatch.of(_page_documents())
    assert batch.documents == 3 and len(batch) == 4
    rows = batch.rows.to_pylist()
    assert [(r["url"], r["school_id"]) for r in rows] == [
        ("https://f.example/t/7#p1", "hg"), ("https://f.example/t/7#p2", "hg"),
        ("https://f.example/t/7#p2", "sa"), ("https://f.example/t/8#p1", "sa")]
    bodies = [(r["raw_sha256"], zlib.decompress(r["body_zlib"])) for r in rows if r["body_zlib"]]
    assert [body for _, body in bodies] == [b"<html>one page, two posts</html>",
                                           b"<html>another page</html>"]
    assert all(hashlib.sha256(body).hexdigest() == sha for sha, body in bodies)
    assert rows[0]["extra"] == '{"thread": "7"}' and rows[1]["extra"] is None
    assert rows[0]["fetched_at"] == WHEN and rows[0]["content_type"] == "text/html"


def test_a_batch_survives_the_spool_and_a_queue_message_unchanged() -> None:
    batch = MentionBatch.of(_page_documents())
    assert pickle.loads(pickle.dumps(batch)) == batch
    assert MentionBatch.from_ipc(batch.to_ipc()) == batch
    assert MentionBatch.from_ipc(MentionBatch().to_ipc()) == MentionBatch()


def test_batches_joined_keep_their_order_and_counts() -> None:
    first, second, third = _page_documents()
    joined = MentionBatch.joined([MentionBatch.of([first]), MentionBatch(),
                                  MentionBatch.of([second, third])])
    at_once = MentionBatch.of([first, second, third])
    assert joined.documents == 3
    assert joined.rows.drop_columns(["body_size", "body_zlib"]).equals(
        at_once.rows.drop_columns(["body_size", "body_zlib"]))
    assert MentionBatch.joined([MentionBatch(), MentionBatch()]) == MentionBatch()


def test_a_body_two_joined_batches_both_carry_is_stored_once(tmp_path: Path) -> None:
    first, second, third = _page_documents()  # the first two: one page
    joined = MentionBatch.joined([MentionBatch.of([first]), MentionBatch.of([second, third])])
    assert joined.rows.column("body_zlib").null_count == 1  # the page's body twice
    Store(tmp_path / "s.duckdb").write_crawl(CrawlResult(runs=[], documents=joined))
    stored = Store(tmp_path / "s.duckdb").query(
        "SELECT url, count(*) FROM raw_responses GROUP BY url ORDER BY url").rows
    assert stored == [("https://f.example/t/7", 1), ("https://f.example/t/8", 1)]


def test_a_crawl_that_matched_nothing_builds_no_columns() -> None:
    result = CrawlResult(runs=[], documents=[])
    assert result.documents.rows is None and len(result.documents) == 0


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_bytes_that_are_not_this_versions_batch_are_refused_by_name() -> None:
    good = MentionBatch.of(_page_documents())
    other_columns = good.rows.drop_columns(["body_zlib"]).replace_schema_metadata(
        {b"schoolwatch.documents": b"3"})
    uncounted = good.rows.replace_schema_metadata(None)
    for data, reason in [
        (b"\x00\x01 not arrow at all", "not a readable batch"),
        (good.to_ipc()[:-200], "not a readable batch"),
        (_ipc(other_columns), "other columns"),
        (_ipc(uncounted), "does not say how many"),
    ]:
        with pytest.raises(BatchFormatError, match=reason) as caught:
            MentionBatch.from_ipc(data)
        assert "post" not in str(caught.value)  # never quotes what it read


def test_the_store_keeps_each_new_pages_body_from_the_batch(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    written = store.write_crawl(CrawlResult(runs=[], documents=_page_documents()))
    assert len(written.new_mention_ids) == 4
    kept = store.query("SELECT url, content_type, size_bytes, body_zlib FROM raw_responses "
                       "ORDER BY url").rows
    assert [(url, kind, size) for url, kind, size, _ in kept] == [
        ("https://f.example/t/7", "text/html", 32), ("https://f.example/t/8", "text/html", 25)]
    assert zlib.decompress(kept[0][3]) == b"<html>one page, two posts</html>"
    assert base64.b64encode(kept[1][3])  # stored as bytes, not text
