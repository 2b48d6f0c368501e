"""Mail-test helpers: a real aiosmtpd sink, configs with [email], mentions with classifications."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from crawler.ground.config import Config, config_from_dict
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument, SourceRun
from crawler.ground.text import content_hash
from crawler.store import ClassificationRow, Store, write_classifications


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
    written = store.write_crawl(CrawlResult(
        schools=[(s.id, s.name) for s in config.school],
        sources=[(s.name, s.kind, s.url, s.platform) for s in config.source],
        runs=list(runs),
        documents=documents,
        validators=[],
    ))
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
