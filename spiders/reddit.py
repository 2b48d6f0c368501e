"""Reddit through its JSON: a search (`/search.json?q=...&sort=new`, site-wide or in one
subreddit) or a subreddit's newest posts, and the comments of each post found.

The base address comes from the source URL, so a local server stands in for reddit.com in tests.
Quoted lines ("> ...") are not part of a comment's own text.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response

from crawler.ground.dates import from_epoch
from crawler.ground.errors import UnreadableContentError
from spiders.base import SourceSpider

_QUOTE_LINE = re.compile(r"^\s*(?:>|&gt;).*$", re.MULTILINE)
_DELETED = {"[deleted]", "[removed]"}


class RedditSpider(SourceSpider):
    name = "reddit"

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(listing_url(self.source.url, self.source.options),
                               self.parse_listing)
        if request is not None:
            yield request

    @property
    def base(self) -> str:
        parts = urlsplit(str(self.source.options.get("base_url") or self.source.url))
        return f"{parts.scheme}://{parts.netloc}"

    def parse_listing(self, response: Response) -> Iterator[Any]:
        data = self._json(response)
        if not isinstance(data, dict):
            return
        fetched_at = datetime.now(UTC)
        children = (data.get("data") or {}).get("children") or []
        for child in children:
            post = child.get("data") or {}
            if child.get("kind") != "t3" or not post.get("id"):
                continue
            url = self.base + str(post.get("permalink") or f"/comments/{post['id']}/")
            if not self.is_known(url):
                yield self._post_document(response, post, url, fetched_at)
            if post.get("num_comments", 1):
                request = self.request(f"{self.base}/comments/{post['id']}.json?sort=new",
                                       self.parse_comments)
                if request is not None:
                    yield request

    def parse_comments(self, response: Response) -> Iterator[Any]:
        data = self._json(response)
        if not isinstance(data, list) or len(data) < 2:
            if data is not None:
                self.record_error(UnreadableContentError(
                    f"{response.url} is not a Reddit comments listing"))
            return
        yield from comment_documents(self, response, data)

    def _post_document(self, response: Response, post: dict[str, Any], url: str,
                       fetched_at: datetime) -> Any:
        return self.document(
            response, url=url, title=str(post.get("title") or ""),
            text=own_text(str(post.get("selftext") or "")), author=author_of(post),
            published_at=from_epoch(post.get("created_utc")), fetched_at=fetched_at,
            platform="reddit",
            extra={"subreddit": post.get("subreddit"), "score": post.get("score")},
        )

    def _json(self, response: Response) -> Any:
        try:
            return json.loads(response.text)
        except (ValueError, AttributeError):
            self.record_error(UnreadableContentError(f"{response.url} is not Reddit JSON"))
            return None


def comment_documents(spider: RedditSpider, response: Response, data: list[Any]) -> Iterator[Any]:
    """Each comment of a /comments/{id}.json answer, replies included; "more" stubs skipped."""
    fetched_at = datetime.now(UTC)
    posts = (data[0].get("data") or {}).get("children") or []
    post = posts[0].get("data", {}) if posts else {}
    title = f"Comment on: {post.get('title', '')}".strip()
    for comment in walk_comments(data[1]):
        text = own_text(str(comment.get("body") or ""))
        if not text or text in _DELETED:
            continue
        url = spider.base + comment_path(comment)
        if spider.is_known(url):
            continue
        yield spider.document(
            response, url=url, title=title, text=text, author=author_of(comment),
            published_at=from_epoch(comment.get("created_utc")), fetched_at=fetched_at,
            platform="reddit",
            extra={"subreddit": comment.get("subreddit"), "score": comment.get("score")},
        )


def comment_path(comment: dict[str, Any]) -> str:
    """Reddit sends a permalink with newer comments only; older ones are rebuilt from ids."""
    if comment.get("permalink"):
        return str(comment["permalink"])
    post_id = str(comment.get("link_id") or "").removeprefix("t3_")
    return f"/r/{comment.get('subreddit')}/comments/{post_id}/_/{comment.get('id')}/"


def walk_comments(listing: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(listing, dict):
        return
    for child in (listing.get("data") or {}).get("children") or []:
        if child.get("kind") != "t1":
            continue  # "more" stubs name comments not sent; fetching them costs a request each
        comment = child.get("data") or {}
        yield comment
        yield from walk_comments(comment.get("replies"))


def author_of(thing: dict[str, Any]) -> str | None:
    author = thing.get("author")
    return None if not author or author in _DELETED else str(author)


def own_text(markdown: str) -> str:
    """A post or comment without the lines it quotes."""
    return _QUOTE_LINE.sub("", markdown).strip()


def listing_url(url: str, options: dict[str, Any]) -> str:
    """The JSON listing for a Reddit search or subreddit address (newest first)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    query = dict(parse_qsl(parts.query))
    if options.get("query"):
        query["q"] = str(options["query"])
    if options.get("subreddit"):
        path = f"/r/{options['subreddit']}/search"
        query.setdefault("restrict_sr", "on")
    if "q" in query and not path.endswith(("/search", "/search.json")):
        path = (path + "/search") if path.startswith("/r/") else "/search"
    if not path.endswith(".json"):
        path = (path or "/new") + ".json"
    query.setdefault("sort", "new")
    query.setdefault("limit", "100")
    return urlunsplit(parts._replace(path=path, query=urlencode(query), fragment=""))
