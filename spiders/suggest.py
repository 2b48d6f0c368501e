"""Ready-made sources for one school: the public places a UK school is talked about and judged.

Every address is built from the school's config (its names, town and URN), quoted exactly so a
search engine looks for the whole name, never for its words one by one. Nothing is fetched here;
whether the school has a Wikipedia article is looked up through the crawl engine
(spiders/suggest_lookup.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from crawler.ground.config import School
from crawler.ground.matching import normalise

GOOGLE_NEWS = "https://news.google.com/rss/search"
BING_NEWS = "https://www.bing.com/news/search"
REDDIT = "https://www.reddit.com"
WIKIPEDIA = "https://en.wikipedia.org"
# Ofsted files a school's reports under its phase: /provider/21/ for primary schools, /23/
# for secondary ones (as public scrapers and school sites link them; abuyak/Schools' scraper).
OFSTED_REPORTS = "https://reports.ofsted.gov.uk/provider/{category}/{urn}"
OFSTED_PRIMARY, OFSTED_SECONDARY = 21, 23
PARENT_VIEW = "https://parentview.ofsted.gov.uk/parent-view-results/urn/{urn}"
MAX_QUERY_NAMES = 4  # Google and Bing cut long OR-queries short

ALERT_HOWTO = """\
Google Alerts and Talkwalker Alerts find pages the news searches miss (blogs, local sites):
  Google Alerts  https://www.google.com/alerts
                 search: {query}
                 Show options > How often: As-it-happens; Sources: Automatic; Region: United
                 Kingdom; Deliver to: RSS feed. Create, then copy the feed icon's address.
  Talkwalker     https://www.talkwalker.com/alerts
                 search: {query}
                 Result type: All; How often: As it happens; Deliver to: Feed. Copy the RSS
                 address it shows.
Then add it (the address comes from your account, so schoolwatch cannot build it):
  [[source]]
  name = "{school}-google-alert"
  kind = "feed"
  url = "https://www.google.com/alerts/feeds/.../..."
  schools = ["{school}"]
  every = "1h"
"""


@dataclass(frozen=True)
class Suggestion:
    name: str
    kind: str
    url: str
    every: str
    schools: Sequence[str]
    why: str  # one line, written above the block
    options: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The [[source]] keys, in the order a person reads them."""
        values: dict[str, Any] = {"name": self.name, "kind": self.kind, "url": self.url,
                                  "schools": list(self.schools), "every": self.every}
        if self.options:
            values["options"] = dict(self.options)
        return values


def search_names(school: School) -> list[str]:
    """The shortest names that always mean the school: an exact-phrase search for "Hollins
    Green Primary" also finds "Hollins Green Primary School", so the longer one is left out.
    Aliases that end in the town ("St Bede's Brackenford") are for the matcher, not searches."""
    places = tuple(f" {normalise(place)}" for place in school.context if normalise(place))
    chosen: list[str] = []
    for name in sorted([*school.aliases, school.name], key=lambda n: len(normalise(n))):
        key = normalise(name)
        if not key or (places and key.endswith(places) and name != school.name):
            continue
        if any(f" {normalise(c)} " in f" {key} " for c in chosen):
            continue
        chosen.append(name)
    return chosen[:MAX_QUERY_NAMES]


def exact_query(names: Sequence[str]) -> str:
    """"A" OR "B": each name as an exact phrase (curly apostrophes made straight)."""
    return " OR ".join(f'"{_plain(name)}"' for name in names)


def google_news_url(names: Sequence[str], window: str = "7d") -> str:
    query = exact_query(names) + (f" when:{window}" if window else "")
    return f"{GOOGLE_NEWS}?{urlencode({'q': query})}&hl=en-GB&gl=GB&ceid=GB:en"


def bing_news_url(names: Sequence[str]) -> str:
    params = {"q": exact_query(names), "format": "RSS", "setlang": "en-GB", "cc": "GB"}
    return f"{BING_NEWS}?{urlencode(params)}"


def reddit_search_url(names: Sequence[str], subreddit: str | None = None) -> str:
    params = {"q": exact_query(names), "sort": "new"}
    if subreddit:
        params["restrict_sr"] = "on"
        return f"{REDDIT}/r/{quote(subreddit)}/search.rss?{urlencode(params)}"
    return f"{REDDIT}/search.rss?{urlencode(params)}"


def wikipedia_history_url(title: str) -> str:
    page = quote(title.replace(" ", "_"), safe="_()',")
    return f"{WIKIPEDIA}/w/index.php?title={page}&action=history&feed=atom"


def ofsted_reports_url(urn: int, phase: str | None) -> str:
    """The school's Ofsted report page for its GIAS phase ("Secondary", "Middle deemed
    secondary" and "16 plus" are secondary; any other, or none, primary)."""
    words = (phase or "").lower()
    secondary = "secondary" in words or "16 plus" in words
    category = OFSTED_SECONDARY if secondary else OFSTED_PRIMARY
    return OFSTED_REPORTS.format(category=category, urn=urn)


