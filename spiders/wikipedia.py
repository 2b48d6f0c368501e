"""A Wikipedia (or any MediaWiki) article watched through the API: each new revision becomes a
document holding the text it added, with its user, time and edit summary.

The source URL is the article (`https://en.wikipedia.org/wiki/Title`); `options.api` overrides
the API address (default `{scheme}://{host}/w/api.php`) and `options.limit` the revisions read
per run. The last revision seen is remembered, so a re-crawl yields nothing new.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from scrapy.http import Response

from crawler.ground.diff import text_change
from crawler.ground.errors import UnreadableContentError
from crawler.ground.text import plain_wikitext
from spiders.base import SourceSpider

_LAST_REVISION = "last_revision"


def article_title(url: str) -> str:
    parts = urlsplit(url)
    if "/wiki/" in parts.path:
        return unquote(parts.path.split("/wiki/", 1)[1]).replace("_", " ")
    title = dict(parse_qsl(parts.query)).get("title")
    if title:
        return title.replace("_", " ")
    raise UnreadableContentError(f"{url} does not name a wiki article (/wiki/Title)")


class WikipediaSpider(SourceSpider):
    name = "wikipedia"

    async def start(self) -> AsyncIterator[Any]:
        try:
            title = article_title(self.source.url)
        except UnreadableContentError as error:
            self.record_error(error)
            return
        parts = urlsplit(self.source.url)
        self.site = f"{parts.scheme}://{parts.netloc}"
        api = str(self.source.options.get("api") or f"{self.site}/w/api.php")
        query = {
            "action": "query", "prop": "revisions", "titles": title,
            "rvprop": "ids|timestamp|user|comment|content", "rvslots": "main",
            "rvlimit": str(self.source.options.get("limit", 20)), "format": "json",
            "formatversion": "2",
        }
        request = self.request(f"{api}?{urlencode(query)}", self.parse_revisions)
        if request is not None:
            yield request

    def parse_revisions(self, response: Response) -> Iterator[Any]:
        try:
            pages = json.loads(response.text)["query"]["pages"]
        except (ValueError, KeyError, TypeError, AttributeError):
            self.record_error(UnreadableContentError(f"{response.url} is not a MediaWiki answer"))
            return
        page = pages[0] if isinstance(pages, list) and pages else {}
        if page.get("missing") or not page.get("revisions"):
            self.record_error(UnreadableContentError(f"no such article at {self.source.url}"))
            return
        title = str(page.get("title") or "")
        revisions = sorted(page["revisions"], key=lambda rev: rev.get("revid", 0))
        last_seen = int(self.state.get(_LAST_REVISION, "0") or 0)
        fetched_at = datetime.now(UTC)
        by_id = {rev.get("revid"): rev for rev in revisions}
        for revision in revisions:
            revid = int(revision.get("revid") or 0)
            if revid <= last_seen:
                continue
            parent_id = revision.get("parentid") or 0
            parent = by_id.get(parent_id)
            if parent is None and parent_id:
                continue  # its parent is older than this window: nothing to compare with
            change = text_change(_content(parent) if parent else "", _content(revision))
            comment = str(revision.get("comment") or "")
            added, removed = plain_wikitext(change.added_text), plain_wikitext(change.removed_text)
            text = added or (f"Removed: {removed}" if change.removed else comment)
            yield self.document(
                response,
                url=f"{self.site}/w/index.php?diff={revid}&oldid={parent_id}",
                title=title, text=text, author=revision.get("user") or None,
                published_at=_timestamp(revision.get("timestamp")), fetched_at=fetched_at,
                platform="mediawiki",
                extra={"revision": revid, "parent": parent_id, "comment": comment,
                       "added": change.added, "removed": change.removed},
            )
        newest = max(int(rev.get("revid") or 0) for rev in revisions)
        self.new_state[_LAST_REVISION] = str(max(newest, last_seen))


def _content(revision: dict[str, Any] | None) -> str:
    if not revision:
        return ""
    slots = revision.get("slots") or {}
    main = slots.get("main") or {}
    return str(main.get("content") or revision.get("content") or "")


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
