"""Saved pages and API answers from real sites nobody on the team wrote (../shared/realworld).

Each row: the file, the engine detection must find, how many posts it holds, and how many of
them show an author and a date. The counts come from the README of that folder; where they
differ, the row says why.
"""

from __future__ import annotations

import json

import pytest

from spiders.forum import ForumSpider
from spiders.platforms import detect, get_platform
from spiders.posts import extract_posts, links
from spiders.reddit import RedditSpider
from spiders.reviews import read_reviews
from tests.fixtures_spiders import (
    FETCHED_AT,
    documents,
    html_response,
    json_response,
    make_spider,
)
from tests.shared_data import REALWORLD, needs_realworld

HTML = REALWORLD / "html"
JSON = REALWORLD / "json"

pytestmark = needs_realworld("html")

# file, engine, posts, with author, with date
THREADS = [
    ("trafilatura__phpbb3_foren.myoos.de_viewtopic.html", "phpbb", 1, 1, 1),
    ("ptforum__phpbb3_raspberrypi_viewtopic.html", "phpbb", 5, 5, 5),
    ("ptforum__phpbb2_freeman-cruiser_viewtopic.html", "phpbb", 3, 3, 3),
    # README counts 4 containers; the 4th is Forumotion's "sponsored content" advert (no
    # author, no text), which is rightly not a post.
    ("trafilatura__forumotion_wolfsrebellen-netz_topic.html", "phpbb", 3, 3, 3),
    ("pprune-threads__vbulletin3_pprune.org_thread.html", "vbulletin", 20, 20, 20),
    ("pprune-threads__vbulletin3_pprune.org_thread_four_posts.html", "vbulletin", 4, 4, 4),
    ("trafilatura__vbulletin4_pocketpc.ch_thread.html", "vbulletin", 20, 20, 20),
    ("trafilatura__xenforo2_katzen-forum.net_thread.html", "xenforo", 18, 18, 18),
    ("trafilatura__xenforo2_villagersandheroes_thread.html", "xenforo", 9, 9, 9),
    ("ptforum__smf2_topic.html", "smf", 15, 15, 15),
    ("onebox__discourse_meta_topic.html", "discourse", 2, 2, 2),
]

# topic lists: file, engine, thread links, has a next page
LISTINGS = [
    ("ptforum__phpbb2_freeman-cruiser_viewforum.html", "phpbb", 20, False),
    ("ptforum__phpbb3_raspberrypi_viewforum.html", "phpbb", 25, False),
    ("ptforum__smf2_board_index.html", "smf", 20, True),
]

# Pages of engines not supported (see docs/sources.md): detection must not guess an engine.
UNSUPPORTED = [
    "postlight-parser__reddit_new_askreddit_thread.html",
    "trafilatura__reddit_new_r-python_thread.html",
    "trafilatura__custom_forum_mactechnews.de_thread.html",
    "trafilatura__stackexchange_german_question.html",
    "trafilatura__wayback_dzs-clan.de_news_comments.html",
    "trafilatura__wordpress_flawlessfood.co.uk_comments.html",
    "trafilatura__trustpilot_uk_single_review.html",
]


@pytest.mark.parametrize(("name", "engine", "count", "authors", "dates"), THREADS)
def test_thread_pages_yield_their_posts_with_author_and_date(name, engine, count, authors,
                                                             dates):
    response = html_response(HTML / name)
    platform = detect(response.selector, response.url)
    assert platform is not None and platform.name == engine
    posts = extract_posts(response.selector, response.url, platform, FETCHED_AT)
    assert len(posts) == count
    assert sum(1 for post in posts if post.author) == authors
    assert sum(1 for post in posts if post.published_at) == dates
    assert len({post.url for post in posts}) == count  # each post its own permalink
    assert all(post.text and post.title for post in posts)


@pytest.mark.parametrize(("name", "engine", "threads", "has_next"), LISTINGS)
def test_topic_lists_give_thread_links(name, engine, threads, has_next):
    response = html_response(HTML / name, "https://forum.example.org/viewforum.php?f=4")
    platform = detect(response.selector, response.url)
    assert platform is not None and platform.name == engine
    assert extract_posts(response.selector, response.url, platform, FETCHED_AT) == []
    assert len(links(response.selector, platform.thread_links, response.url)) == threads
    assert bool(links(response.selector, platform.next, response.url)) is has_next


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_pages_are_not_taken_for_a_known_engine(name):
    response = html_response(HTML / name)
    assert detect(response.selector, response.url) is None


