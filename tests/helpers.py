"""Test helpers: fixture-site routes that fail in every way a real source can, config snippets."""

from __future__ import annotations

import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from schoolwatch.demo.server import send

SCHOOLS_TOML = """
[[school]]
id = "hollins-green"
name = "Hollins Green Primary School"
aliases = ["Hollins Green Primary", "HGPS"]
ambiguous = ["Hollins Green"]
exclude = ["Hollins Green Park"]
staff = ["Jane Alder"]
leads = ["orm@hollins-green.example.org"]

[[school]]
id = "st-aldhelms"
name = "St Aldhelm's C of E Academy"
aliases = ["St Aldhelm's"]
"""


class MutableFeed:
    """A feed route whose body a test can change between crawls."""

    def __init__(self) -> None:
        self.body = b""

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, self.body, "application/rss+xml; charset=utf-8")


def _status(code: int) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda handler: send(handler, code, b"nope", "text/plain")


def _slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)
    send(handler, 200, b"<rss version='2.0'><channel></channel></rss>", "application/rss+xml")


def _huge(handler: BaseHTTPRequestHandler) -> None:
    body = b"<rss version='2.0'><channel>" + b" " * 200_000 + b"</channel></rss>"
    send(handler, 200, body, "application/rss+xml")


def _html_page(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 200, b"<html><body><h1>Not a feed</h1></body></html>", "text/html")


def failure_routes() -> dict[str, Callable[[BaseHTTPRequestHandler], None]]:
    return {
        "/status/404": _status(404),
        "/status/500": _status(500),
        "/slow.xml": _slow,
        "/huge.xml": _huge,
        "/page.html": _html_page,
    }


def feed_source(name: str, url: str, **extra: Any) -> str:
    lines = [f'[[source]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"']
    lines += [f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"'
              for key, value in extra.items()]
    return "\n".join(lines) + "\n"
