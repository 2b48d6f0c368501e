"""Reads posts off a forum page with a Platform description: the code behind the data.

A post's own text leaves out what it quotes (and signatures, buttons), so quoting an old post
never counts as a new mention of what the old post said.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from crawler.ground.dates import parse_date
from crawler.ground.text import element_text, tidy_whitespace
from spiders.platforms.base import Platform, Selectors, select


@dataclass(frozen=True)
class Post:
    url: str
    title: str
    author: str | None
    published_at: datetime | None
    date_text: str | None
    text: str
    quotes_removed: int


def extract_posts(page: Selector, page_url: str, platform: Platform,
                  fetched_at: datetime) -> list[Post]:
    """Every post on the page, in page order.

    The per-post queries run as compiled XPath on the lxml tree (no Selector per node): the
    same expressions parsel would run, compiled once per process.
    """
    containers = [
        node for node in _first_nonempty(page.root, platform.post)
        if isinstance(node, etree._Element)
    ]
    if not containers:
        return []
    title = _first_text(page.root, platform.title) or ""
    posts = []
    for index, container in enumerate(containers):
        body = _first_nonempty(container, platform.text)
        if not body or not isinstance(body[0], etree._Element):
            continue
        text, quotes = own_text(body[0], platform.quotes, platform.drop)
        if not text:  # an advert or a deleted post in a post's clothes
            continue
        date_text, published = _date(container, platform.date, fetched_at)
        posts.append(
            Post(
                url=_permalink(container, platform.permalink, page_url, index),
                title=title,
                author=_first_text(container, platform.author),
                published_at=published,
                date_text=date_text,
                text=text,
                quotes_removed=quotes,
            )
        )
    return posts


def links(page: Selector, queries: Selectors, page_url: str) -> list[str]:
    """Absolute addresses from the first query that finds any, in page order, no repeats."""
    found: list[str] = []
    for query in queries:
        for value in select(page, query).getall():
            url = urldefrag(urljoin(page_url, value.strip()))[0]
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
        if found:
            break
    return found


def own_text(element: etree._Element, quotes: Selectors, drop: Selectors = ()) -> tuple[str, int]:
    """The element's text without quoted posts and boilerplate; how many quotes it dropped."""
    element = copy.deepcopy(element)
    removed = 0
    for query in quotes:
        for quoted in _values(element, query):
            if quoted is not element and _remove(quoted):
                removed += 1
    for query in drop:
        for unwanted in _values(element, query):
            if unwanted is not element:
                _remove(unwanted)
    return element_text(element), removed


def fragment_text(markup: str, quotes: Selectors) -> tuple[str, int]:
    """own_text for an HTML fragment (Discourse's cooked HTML, a review body)."""
    if not markup.strip():
        return "", 0
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    return own_text(root, quotes)


def first_nonempty(selector: Selector, queries: Selectors) -> list[Selector]:
    for query in queries:
        found = select(selector, query)
        if found:
            return list(found)
    return []


def first_text(selector: Selector, queries: Selectors) -> str | None:
    return _first_text(selector.root, queries)


# parsel's default prefixes, bound only when a query uses them (as parsel does).
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}


@lru_cache(maxsize=1024)
def _evaluator(query: str) -> etree.XPath:
    """The query (CSS or XPath, by its look, as `select` decides) compiled once."""
    xpath = _xpath(query)
    namespaces = {p: uri for p, uri in _NAMESPACES.items() if f"{p}:" in xpath}
    return etree.XPath(xpath, namespaces=namespaces, smart_strings=False)


def _values(node: etree._Element, query: str) -> list[Any]:
    """What `select(Selector(node), query)` finds: elements, or strings for text/attributes."""
    result = _evaluator(query)(node)
    return result if isinstance(result, list) else [result]


def _as_text(value: Any) -> str:
    """A found value as parsel's .get() gives it: markup for an element, else the text."""
    if isinstance(value, etree._Element):
        return etree.tostring(value, method="html", encoding="unicode", with_tail=False)
    if value is True or value is False:
        return "1" if value else "0"
    return str(value)


def _first_nonempty(node: etree._Element, queries: Selectors) -> list[Any]:
    for query in queries:
        found = _values(node, query)
        if found:
            return found
    return []


def _first_text(node: etree._Element, queries: Selectors) -> str | None:
    for query in queries:
        value = tidy_whitespace(" ".join(_as_text(v) for v in _values(node, query)))
        if value:
            return " ".join(value.split())
    return None


def _date(container: etree._Element, queries: Selectors,
          fetched_at: datetime) -> tuple[str | None, datetime | None]:
    first_seen = None
    for query in queries:
        found = _values(container, query)
        # An attribute names one moment; text nodes are the pieces of one printed date.
        parts = [_as_text(v) for v in (found[:1] if _is_attribute(query) else found)]
        value = " ".join(" ".join(parts).split())
        if not value:
            continue
        first_seen = first_seen or value
        parsed = parse_date(value, fetched_at)
        if parsed is not None:
            return value, parsed
    return first_seen, None


def _permalink(container: etree._Element, queries: Selectors, page_url: str, index: int) -> str:
    page = urldefrag(page_url)[0]
    for query in queries:
        found = _values(container, query)
        value = (_as_text(found[0]) if found else "").strip()
        if not value:
            continue
        if value.startswith("#") or not any(mark in value for mark in "/?."):
            return f"{page}#{value.lstrip('#')}"
        return urljoin(page, value)
    return f"{page}#post-{index + 1}"  # no address on the page: its place in the thread


def _is_attribute(query: str) -> bool:
    return "::attr(" in query or query.rsplit("/", 1)[-1].startswith("@")


def _xpath(query: str) -> str:
    if query.startswith(("/", "./", "(")):
        return query
    return css2xpath(query)


def _remove(element: etree._Element) -> bool:
    """Removes an element but keeps the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return False
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
    return True
