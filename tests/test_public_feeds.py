"""More public places through the feed kind: a YouTube channel's uploads feed, a Mastodon hashtag
feed and a Bluesky author feed. The fixtures in tests/fixtures/feeds/ are written from each
service's public feed format (fictional accounts); ../shared/realworld holds none of the three."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.http import Request, Response

from crawler.ground.config import School, Source
from crawler.ground.items import Document, SourceRun
from crawler.ground.matching import Matcher
from spiders.feed import FeedSpider
from spiders.suggest import hashtags, social_sources

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def parse(name: str, url: str) -> list[Document]:
    response = Response(url, body=(FEEDS / name).read_bytes(),
                        headers={"Content-Type": "application/xml; charset=utf-8"},
                        request=Request(url))
    run = SourceRun(source="t", started_at=datetime.now(UTC))
    spider = FeedSpider(Source(name="t", kind="feed", url=url), run)
    documents = [item for item in spider.parse_feed(response) if isinstance(item, Document)]
    assert not run.errors and not run.warnings
    return documents


MATCHER = Matcher.from_config([
    School(id="hollins-green", name="Hollins Green Primary School",
           aliases=["Hollins Green Primary"]),
    School(id="st-aldhelms", name="St Aldhelm's Church of England Academy",
           aliases=["St Aldhelm's Academy"]),
])


def _schools(document: Document) -> list[str]:
    return [m.school_id for m in MATCHER.match(document.title, document.text)]


def test_youtube_uploads_keep_the_description_and_the_watch_address() -> None:
    docs = parse("youtube_channel_uploads.xml",
                 "https://www.youtube.com/feeds/videos.xml?channel_id=UCq0ASHCOMBEp0st00000000")
    assert [d.url for d in docs] == ["https://www.youtube.com/watch?v=Xq1HGPS0tr3",
                                     "https://www.youtube.com/watch?v=Zz9bypa55Ab"]
    first = docs[0]
    assert first.title == "Tree planting day in Ashcombe"
    assert "Pupils from Hollins Green Primary School planted 400 trees" in first.text
    assert first.author == "Ashcombe Post TV"
    assert first.published_at == datetime(2026, 11, 18, 16, 30, 4, tzinfo=UTC)
    assert [_schools(d) for d in docs] == [["hollins-green"], []]


def test_mastodon_hashtag_posts_name_their_author_from_the_address() -> None:
    docs = parse("mastodon_tag.rss", "https://social.wessex.example/tags/ashcombe.rss")
    assert len(docs) == 2
    gate = docs[0]
    assert gate.url == "https://social.wessex.example/@ashcombedad/113520001234567890"
    assert gate.author == "@ashcombedad"
    assert gate.text.startswith("Third week running nobody from Hollins Green Primary")
    assert "<" not in gate.text
    assert gate.published_at == datetime(2026, 11, 24, 21, 10, 3, tzinfo=UTC)
    assert [_schools(d) for d in docs] == [["hollins-green"], []]


def test_bluesky_author_posts_and_their_short_dates() -> None:
    docs = parse("bluesky_author.rss",
                 "https://bsky.app/profile/ashcombepost.bsky.social/rss")
    first = docs[0]
    assert first.url.endswith("/post/3lbxq2hgps2k2")
    assert first.author == "@ashcombepost.bsky.social"
    assert first.published_at == datetime(2026, 11, 23, 18, 5, tzinfo=UTC)  # "23 Nov 2026 18:05"
    assert [_schools(d) for d in docs] == [["st-aldhelms"], []]


def test_suggest_builds_the_three_feed_addresses() -> None:
    school = School(id="hollins-green", name="Hollins Green Primary School",
                    aliases=["Hollins Green Primary"], context=["Ashcombe"])
    assert hashtags(school) == ["Ashcombe", "HollinsGreenPrimary"]
    made = {s.name: s.url for s in social_sources(
        school, youtube=["UCq0ASHCOMBEp0st00000000"], mastodon="social.wessex.example",
        bluesky=["@ashcombepost.bsky.social"],
    )}
    assert made == {
        "hollins-green-youtube-00000000":
            "https://www.youtube.com/feeds/videos.xml?channel_id=UCq0ASHCOMBEp0st00000000",
        "hollins-green-mastodon-ashcombe": "https://social.wessex.example/tags/Ashcombe.rss",
        "hollins-green-mastodon-hollinsgreenprimary":
            "https://social.wessex.example/tags/HollinsGreenPrimary.rss",
        "hollins-green-bluesky-ashcombepost-bsky-social":
            "https://bsky.app/profile/ashcombepost.bsky.social/rss",
    }
