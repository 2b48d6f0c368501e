"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0: news alerts, Reddit search, Wikipedia history, RSS-Bridge.

Scrapy fetches (timeouts, size cap, retries, robots.txt, conditional GET); feedparser parses the
response bytes, never a URL, because feedparser's own fetching has no timeout.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response

from crawler.ground.dates import from_struct_time, parse_date
from crawler.ground.errors import UnreadableContentError
from crawler.ground.items import Document
from crawler.ground.text import html_to_text
from crawler.ground.urls import unwrap_redirect
from spiders.base import SourceSpider
from spiders.news import news_item


class FeedSpider(SourceSpider):
    name = "feed"
    handle_httpstatus_list = [304]  # noqa: RUF012 - SourceSpider.request puts it in the meta

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(self.source.url, self.parse_feed, conditional=True)
        if request is not None:
            yield request

    def parse_feed(self, response: Response) -> Iterator[Document]:
        if self.unchanged(response):
            return
        parsed = feedparser.parse(
            response.body,
            response_headers={
                "content-type": _header(response, b"Content-Type") or "application/xml",
                "content-location": response.url,
            },
        )
        if not parsed.entries and not parsed.get("version"):
            self.record_error(UnreadableContentError(f"{response.url} is not an RSS or Atom feed"))
            return
        if parsed.bozo:
            self.warn(f"ill-formed feed, kept what parsed: {_bozo_reason(parsed)}")
        feed_title = html_to_text(parsed.feed.get("title", ""))
        for entry in parsed.entries:
            yield self._document(response, entry, feed_title)

    def _document(self, response: Response, entry: Any, feed_title: str = "") -> Document:
        fetched_at = datetime.now(UTC)
        title = html_to_text(entry.get("title", ""))
        url = _entry_url(response, entry, title)
        text = html_to_text(_entry_body(entry))
        author = _entry_author(entry) or _author_from_address(entry, feed_title)
        extra: dict[str, Any] = {}
        news = news_item(entry, title, url)  # Google News / Bing News: outlet, own headline
        if news is not None:
            title, author, extra = news.title, news.outlet or author, news.extra
            text = text if news.text is None else news.text
            url = news.url or url
        return self.document(
            response, url=url, title=title, text=text, author=author,
            published_at=_entry_date(entry, fetched_at), fetched_at=fetched_at,
            platform="feed", extra=extra,
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    return str(exc).splitlines()[0] if exc else "unknown problem"


def _entry_body(entry: Any) -> str:
    """The fullest text: content:encoded or Atom content, else the summary. feedparser also
    files a media:description (Mastodon's image alt text) under content, so the summary
    competes on length rather than losing to it."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    summary = entry.get("summary", "") or entry.get("description", "") or ""
    return max([*contents, summary], key=len)


def _entry_url(response: Response, entry: Any, title: str) -> str:
    link = entry.get("link") or ""
    if not link:
        identifier = entry.get("id", "")
        if identifier.startswith(("http://", "https://")):
            link = identifier
        else:  # no address at all: a stable anchor on the feed itself
            key = identifier or title or entry.get("summary", "")
            return f"{response.url}#entry-{hashlib.sha1(key.encode()).hexdigest()[:12]}"
    return unwrap_redirect(response.urljoin(link.strip()))


def _entry_author(entry: Any) -> str | None:
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author") or ""
    return html_to_text(name) or None


_MASTODON_POST = re.compile(r"^https?://[^/]+/(@[\w.-]+(?:@[\w.-]+)?)/\d+")
_BLUESKY_POST = re.compile(r"^https?://bsky\.app/profile/[^/]+/post/")


def _author_from_address(entry: Any, feed_title: str) -> str | None:
    """Feeds that name no author: a Mastodon post's address holds it (/@user/123); a Bluesky
    author feed's title does ("@handle - Name")."""
    link = entry.get("link") or ""
    mastodon = _MASTODON_POST.match(link)
    if mastodon:
        return mastodon.group(1)
    if _BLUESKY_POST.match(link) and feed_title.startswith("@"):
        return feed_title.split(" - ", 1)[0].strip() or None
    return None


def _entry_date(entry: Any, fetched_at: datetime) -> datetime | None:
    # dict.get: feedparser's own get() maps a missing `updated` to `published`, with a warning.
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = from_struct_time(dict.get(entry, key))
        if parsed is not None:
            return parsed
    for key in ("published", "updated", "created"):
        if dict.get(entry, key):
            return parse_date(dict.get(entry, key), fetched_at, languages=None)
    return None
