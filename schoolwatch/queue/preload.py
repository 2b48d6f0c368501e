"""Imports everything a crawl child loads, for a forkserver to hold ready (forkserver.py).

Importing this module is its whole job. It must not install a Twisted reactor: each crawl child
installs Scrapy's own.
"""

from __future__ import annotations

import contextlib


def _load_components() -> None:
    # lazy: what the forkserver imports once so that each crawl child starts warm
    # A crawl ends by building its documents' Arrow batch, which travels back as Arrow IPC:
    # imported in each child, pyarrow cost ~0.27 s of CPU per job, as much as the crawl.
    import pyarrow.ipc  # noqa: F401  (pyarrow with it)
    from scrapy.settings import default_settings
    from scrapy.utils.misc import load_object

    import crawler.engine.runner  # noqa: F401
    from crawler.engine.settings import ITEM_PIPELINES
    from spiders import SPIDERS

    names: list[str] = [*SPIDERS.values(), *ITEM_PIPELINES]
    for table in (
        default_settings.DOWNLOADER_MIDDLEWARES_BASE,
        default_settings.SPIDER_MIDDLEWARES_BASE,
        default_settings.EXTENSIONS_BASE,
        default_settings.DOWNLOAD_HANDLERS_BASE,
    ):
        names += [name for name in table.values() if isinstance(name, str)]
        names += [name for name in table if isinstance(name, str)]
    names += [
        default_settings.SCHEDULER, default_settings.DOWNLOADER, default_settings.STATS_CLASS,
        default_settings.DUPEFILTER_CLASS, default_settings.ROBOTSTXT_PARSER,
        default_settings.SCHEDULER_PRIORITY_QUEUE, default_settings.SCHEDULER_MEMORY_QUEUE,
        default_settings.SCHEDULER_DISK_QUEUE, default_settings.LOG_FORMATTER,
        default_settings.REQUEST_FINGERPRINTER_CLASS,
        "crawler.engine.site_lease.SiteLeaseMiddleware",
        "scrapy.core.engine.ExecutionEngine", "scrapy.core.scraper.Scraper",
        "scrapy.crawler.CrawlerProcess",
    ]
    for name in names:
        if "." in name:
            with contextlib.suppress(ImportError, AttributeError, ValueError):
                load_object(name)


_load_components()
