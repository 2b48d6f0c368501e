import json
from pathlib import Path

from classifiers.stored import classify_stored
from crawler.ground.config import load_config
from crawler.store import Store
from schoolwatch.crawling import crawl
from schoolwatch.demo import DEMO_CONFIG, sites_folder
from schoolwatch.demo.server import FixtureServer, render_template, send
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


def test_headings_in_what_a_revision_added_read_as_lines_not_markup():
    spider = _spider()
    first = documents(spider.parse_revisions(json_response(_answer(), f"{BASE}/w/api.php")))[0]
    assert "=" not in first.text
    assert "\nOfsted\nThe school was rated Good at its last inspection." in first.text


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


def _crawled_and_classified(tmp_path: Path, routes=None) -> list[dict]:
    """The demo's Wikipedia source through the real spider and the classification after a crawl."""
    with FixtureServer(sites_folder(), routes=routes) as server:
        config_path = tmp_path / "schoolwatch.toml"
        config_path.write_text(DEMO_CONFIG.format(base=server.base_url), encoding="utf-8")
        config = load_config(config_path)
        wiki = [source for source in config.source if source.kind == "wikipedia"]
        report = crawl(config, wiki, timeout=120)
    assert all(run.errors == [] for run in report.runs), [run.errors for run in report.runs]
    store = Store(config.store.path)
    classify_stored(config, store, ids=report.new_mention_ids, never_classified=True)
    return store.query(
        "SELECT author, text, risk, categories FROM mentions WHERE source_kind = 'wikipedia' "
        "ORDER BY url").records()


def test_the_demo_article_is_no_risk_and_its_vandalised_revision_needs_action(
    tmp_path: Path,
) -> None:
    rows = _crawled_and_classified(tmp_path)
    article = next(row for row in rows if "rated Good at its last inspection" in row["text"])
    vandal = next(row for row in rows if "AVOID THIS SCHOOL" in row["text"])
    # An encyclopedic article saying the school was rated Good: nothing to act on.
    assert article["risk"] in ("none", "low"), article
    # Abuse of the head added to the school's own article: revert and report it.
    assert vandal["risk"] in ("medium", "high"), vandal
    assert "vandalism" in vandal["categories"]
    assert "vandalism" not in article["categories"]


def test_the_edit_that_reverts_vandalism_is_not_vandalism(tmp_path: Path) -> None:
    answer = json.loads(_answer())
    revisions = answer["query"]["pages"][0]["revisions"]
    revert = {**revisions[1], "revid": 1204010, "parentid": 1204003,
              "comment": "Reverted edits by 86.12.44.201"}
    answer["query"]["pages"][0]["revisions"] = [revert, *revisions]
    body = json.dumps(answer).encode()

    def api(handler) -> None:
        send(handler, 200, body, "application/json")

    rows = _crawled_and_classified(tmp_path, {"/w/api.php": api})
    (reverted,) = [row for row in rows if row["text"].startswith("Removed:")]
    assert "AVOID THIS SCHOOL" in reverted["text"]
    # Taking the abuse out is the cure, not a new defacement to act on.
    assert reverted["risk"] in ("none", "low"), reverted
    assert "vandalism" not in reverted["categories"]
