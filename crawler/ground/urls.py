"""URL clean-up: canonical form for dedupe, and unwrapping of news-alert redirect links."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

_TRACKING_PARAMS = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref_src|"
    r"phpsessid|sid|jsessionid|sessionid|osCsid)$",
    re.IGNORECASE,
)
_SESSION_VALUE = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)
_REDIRECTORS = re.compile(r"(^|\.)(google\.[a-z.]+|bing\.com)$", re.IGNORECASE)


# An address that is canonical already: lower-case http(s) host, a non-default port or none, a
# path of plain characters without dot segments, no query, a plain fragment. canonical_url
# returns it unchanged (checked against the full path in tests), so it skips the work; forum
# post permalinks look like this.
_PLAIN_URL = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?!80/|443/)[1-9][0-9]{0,4})?"
    # each path segment starts with its "/", so a long address that does not match fails fast
    r"(?:(?:/[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*)+/?|/)(?:#[A-Za-z0-9._~-]+)?"
)


def canonical_url(url: str) -> str:
    """Drops tracking and session parameters and sorts the query; keeps post anchors."""
    if _PLAIN_URL.fullmatch(url):
        return url
    return _canonical_url(url)


def _canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(key)
        and not (key == "s" and _SESSION_VALUE.match(value))  # vBulletin session ids
    ]
    netloc = parts.netloc
    if (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = netloc.rsplit(":", 1)[0]
    cleaned = urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))
    return canonicalize_url(cleaned, keep_fragments=True)


def site_key(url: str) -> str:
    """The site a URL is on, as politeness counts it: host and port, lowercased (no scheme)."""
    parts = urlsplit(url)
    return (parts.netloc or parts.path).lower()


def http_url(url: str) -> str | None:
    """The URL, stripped, when it is an absolute http(s) address with a host; else None (a
    javascript:, data: or mailto: link, a relative or scheme-relative one)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


def unwrap_redirect(url: str) -> str:
    """Google Alerts / Google / Bing News links point at a redirector: return the real article."""
    parts = urlsplit(url)
    if not parts.hostname or not _REDIRECTORS.search(parts.hostname):
        return url
    params = dict(parse_qsl(parts.query))
    for key in ("url", "q", "u"):
        target = params.get(key, "")
        if target.startswith(("http://", "https://")):
            return target
    return url


_GOOGLE_NEWS_ARTICLE = re.compile(r"^https?://news\.google\.com/(?:__i/rss/rd/|rss/)?articles/"
                                  r"([A-Za-z0-9_-]+)")


def google_news_article(url: str) -> str | None:
    """The article behind a news.google.com/rss/articles/ID link, where the ID carries it.

    Older IDs ("CBMi...") are base64url of a small protobuf whose field 4 is the address; newer
    ones hold an opaque token ("AU_yqL...") that only Google's own pages resolve, so they give
    None and the Google address is kept as the evidence."""
    found = _GOOGLE_NEWS_ARTICLE.match(url or "")
    if found is None:
        return None
    token = found.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    start = raw.find(b"\x22")  # field 4, length-delimited
    if start < 0:
        return None
    length, shift, position = 0, 0, start + 1
    while position < len(raw):  # the length, as a protobuf varint
        byte = raw[position]
        length |= (byte & 0x7F) << shift
        position += 1
        shift += 7
        if not byte & 0x80:
            break
    address = raw[position:position + length]
    if len(address) != length or not address.startswith((b"http://", b"https://")):
        return None
    try:
        text = address.decode("ascii")
    except UnicodeDecodeError:
        return None
    return http_url(text) if text.isprintable() else None
