"""Helpers for the spider tests: real-world files, responses, spiders without a reactor."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, TextResponse

from crawler.ground.config import Source
from crawler.ground.items import Document, SourceRun

FETCHED_AT = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)


def html_response(path: Path, url: str = "https://forum.example.org/thread.html") -> HtmlResponse:
    return HtmlResponse(url=url, body=path.read_bytes(), encoding=None)


def json_response(body: bytes, url: str) -> TextResponse:
    return TextResponse(url=url, body=body, encoding="utf-8",
                        headers={"Content-Type": "application/json"})


def make_spider(spider_class: type, kind: str, url: str, **source: Any) -> Any:
    spider_kwargs = {key: source.pop(key) for key in ("known_urls", "state") if key in source}
    config = Source(name="test", kind=kind, url=url, **source)
    return spider_class(config, SourceRun(source="test", started_at=FETCHED_AT), **spider_kwargs)


def documents(results: Any) -> list[Document]:
    return [item for item in results if isinstance(item, Document)]
