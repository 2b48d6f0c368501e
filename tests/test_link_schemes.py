"""Only http(s) addresses are stored as a mention's URL (issue 12 item 10): a hostile feed's
javascript: or data: link is kept as text, never as the link."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from crawler.engine.pipelines import TidyDocumentPipeline
from crawler.ground.items import Document, SourceRun
from crawler.ground.urls import http_url


def _document(url: str, title: str = "Hollins Green Primary") -> Document:
    return Document(url=url, title=title, text="post text", fetched_at=datetime.now(UTC),
                    final_url="https://feeds.example.org/rss", http_status=200,
                    raw_sha256="0" * 64, raw_body=b"")


def _pipeline() -> TidyDocumentPipeline:
    run = SourceRun(source="t", started_at=datetime.now(UTC))
    crawler: Any = SimpleNamespace(spider=SimpleNamespace(run=run))
    return TidyDocumentPipeline(crawler)


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(document.cookie)", "JavaScript:alert(1)", " javascript:alert(1)",
     "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "file:///etc/passwd",
     "//evil.example.org/x", "mailto:head@school.example.org"],
)
def test_a_non_http_link_is_kept_as_text_not_as_the_url(link: str) -> None:
    document = _pipeline().process_item(_document(link))
    assert document.url.startswith("https://feeds.example.org/rss#")
    assert document.extra["link_not_followed"] == link.strip()


def test_two_entries_with_bad_links_stay_two_mentions() -> None:
    pipeline = _pipeline()
    first = pipeline.process_item(_document("javascript:a()", "First Hollins Green Primary"))
    second = pipeline.process_item(_document("javascript:b()", "Second Hollins Green Primary"))
    assert first.url != second.url


def test_http_links_are_left_alone() -> None:
    document = _pipeline().process_item(_document("https://forum.example.org/t/1"))
    assert document.url == "https://forum.example.org/t/1" and "link_not_followed" not in \
        document.extra


@pytest.mark.parametrize(
    ("url", "expected"),
    [("https://x.example/a", True), ("HTTP://x.example/", True), ("javascript:x", False),
     ("data:,x", False), ("http://", False), ("ftp://x.example/", False), ("", False)],
)
def test_http_url(url: str, expected: bool) -> None:
    assert (http_url(url) is not None) is expected
