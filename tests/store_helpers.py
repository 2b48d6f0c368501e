"""Test stores with posts in them and one-school configs (cases, retention, scheduler, report)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawler.ground.config import Config, config_from_dict
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument
from crawler.ground.text import content_hash
from crawler.store import Store


@dataclass(frozen=True)
class Post:
    """A post to put in a test store: what `store_with_posts` writes as one mention."""

    url: str
    text: str
    title: str = "A post"
    school_id: str = "hollins-green"
    source: str = "forum"
    source_kind: str = "forum"
    published_at: datetime | None = None
    rating: float | None = None
    fetched_from: str | None = None  # the page it was read from (a feed), when not `url`


def write_posts(store: Store, posts: Sequence[Post]) -> list[int]:
    """Writes posts through the store's crawl writer, as a crawl would; returns mention ids."""
    documents = []
    for post in posts:
        body = f"<html><body><p>{post.text}</p></body></html>".encode()
        now = datetime.now(UTC)
        document = Document(
            url=post.url, title=post.title, text=post.text, fetched_at=now,
            final_url=post.fetched_from or post.url,
            http_status=200, raw_sha256=hashlib.sha256(body).hexdigest(), raw_body=body,
            content_type="text/html", published_at=post.published_at or now, rating=post.rating,
        )
        match = Match(post.school_id, "Hollins Green Primary", "text", 0, post.text[:40])
        documents.append(MatchedDocument(document, post.source, post.source_kind, post.url,
                                         content_hash(post.title, post.text), [match]))
    result = store.write_crawl(CrawlResult(
        schools=[("hollins-green", "Hollins Green Primary School")],
        sources=[("forum", "forum", "http://127.0.0.1/", None)],
        runs=[], documents=documents, validators=[],
    ))
    return result.new_mention_ids


def unattended_config(tmp_path: Path, **sections: object) -> Config:
    """A one-school config with its store in tmp_path; keyword arguments add or replace sections."""
    raw: dict[str, object] = {
        "store": {"path": str(tmp_path / "store.duckdb")},
        "crawl": {"user_agent": "schoolwatch-test", "delay": "0s", "timeout": "5s",
                  "retries": 0, "allow_private": True},
        "school": [{"id": "hollins-green", "name": "Hollins Green Primary School",
                    "aliases": ["Hollins Green Primary"], "staff": ["Jane Alder"]}],
    }
    raw.update(sections)
    return config_from_dict(raw, "test.toml", base_dir=tmp_path)
