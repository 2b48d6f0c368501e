"""The write path's dedupe (crawler/store/dedupe.py): duplicates inside one batch, edits, other
sources' copies, and the mention ids a write returns."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument
from crawler.ground.text import content_hash
from crawler.store import Store, WriteResult


def post(url: str, text: str, source: str = "feed-a", schools: tuple[str, ...] = ("hg",),
         page: str = "http://x/feed") -> MatchedDocument:
    body = f"<rss>{page} {text}</rss>".encode()
    document = Document(
        url=url, title="A thread", text=text, fetched_at=datetime.now(UTC), final_url=page,
        http_status=200, raw_sha256=hashlib.sha256(body).hexdigest(), raw_body=body,
    )
    return MatchedDocument(
        document=document, source=source, source_kind="feed", canonical_url=url,
        content_hash=content_hash("A thread", text),
        matches=[Match(school, "Alias", "text", 0, text[:20]) for school in schools],
    )


def write(store: Store, *documents: MatchedDocument) -> WriteResult:
    return store.write_crawl(CrawlResult(runs=[], documents=list(documents)))


def rows(store: Store, sql: str) -> list[tuple]:
    return store.query(sql).rows


def test_a_later_copy_from_the_same_source_in_one_batch_is_the_one_stored(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = write(store, post("http://x/1", "first draft"), post("http://x/2", "other post"),
                   post("http://x/1", "final words"))
    assert result.new == {"feed-a": 2} and result.sightings == {}
    assert rows(store, "SELECT id, url, text FROM mention_records ORDER BY id") == [
        (result.new_mention_ids[0], "http://x/1", "final words"),
        (result.new_mention_ids[1], "http://x/2", "other post"),
    ]


def test_another_source_bringing_the_same_address_in_one_batch_is_a_sighting(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = write(store, post("http://x/1", "a post"),
                   post("http://x/1", "an excerpt of it", source="feed-b"),
                   post("http://x/1", "an excerpt of it", source="feed-b"))
    assert result.new == {"feed-a": 1} and result.sightings == {"feed-b": 1}
    assert rows(store, "SELECT mention_id, source, url FROM mention_sightings") == [
        (result.new_mention_ids[0], "feed-b", "http://x/1")
    ]


def test_the_same_text_at_two_addresses_in_one_batch_is_one_mention_and_a_sighting(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = write(store, post("http://x/1", "same words"), post("http://x/2", "other"),
                   post("http://mirror/1", "same words", source="feed-b"))
    assert result.new == {"feed-a": 2} and result.sightings == {"feed-b": 1}
    first = result.new_mention_ids[0]
    assert rows(store, "SELECT mention_id, source, url FROM mention_sightings") == [
        (first, "feed-b", "http://mirror/1")
    ]


def test_an_edit_keeps_the_old_version_and_returns_the_mention_as_updated(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    first = write(store, post("http://x/1", "before"), post("http://x/2", "untouched"))
    edited = write(store, post("http://x/2", "untouched"), post("http://x/1", "after"),
                   post("http://x/1", "after", source="feed-b"))
    assert edited.new == {} and edited.updated == {"feed-a": 1}
    assert edited.updated_mention_ids == [first.new_mention_ids[0]]
    assert edited.sightings == {"feed-b": 1}
    assert rows(store, "SELECT text, version FROM mention_records ORDER BY id") == [
        ("after", 2), ("untouched", 1)
    ]
    assert rows(store, "SELECT mention_id, version, text FROM mention_versions") == [
        (first.new_mention_ids[0], 1, "before")
    ]
    # The edited page's body is kept as evidence beside the first one.
    assert rows(store, "SELECT count(*) FROM raw_responses") == [(3,)]


def test_another_sources_text_at_a_stored_address_is_a_sighting_not_an_edit(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    first = write(store, post("http://x/1", "the post"))
    again = write(store, post("http://x/1", "a shorter excerpt", source="feed-b"))
    assert again.new == {} and again.updated == {} and again.sightings == {"feed-b": 1}
    assert rows(store, "SELECT id, text, version FROM mention_records") == [
        (first.new_mention_ids[0], "the post", 1)
    ]
    assert write(store, post("http://x/1", "a shorter excerpt", source="feed-b")).sightings == {}


def test_one_document_about_two_schools_is_a_mention_of_each_with_ids_in_batch_order(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.duckdb")
    result = write(store, post("http://x/1", "both schools", schools=("hg", "lm")),
                   post("http://x/2", "only one", schools=("lm",)))
    assert result.new == {"feed-a": 3}
    stored = rows(store, "SELECT id, school_id, url FROM mention_records ORDER BY id")
    assert [row[0] for row in stored] == result.new_mention_ids
    assert [row[1:] for row in stored] == [
        ("hg", "http://x/1"), ("lm", "http://x/1"), ("lm", "http://x/2")
    ]
    # One page body, stored once, for the two mentions read from it.
    assert rows(store, "SELECT count(*) FROM raw_responses") == [(2,)]


def test_columns_of_one_value_or_a_few_times_are_stored_as_given(tmp_path: Path) -> None:
    """The batch builder shortcuts columns that repeat one value and times that repeat a few
    (crawler/store/base.py); what is stored must still be each row's own value."""
    store = Store(tmp_path / "s.duckdb")
    days = [datetime(2026, 3, day, 12, tzinfo=UTC) for day in (1, 2)]
    posts = []
    for n in range(12):
        matched = post(f"http://x/{n}", f"post {n}")
        matched.document.published_at = [None, days[0], days[1]][n % 3]
        matched.document.rating = 4.0 if n == 5 else None
        matched.document.extra = {"n": n} if n < 2 else {}
        posts.append(matched)
    write(store, *posts)
    stored = rows(store, "SELECT url, published_at, rating, extra, http_status, source_kind "
                         "FROM mention_records ORDER BY id")
    assert [row[1] for row in stored] == [[None, *days][n % 3] for n in range(12)]
    assert [row[2] for row in stored] == [4.0 if n == 5 else None for n in range(12)]
    assert [row[3] for row in stored] == ['{"n": 0}', '{"n": 1}'] + [None] * 10
    assert {row[4:] for row in stored} == {(200, "feed")}
