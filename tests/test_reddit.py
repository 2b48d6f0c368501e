import json

from spiders.reddit import RedditSpider, listing_url, own_text
from tests.fixtures_spiders import documents, json_response, make_spider

BASE = "http://127.0.0.1:8999"
SEARCH = {"kind": "Listing", "data": {"children": [
    {"kind": "t3", "data": {"id": "abc1", "title": "Hollins Green Primary vs St Aldhelm's?",
                            "selftext": "> someone said HGPS was awful\nWhich is better for DD?",
                            "author": "ashcombe_dad", "created_utc": 1763640000.0,
                            "permalink": "/r/ashcombe/comments/abc1/hollins_green/",
                            "subreddit": "ashcombe", "num_comments": 2}},
    {"kind": "t3", "data": {"id": "abc2", "title": "Bin day changes", "selftext": "",
                            "author": "[deleted]", "created_utc": 1763600000.0,
                            "permalink": "/r/ashcombe/comments/abc2/bins/", "num_comments": 0}},
]}}


def test_search_listing_yields_posts_and_asks_for_their_comments():
    spider = make_spider(RedditSpider, "reddit", f"{BASE}/r/ashcombe/search?q=HGPS")
    response = json_response(json.dumps(SEARCH).encode(), f"{BASE}/r/ashcombe/search.json")
    results = list(spider.parse_listing(response))
    docs = documents(results)
    assert [doc.author for doc in docs] == ["ashcombe_dad", None]
    assert docs[0].text == "Which is better for DD?"  # the quoted line is not theirs
    assert docs[0].url == f"{BASE}/r/ashcombe/comments/abc1/hollins_green/"
    assert docs[0].published_at.isoformat() == "2025-11-20T12:00:00+00:00"
    assert [r.url for r in results if not hasattr(r, "text")] == [
        f"{BASE}/comments/abc1.json?sort=new"]


def test_listing_addresses():
    assert listing_url("https://www.reddit.com/r/ashcombe/new", {}) == (
        "https://www.reddit.com/r/ashcombe/new.json?sort=new&limit=100")
    assert listing_url("https://old.example/search?q=HGPS", {}) == (
        "https://old.example/search.json?q=HGPS&sort=new&limit=100")
    assert own_text("&gt; quoted\nmine") == "mine"
