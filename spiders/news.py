"""What Google News and Bing News search feeds say beyond plain RSS, read as the real feeds
write it (../shared/realworld/feeds/rss-parser__google_news_rss2.xml, ..._bing_news_rss2.xml).

Google News: the outlet in <source url>, titles ending " - Outlet", a description that is the
story's headlines from several outlets (<ol><li><a>headline</a> <font>outlet</font></li>), and
links to news.google.com/rss/articles/ID whose older IDs carry the article's address. Bing News:
the outlet in <News:Source> (feedparser: news_source); its apiclick.aspx links are unwrapped with
the other redirectors (crawler/ground/urls.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from crawler.ground.text import html_to_text
from crawler.ground.urls import google_news_article


@dataclass(frozen=True)
class NewsItem:
    """What a news-search item gives beyond its feed entry."""

    outlet: str | None
    title: str
    text: str | None  # None: the entry's own text stands
    url: str | None  # None: the entry's own link stands
    extra: dict[str, Any] = field(default_factory=dict)


def news_item(entry: Any, title: str, link: str) -> NewsItem | None:
    """The Google News or Bing News reading of a feed entry; None for any other feed."""
    if urlsplit(link).hostname == "news.google.com":
        return _google_news(entry, title, link)
    outlet = html_to_text(dict.get(entry, "news_source") or "") or None
    if outlet:
        return NewsItem(outlet=outlet, title=_without_outlet(title, outlet), text=None, url=None)
    return None


def _google_news(entry: Any, title: str, link: str) -> NewsItem:
    outlet = html_to_text((dict.get(entry, "source") or {}).get("title") or "") or None
    headline = _without_outlet(title, outlet)
    stories = _stories(entry.get("summary") or "")
    own = next((s for s in stories if s["outlet"] == outlet), None)
    others = [story for story in stories if story is not own and story["outlet"]]
    article = google_news_article(link)
    return NewsItem(
        outlet=outlet, title=headline,
        text=own["headline"] if own else headline,
        url=article,
        extra={"google_news": {"google_url": link, "same_story": others}},
    )


def _stories(description: str) -> list[dict[str, str | None]]:
    """Each (headline, outlet, article address) the description lists; the "full coverage" link
    (no outlet) is left out."""
    page = Selector(text=f"<div>{description}</div>")
    rows = page.xpath("//li") or page.xpath("//div[1]")
    stories = []
    for row in rows:
        anchor = row.xpath(".//a[1]")
        outlet = " ".join(" ".join(row.xpath(".//font//text()").getall()).split())
        if not anchor or not outlet:
            continue
        href = anchor.attrib.get("href", "")
        stories.append({
            "headline": " ".join(" ".join(anchor.xpath(".//text()").getall()).split()),
            "outlet": outlet,
            "url": google_news_article(href) or href or None,
        })
    return stories


def _without_outlet(title: str, outlet: str | None) -> str:
    """"Headline - Outlet" -> "Headline"."""
    suffix = f" - {outlet}" if outlet else ""
    if suffix and title.endswith(suffix) and len(title) > len(suffix):
        return title[: -len(suffix)].rstrip()
    return title
