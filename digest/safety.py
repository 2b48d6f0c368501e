"""Crawled text is untrusted: links only when http(s), header values on one line, no controls."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_LINE_BREAKS = re.compile(r"[\r\n\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address, else None (shown as text, never as a link)."""
    if not url:
        return None
    url = url.strip()
    if _LINE_BREAKS.search(url) or " " in url or '"' in url or "<" in url or ">" in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def header_value(value: str) -> str:
    """A header value on one line: CR, LF and other control characters become spaces."""
    return _SPACES.sub(" ", _LINE_BREAKS.sub(" ", value)).strip()


def one_line(text: str | None) -> str:
    """A title or label on one line, so crawled text cannot forge lines in the plain-text part."""
    return header_value(text or "")


def clean_text(text: str | None) -> str:
    """Paragraph text with control characters removed and runs of spaces collapsed."""
    text = _CONTROLS.sub(" ", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return _SPACES.sub(" ", text).strip()


def excerpt(text: str | None, around: str | None = None, length: int = 280) -> str:
    """Up to `length` characters of the text, centred on `around` when it occurs further in."""
    text = clean_text(text)
    if len(text) <= length:
        return text
    start = 0
    if around:
        found = text.casefold().find(around.casefold())
        if found > length - len(around) - 20:
            start = max(0, found - length // 3)
            space = text.rfind(" ", 0, start)
            start = space + 1 if space > 0 else start
    cut = text[start : start + length]
    if start + length < len(text):
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
        cut = cut.rstrip(" ,.;:") + "…"
    return ("…" if start else "") + cut
