"""Failures with a name (issue 12 items 8 and 9): redirect loops, oversize pages streamed without
a length, and Retry-After honoured (capped, per site) and recorded in the run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from crawler.ground.config import Config
from schoolwatch.crawling import crawl
from schoolwatch.demo.server import FixtureServer, send
from tests.helpers import feed_source

FEED = (b"<rss version='2.0'><channel><item><title>Hollins Green Primary fair</title>"
        b"<link>https://news.example.org/fair</link><description>Hollins Green Primary "
        b"summer fair.</description></item></channel></rss>")


def _redirect(to: str) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda handler: send(handler, 302, b"", "text/plain", {"Location": to})


def _stream_huge(handler: BaseHTTPRequestHandler) -> None:
    """300 kB with no Content-Length: the size is only known while it arrives."""
    handler.protocol_version = "HTTP/1.0"
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Connection", "close")
    handler.end_headers()
    try:
        handler.wfile.write(b"<rss version='2.0'><channel>")
        for _ in range(300):
            handler.wfile.write(b" " * 1024)
        handler.wfile.write(b"</channel></rss>")
    except OSError:
        pass
    handler.close_connection = True


class _Throttled:
    """429 with Retry-After the first time, the feed after; remembers when each hit came."""

    def __init__(self, retry_after: str, status: int = 429) -> None:
        self.retry_after = retry_after
        self.status = status
        self.hits: list[float] = []

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.hits.append(time.monotonic())
        if len(self.hits) == 1:
            send(handler, self.status, b"slow down", "text/plain",
                 {"Retry-After": self.retry_after})
        else:
            send(handler, 200, FEED, "application/rss+xml")


@pytest.fixture(scope="module")
def throttles() -> dict[str, _Throttled]:
    return {"/throttled-2s.xml": _Throttled("2"), "/unavailable.xml": _Throttled("1", 503),
            "/throttled-long.xml": _Throttled("120")}


@pytest.fixture(scope="module")
def hostile(throttles: dict[str, _Throttled]) -> Iterator[FixtureServer]:
    routes = {"/loop/a": _redirect("/loop/b"), "/loop/b": _redirect("/loop/a"),
              "/self": _redirect("/self"), "/stream-huge.xml": _stream_huge, **throttles}
    with FixtureServer(routes=routes) as server:
        yield server


def test_loops_and_streamed_oversize_pages_are_named(
    hostile: FixtureServer, write_config: Callable[..., Config]
) -> None:
    base = hostile.base_url
    config = write_config(
        feed_source("ping-pong", f"{base}/loop/a") + feed_source("self", f"{base}/self")
        + feed_source("streamed", f"{base}/stream-huge.xml"),
        crawl="max_bytes = 100000\n",
    )
    runs = {run.source: run for run in crawl(config, config.source).runs}
    assert runs["ping-pong"].failed and "redirect loop" in runs["ping-pong"].last_error
    assert "/loop/a" in runs["ping-pong"].last_error and "/loop/b" in runs["ping-pong"].last_error
    assert runs["self"].failed and "redirect loop" in runs["self"].last_error
    assert runs["streamed"].failed
    assert "larger than the 100,000-byte cap" in runs["streamed"].last_error
    assert "DownloadCancelledError" not in runs["streamed"].last_error


def test_retry_after_is_honoured_capped_and_recorded(
    hostile: FixtureServer, throttles: dict[str, _Throttled],
    write_config: Callable[..., Config],
) -> None:
    base = hostile.base_url
    config = write_config(
        feed_source("throttled", f"{base}/throttled-2s.xml")
        + feed_source("unavailable", f"{base}/unavailable.xml")
        + feed_source("too-long", f"{base}/throttled-long.xml"),
        crawl='max_retry_after = "10s"\n',
    )
    runs = {run.source: run for run in crawl(config, config.source).runs}
    first, second = throttles["/throttled-2s.xml"].hits[:2]
    assert second - first >= 1.9
    assert not runs["throttled"].failed and runs["throttled"].new_mentions == 1
    assert any("Retry-After" in w and "waited 2s" in w for w in runs["throttled"].warnings)
    assert not runs["unavailable"].failed
    # 120 s is over the 10 s cap: not retried now, and the run says why.
    assert len(throttles["/throttled-long.xml"].hits) == 1
    assert runs["too-long"].failed
    assert "Retry-After 120s" in runs["too-long"].last_error
    assert "next run" in runs["too-long"].last_error


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    from crawler.engine.fetching import retry_after_seconds

    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120", now) == 120
    assert retry_after_seconds("Fri, 20 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Fri, 20 Nov 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds(b"soon", now) is None and retry_after_seconds(None) is None
