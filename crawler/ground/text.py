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


# Boilerplate some feeds append to every entry: not what the poster wrote, so it must not count
# in matching, risk, alert reasons or themes. Reddit: "submitted by /u/NAME to r/SUB [link]
# [12 comments]" (a whole post, or only its tail, depending on the path it came by).
_TRAILERS = [
    re.compile(
        r"\s*submitted by\s+(?:/?u/)?[\w-]+(?:\s+to\s+(?:/?r/)?\w+)?\s*"
        r"(?:\[link\]\s*)?(?:\[(?:\d+\s+)?comments?\]\s*)?$",
        re.IGNORECASE,
    ),
    re.compile(r"\s*\[link\]\s*\[(?:\d+\s+)?comments?\]\s*$", re.IGNORECASE),
]


def without_trailers(text: str) -> str:
    """The poster's text without a feed's per-entry boilerplate (Reddit's "submitted by")."""
    for trailer in _TRAILERS:
        text = trailer.sub("", text)
    return text


_WIKI_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.IGNORECASE | re.DOTALL), ""),
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"\[\[(?:File|Image|Category):[^\]]*\]\]", re.IGNORECASE), ""),
    (re.compile(r"\[\[[^\]|]*\|([^\]]*)\]\]"), r"\1"),
    (re.compile(r"\[\[([^\]]*)\]\]"), r"\1"),
    (re.compile(r"\[https?://\S+\s+([^\]]*)\]"), r"\1"),
    (re.compile(r"\[https?://[^\]\s]*\]"), ""),
    (re.compile(r"'{2,}"), ""),
    (re.compile(r"^=+\s*(.*?)\s*=+\s*$", re.MULTILINE), r"\1"),
    # A heading inside a word-level diff, whose line breaks the diff joined into spaces
    # ("... Park. == Ofsted == The school ..."): back on a line of its own.
    (re.compile(r"[ \t]*(?<!\S)(={2,6})[ \t]*([^=\n]+?)[ \t]*\1(?!\S)[ \t]*"), "\n\\2\n"),
    (re.compile(r"<[^>]+>"), ""),
]
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")


def plain_wikitext(text: str) -> str:
    """Wikitext as a reader sees it: links as their label, no templates, references, bold or
    heading marks (what a report excerpt of a Wikipedia edit should show)."""
    previous = None
    while previous != text:  # templates nest: remove the innermost first
        previous, text = text, _TEMPLATE.sub("", text)
    for pattern, replacement in _WIKI_RULES:
        text = pattern.sub(replacement, text)
    return html.unescape(text).strip()


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
