"""A small HTTP server for fixture sites on 127.0.0.1 (port 0): the demo's and the tests'.

Serves a folder with ETag / Last-Modified and 304 answers, robots.txt, redirects (a file
NAME.redirect holding the address NAME answers 302 with), and templated text:
`{{base}}` is the server's own address; `{{rfc822:-3d 09:15}}`, `{{iso:-3d 09:15}}` and
`{{epoch:-3d}}` (and `{{dmy:-3d}}`, 03-06-2026) are dates relative to today (London time), and
`{{iso:w-1+2d 09:15}}` counts from the Monday of last week, so the demo's mentions are recent
and fill last week's digest. Extra routes (errors, slow or oversized answers) are plain
functions, for tests.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.ground.vocab import LONDON

Route = Callable[[BaseHTTPRequestHandler], None]
# {{iso:-3d 09:15}}: three days ago; {{iso:w-1+2d 09:15}}: Wednesday of last week (London).
_TEMPLATE = re.compile(
    r"\{\{(rfc822|iso|epoch|dmy):(?:w(-?\d+))?([+-]?\d+)d(?: (\d\d):(\d\d))?\}\}"
)
_TEXT_TYPES = (".xml", ".rss", ".atom", ".html", ".htm", ".json", ".txt", ".php")
_FIXED_MODIFIED = "Mon, 02 Nov 2026 08:00:00 GMT"
mimetypes.add_type("application/rss+xml", ".rss")
mimetypes.add_type("application/atom+xml", ".atom")
# A fixture's api.php (a MediaWiki API stand-in) holds the JSON the real script would answer.
mimetypes.add_type("application/json", ".php")


def render_template(text: str, base: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)

    def date(match: re.Match[str]) -> str:
        style, weeks, days, hour, minute = match.groups()
        start = now.astimezone(LONDON)
        if weeks is not None:  # from the Monday of the week `weeks` away
            start -= timedelta(days=start.weekday() - 7 * int(weeks))
        moment = (start + timedelta(days=int(days))).replace(
            hour=int(hour or 9), minute=int(minute or 0), second=0, microsecond=0
        )
        if style == "rfc822":
            return email.utils.format_datetime(moment)
        if style == "epoch":
            return str(int(moment.timestamp()))
        if style == "dmy":  # 03-06-2026, as Parent View writes its dates
            return moment.strftime("%d-%m-%Y")
        return moment.isoformat().replace("+00:00", "Z")

    return _TEMPLATE.sub(date, text.replace("{{base}}", base))


class FixtureServer:
    """Serves `root` until closed. Use as a context manager; `base_url` has no trailing slash."""

    def __init__(self, root: Path | None = None, routes: dict[str, Route] | None = None) -> None:
        self.root = root
        self.routes = dict(routes or {})
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                server.hits[path] = server.hits.get(path, 0) + 1
                route = server.routes.get(path)
                if route is not None:
                    route(self)
                    return
                server._serve_file(self, path)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> FixtureServer:
        return self.__enter__()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve_file(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        if self.root is None:
            send(handler, 404, b"not found", "text/plain")
            return
        relative = path.lstrip("/") or "index.html"
        target = (self.root / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        moved = target.with_name(target.name + ".redirect")  # a redirect: NAME.redirect
        if self.root.resolve() in moved.parents and moved.is_file():
            location = render_template(moved.read_text(encoding="utf-8").strip(), self.base_url)
            send(handler, 302, b"", "text/html", {"Location": location})
            return
        for suffix in (".xml", ".html"):  # an address without a file name suffix (a search)
            if not target.exists() and target.with_name(target.name + suffix).is_file():
                target = target.with_name(target.name + suffix)
        if self.root.resolve() not in target.parents or not target.is_file():
            send(handler, 404, b"not found", "text/plain")
            return
        body = target.read_bytes()
        if target.suffix in _TEXT_TYPES:
            body = render_template(body.decode("utf-8"), self.base_url).encode("utf-8")
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or target.suffix in _TEXT_TYPES:
            content_type += "; charset=utf-8"
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if handler.headers.get("If-None-Match") == etag:
            send(handler, 304, b"", None, {"ETag": etag, "Last-Modified": _FIXED_MODIFIED})
            return
        send(handler, 200, body, content_type, {"ETag": etag, "Last-Modified": _FIXED_MODIFIED})


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-answer (a size cap, a timeout) is expected, not an error."""

    # http.server's backlog of 5 drops connections when a crawl opens many sources at once,
    # and the client's TCP retries then look like a slow site
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body and handler.command != "HEAD":
        handler.wfile.write(body)