def local_subreddits(school: School) -> list[str]:
    """r/Town for the school's towns ("Ashcombe", "Kingston upon Thames" -> KingstonUponThames)."""
    names = []
    for place in school.context:
        words = re.findall(r"[A-Za-z0-9]+", place)
        if words:
            names.append("".join(word[:1].upper() + word[1:] for word in words))
    return list(dict.fromkeys(names))


def youtube_channel_url(channel_id: str) -> str:
    return f"https://www.youtube.com/feeds/videos.xml?{urlencode({'channel_id': channel_id})}"


def mastodon_tag_url(server: str, tag: str) -> str:
    base = server if server.startswith(("http://", "https://")) else f"https://{server}"
    return f"{base.rstrip('/')}/tags/{quote(tag)}.rss"


def bluesky_author_url(handle: str) -> str:
    return f"https://bsky.app/profile/{quote(handle.lstrip('@'))}/rss"


def hashtags(school: School) -> list[str]:
    """#Town and #ShortName (Mastodon tags are letters and digits, any case)."""
    names = [*school.context, *search_names(school)[:1]]
    tags = ["".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", n)) for n in names]
    return list(dict.fromkeys(tag for tag in tags if tag))


def social_sources(
    school: School, *, youtube: Sequence[str] = (), mastodon: str | None = None,
    bluesky: Sequence[str] = (),
) -> list[Suggestion]:
    """Public feeds that need an account name schoolwatch cannot guess: a YouTube channel's
    uploads, hashtags on the local Mastodon server, Bluesky accounts (local news, the PTA)."""
    sid = school.id
    made = [
        Suggestion(f"{sid}-youtube-{re.sub(r'[^a-z0-9]', '', channel.lower())[-8:]}", "feed",
                   youtube_channel_url(channel), "6h", [sid],
                   f"YouTube channel {channel}: its uploads (titles and descriptions)")
        for channel in youtube
    ]
    if mastodon:
        made += [
            Suggestion(f"{sid}-mastodon-{tag.lower()}", "feed", mastodon_tag_url(mastodon, tag),
                       "2h", [sid], f"Mastodon: public posts tagged #{tag} on {mastodon}")
            for tag in hashtags(school)
        ]
    for handle in (h.lstrip("@") for h in bluesky):
        slug = re.sub(r"[^a-z0-9]+", "-", handle.lower()).strip("-")[:30]
        made.append(Suggestion(f"{sid}-bluesky-{slug}", "feed", bluesky_author_url(handle),
                               "2h", [sid], f"Bluesky: posts by @{handle}"))
    return made


def suggest_sources(school: School, wikipedia_title: str | None = None) -> list[Suggestion]:
    names = search_names(school)
    local_names = names + [name for name in school.ambiguous if not name.isupper()][:2]
    sid = school.id
    suggestions = [
        Suggestion(f"{sid}-google-news", "feed", google_news_url(names), "2h", [sid],
                   "Google News search RSS: UK news naming the school, last 7 days"),
        Suggestion(f"{sid}-bing-news", "feed", bing_news_url(names), "2h", [sid],
                   "Bing News search RSS: a second news index, often other outlets"),
        Suggestion(f"{sid}-reddit", "feed", reddit_search_url(names), "6h", [sid],
                   "Reddit search RSS, site-wide, newest first"),
    ]
    for subreddit in local_subreddits(school):
        suggestions.append(Suggestion(
            f"{sid}-reddit-{subreddit.lower()}", "feed",
            reddit_search_url(local_names, subreddit), "6h", [sid],
            f"Reddit search RSS in r/{subreddit} (if that subreddit exists), short names too",
        ))
    if wikipedia_title:
        suggestions.append(Suggestion(
            f"{sid}-wikipedia", "feed", wikipedia_history_url(wikipedia_title), "1h", [sid],
            f"Wikipedia history feed of '{wikipedia_title}': every edit to the article",
        ))
    if school.urn is not None:
        suggestions += [
            Suggestion(f"{sid}-ofsted", "ofsted", ofsted_reports_url(school.urn, school.phase),
                       "1d", [sid], "Ofsted report page: each new inspection report is flagged"),
            Suggestion(f"{sid}-parent-view", "parent_view", PARENT_VIEW.format(urn=school.urn),
                       "1d", [sid], "Ofsted Parent View: parents' answers kept as a time series"),
        ]
    return suggestions


def alert_howto(school: School) -> str:
    return ALERT_HOWTO.format(query=exact_query(search_names(school)[:2]), school=school.id)


def on_mirror(url: str, base: str) -> str:
    """The same address under a mirror that serves each host as its first folder:
    https://news.google.com/rss/search?q=x on http://127.0.0.1:8000 is
    http://127.0.0.1:8000/news.google.com/rss/search?q=x (the demo's fixture sites, a proxy)."""
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{base.rstrip('/')}/{parts.hostname}{rest}"


def _plain(name: str) -> str:
    return " ".join(name.replace("’", "'").replace("‘", "'").replace('"', "").split())

