"""Item pipelines: tidy each document, match it to schools, collect it for the one store write.

The three steps run as one Scrapy pipeline (DocumentPipeline): each pipeline Scrapy chains
costs an async hop per item, which on a forum page of posts is more than the step itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from scrapy.exceptions import DropItem

from crawler.engine.multiplex import source_spider
from crawler.ground.config import Source
from crawler.ground.items import Document, MatchedDocument, SourceRun
from crawler.ground.matching import Matcher
from crawler.ground.text import content_hash, tidy_whitespace, without_trailers
from crawler.ground.urls import canonical_url, http_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class CollectingSpider(Protocol):
    """What the pipelines need of a spider (spiders.base.SourceSpider has it): the engine sits
    below the spiders and names no spider class."""

    source: Source
    run: SourceRun
    matcher: Matcher | None
    school_ids: set[str] | None
    collected: list[Any]


class _SpiderAware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def reader(self, item: Document | MatchedDocument) -> CollectingSpider:
        """The spider of the item's source (one crawler reads every source of a run)."""
        return source_spider(self.crawler, source=item.source)  # type: ignore[no-any-return]


class TidyDocumentPipeline(_SpiderAware):
    """Counts every document seen and drops the ones with nothing to read. A link that is not
    http(s) (a hostile feed's javascript: or data:) is never a mention's URL: it is kept as
    text in `extra`, and the page it came from, marked per entry, stands in for it."""

    def process_item(self, item: Document) -> Document:
        self.reader(item).run.items_seen += 1
        if http_url(item.url) is None:
            item.extra["link_not_followed"] = (item.url or "").strip()
            entry = content_hash(item.title or "", item.text or "")[:16]
            item.url = f"{item.final_url.split('#', 1)[0]}#entry-{entry}"
        item.title = tidy_whitespace(item.title or "")
        item.text = tidy_whitespace(without_trailers(item.text or ""))
        if item.author is not None:
            item.author = tidy_whitespace(item.author) or None
        if not item.title and not item.text:
            raise DropItem(f"nothing to read at {item.url}")
        return item


class SchoolMatchPipeline(_SpiderAware):
    """Keeps documents that mention one of the source's schools (all of them in one pass)."""

    def process_item(self, item: Document) -> Document | MatchedDocument:
        spider = self.reader(item)
        if spider.matcher is None:  # `schoolwatch extract` keeps everything
            return item
        matches = spider.matcher.match(item.title, item.text, only=spider.school_ids)
        if not matches:
            raise DropItem(f"no school mentioned at {item.url}")
        return MatchedDocument(
            document=item,
            source=spider.source.name,
            source_kind=spider.source.kind,
            canonical_url=canonical_url(item.url),
            content_hash=content_hash(item.title, item.text),
            matches=matches,
        )


class CollectPipeline(_SpiderAware):
    """Holds results in memory: the store is opened once, after the crawl, for one write."""

    def process_item(self, item: Document | MatchedDocument) -> Document | MatchedDocument:
        self.reader(item).collected.append(item)
        return item


class DocumentPipeline(_SpiderAware):
    """Tidy, match and collect, in that order, as one pipeline."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.steps = (
            TidyDocumentPipeline(crawler),
            SchoolMatchPipeline(crawler),
            CollectPipeline(crawler),
        )

    def process_item(self, item: Any) -> Any:
        for step in self.steps:
            item = step.process_item(item)
        return item
