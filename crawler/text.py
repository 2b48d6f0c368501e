"""Plain text from HTML fragments, and the normalised-text hash used to spot the same post twice."""

from __future__ import annotations

import hashlib
import html
import re

import lxml.html
from lxml import etree

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "dd", "dt", "hr",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


def html_to_text(fragment: str | None) -> str:
    """Readable plain text from an HTML fragment: block elements become line breaks."""
    if not fragment:
        return ""
    if not _LOOKS_LIKE_HTML.search(fragment):
        return tidy_whitespace(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return tidy_whitespace(html.unescape(re.sub(r"<[^>]+>", " ", fragment)))
    return _tree_text(root)


def element_text(element: etree._Element) -> str:
    """html_to_text of an element's markup (its tail included, as lxml.html.tostring writes
    it), read straight off the parsed element instead of writing and parsing it again.
    The element moves into a new parent and is changed: pass a copy."""
    root = lxml.html.Element("div")
    root.append(element)
    return _tree_text(root)


_STRING = etree.XPath("string()")


def _tree_text(root: etree._Element) -> str:
    etree.strip_elements(root, *_DROP_TAGS, with_tail=False)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    return tidy_whitespace(str(_STRING(root)))


# Anything tidy_whitespace would change: odd spaces, doubled spaces, a space at a line's start
# or end, three line breaks, white space at either end. Text without any is returned as is.
_UNTIDY = re.compile(r"[\t\r\f\v\u00a0]| {2}|^[^\S\n]|[^\S\n]$|\n{3}|\A\s|\s\Z", re.MULTILINE)


def tidy_whitespace(text: str) -> str:
    if not _UNTIDY.search(text):
        return text
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def content_hash(title: str, text: str) -> str:
    """Same words, same hash: case, punctuation and spacing do not count.

    Short texts (a feed entry with a one-line summary) hash with their title, so two different
    articles that share a stock summary are not taken for one.
    """
    words = re.findall(r"\w+", text.casefold())
    if len(words) < 12:
        words = re.findall(r"\w+", title.casefold()) + words
    return hashlib.sha256(" ".join(words).encode()).hexdigest()
