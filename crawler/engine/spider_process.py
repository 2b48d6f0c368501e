"""Drives Scrapy inside the crawl child: one CrawlerProcess for a job's sources, each source's
run record kept current from Scrapy's signals and its progress sent to the parent as
ProgressEvents. Only the child (crawler.engine.runner) calls it; Scrapy is imported on use.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.ground.config import CrawlSettings, Source
from crawler.ground.items import SourceRun
from crawler.ground.outbound import guard_process
from crawler.ground.vocab import RunStatus

# Source kind -> dotted path of the Scrapy spider class that reads it. The roof passes
# spiders.SPIDERS: the engine loads spiders by name, as Scrapy loads any component, and never
# imports them.
SpiderPaths = Mapping[str, str]

# Page and item progress of a source is reported at most this often (seconds); started and
# finished always are, with the final counts.
PROGRESS_INTERVAL = 0.1


@dataclass(frozen=True)
class ProgressEvent:
    source: str
    event: str  # started | page | item | finished
    pages: int = 0
    items: int = 0
    kept: int = 0
    status: str | None = None
    error: str | None = None


def run_spiders(
    crawl_settings: CrawlSettings,
    sources: Sequence[Source],
    spider_paths: SpiderPaths,
    log_level: str,
    channel: Any,
    spider_kwargs: Callable[[Source], dict[str, Any]] | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> list[Any]:
    # lazy: scrapy and twisted load in the crawl's child process only
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.misc import load_object

    from crawler.engine.settings import scrapy_settings

    settings = scrapy_settings(crawl_settings, log_level=log_level)
    if not crawl_settings.allow_private:
        # This is the crawl's own process: every connection it makes is checked on the
        # address it reaches (its Redis for the site leases excepted).
        guard_process(also_reachable=_lease_redis(extra_settings))
    for key, value in (extra_settings or {}).items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            value = {**settings[key], **value}
        settings[key] = value
    process = CrawlerProcess(settings)
    spiders: list[Any] = []
    trackers: list[ProgressTracker] = []  # Scrapy holds signal receivers weakly
    for source in sources:
        spider_class = load_object(spider_paths[source.kind])
        crawler = process.create_crawler(spider_class)
        tracker = ProgressTracker(source.name, channel, spiders)
        trackers.append(tracker)
        crawler.signals.connect(tracker.opened, signal=signals.spider_opened)
        crawler.signals.connect(tracker.response, signal=signals.response_received)
        crawler.signals.connect(tracker.scraped, signal=signals.item_scraped)
        crawler.signals.connect(tracker.dropped, signal=signals.item_dropped)
        crawler.signals.connect(tracker.error, signal=signals.spider_error)
        crawler.signals.connect(tracker.closed, signal=signals.spider_closed)
        process.crawl(
            crawler,
            source=source,
            run=SourceRun(source=source.name, started_at=datetime.now(UTC)),
            max_pages=source.page_budget(crawl_settings),
            **(spider_kwargs(source) if spider_kwargs else {}),
        )
    gc.freeze()  # modules, settings, the store's lookups: long-lived, never garbage
    process.start()
    return spiders


def _lease_redis(extra_settings: dict[str, Any] | None) -> tuple[str, ...]:
    """The Redis of a worker's site leases, when this crawl takes them."""
    if not extra_settings:
        return ()
    from crawler.engine.site_lease import SETTING  # lazy: redis, only a worker's crawl loads it

    lease = extra_settings.get(SETTING)
    return (str(lease["url"]),) if lease else ()


class ProgressTracker:
    """Keeps a source's run record current from Scrapy's signals and reports progress."""

    def __init__(self, source: str, channel: Any, spiders: list[Any]) -> None:
        self.source = source
        self.channel = channel
        self.spiders = spiders
        self.items = 0
        self.kept = 0
        self.last_sent = 0.0

    def _send(self, spider: Any, event: str) -> None:
        if self.channel is None:
            return
        if event in ("page", "item"):
            # Counts, batched: a display needs a few updates a second, not one per item.
            moment = time.monotonic()
            if moment - self.last_sent < PROGRESS_INTERVAL:
                return
            self.last_sent = moment
        run: SourceRun = spider.run
        self.channel.put(
            (
                "progress",
                ProgressEvent(
                    source=self.source,
                    event=event,
                    pages=run.pages_fetched,
                    items=self.items,
                    kept=self.kept,
                    status=run.status if event == "finished" else None,
                    error=run.last_error if event == "finished" else None,
                ),
            )
        )

    def opened(self, spider: Any) -> None:
        self.spiders.append(spider)
        self._send(spider, "started")

    def response(self, response: Any, request: Any, spider: Any) -> None:
        if response.url.endswith("/robots.txt") or response.status >= 400:
            return
        spider.run.pages_fetched += 1
        self._send(spider, "page")

    def scraped(self, item: Any, response: Any, spider: Any) -> None:
        self.items += 1
        self.kept += 1
        self._send(spider, "item")

    def dropped(self, item: Any, response: Any, exception: Any, spider: Any) -> None:
        self.items += 1
        self._send(spider, "item")

    def error(self, failure: Any, response: Any, spider: Any) -> None:
        spider.run.errors.append(f"could not read {response.url}: {failure.value!r}")

    def closed(self, spider: Any, reason: str) -> None:
        run: SourceRun = spider.run
        run.finished_at = datetime.now(UTC)
        stopped_early = reason not in ("finished", "closespider_pagecount")
        if stopped_early:
            run.warnings.append(f"stopped early ({reason})")
        if run.errors:
            readable = run.pages_fetched - run.unreadable_pages
            run.status = RunStatus.PARTIAL if readable > 0 else RunStatus.FAILED
        elif run.status == RunStatus.OK and run.warnings:
            run.status = RunStatus.WARNING
        if stopped_early and run.status != RunStatus.FAILED:
            # The next start retries an interrupted crawl (see Store.last_completed_crawls).
            run.status = RunStatus.INTERRUPTED
        self._send(spider, "finished")
