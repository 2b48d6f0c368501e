"""Shared fixtures: a local fixture site with failure routes, configs written to a temp folder;
for the digest: a real local SMTP server, and mentions written with their classifications."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from crawler.config import Config, config_from_dict, load_config
from crawler.demo import sites_folder
from crawler.demo.server import FixtureServer, send
from crawler.items import Document, Match, MatchedDocument, SourceRun
from crawler.store import ClassificationRow, Store, write_classifications
from crawler.text import content_hash

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


# ---- mail ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpSink:
    """A real aiosmtpd server on 127.0.0.1 that keeps every message it accepts."""

    port: int
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def start(self, **options: Any) -> SmtpSink:
        """Options go to aiosmtpd's SMTP server (e.g. authenticator, auth_require_tls)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=default) for _, _, raw in self.received]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port()).start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink_factory() -> Iterator[Callable[..., SmtpSink]]:
    """Starts a sink on a given port when the test says so (for the SMTP-down case)."""
    started: list[SmtpSink] = []

    def start(port: int, **options: Any) -> SmtpSink:
        sink = SmtpSink(port).start(**options)
        started.append(sink)
        return sink

    try:
        yield start
    finally:
        for sink in started:
            sink.stop()


# ---- config and store ------------------------------------------------------------------------


def make_config(
    tmp_path: Path,
    *,
    email: dict[str, Any] | None = None,
    schools: Sequence[dict[str, Any]] | None = None,
    sources: Sequence[dict[str, Any]] | None = None,
) -> Config:
    raw: dict[str, Any] = {
        "store": {"path": "data/schoolwatch.duckdb"},
        "school": list(
            schools
            or [
                {
                    "id": "hollins-green",
                    "name": "Hollins Green Primary",
                    "aliases": ["HGPS"],
                    "leads": ["orm@hollins-green.example.org", "head@hollins-green.example.org"],
                }
            ]
        ),
        "source": list(
            sources
            or [
                {"name": "local-news", "kind": "feed", "url": "https://news.example.org/rss"},
                {"name": "mumsnet", "kind": "feed", "url": "https://forum.example.org/rss"},
            ]
        ),
    }
    if email is not None:
        raw["email"] = email
    return config_from_dict(raw, "test.toml", base_dir=tmp_path)


def smtp_email(port: int, **overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "sender": "schoolwatch@school.example.org",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "starttls": False,
        "timeout": "5s",
        "outbox": "data/outbox",
    }
    settings.update(overrides)
    return settings


@dataclass
class Post:
    """A mention to write, and optionally its classification."""

    title: str
    text: str
    published_at: datetime | None
    source: str = "local-news"
    url: str | None = None
    school_id: str = "hollins-green"
    rating: float | None = None
    risk: str | None = None  # None: not classified
    sentiment: str = "neutral"
    categories: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


def write_posts(
    config: Config,
    posts: Sequence[Post],
    *,
    runs: Sequence[SourceRun] = (),
) -> list[int]:
    """Writes the posts through Store.write_crawl, then their classifications; returns ids."""
    store = Store(config.store.path)
    documents = []
    for index, post in enumerate(posts):
        url = post.url or f"https://news.example.org/post/{abs(hash((post.title, index)))}"
        raw = post.body or f"<html><body>{post.title} {post.text}</body></html>".encode()
        fetched = datetime.now(UTC)
        document = Document(
            url=url, title=post.title, text=post.text, fetched_at=fetched, final_url=url,
            http_status=200, raw_sha256=hashlib.sha256(raw).hexdigest(), raw_body=raw,
            content_type="text/html", published_at=post.published_at, rating=post.rating,
        )
        documents.append(
            MatchedDocument(
                document=document,
                source=post.source,
                source_kind="feed",
                canonical_url=url,
                content_hash=content_hash(post.title, post.text),
                matches=[Match(post.school_id, "Hollins Green Primary", "text", 0, post.text[:40])],
            )
        )
    written = store.write_crawl(
        schools=[(s.id, s.name) for s in config.school],
        sources=[(s.name, s.kind, s.url, s.platform) for s in config.source],
        runs=list(runs),
        documents=documents,
        validators=[],
    )
    ids = written.new_mention_ids
    assert len(ids) == len(posts), "every test post must be a new mention"
    rows = [
        ClassificationRow(
            mention_id=mention_id,
            sentiment=post.sentiment,
            sentiment_score=0.9,
            risk=post.risk,
            categories=post.categories,
            risk_reasons=post.reasons,
            model_version="test",
        )
        for mention_id, post in zip(ids, posts, strict=True)
        if post.risk is not None
    ]
    write_classifications(store, rows)
    return ids


def run(source: str, started: datetime, status: str = "ok", error: str | None = None) -> SourceRun:
    return SourceRun(
        source=source, started_at=started, finished_at=started, status=status, pages_fetched=1,
        errors=[error] if error else [],
    )


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text, the HTML and the inline images of a received message."""
    found: dict[str, Any] = {"images": {}}
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain":
            found["text"] = part.get_content()
        elif kind == "text/html":
            found["html"] = part.get_content()
        elif kind.startswith("image/"):
            found["images"][part["Content-ID"]] = part.get_content()
    return found
