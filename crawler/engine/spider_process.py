"""Drives Scrapy inside the crawl child: one crawler for all of a job's sources, each source's
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
from crawler.ground.items import SOURCE_META, SourceRun
from crawler.ground.outbound import guard_process
from crawler.ground.urls import site_key
from crawler.ground.vocab import RunStatus

# Source kind -> dotted path of the Scrapy spider class that reads it. The roof passes
# spiders.SPIDERS: the engine loads spiders by name, as Scrapy loads any component, and never
# imports them.
SpiderPaths = Mapping[str, str]

# Page and item progress of a source is reported at most this often (seconds); started and
# finished always are, with the final counts.
PROGRESS_INTERVAL = 0.1
# The most requests one crawl keeps in flight, however many sites it reads.
MAX_IN_FLIGHT = 128


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
    """Reads every source in one Scrapy crawler (see crawler.engine.multiplex) and returns each
    source's spider, its run record and results filled in."""
    # lazy: scrapy and twisted load in the crawl's child process only
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.misc import load_object

    from crawler.engine import multiplex
    from crawler.engine.settings import scrapy_settings

    settings = {**scrapy_settings(crawl_settings, log_level=log_level), **multiplex.SETTINGS}
    # Enough requests in flight for every site to have its own share at once, as when each
    # source had a crawler of its own; a site never gets more than [crawl] per_site.
    sites = len({site_key(source.url) for source in sources})
    settings["CONCURRENT_REQUESTS"] = max(
        settings["CONCURRENT_REQUESTS"], min(MAX_IN_FLIGHT, crawl_settings.per_site * sites)
    )
    if not crawl_settings.allow_private:
        # This is the crawl's own process: every connection it makes is checked on the
        # address it reaches (its Redis for the site leases excepted).
        guard_process(also_reachable=_lease_redis(extra_settings))
    for key, value in (extra_settings or {}).items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            value = {**settings[key], **value}
        settings[key] = value
    readers = [
        load_object(spider_paths[source.kind])(
            source=source,
            run=SourceRun(source=source.name, started_at=datetime.now(UTC)),
            max_pages=source.page_budget(crawl_settings),
            **(spider_kwargs(source) if spider_kwargs else {}),
        )
        for source in sources
    ]
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(multiplex.SourcesSpider)
    tracker = ProgressTracker(channel, readers)  # Scrapy holds signal receivers weakly: kept
    crawler.signals.connect(tracker.opened, signal=signals.spider_opened)
    crawler.signals.connect(tracker.response, signal=signals.response_received)
    crawler.signals.connect(tracker.scraped, signal=signals.item_scraped)
    crawler.signals.connect(tracker.dropped, signal=signals.item_dropped)
    crawler.signals.connect(tracker.error, signal=signals.spider_error)
    crawler.signals.connect(tracker.closed, signal=signals.spider_closed)
    process.crawl(crawler, readers=readers)
    gc.freeze()  # modules, settings, the store's lookups: long-lived, never garbage
    process.start()
    return readers


def _lease_redis(extra_settings: dict[str, Any] | None) -> tuple[str, ...]:
    """The Redis of a worker's site leases, when this crawl takes them."""
    if not extra_settings:
        return ()
    from crawler.engine.site_lease import SETTING  # lazy: redis, only a worker's crawl loads it

    lease = extra_settings.get(SETTING)
    return (str(lease["url"]),) if lease else ()


class ProgressTracker:
    """Keeps each source's run record current from Scrapy's signals and reports progress."""

    def __init__(self, channel: Any, readers: Sequence[Any]) -> None:
        self.channel = channel
        self.readers = {reader.source.name: reader for reader in readers}
        self.items = dict.fromkeys(self.readers, 0)
        self.kept = dict.fromkeys(self.readers, 0)
        self.last_sent = dict.fromkeys(self.readers, 0.0)

    def _send(self, name: str, event: str) -> None:
        if self.channel is None:
            return
        if event in ("page", "item"):
            # Counts, batched: a display needs a few updates a second, not one per item.
            moment = time.monotonic()
            if moment - self.last_sent[name] < PROGRESS_INTERVAL:
                return
            self.last_sent[name] = moment
        run: SourceRun = self.readers[name].run
        self.channel.put(
            (
                "progress",
                ProgressEvent(
                    source=name,
                    event=event,
                    pages=run.pages_fetched,
                    items=self.items[name],
                    kept=self.kept[name],
                    status=run.status if event == "finished" else None,
                    error=run.last_error if event == "finished" else None,
                ),
            )
        )

    def _source_of(self, request: Any) -> str | None:
        name = request.meta.get(SOURCE_META) if request is not None else None
        return name if name in self.readers else None

    def opened(self, spider: Any) -> None:
        for name in self.readers:
            self._send(name, "started")

    def response(self, response: Any, request: Any, spider: Any) -> None:
        name = self._source_of(request)
        if name is None or response.status >= 400:  # robots.txt; an error is counted apart
            return
        self.readers[name].run.pages_fetched += 1
        self._send(name, "page")

    def _item(self, item: Any, kept: bool) -> None:
        name = getattr(item, "source", None)
        if name not in self.readers:
            return
        self.items[name] += 1
        self.kept[name] += kept
        self._send(name, "item")

    def scraped(self, item: Any, response: Any, spider: Any) -> None:
        self._item(item, kept=True)

    def dropped(self, item: Any, response: Any, exception: Any, spider: Any) -> None:
        self._item(item, kept=False)

    def error(self, failure: Any, response: Any, spider: Any) -> None:
        name = self._source_of(getattr(response, "request", None))
        if name is not None:
            self.readers[name].run.errors.append(
                f"could not read {response.url}: {failure.value!r}")

    def closed(self, spider: Any, reason: str) -> None:
        for name, reader in self.readers.items():
            finish(reader.run, reason)
            self._send(name, "finished")


def finish(run: SourceRun, reason: str) -> None:
    """A source's final status once the crawl is over (`reason`: why Scrapy closed it)."""
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
