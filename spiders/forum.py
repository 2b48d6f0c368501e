"""Forums: boards, listings, search results and threads, on any described engine.

Start from any of those pages: thread links are followed, then each thread's pages, all within
the source's page budget. Posts already stored are not yielded again, a thread is resumed at
the last page reached, and on newest-first pages (`options.order = "newest_first"`) a stored
post ends the walk. Discourse is read through its JSON API instead of its HTML.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.ground.errors import UnreadableContentError
from crawler.ground.urls import canonical_url
from spiders.base import SourceSpider, describe_failure
from spiders.platforms import Platform, detect, discourse, get_platform
from spiders.posts import Post, extract_posts, fragment_text, links

_THREAD_KEY = "thread:"
_HTML_PAGE = "discourse_html_page"


class ForumSpider(SourceSpider):
    name = "forum"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        forced = self.source.platform or self.source.options.get("platform")
        self.forced: Platform | None = (
            get_platform(str(forced), self.source.options) if forced else None
        )
        self.newest_first = self.source.options.get("order") == "newest_first"

    async def start(self) -> AsyncIterator[Any]:
        url = self.source.url
        if self.forced is not None and self.forced.name == "discourse":
            request = self.request(discourse.api_url(url), self.parse_discourse)
        else:
            thread = canonical_url(url)
            resume = self.state.get(_THREAD_KEY + thread, url)
            request = self.request(resume, self.parse_page, cb_kwargs={"thread": thread})
        if request is not None:
            yield request

    # ---- HTML boards ---------------------------------------------------------------------

    def platform_for(self, response: Response) -> Platform | None:
        if self.forced is not None:
            return self.forced
        found = detect(response.selector, response.url)
        return get_platform(found.name, self.source.options) if found else None

    def parse_page(self, response: Response, thread: str | None = None) -> Iterator[Any]:
        if not hasattr(response, "selector"):
            self.record_error(UnreadableContentError(f"{response.url} is not an HTML page"))
            return
        platform = self.platform_for(response)
        if platform is None:
            self.record_error(UnreadableContentError(
                f"{response.url}: forum engine not recognised; set platform (phpbb, xenforo, "
                "vbulletin, smf, discourse, mumsnet) or platform = \"generic\" with selectors"
            ))
            return
        if platform.name == "discourse" and self.forced is None:
            # The JSON API gives the whole topic; the page's crawler view (<noscript>) is kept
            # for when the API does not answer (a site that closes it, a mirror of pages).
            request = self.request(discourse.api_url(response.url), self.parse_discourse,
                                   meta={_HTML_PAGE: response})
            if request is not None:
                yield request.replace(errback=self._discourse_unanswered)
            return
        posts = yield from self._page_documents(response, platform)
        met_known = any(self.is_known(post.url) for post in posts)
        if posts:
            thread = thread or canonical_url(response.url)
            self.new_state[_THREAD_KEY + thread] = response.url
        else:
            yield from self._follow_threads(response, platform)
        if met_known and self.newest_first:
            return
        for url in links(response.selector, platform.next, response.url)[:1]:
            request = self.request(url, self.parse_page, cb_kwargs={"thread": thread})
            if request is not None:
                yield request

    def _page_documents(
        self, response: Response, platform: Platform
    ) -> Generator[Any, None, list[Post]]:
        """Yields the page's posts not stored yet; returns all of them."""
        fetched_at = datetime.now(UTC)
        posts = extract_posts(response.selector, response.url, platform, fetched_at)
        for post in posts:
            if self.is_known(post.url):
                continue
            yield self.document(
                response, url=post.url, title=post.title, text=post.text, author=post.author,
                published_at=post.published_at, fetched_at=fetched_at, platform=platform.name,
                extra={"quotes_removed": post.quotes_removed} if post.quotes_removed else {},
            )
        return posts

    def _discourse_unanswered(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        error = describe_failure(failure, request.url, self.settings)
        yield from self._discourse_page(request.meta.get(_HTML_PAGE), str(error))

    def _discourse_page(self, page: Response | None, why: str) -> Iterator[Any]:
        """The posts of a Discourse page's crawler view, when its JSON could not be had."""
        posts = []
        if page is not None:
            platform = get_platform("discourse", self.source.options)
            posts = yield from self._page_documents(page, platform)
        if posts:
            self.warn(f"Discourse JSON not read ({why}); read the page's crawler view instead")
        else:
            self.record_error(UnreadableContentError(why))

    def _follow_threads(self, response: Response, platform: Platform) -> Iterator[Any]:
        found = links(response.selector, platform.thread_links, response.url)
        if not found:
            self.warn(f"no posts and no thread links on {response.url}")
        for url in found:
            thread = canonical_url(url)
            resume = self.state.get(_THREAD_KEY + thread, url)
            request = self.request(resume, self.parse_page, cb_kwargs={"thread": thread})
            if request is not None:
                yield request

    # ---- Discourse JSON API ---------------------------------------------------------------

    def parse_discourse(self, response: Response) -> Iterator[Any]:
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError):
            yield from self._discourse_page(response.meta.get(_HTML_PAGE),
                                            f"{response.url} is not Discourse JSON")
            return
        root = discourse.site_root(response.url)
        fetched_at = datetime.now(UTC)
        for post in discourse.posts_of(data, root):
            if self.is_known(post.url):
                continue
            text, quotes = fragment_text(post.cooked, discourse.DISCOURSE.quotes)
            yield self.document(
                response, url=post.url, title=post.topic_title, text=text, author=post.author,
                published_at=_iso(post.created_at), fetched_at=fetched_at, platform="discourse",
                extra={"quotes_removed": quotes} if quotes else {},
            )
        missing = discourse.missing_post_ids(data)
        topic_id = data.get("id")
        for start in range(0, len(missing), 20):
            ids = "&".join(f"post_ids[]={post_id}" for post_id in missing[start:start + 20])
            request = self.request(f"{root}/t/{topic_id}/posts.json?{ids}", self.parse_discourse)
            if request is not None:
                yield request
        follow = discourse.topic_urls(data, root)
        more = discourse.more_topics_url(data, root)
        for url in [*follow, *([more] if more else [])]:
            request = self.request(url, self.parse_discourse)
            if request is not None:
                yield request


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
