from scrapy.http import HtmlResponse

from spiders.page import PageSpider
from tests.fixtures_spiders import documents, make_spider

URL = "https://council.example.gov.uk/news/schools"
BEFORE = """<html><head><title>Schools news | Ashcombe Council</title></head><body>
<nav>Home | Bins | Council tax</nav><main><article><h1>Schools news</h1>
<p>Term dates for 2026 to 2027 have been published for all community schools in Ashcombe.</p>
<p>Applications for reception places close on 15 January; apply online through the portal.</p>
</article></main><footer>Ashcombe Council</footer></body></html>"""
AFTER = BEFORE.replace(
    "<p>Applications", "<p>Hollins Green Primary School will close early on Friday for staff "
    "training after an inspection by Ofsted this week.</p><p>Applications")


def _run(body: str, state: dict[str, str]):
    spider = make_spider(PageSpider, "page", URL, state=state)
    response = HtmlResponse(url=URL, body=body.encode(), encoding="utf-8")
    return spider, documents(spider.parse_page(response))


def test_first_sight_is_the_whole_text_then_only_what_was_added():
    spider, first = _run(BEFORE, {})
    assert len(first) == 1 and "Term dates" in first[0].text
    assert "Council tax" not in first[0].text  # navigation is not the main text
    remembered = spider.new_state
    spider, changed = _run(AFTER, remembered)
    assert len(changed) == 1
    assert "Hollins Green Primary School will close early" in changed[0].text
    assert "Term dates" not in changed[0].text
    assert changed[0].url != first[0].url  # a change is a new document, not an edit
    _, again = _run(AFTER, spider.new_state)
    assert again == []
