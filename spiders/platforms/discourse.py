"""Discourse: read through its JSON API; the HTML crawler view is described for saved pages.

`/t/{id}.json` and `/t/{id}/posts.json` hold a topic's posts, `/latest.json` a topic list,
`/search.json?q=` matching posts and topics, and `/posts.json` the latest posts site-wide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from spiders.platforms.base import Platform

DISCOURSE = Platform(
    name="discourse",
    post=("//div[contains(@class, 'crawler-post')]",),
    text=(".//div[@itemprop='articleBody']", ".//div[@class='post']"),
    author=(".//*[@itemprop='author']//*[@itemprop='name']//text()",
            ".//span[contains(@class, 'creator')]//a//text()"),
    date=(".//meta[@itemprop='datePublished']/@content", ".//time/@datetime"),
    permalink=(".//span[@itemprop='position']/text()",),
    title=("//div[@id='topic-title']//h1//text()", "//h1//text()", "//title/text()"),
    next=("//link[@rel='next']/@href", "//a[@rel='next']/@href"),
    thread_links=("//a[contains(@class, 'raw-topic-link')]/@href",
                  "//span[contains(@class, 'link-top-line')]/a/@href"),
    quotes=("aside.quote", "blockquote"),
    generator=("discourse",),
    markers=("//meta[@name='discourse_theme_id']", "//div[contains(@class, 'crawler-post')]"),
)

_TOPIC_PATH = re.compile(r"^/t/(?:[^/]+/)?(\d+)(?:/(\d+))?/?$")


@dataclass(frozen=True)
class JsonPost:
    url: str
    topic_title: str
    author: str | None
    created_at: str | None
    cooked: str


_SECTION = re.compile(r"/(?:t|c|u|latest|search|posts|top|new|categories)(?:[/.]|$)")


def _base_and_path(path: str) -> tuple[str, str]:
    """A forum installed under a sub-folder (https://example.org/forum/): ("/forum", "/t/1")."""
    path = path.rstrip("/")
    found = _SECTION.search(path)
    if found is None:
        return path, ""
    return path[: found.start()], path[found.start():]


def api_url(url: str) -> str:
    """The JSON address that answers for a Discourse page address."""
    parts = urlsplit(url)
    base, path = _base_and_path(parts.path)
    if path.endswith(".json"):
        return url
    match = _TOPIC_PATH.match(path or "/")
    if match:
        return urlunsplit(parts._replace(path=f"{base}/t/{match.group(1)}.json", query="",
                                         fragment=""))
    if path == "/search":
        query = dict(parse_qsl(parts.query))
        return urlunsplit(parts._replace(path=f"{base}/search.json", query=urlencode(query),
                                         fragment=""))
    if path in ("", "/latest"):
        return urlunsplit(parts._replace(path=f"{base}/latest.json", query="", fragment=""))
    if path.startswith("/c/"):
        return urlunsplit(parts._replace(path=f"{base}{path}.json", fragment=""))
    return url


def site_root(url: str) -> str:
    """Scheme, host and the sub-folder the forum is installed under, if any."""
    parts = urlsplit(url)
    base, _ = _base_and_path(parts.path)
    return f"{parts.scheme}://{parts.netloc}{base}"


def posts_of(data: dict[str, Any], root: str) -> list[JsonPost]:
    """Posts of a /t/{id}.json, /t/{id}/posts.json or /posts.json answer."""
    title = str(data.get("title") or data.get("fancy_title") or "")
    raw = list((data.get("post_stream") or {}).get("posts") or data.get("latest_posts") or [])
    posts = []
    for post in raw:
        slug = post.get("topic_slug") or data.get("slug") or "topic"
        topic_id = post.get("topic_id") or data.get("id")
        number = post.get("post_number") or 1
        url = f"{root}/t/{slug}/{topic_id}/{number}"
        posts.append(
            JsonPost(
                url=url,
                topic_title=str(post.get("topic_title") or title or slug.replace("-", " ")),
                author=post.get("username") or post.get("name") or None,
                created_at=post.get("created_at"),
                cooked=str(post.get("cooked") or ""),
            )
        )
    return posts


def missing_post_ids(data: dict[str, Any]) -> list[int]:
    """Ids listed in a topic's stream but not sent with it (topics send the first 20)."""
    stream = data.get("post_stream") or {}
    sent = {post.get("id") for post in stream.get("posts") or []}
    return [post_id for post_id in stream.get("stream") or [] if post_id not in sent]


def topic_urls(data: dict[str, Any], root: str) -> list[str]:
    """Topics named by /latest.json, a category or /search.json, as JSON addresses."""
    topics = (data.get("topic_list") or {}).get("topics") or data.get("topics") or []
    return [f"{root}/t/{topic['id']}.json" for topic in topics if topic.get("id")]


def more_topics_url(data: dict[str, Any], root: str) -> str | None:
    more = (data.get("topic_list") or {}).get("more_topics_url")
    if not more:
        return None
    parts = urlsplit(more)
    path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
    return root + urlunsplit(("", "", path, parts.query, ""))
