"""Any single page watched for changes (a council news page, a review page without markup).

trafilatura extracts the main text; the first sight yields it all, and each later change
yields a document holding the text that was added. The last text is remembered per source.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import trafilatura
from scrapy.http import Response

from crawler.ground.diff import text_change
from crawler.ground.errors import UnreadableContentError
from spiders.base import SourceSpider

_TEXT = "text"


class PageSpider(SourceSpider):
    name = "page"
    handle_httpstatus_list = [304]  # noqa: RUF012 - SourceSpider.request puts it in the meta

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(self.source.url, self.parse_page, conditional=True)
        if request is not None:
            yield request

    def parse_page(self, response: Response) -> Iterator[Any]:
        if self.unchanged(response):
            return
        text = main_text(response)
        if not text:
            self.record_error(UnreadableContentError(f"no readable text on {response.url}"))
            return
        previous = self.state.get(_TEXT)
        if previous == text:
            return
        self.new_state[_TEXT] = text
        if previous is None:
            added, removed = text, ""
        else:
            change = text_change(previous, text)
            added, removed = change.added_text, change.removed_text
            if not added:
                return  # only deletions: nothing new was said
        title = (response.css("title::text").get() or response.url).strip()
        digest = hashlib.sha1(added.encode()).hexdigest()[:12]
        yield self.document(
            response, url=f"{response.url.split('#')[0]}#change-{digest}", title=title,
            text=added, fetched_at=datetime.now(UTC), platform="page",
            extra={"first_sight": previous is None, "removed": removed} if removed
            else {"first_sight": previous is None},
        )


def main_text(response: Response) -> str:
    if not hasattr(response, "text"):
        return ""
    extracted = trafilatura.extract(response.text, url=response.url, include_comments=True,
                                    favor_recall=True)
    return (extracted or "").strip()
