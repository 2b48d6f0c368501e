"""One Scrapy crawler for every source of a run.

Each configured source is still read by its own spider object (spiders.base.SourceSpider: its
source, run record, budget, validators and results), but these are not Scrapy's spiders: the
crawl's one Scrapy spider is a SourcesSpider that starts them all and hands their requests to one
engine, so a run opens one crawler, one downloader and one robots.txt cache, and politeness (the
requests per site, the delay) holds across all the sources of a site. A request carries its
source's name in its meta (SOURCE_META); that is how a response, an error, an item or a retry's
warning finds its source again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.utils.request import RequestFingerprinter

from crawler.ground.items import SOURCE_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

# The Scrapy setting values a multiplexed crawl needs (spider_process merges them in).
SETTINGS: dict[str, Any] = {
    # Two sources may fetch the same address (two forums' threads, a feed read by two
    # sources): each source gets its own answer.
    "REQUEST_FINGERPRINTER_CLASS": "crawler.engine.multiplex.PerSourceFingerprinter",
    # The next request comes from the site with the fewest downloads in flight: a forum with a
    # thousand pages queued does not hold up the other sites behind its per-site limit.
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
}


class SourcesSpider(scrapy.Spider):
    """The crawl's Scrapy spider: starts every source's spider and keeps them apart."""

    name = "schoolwatch"

    def __init__(self, readers: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.readers = {reader.source.name: reader for reader in readers}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourcesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for reader in spider.readers.values():
            # What a source spider asks of its crawler: the settings (timeouts and caps in its
            # error messages). It is not bound to it: the crawler's signals go to this spider.
            reader.crawler = crawler
            reader.settings = crawler.settings
        return spider

    async def start(self) -> AsyncIterator[Any]:
        """Every source's start requests, taken in turn: each source starts at once, however
        many pages another one starts with."""
        starting = [(reader, reader.start()) for reader in self.readers.values()]
        while starting:
            still = []
            for reader, requests in starting:
                try:
                    request = await anext(requests)
                except StopAsyncIteration:
                    continue
                except Exception as exc:  # one broken source must not stop the others
                    log.info("%s could not start: %r", reader.source.name, exc)
                    reader.run.errors.append(f"could not start: {type(exc).__name__}: {exc}")
                    continue
                still.append((reader, requests))
                yield request
            starting = still


class PerSourceFingerprinter:
    """Scrapy's request fingerprint, told apart by source: the duplicate filter drops a page a
    source has already asked for, never one that another source asked for."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.plain = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PerSourceFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: scrapy.Request) -> bytes:
        plain = self.plain.fingerprint(request)
        source = request.meta.get(SOURCE_META)
        if source is None:
            return plain
        return hashlib.sha1(source.encode() + b"\0" + plain, usedforsecurity=False).digest()


def source_spider(crawler: Crawler, request: Any = None, source: str | None = None) -> Any:
    """The source spider behind a request (or a source's name) in this crawl: one of a
    SourcesSpider's, or the crawler's spider itself when it reads one source alone (the
    take-down re-check). None when the request belongs to no source (robots.txt)."""
    spider = crawler.spider
    readers = getattr(spider, "readers", None)
    if readers is None:
        return spider
    if source is None and request is not None:
        source = request.meta.get(SOURCE_META)
    return readers.get(source) if source is not None else None
