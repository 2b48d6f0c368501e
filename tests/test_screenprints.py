"""Screen prints: headless Chromium under the crawler's rules, against pages on a local server.
Only the test server's own address is trusted; everything else must be public, so a redirect
to the cloud metadata address is refused, as it would be in production."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

from crawler.engine.screenprint import CaptureLimits, CaptureRequest, capture, chromium_path
from crawler.ground.screenprint import (
    CaptureFailedError,
    CaptureRefusedError,
    CaptureTimeoutError,
    PageTooLargeError,
)
from schoolwatch.demo.server import FixtureServer, send

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="needs Debian's chromium: apt-get install -y chromium (make test installs it)",
)
HUGE = 50 * 1024 * 1024
PAGE = (b"<!doctype html><html><head><title>Hollins Green Primary</title></head><body>"
        b"<h1>Hollins Green Primary</h1><p>A post about the school.</p>"
        b"<img src='http://10.0.0.1/track.png'><script>alert('hi');"
        b"navigator.geolocation.getCurrentPosition(() => {});"
        b"document.body.dataset.ran = 'yes';</script></body></html>")
hits: list[str] = []


def _html(body: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda handler: send(handler, 200, body, "text/html; charset=utf-8")


def _huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(HUGE))
    handler.end_headers()
    chunk = b"<p>" + b"x" * (1024 * 1024 - 3)
    for _ in range(HUGE // len(chunk)):
        handler.wfile.write(chunk)


def _redirect(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 302, b"", None, {"Location": "http://169.254.169.254/latest/meta-data/"})


def _download(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"MZ" + b"\0" * 1000, "application/octet-stream",
         {"Content-Disposition": 'attachment; filename="setup.exe"'})


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    routes = {
        "/post.html": _html(PAGE),
        "/endless.html": _html(b"<html><body><h1>spin</h1><script>while (true) {}</script>"),
        "/huge.html": _huge,
        "/to-metadata": _redirect,
        "/setup.exe": _download,
    }
    with FixtureServer(routes=routes) as site:
        yield site


def _request(server: FixtureServer, path: str, timeout: float = 10.0) -> CaptureRequest:
    parts = urlsplit(server.base_url)
    return CaptureRequest(server.base_url + path, "schoolwatch-test",
                          trusted=((parts.hostname or "", parts.port),),
                          limits=CaptureLimits(timeout=timeout, max_bytes=5_000_000))


def test_a_page_is_captured_as_png_and_pdf_with_its_address_and_status(
    server: FixtureServer,
) -> None:
    shot = capture(_request(server, "/post.html"))
    assert shot.png.startswith(b"\x89PNG\r\n\x1a\n") and shot.pdf.startswith(b"%PDF-")
    assert (shot.final_url, shot.http_status) == (server.base_url + "/post.html", 200)
    assert len(shot.png_sha256) == 64 and shot.png_sha256 != shot.pdf_sha256
    assert abs(time.time() - shot.captured_at.timestamp()) < 60


def test_a_loopback_page_is_refused_unless_private_addresses_are_allowed(
    server: FixtureServer,
) -> None:
    with pytest.raises(CaptureRefusedError, match="loopback"):
        capture(CaptureRequest(server.base_url + "/post.html", "schoolwatch-test"))
    allowed = capture(CaptureRequest(server.base_url + "/post.html", "schoolwatch-test",
                                     allow_private=True))
    assert allowed.http_status == 200


def test_a_redirect_to_the_cloud_metadata_address_is_refused(server: FixtureServer) -> None:
    with pytest.raises(CaptureRefusedError, match=r"169\.254\.169\.254.*link-local"):
        capture(_request(server, "/to-metadata"))


def test_an_endless_script_cannot_hang_the_capture(server: FixtureServer) -> None:
    started = time.monotonic()
    with pytest.raises(CaptureTimeoutError, match="did not finish within 3s"):
        capture(_request(server, "/endless.html", timeout=3.0))
    assert time.monotonic() - started < 3.0 + 15.0 + 5.0


def test_a_50_mb_page_is_refused_without_reading_it_all(server: FixtureServer) -> None:
    started = time.monotonic()
    with pytest.raises(PageTooLargeError, match="larger than 5,000,000 bytes"):
        capture(_request(server, "/huge.html"))
    assert time.monotonic() - started < 20


def test_a_download_is_not_saved(server: FixtureServer) -> None:
    with pytest.raises(CaptureFailedError, match=r"[Dd]ownload"):
        capture(_request(server, "/setup.exe"))
