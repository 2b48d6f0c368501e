"""The hostile crawl suite's degraded items (issue 22 item 11): Retry-After honoured on every
retry, a redirect to file: or data: named as refused, a body shorter than its Content-Length
named as such."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawler.ground.config import Config, load_config
from schoolwatch.crawling import crawl
from schoolwatch.demo.server import FixtureServer, send
from tests.helpers import SCHOOLS_TOML, feed_source


class _AlwaysThrottled:
    def __init__(self) -> None:
        self.hits: list[float] = []

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.hits.append(time.monotonic())
        send(handler, 429, b"slow down", "text/plain", {"Retry-After": "1"})


def _redirect(to: str):  # type: ignore[no-untyped-def]
    return lambda handler: send(handler, 302, b"", "text/plain", {"Location": to})


def _short_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.write(b"<rss version='2.0'><channel><title>cut")
    handler.wfile.flush()
    handler.connection.shutdown(socket.SHUT_RDWR)
    handler.close_connection = True


@pytest.fixture(scope="module")
def throttled() -> _AlwaysThrottled:
    return _AlwaysThrottled()


@pytest.fixture(scope="module")
def site(throttled: _AlwaysThrottled) -> Iterator[FixtureServer]:
    routes = {"/throttled.xml": throttled, "/to-file.xml": _redirect("file:///etc/passwd"),
              "/to-data.xml": _redirect("data:text/plain;base64,SGVsbG8="),
              "/short.xml": _short_body}
    with FixtureServer(routes=routes) as server:
        yield server


def _config(tmp_path: Path, sources: str, retries: int = 0) -> Config:
    path = tmp_path / "schoolwatch.toml"
    path.write_text(
        '[store]\npath = "store.duckdb"\n'
        f'[crawl]\nuser_agent = "schoolwatch-tests"\ndelay = "0s"\nretries = {retries}\n'
        'timeout = "5s"\nallow_private = true\nmax_retry_after = "5s"\n'
        f"{SCHOOLS_TOML}\n{sources}", encoding="utf-8")
    return load_config(path)


def test_retry_after_is_honoured_on_every_retry_and_no_retry_skips_it(
    site: FixtureServer, throttled: _AlwaysThrottled, tmp_path: Path
) -> None:
    config = _config(tmp_path, feed_source("throttled", f"{site.base_url}/throttled.xml"),
                     retries=3)
    run = crawl(config, config.source).runs[0]
    gaps = [later - earlier for earlier, later in itertools.pairwise(throttled.hits)]
    assert len(throttled.hits) == 4, gaps  # the first try and three retries, no more
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert run.failed and "429" in (run.last_error or "")


@pytest.mark.parametrize(("path", "scheme"), [("/to-file.xml", "file"), ("/to-data.xml", "data")])
def test_a_redirect_to_another_scheme_is_named_as_refused(
    site: FixtureServer, tmp_path: Path, path: str, scheme: str
) -> None:
    config = _config(tmp_path, feed_source("elsewhere", f"{site.base_url}{path}"))
    run = crawl(config, config.source).runs[0]
    assert run.failed
    assert f"redirected to a {scheme}: URL, which is refused" in (run.last_error or "")
    assert "HTTP 302" not in (run.last_error or "")


def test_a_body_shorter_than_its_content_length_is_named_as_such(
    site: FixtureServer, tmp_path: Path
) -> None:
    config = _config(tmp_path, feed_source("short", f"{site.base_url}/short.xml"))
    run = crawl(config, config.source).runs[0]
    assert run.failed and "ended short of the length it announced" in (run.last_error or "")
    assert "cannot connect" not in (run.last_error or "")


def test_a_crawl_process_connects_only_to_public_addresses_whatever_dns_says(
    site: FixtureServer,
) -> None:
    """The crawl child's second lock (crawler.ground.outbound.guard_process): the fetch guard
    checks a host after DNS; this checks the address actually connected to, so a name whose
    answer changes between the two (DNS rebinding) still reaches nothing here."""
    port = int(site.base_url.rsplit(":", 1)[1])
    code = (
        "import socket, urllib.request\n"
        "from crawler.ground.outbound import guard_process\n"
        "guard_process()\n"
        "for target in (('127.0.0.1', PORT), ('::ffff:127.0.0.1', PORT)):\n"
        "    try:\n"
        "        socket.create_connection(target, timeout=5).close()\n"
        "        print('connected', target[0])\n"
        "    except OSError as exc:\n"
        "        print('refused', target[0], exc)\n"
    ).replace("PORT", str(port))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).resolve().parents[1], check=True)
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("refused") for line in lines), lines
    assert "loopback" in lines[0]
