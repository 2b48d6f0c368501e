"""The real meta.discourse.org topic page (../shared/realworld/html) read by the forum kind as a
user runs it: the JSON API is tried first; where it does not answer, the page's own crawler view
(<noscript>) gives the posts."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from crawler.ground.config import CrawlSettings, Source
from schoolwatch.crawling import extract
from schoolwatch.demo.server import FixtureServer, send
from tests.shared_data import REALWORLD, needs_realworld

PAGE = REALWORLD / "html" / "onebox__discourse_meta_topic.html"
TOPIC = "/t/congratulations-most-stars-in-2013-github-octoverse/12483"


@needs_realworld("html")
def test_the_real_topic_page_gives_its_two_posts_when_the_api_does_not_answer() -> None:
    def page(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, PAGE.read_bytes(), "text/html; charset=utf-8")

    with FixtureServer(routes={TOPIC: page}) as server:  # /t/12483.json: 404
        source = Source(name="extract", kind="forum", url=server.base_url + TOPIC)
        shown, run = extract(source, CrawlSettings(allow_private=True, retries=0), timeout=60)
    assert len(shown) == 2, (run.errors, run.warnings)
    assert all(post["author"] and post["published_at"] and post["text"] for post in shown)
    assert run.errors == []
    assert any("crawler view" in warning for warning in run.warnings)