def test_known_values_on_real_pages():
    response = html_response(HTML / "ptforum__smf2_topic.html")
    posts = extract_posts(response.selector, response.url, get_platform("smf"), FETCHED_AT)
    assert posts[0].author == "gregswallow"
    assert posts[0].published_at.isoformat() == "2007-09-19T12:08:14+00:00"
    assert posts[0].title == "FAQ: Should I trust/follow the advice I get in this forum?"
    response = html_response(HTML / "pprune-threads__vbulletin3_pprune.org_thread.html")
    posts = extract_posts(response.selector, response.url, get_platform("vbulletin"), FETCHED_AT)
    quoting = next(post for post in posts if post.url.endswith("11898919-post8.html"))
    assert quoting.author == "rationalfunctions"
    assert quoting.quotes_removed == 1
    assert "Originally Posted by" not in quoting.text
    assert "can't see take off flaps" not in quoting.text  # the quoted post's words
    assert quoting.text.startswith("are you confident the video is legit?")


def test_quotes_are_removed_on_every_engine_that_has_them():
    quoted = {
        "ptforum__phpbb3_raspberrypi_viewtopic.html": "phpbb",
        "trafilatura__vbulletin4_pocketpc.ch_thread.html": "vbulletin",
    }
    for name, engine in quoted.items():
        response = html_response(HTML / name)
        posts = extract_posts(response.selector, response.url, get_platform(engine), FETCHED_AT)
        assert any(post.quotes_removed for post in posts), name
    response = html_response(HTML / "trafilatura__vbulletin4_pocketpc.ch_thread.html")
    first = extract_posts(response.selector, response.url, get_platform("vbulletin"),
                          FETCHED_AT)[0]
    assert "Gibt es denn irgendow" not in first.text  # TheFreeman's words, quoted
    assert first.text.startswith("Das war noch nicht das Update")


@pytest.mark.parametrize(
    ("name", "url", "count"),
    [
        ("discourse-archiver__discourse_t_2144_posts.json",
         "https://discuss.example.org/t/2144/posts.json", 20),
        ("discourse-archiver__discourse_latest_posts.json",
         "https://discuss.example.org/posts.json", 50),
    ],
)
def test_discourse_json_posts(name, url, count):
    spider = make_spider(ForumSpider, "forum", url, platform="discourse")
    results = list(spider.parse_discourse(json_response((JSON / name).read_bytes(), url)))
    docs = documents(results)
    assert len(docs) == count
    assert all(doc.author and doc.published_at and doc.title for doc in docs)
    assert len({doc.url for doc in docs}) == count
    assert docs[0].url.startswith("https://discuss.example.org/t/")


@pytest.mark.parametrize(
    ("name", "comments", "deleted_authors", "documents_expected"),
    [
        # 476 comments; 10 have a deleted or removed body, or quote only, so carry no words
        ("praw__reddit_api_comments_3hahrw_r-funny.json", 476, 16, 466),
        ("praw__reddit_api_comments_g9zfex_r-wouldyourather.json", 3, 0, 3),
    ],
)
def test_reddit_comment_json(name, comments, deleted_authors, documents_expected):
    from spiders.reddit import walk_comments

    data = json.loads((JSON / name).read_bytes())
    walked = list(walk_comments(data[1]))
    assert len(walked) == comments
    assert sum(1 for c in walked if c["author"] == "[deleted]") == deleted_authors
    url = "https://www.reddit.com/comments/x.json"
    spider = make_spider(RedditSpider, "reddit", "https://www.reddit.com/search?q=x")
    docs = documents(spider.parse_comments(json_response((JSON / name).read_bytes(), url)))
    assert len(docs) == documents_expected
    assert all(doc.published_at for doc in docs)
    assert all(doc.url.startswith("https://www.reddit.com/r/") for doc in docs)


@pytest.mark.parametrize(
    ("name", "count", "authors"),
    [
        # the reviewer's name is only in the visible text, not in the markup
        ("trafilatura__reviews_microdata_travanto.de_holiday_home.html", 6, 0),
        ("trafilatura__reviews_microdata_zooroyal.de_product.html", 4, 4),
    ],
)
def test_schema_org_review_pages(name, count, authors):
    reviews, aggregate = read_reviews((HTML / name).read_text("utf-8", "replace"),
                                      "https://shop.example.org/p")
    assert len(reviews) == count
    assert sum(1 for review in reviews if review.author) == authors
    assert all(review.rating is not None and review.date for review in reviews)
    assert all(review.item for review in reviews)
    assert aggregate["ratingCount"] == count
