"""Scrapy settings built from the validated [crawl] config: politeness, limits, user agent."""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE

from crawler.engine.fetching import MAX_RETRY_AFTER
from crawler.engine.guard import ALLOW_PRIVATE
from crawler.ground.config import CrawlSettings

# Tidy, match, collect: one pipeline running the three steps (see crawler.engine.pipelines).
ITEM_PIPELINES = {"crawler.engine.pipelines.DocumentPipeline": 100}

# Before robots.txt (50 is the offsite check): robots.txt of a private host is refused too.
DOWNLOADER_MIDDLEWARES = {
    "crawler.engine.guard.PublicOnlyMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.engine.fetching.SharedRobotsTxtMiddleware": 100,
    # Sees 429/503 before RetryMiddleware (550): responses travel from high numbers to low.
    "crawler.engine.fetching.RetryAfterMiddleware": 560,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.engine.fetching.NamedRedirectMiddleware": 600,
}


UNUSED_EXTENSIONS = (
    "scrapy.extensions.feedexport.FeedExporter",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.memdebug.MemoryDebugger",
    "scrapy.extensions.spiderstate.SpiderState",
)


def scrapy_settings(crawl: CrawlSettings, *, log_level: str = "CRITICAL") -> dict[str, Any]:
    delay = crawl.delay.total_seconds() if crawl.delay else 0.0
    return {
        "BOT_NAME": "schoolwatch",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
        "DOWNLOAD_MAXSIZE": crawl.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if delay > 0 else 0,
        "AUTOTHROTTLE_ENABLED": delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.5),
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_site,
        "DOWNLOADER": "crawler.engine.fetching.PerSiteLimitDownloader",
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,  # no listening ports on a school server
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": log_level,
        "LOGSTATS_INTERVAL": 0,
        "DEFAULT_DROPITEM_LOG_LEVEL": "DEBUG",
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        ALLOW_PRIVATE: crawl.allow_private,
        MAX_RETRY_AFTER: crawl.max_retry_after.total_seconds(),
        # Each crawl process starts Scrapy afresh, so set-up counts: no
        # handlers for schemes a source cannot have, no feed export, and no source inspection
        # of our own callbacks (a lint for generators, done once per crawler and callback).
        "DOWNLOAD_HANDLERS": {"data": None, "file": None, "s3": None, "ftp": None},
        # Extensions a crawl never uses are left out of the base list: listed as None, Scrapy
        # still imports them, and the remote control's import (aiohttp) alone took 0.3 s.
        "EXTENSIONS_BASE": {name: order for name, order in EXTENSIONS_BASE.items()
                            if name not in UNUSED_EXTENSIONS},
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # The pipelines are synchronous: running 100 item workers per response buys nothing
        # and costs 100 asyncio tasks per response.
        "CONCURRENT_ITEMS": 8,
        # Scrapy looks up its dependencies' versions at every start to log them (~10 ms of
        # CPU a crawl process); not when the log would not show them.
        **({} if log_level in ("DEBUG", "INFO") else {"LOG_VERSIONS": []}),
    }
