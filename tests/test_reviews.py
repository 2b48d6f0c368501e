from scrapy.http import HtmlResponse

from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import render_template
from spiders.reviews import ReviewsSpider
from tests.fixtures_spiders import documents, make_spider

BASE = "https://reviews.example.org"
URL = f"{BASE}/reviews/hollins-green-primary.html"


def _response() -> HtmlResponse:
    text = (sites_folder() / "reviews" / "hollins-green-primary.html").read_text("utf-8")
    return HtmlResponse(url=URL, body=render_template(text, BASE).encode(), encoding="utf-8")


def test_json_ld_reviews_become_rated_documents_and_pagination_is_followed():
    spider = make_spider(ReviewsSpider, "reviews", URL)
    results = list(spider.parse_reviews(_response()))
    docs = documents(results)
    assert [doc.rating for doc in docs] == [1.0, 5.0]
    assert docs[0].author == "Parent of a Year 3 pupil"
    assert docs[0].title == "Hollins Green Primary School - Communication has fallen apart"
    assert docs[0].extra["aggregate_rating"]["ratingValue"] == 3.4
    assert docs[0].url == f"{URL}#r-5012"
    assert docs[0].published_at is not None
    assert [r.url for r in results if not hasattr(r, "rating")] == [
        f"{BASE}/reviews/hollins-green-primary-2.html"]


def test_a_stored_review_stops_the_walk_to_older_pages():
    spider = make_spider(ReviewsSpider, "reviews", URL, known_urls={f"{URL}#r-5012"})
    results = list(spider.parse_reviews(_response()))
    assert [doc.author for doc in documents(results)] == ["Sam K."]
    assert len(results) == 1
