"""The forum spider end to end on the demo's Mumsnet-style board, and generic selectors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.ground.config import config_from_dict
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.crawling import crawl
from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import FixtureServer
from spiders.forum import ForumSpider
from tests.fixtures_spiders import documents, make_spider

SCHOOLS = [
    {"id": "hollins-green", "name": "Hollins Green Primary School",
     "aliases": ["Hollins Green Primary", "HGPS"], "ambiguous": ["Hollins Green"],
     "exclude": ["Hollins Green Park"]},
    {"id": "st-aldhelms", "name": "St Aldhelm's C of E Academy", "aliases": ["St Aldhelm's"]},
]


@pytest.fixture(scope="module")
def demo_sites():
    with FixtureServer(sites_folder()) as server:
        yield server


def _config(tmp_path, base: str):
    raw = {
        "store": {"path": str(tmp_path / "store.duckdb")},
        "crawl": {"delay": "0s", "timeout": "10s", "obey_robots": False,
                  "allow_private": True},
        "school": SCHOOLS,
        "source": [
            {"name": "forum", "kind": "forum", "url": f"{base}/forum/talk/primary_education/"
             "index.html"},
            {"name": "reviews", "kind": "reviews", "url": f"{base}/reviews/"
             "hollins-green-primary.html"},
            {"name": "wiki", "kind": "wikipedia", "url": f"{base}/wiki/"
             "Hollins_Green_Primary_School"},
        ],
    }
    return config_from_dict(raw, "test.toml", tmp_path)


def test_crawl_follows_threads_and_pages_and_a_recrawl_adds_nothing(tmp_path, demo_sites):
    config = _config(tmp_path, demo_sites.base_url)
    first = crawl(config, config.source, timeout=120)
    runs = {run.source: run for run in first.runs}
    assert all(run.errors == [] for run in runs.values()), [r.errors for r in first.runs]
    # two listing pages, three threads, the first thread on two pages
    assert runs["forum"].pages_fetched == 6
    store = Store(config.store.path)
    rows = store.query(
        "SELECT school_id, author, text, url, published_at, platform FROM mentions "
        "WHERE source = 'forum' ORDER BY url").records()
    authors = {(row["school_id"], row["author"]) for row in rows}
    assert ("hollins-green", "GreyMareGrace") in authors  # on the thread's second page
    assert ("st-aldhelms", "Mathsmum") in authors  # a thread on the listing's second page
    assert not any("parkrun" in row["text"] or "lake" in row["text"] for row in rows)
    assert all(row["platform"] == "mumsnet" and row["published_at"] for row in rows)
    quoting = next(row for row in rows if row["url"].endswith("reply=9100003"))
    assert quoting["text"].startswith("Ours too!")  # the quote of post 9100001 is not its text
    assert "crying at the gate" not in quoting["text"]
    assert runs["reviews"].new_mentions == 3 and runs["wiki"].new_mentions == 3
    vandal = store.query("SELECT author, text FROM mentions WHERE source = 'wiki' "
                         "AND author = '86.12.44.201'").records()
    assert vandal and "AVOID THIS SCHOOL" in vandal[0]["text"]
    assert "420 pupils" not in vandal[0]["text"]  # only what this revision added

    second = crawl(config, config.source, timeout=120)
    assert sum(run.new_mentions + run.updated_mentions for run in second.runs) == 0
    forum_again = next(run for run in second.runs if run.source == "forum")
    # stored posts are not yielded again: only the two parkrun posts, never stored, are
    # re-read; the first thread resumes at its second page, so one page fewer is fetched
    assert forum_again.items_seen == 2
    assert forum_again.pages_fetched == 5
    state = store.query("SELECT key, value FROM crawl_state WHERE source = 'forum'").records()
    resumed = {row["key"]: row["value"] for row in state}
    assert any(value.endswith("settling-p2.html") for value in resumed.values())


GENERIC_PAGE = b"""<html><head><title>Ashcombe Parents</title></head><body>
<h2 class="topic">Hollins Green Primary uniform</h2>
<div class="msg" id="m1"><b class="who">Jo</b><i class="when">3 days ago</i>
<div class="body">Does HGPS still sell jumpers at the office?</div></div>
<div class="msg" id="m2"><b class="who">Priya</b><i class="when">Yesterday at 14:32</i>
<div class="body"><div class="q">Does HGPS still sell jumpers</div>Yes, Thursdays only.</div></div>
<a class="older" href="/board?page=2">Next</a>
</body></html>"""


def test_generic_selectors_read_a_board_nobody_described():
    from scrapy.http import HtmlResponse

    spider = make_spider(
        ForumSpider, "forum", "https://parents.example.org/board", platform="generic",
        options={"post": "div.msg", "author": ".who::text", "date": ".when::text",
                 "text": ".body", "title": "h2.topic::text", "quotes": ".q",
                 "permalink": "./@id", "next": "a.older::attr(href)"})
    response = HtmlResponse(url="https://parents.example.org/board", body=GENERIC_PAGE)
    results = list(spider.parse_page(response))
    docs = documents(results)
    assert [doc.author for doc in docs] == ["Jo", "Priya"]
    assert docs[1].text == "Yes, Thursdays only."
    assert docs[1].url == "https://parents.example.org/board#m2"
    assert docs[0].title == "Hollins Green Primary uniform"
    assert all(doc.published_at for doc in docs)
    assert [r.url for r in results if not hasattr(r, "text")] == [
        "https://parents.example.org/board?page=2"]


def test_extract_prints_posts_without_storing(tmp_path, demo_sites, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"{demo_sites.base_url}/forum/talk/primary_education/4100001-hgps-reception-settling.html"
    result = CliRunner().invoke(cli, ["extract", "--kind", "forum", "--platform", "mumsnet",
                                      "--allow-private", url])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["author"] for line in lines][:3] == ["MuddyWellies", "TeaAndToast", "Sprout22"]
    assert lines[0]["published_at"].startswith("2020-11-17T09:12:45")
    assert not list(tmp_path.glob("**/*.duckdb"))


def test_unknown_platform_is_a_config_error(tmp_path):
    from crawler.ground.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown platform 'phpbb4'"):
        config_from_dict({"school": SCHOOLS, "source": [
            {"name": "x", "kind": "forum", "url": "https://x.example", "platform": "phpbb4"}]},
            "t.toml", tmp_path)
