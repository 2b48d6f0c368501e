"""A forum engine described as data: the Platform record every engine module fills in, and
the CSS-or-XPath lookup its selectors go through. The engines import this; the registry in
spiders/platforms/__init__.py imports the engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parsel import Selector

Selectors = tuple[str, ...]


@dataclass(frozen=True)
class Platform:
    name: str
    post: Selectors  # each post's container
    text: Selectors  # the post's own message, inside the container
    author: Selectors = ()
    date: Selectors = ()  # text or attribute; parsed with crawler.ground.dates.parse_date
    permalink: Selectors = ()  # href, or an element id that becomes the page's #anchor
    title: Selectors = ("//h1//text()", "//title/text()")  # the thread title, page-wide
    next: Selectors = ("//link[@rel='next']/@href", "//a[@rel='next']/@href")
    thread_links: Selectors = ()  # on board, listing and search-results pages
    quotes: Selectors = ("blockquote",)  # removed from a post's own text
    drop: Selectors = ()  # signatures, edit notes, buttons: not the post's words
    generator: tuple[str, ...] = ()  # substrings of <meta name="generator">
    markers: Selectors = ()  # any of these present: the page is this engine's
    hosts: tuple[str, ...] = ()  # host names that are always this engine


def select(selector: Selector, query: str) -> Any:
    """CSS or XPath, by the look of the query."""
    if query.startswith(("/", "./", "(")):
        return selector.xpath(query)
    return selector.css(query)
