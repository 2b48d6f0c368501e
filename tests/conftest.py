"""Shared fixtures: a local fixture site with failure routes, configs written to a temp folder."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Config, load_config
from crawler.demo import sites_folder
from crawler.demo.server import FixtureServer, send

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"

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


@pytest.fixture(scope="session")
def mutable_feed() -> MutableFeed:
    return MutableFeed()


@pytest.fixture(scope="session")
def site(mutable_feed: MutableFeed) -> Iterator[FixtureServer]:
    """The demo's fixture sites plus routes that fail in every way a real source can."""
    routes = {
        "/status/404": _status(404),
        "/status/500": _status(500),
        "/slow.xml": _slow,
        "/huge.xml": _huge,
        "/page.html": _html_page,
        "/mutable.xml": mutable_feed,
    }
    with FixtureServer(sites_folder(), routes=routes) as server:
        yield server


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Config]:
    """Writes a config with the two test schools, the given [crawl] and sources, and loads it."""

    def write(sources: str, crawl: str = "", extra: str = "") -> Config:
        crawl_table = (
            '[crawl]\nuser_agent = "schoolwatch-tests"\ndelay = "0s"\nretries = 1\n'
            'timeout = "2s"\n' + crawl
        )
        store = '[store]\npath = "store.duckdb"\n'
        text = f"{store}\n{crawl_table}\n{extra}\n{SCHOOLS_TOML}\n{sources}"
        path = tmp_path / "schoolwatch.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)

    return write


def feed_source(name: str, url: str, **extra: Any) -> str:
    lines = [f'[[source]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"']
    lines += [f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"'
              for key, value in extra.items()]
    return "\n".join(lines) + "\n"
