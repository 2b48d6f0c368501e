"""The feed spider on every real-world feed in ../shared/realworld/feeds (written by others)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.http import Request, Response

from crawler.engine.pipelines import TidyDocumentPipeline
from crawler.ground.config import Source
from crawler.ground.items import Document, SourceRun
from spiders.feed import FeedSpider
from tests.shared_data import REALWORLD, needs_realworld

pytestmark = needs_realworld("feeds")
FEEDS = sorted((REALWORLD / "feeds").iterdir()) if (REALWORLD / "feeds").is_dir() else []
_HEADER = re.compile(rb"Header:\s*Content-type:\s*([^\r\n]+)", re.IGNORECASE)
# Markup left behind shows as closing tags; a post may quote a lone "<br />" in code.
_TAG = re.compile(r"</(?:p|b|div|a|span|table|li)>|<(?:p|div|img)[ >]", re.IGNORECASE)


def parse(path: Path, url: str | None = None) -> tuple[list[Document], SourceRun]:
    body = path.read_bytes()
    header = _HEADER.search(body[:2000])
    content_type = header.group(1).decode().strip() if header else "application/xml"
    url = url or f"https://feeds.example.org/{path.name}"
    response = Response(
        url, body=body, headers={"Content-Type": content_type}, request=Request(url)
    )
    run = SourceRun(source="t", started_at=datetime.now(UTC))
    spider = FeedSpider(Source(name="t", kind="feed", url=url), run)
    return list(spider.parse_feed(response)), run


def as_crawled(documents: list[Document]) -> list[Document]:
    """The documents as a crawl hands them on: through the pipeline that tidies their text."""
    tidy = TidyDocumentPipeline(
        SimpleNamespace(spider=SimpleNamespace(run=SimpleNamespace(items_seen=0)))  # type: ignore[arg-type]
    )
    return [tidy.process_item(document) for document in documents]


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_every_real_world_feed_parses_without_a_crash(path: Path) -> None:
    documents, run = parse(path)
    if not documents:
        return  # empty channels and unreadable documents: no crash is the requirement
    for document in documents:
        assert document.url.startswith(("http://", "https://")), document.url
        assert not _TAG.search(document.title), document.title
        assert not _TAG.search(document.text), document.text[:200]
        assert document.published_at is None or document.published_at.tzinfo is not None
        assert len(document.raw_sha256) == 64
    assert run.unreadable_pages == 0


def test_google_alerts_links_point_at_the_articles() -> None:
    documents, _ = parse(REALWORLD / "feeds" / "feedjira__google_alerts_atom.xml")
    assert len(documents) >= 10
    assert all("google.com" not in d.url for d in documents)
    assert documents[0].url.startswith("https://www.aglobalmarketresearch.com/report-offers")
    assert documents[0].title.startswith("Report offers Prediction of Automotive Slack Market")
    assert documents[0].published_at == datetime(2019, 7, 10, 11, 53, 37, tzinfo=UTC)


def test_reddit_search_feed_gives_authors_and_dates() -> None:
    documents, _ = parse(REALWORLD / "feeds" / "feed-rs__reddit_search_atom.xml")
    assert documents
    assert all(d.author and d.author.startswith("/u/") for d in documents)
    assert all(d.published_at is not None for d in documents)
    # Reddit's "submitted by /u/NAME [link] [comments]" trailer is not the poster's text: the
    # crawl's pipeline strips it (once, for every kind of source) before anything reads it.
    documents = as_crawled(documents)
    assert all("submitted by" not in d.text and "[comments]" not in d.text for d in documents)


@pytest.mark.parametrize(
    "name",
    ["feed-rs__reddit_r-rust_atom.xml", "rss-parser__reddit_frontpage_rss2.rss",
     "feed-rs__reddit_r-homelab_new_atom_mediarss.xml", "rss-parser__reddit_home_atom.rss"],
)
def test_reddit_trailers_are_removed_and_the_post_text_kept(name: str) -> None:
    documents = as_crawled(parse(REALWORLD / "feeds" / name)[0])
    assert documents
    assert not any(re.search(r"submitted by|\[link\]", d.text) for d in documents)
    assert any(len(d.text) > 40 for d in documents)


def test_wikipedia_history_feed_gives_each_revision() -> None:
    documents, _ = parse(REALWORLD / "feeds" / "feedendum__wikipedia_history_rss.xml")
    assert len(documents) > 5
    assert all(d.author for d in documents)
    assert len({d.url for d in documents}) == len(documents)


def test_undeclared_encodings_are_sniffed() -> None:
    documents, _ = parse(REALWORLD / "feeds" / "feedparser__chardet_koi8r.xml")
    assert re.search("[а-яА-Я]{3,}", documents[0].title + documents[0].text)


def test_relative_links_become_absolute() -> None:
    documents, _ = parse(
        REALWORLD / "feeds" / "node-feedparser__rss_relative_urls.xml",
        url="https://blog.example.org/feed/",
    )
    assert documents and all(d.url.startswith("http") for d in documents)


def test_an_ill_formed_feed_keeps_what_parses_and_warns() -> None:
    documents, run = parse(
        REALWORLD / "feeds" / "feedparser__illformed_rss_item_link_corrupted_ampersands.xml"
    )
    assert [d.url for d in documents] == ["http://link/get?a=1&b=2"]
    assert run.warnings and run.warnings[0].startswith("ill-formed feed, kept what parsed")
    assert not run.errors


def test_a_truncated_feed_with_no_items_warns_without_failing() -> None:
    documents, run = parse(REALWORLD / "feeds" / "feed-rs__reuters_rss2_invalid.xml")
    assert documents == [] and run.warnings and not run.errors


def test_a_document_with_no_feed_in_it_is_an_error_not_a_crash() -> None:
    documents, run = parse(REALWORLD / "feeds" / "feedparser__illformed_rss_empty_document.xml")
    assert documents == []
    assert run.errors and "is not an RSS or Atom feed" in run.errors[0]
