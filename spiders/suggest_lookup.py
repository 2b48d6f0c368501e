"""`sources suggest`'s one look-up, whether the school has an English Wikipedia article, fetched
through the crawl engine (crawler.engine.runner.run_spider): the same private-address guard,
user agent, robots.txt, timeout, size cap and retries as a crawl, and the same typed errors.

It asks for the article pages themselves (/wiki/Name, what Wikipedia's robots.txt lets crawlers
read), one name at a time, the full name first: an article answers 200 (a redirect page with
its target, named in <link rel="canonical">), a missing one 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.ground.errors import ConnectionFailedError, DnsLookupError, FetchTimeoutError
from spiders.base import describe_failure

WIKI = "https://en.wikipedia.org/wiki/"
MAX_NAMES = 3  # the full name and two aliases: a handful of page views, no more
_NOT_THERE = [404, 410]
# Failures that mean this machine cannot reach the site at all, rather than a site saying no
_UNREACHABLE = (DnsLookupError, ConnectionFailedError, FetchTimeoutError)


@dataclass(frozen=True)
class ArticleLookup:
    """The names to try for one school, best first, as article addresses."""

    school_id: str
    urls: tuple[str, ...]


@dataclass(frozen=True)
class ArticleFound:
    """One school's answer: the article's title, or none; an error when it could not be told."""

    school_id: str
    title: str | None
    error: str | None = None
    unreachable: bool = False


def article_lookup(school_id: str, names: Sequence[str], wiki: str = WIKI) -> ArticleLookup:
    """The article addresses for a school's names ("St Aldhelm's Academy" ->
    .../wiki/St_Aldhelm's_Academy), at most MAX_NAMES of them."""
    plain = [" ".join(name.replace("’", "'").replace('"', "").split()) for name in names]
    urls = [wiki + quote(name.replace(" ", "_"), safe="_()',") for name in plain if name]
    return ArticleLookup(school_id, tuple(dict.fromkeys(urls))[:MAX_NAMES])


class WikipediaLookupSpider(scrapy.Spider):
    name = "wikipedia_lookup"

    def __init__(self, lookups: Sequence[ArticleLookup], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookups = [lookup for lookup in lookups if lookup.urls]
        self.collected: list[ArticleFound] = []

    async def start(self) -> AsyncIterator[Any]:
        for lookup in self.lookups:
            yield self._ask(lookup, 0)

    def _ask(self, lookup: ArticleLookup, index: int) -> scrapy.Request:
        return scrapy.Request(
            lookup.urls[index], callback=self.parse, errback=self.failed,
            cb_kwargs={"lookup": lookup, "index": index},
            meta={"handle_httpstatus_list": _NOT_THERE}, dont_filter=True,
        )

    def parse(self, response: Response, lookup: ArticleLookup, index: int) -> Any:
        if response.status in _NOT_THERE:
            if index + 1 < len(lookup.urls):
                yield self._ask(lookup, index + 1)
            else:
                self.collected.append(ArticleFound(lookup.school_id, None))
            return
        self.collected.append(ArticleFound(lookup.school_id, article_title(response)))

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        lookup: ArticleLookup = request.cb_kwargs["lookup"]
        error = describe_failure(failure, request.url, self.settings)
        self.collected.append(ArticleFound(
            lookup.school_id, None, str(error), isinstance(error, _UNREACHABLE)
        ))


def article_title(response: Response) -> str:
    """The article's title: its canonical address's last part, else its heading."""
    canonical = response.xpath("//link[@rel='canonical']/@href").get() or ""
    path = urlsplit(canonical).path
    if "/wiki/" in path:
        return unquote(path.split("/wiki/", 1)[1]).replace("_", " ")
    heading = " ".join(" ".join(response.xpath("//h1//text()").getall()).split())
    return heading or unquote(urlsplit(response.url).path.rsplit("/", 1)[-1]).replace("_", " ")
