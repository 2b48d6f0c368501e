from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import render_template
from spiders.wikipedia import WikipediaSpider, article_title
from tests.fixtures_spiders import documents, json_response, make_spider

BASE = "https://wiki.example.org"


def _answer() -> bytes:
    text = (sites_folder() / "w" / "api.php").read_text("utf-8")
    return render_template(text, BASE).encode()


def _spider(state=None):
    spider = make_spider(WikipediaSpider, "wikipedia", f"{BASE}/wiki/Hollins_Green_Primary_School",
                         state=state or {})
    spider.site = BASE
    return spider


def test_each_revision_is_a_document_of_what_it_added():
    spider = _spider()
    docs = documents(spider.parse_revisions(json_response(_answer(), f"{BASE}/w/api.php")))
    assert [doc.extra["revision"] for doc in docs] == [1200001, 1203990, 1204003]
    vandal = docs[-1]
    assert vandal.author == "86.12.44.201"
    assert vandal.title == "Hollins Green Primary School"
    assert "AVOID THIS SCHOOL!!!" in vandal.text
    assert "Ofsted" not in vandal.text and vandal.extra["removed"] == []
    assert vandal.url == f"{BASE}/w/index.php?diff=1204003&oldid=1203990"
    assert docs[1].text == "It has around 420 pupils and a nursery."
    assert spider.new_state == {"last_revision": "1204003"}


def test_revisions_already_seen_are_skipped():
    spider = _spider({"last_revision": "1203990"})
    docs = documents(spider.parse_revisions(json_response(_answer(), f"{BASE}/w/api.php")))
    assert [doc.extra["revision"] for doc in docs] == [1204003]
    spider = _spider({"last_revision": "1204003"})
    assert documents(spider.parse_revisions(json_response(_answer(), f"{BASE}/w/api.php"))) == []


def test_article_title_from_the_address():
    assert article_title("https://en.wikipedia.org/wiki/St_Aldhelm%27s_Academy") == (
        "St Aldhelm's Academy")
    assert article_title("https://wiki.example.org/w/index.php?title=Foo_Bar") == "Foo Bar"
