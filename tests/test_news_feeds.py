"""Google News and Bing News RSS as they really are: the real feeds in ../shared/realworld/feeds
(rss-parser__*) and a Google News search feed of the same shape (tests/fixtures/feeds)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

from crawler.ground.text import content_hash
from crawler.ground.urls import google_news_article
from crawler.store import Store
from schoolwatch.crawling import crawl
from schoolwatch.demo.server import FixtureServer, send
from tests.shared_data import REALWORLD, needs_realworld
from tests.store_helpers import unattended_config
from tests.test_feed import parse

FEEDS = REALWORLD / "feeds"
SEARCH = Path(__file__).parent / "fixtures" / "feeds" / "google_news_search.rss"
RTBF = ("https://www.rtbf.be/info/societe/detail_coronavirus-en-belgique-200-cas-detectes-au-"
        "total-la-circulation-du-virus-reste-limitee?id=10450793")


def test_an_older_google_news_id_gives_the_article_address() -> None:
    url = ("https://news.google.com/__i/rss/rd/articles/CBMiiwFodHRwczovL3d3dy5ydGJmLmJlL2luZm8v"
           "c29jaWV0ZS9kZXRhaWxfY29yb25hdmlydXMtZW4tYmVsZ2lxdWUtMjAwLWNhcy1kZXRlY3Rlcy1hdS10b3Rh"
           "bC1sYS1jaXJjdWxhdGlvbi1kdS12aXJ1cy1yZXN0ZS1saW1pdGVlP2lkPTEwNDUwNzkz0gEA?oc=5")
    assert google_news_article(url) == RTBF
    # The newer IDs are opaque (only Google's own pages resolve them): no guess.
    assert google_news_article("https://news.google.com/rss/articles/CBMiqAFBVV95cUxPbm9wYXF1"
                               "ZV9uZXdlcl9pZF9kb2VzX25vdF9jYXJyeV90aGVfdXJs0gEA?oc=5") is None
    assert google_news_article("https://www.example.org/rss/articles/CBMi") is None


@needs_realworld("feeds")
def test_real_google_news_item_outlet_title_text_and_url() -> None:
    (item,), _ = parse(FEEDS / "rss-parser__google_news_rss2.xml")
    assert item.author == "RTBF"
    assert item.title == ("Coronavirus en Belgique: 200 cas détectés au total, un nombre limité "
                          "de tests effectués par manque de réactifs")
    assert item.text == item.title  # not the other outlets' headlines
    assert "Sudinfo" not in item.text and "Le Soir" not in item.text
    assert item.url == RTBF
    news = item.extra["google_news"]
    assert news["google_url"].startswith("https://news.google.com/__i/rss/rd/articles/CBMi")
    outlets = [story["outlet"] for story in news["same_story"]]
    assert outlets == ["Sudinfo.be", "dh.be", "Le Soir", "Notélé"]
    assert news["same_story"][2]["url"].startswith("https://www.lesoir.be/285384/article/")


@needs_realworld("feeds")
def test_real_bing_news_items_name_their_outlet() -> None:
    items, _ = parse(FEEDS / "rss-parser__bing_news_rss2.xml")
    assert items[0].author == "Daily Mail"
    assert items[0].url.startswith("https://www.dailymail.co.uk/sport/football/article-9554407/")
    assert all(item.author for item in items)


def test_the_same_story_from_two_outlets_is_one_mention_with_two_sightings() -> None:
    items, _ = parse(SEARCH, "https://news.google.com/rss/search?q=x")
    post, echo, bbc = items
    assert (post.author, echo.author, bbc.author) == ("Ashcombe Post", "Ashcombe Echo", "BBC")
    assert post.title == echo.title == "Crossing patrol returns outside Hollins Green Primary"
    assert post.url == ("https://www.ashcombepost.example/news/"
                        "hollins-green-primary-crossing-patrol-returns")
    assert echo.url.startswith("https://www.ashcombe-echo.example/2026/11/04/")
    # Same normalised title, same day, so the same words: the store keeps one mention and
    # records the second outlet as a sighting of it (mentions are keyed by content hash).
    assert content_hash(post.title, post.text) == content_hash(echo.title, echo.text)
    assert post.extra["google_news"]["same_story"][0]["outlet"] == "Ashcombe Echo"
    # Opaque ID: the Google address stays, as the evidence of where it was seen.
    assert bbc.url.startswith("https://news.google.com/rss/articles/CBMiqAFBVV95cUxP")
    assert bbc.title == "Ashcombe schools join county reading scheme"


def test_a_crawl_keeps_the_story_once_with_a_sighting_from_the_other_outlet(
    tmp_path: Path,
) -> None:
    def feed(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, SEARCH.read_bytes(), "application/rss+xml")

    with FixtureServer(routes={"/rss/search": feed}) as server:
        config = unattended_config(tmp_path, source=[
            {"name": "google-news", "kind": "feed", "url": f"{server.base_url}/rss/search"},
        ])
        crawl(config, config.source)
    store = Store(config.store.path)
    rows = store.query(
        "SELECT m.url, count(s.url) FROM mentions m LEFT JOIN mention_sightings s "
        "ON s.mention_id = m.id WHERE m.title = ? GROUP BY m.url",
        ["Crossing patrol returns outside Hollins Green Primary"],
    ).rows
    assert len(rows) == 1  # one mention of the story...
    url, sightings = rows[0]
    assert url.startswith("https://www.ashcombepost.example/")  # ...at the first outlet's article
    assert sightings == 1  # ...and the second outlet's copy recorded as seen there too
