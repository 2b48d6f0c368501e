"""Review pages: schema.org Review and AggregateRating from JSON-LD, microdata or RDFa.

extruct reads all three syntaxes into one shape; each Review found anywhere in it (on its own
or nested in the thing reviewed) becomes a document with its rating.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import extruct
from scrapy.http import Response

from crawler.ground.dates import parse_date
from crawler.ground.errors import UnreadableContentError
from crawler.ground.text import html_to_text
from spiders.base import SourceSpider
from spiders.posts import links

_NEXT = ("//link[@rel='next']/@href", "//a[@rel='next']/@href")


@dataclass(frozen=True)
class Review:
    url: str
    item: str
    author: str | None
    date: str | None
    rating: float | None
    best: float | None
    body: str
    title: str


class ReviewsSpider(SourceSpider):
    name = "reviews"

    async def start(self) -> AsyncIterator[Any]:
        request = self.request(self.source.url, self.parse_reviews)
        if request is not None:
            yield request

    def parse_reviews(self, response: Response) -> Iterator[Any]:
        if not hasattr(response, "selector"):
            self.record_error(UnreadableContentError(f"{response.url} is not an HTML page"))
            return
        fetched_at = datetime.now(UTC)
        reviews, aggregate = read_reviews(response.text, response.url)
        if not reviews:
            self.warn(f"no schema.org reviews on {response.url}")
        met_known = False
        for review in reviews:
            if self.is_known(review.url):
                met_known = True
                continue
            extra: dict[str, Any] = {"item_reviewed": review.item}
            if review.best is not None:
                extra["best_rating"] = review.best
            if aggregate:
                extra["aggregate_rating"] = aggregate
            yield self.document(
                response, url=review.url, title=review.title, text=review.body,
                author=review.author, published_at=parse_date(review.date, fetched_at),
                fetched_at=fetched_at, platform="schema.org", rating=review.rating, extra=extra,
            )
        if met_known:  # review pages list the newest first
            return
        queries = (self.source.options["next"],) if self.source.options.get("next") else _NEXT
        for url in links(response.selector, queries, response.url)[:1]:
            request = self.request(url, self.parse_reviews)
            if request is not None:
                yield request


def read_reviews(html: str, page_url: str) -> tuple[list[Review], dict[str, Any]]:
    """Every schema.org Review on the page, and the page's AggregateRating if it has one."""
    data = extruct.extract(html, base_url=page_url, syntaxes=["json-ld", "microdata", "rdfa"],
                           uniform=True, errors="ignore")
    reviews: list[Review] = []
    aggregate: dict[str, Any] = {}
    seen: set[str] = set()
    for syntax in ("json-ld", "microdata", "rdfa"):
        for item in data.get(syntax) or []:
            for node, parent in _walk(item, None):
                types = _types(node)
                if "Review" in types:
                    review = _review(node, parent, page_url)
                    if review is not None and review.url not in seen:
                        seen.add(review.url)
                        reviews.append(review)
                elif "AggregateRating" in types and not aggregate:
                    aggregate = {
                        key: _number(node.get(key))
                        for key in ("ratingValue", "reviewCount", "ratingCount", "bestRating")
                        if _number(node.get(key)) is not None
                    }
    return reviews, aggregate


def _walk(node: Any, parent: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    if isinstance(node, list):
        for child in node:
            yield from _walk(child, parent)
    elif isinstance(node, dict):
        yield node, parent
        for value in node.values():
            yield from _walk(value, node)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type") or []
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1] for v in values}


def _review(node: dict[str, Any], parent: Any, page_url: str) -> Review | None:
    body = html_to_text(_text(node.get("reviewBody") or node.get("description")))
    rating_node = node.get("reviewRating")
    rating_node = rating_node[0] if isinstance(rating_node, list) and rating_node else rating_node
    rating = _number(rating_node.get("ratingValue")) if isinstance(rating_node, dict) else None
    best = _number(rating_node.get("bestRating")) if isinstance(rating_node, dict) else None
    if not body and rating is None:
        return None
    item = _name(node.get("itemReviewed")) or (_name(parent) if isinstance(parent, dict) else "")
    author = _name(node.get("author")) or None
    date = _text(node.get("datePublished") or node.get("dateCreated"))
    headline = html_to_text(_text(node.get("name") or node.get("headline")))
    address = _text(node.get("url") or node.get("@id"))
    if not address.startswith(("http://", "https://")):
        key = f"{author}|{date}|{body[:200]}".encode()
        address = f"{page_url.split('#')[0]}#review-{hashlib.sha1(key).hexdigest()[:12]}"
    title = " - ".join(part for part in (item, headline) if part) or "Review"
    return Review(address, item, author, date or None, rating, best, body, title)


def _name(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        return html_to_text(_text(value.get("name")))
    return html_to_text(_text(value))


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return str(value or "").strip()


def _number(value: Any) -> float | None:
    text = _text(value).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None
