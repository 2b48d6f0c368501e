"""One crawl per run: every source of a run is read by one Scrapy crawler, so robots.txt and the
per-site limits hold across the sources of a site, while each source keeps its own results,
errors and budget."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from crawler.engine.runner import crawl as engine_crawl
from crawler.ground.config import Config
from crawler.store import Store
from schoolwatch.crawling import crawl
from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import FixtureServer
from spiders import SPIDERS
from spiders.feed import FeedSpider
from tests.helpers import feed_source, send

EMPTY_FEED = b"<rss version='2.0'><channel><title>Quiet</title></channel></rss>"


class InFlight:
    """A slow feed route that remembers the most requests it was answering at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.3)
        with self.lock:
            self.now -= 1
        send(handler, 200, EMPTY_FEED, "application/rss+xml")


@pytest.fixture
def own_site() -> Iterator[tuple[FixtureServer, InFlight]]:
    """A fixture site of this test's own, so that its request counts are this test's."""
    in_flight = InFlight()
    routes = {f"/slow/{n}.xml": in_flight for n in range(6)}
    with FixtureServer(sites_folder(), routes=routes) as server:
        yield server, in_flight


def test_the_sources_of_one_site_share_its_per_site_limit(
    own_site: tuple[FixtureServer, InFlight], write_config: Callable[..., Config]
) -> None:
    server, in_flight = own_site
    config = write_config(
        "".join(feed_source(f"slow-{n}", f"{server.base_url}/slow/{n}.xml") for n in range(6)),
        crawl="per_site = 2\n",
    )

    report = crawl(config, config.source)

    assert [run.status for run in report.runs] == ["ok"] * 6
    assert in_flight.most <= 2  # six sources, one site: never more than [crawl] per_site at once


def test_robots_txt_is_read_once_per_site_and_obeyed_by_every_source(
    own_site: tuple[FixtureServer, InFlight], write_config: Callable[..., Config]
) -> None:
    server, _ = own_site
    base = server.base_url
    config = write_config(
        "".join(feed_source(f"private-{n}", f"{base}/private/{n}.xml") for n in range(4))
        + feed_source("news", f"{base}/news/rss.xml")
    )

    report = crawl(config, config.source)

    runs = {run.source: run for run in report.runs}
    for n in range(4):
        assert runs[f"private-{n}"].status == "failed"
        assert "robots.txt forbids" in runs[f"private-{n}"].last_error
        assert server.hits.get(f"/private/{n}.xml") is None
    assert runs["news"].status == "ok"
    assert server.hits["/robots.txt"] == 1


def test_two_sources_reading_one_address_each_get_its_answer(
    own_site: tuple[FixtureServer, InFlight], write_config: Callable[..., Config]
) -> None:
    server, _ = own_site
    url = f"{server.base_url}/news/rss.xml"
    config = write_config(feed_source("first", url) + feed_source("second", url))

    report = crawl(config, config.source)

    assert [(run.status, run.pages_fetched) for run in report.runs] == [("ok", 1), ("ok", 1)]
    assert server.hits["/news/rss.xml"] == 2
    store = Store(config.store.path)
    # Each post is one mention, found by the first source and seen again by the second.
    mentions = store.query("SELECT count(*) FROM mentions WHERE source = 'first'").rows[0][0]
    seen_again = store.query(
        "SELECT count(*) FROM mention_sightings WHERE source = 'second'").rows[0][0]
    assert mentions == seen_again > 0


class BrokenFeedSpider(FeedSpider):
    """A spider whose start fails after its first request: a bug in one source's spider."""

    async def start(self) -> AsyncIterator[Any]:
        async for request in super().start():
            yield request
        raise RuntimeError("the spider tripped over its own feet")


def test_a_spider_that_fails_to_start_fails_its_own_source_only(
    own_site: tuple[FixtureServer, InFlight], write_config: Callable[..., Config]
) -> None:
    server, _ = own_site
    config = write_config(
        feed_source("news", f"{server.base_url}/news/rss.xml")
        + f'[[source]]\nname = "broken"\nkind = "page"\nurl = "{server.base_url}/page.html"\n'
    )
    spiders = {**SPIDERS, "page": f"{__name__}.BrokenFeedSpider"}

    report = engine_crawl(config, config.source, spiders=spiders)

    runs = {run.source: run for run in report.runs}
    assert runs["news"].status == "ok" and runs["news"].new_mentions > 0
    assert runs["broken"].status != "ok"
    assert "the spider tripped over its own feet" in " ".join(runs["broken"].errors)
