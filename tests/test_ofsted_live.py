"""The Ofsted provider page as the live site serves it: a timeline of reports whose publication
date is in a hidden span, the overall grade and sub-judgements above it, report types beyond
inspections. The page (the demo's, schoolwatch/demo/sites/reports.ofsted.gov.uk/) says in its
header which public scrapers it follows.
"""

from __future__ import annotations

from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from scrapy.http import HtmlResponse

from crawler.ground.config import CrawlSettings, Source
from schoolwatch.crawling import extract
from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import FixtureServer, send
from spiders.ofsted import OfstedSpider, read_reports
from tests.fixtures_spiders import documents, html_response, make_spider

PAGE = sites_folder() / "reports.ofsted.gov.uk" / "provider" / "21" / "141002.html"
URL = "https://reports.ofsted.gov.uk/provider/21/141002"


def _reports() -> list[dict]:
    return read_reports(PAGE.read_text(encoding="utf-8"), URL)


def test_each_report_has_its_inspection_and_publication_dates() -> None:
    reports = _reports()
    assert [r["pdf"] for r in reports] == [
        "https://files.ofsted.gov.uk/v1/file/50250123",
        "https://files.ofsted.gov.uk/v1/file/50203117",
        "https://files.ofsted.gov.uk/v1/file/50169988",
        "https://files.ofsted.gov.uk/v1/file/2259873",
    ]
    inspection = reports[1]
    assert (inspection["inspection_date"], inspection["published"]) == ("2022-11-07", "2022-12-21")
    assert reports[0]["published"] == "2024-04-11" and reports[3]["published"] == "2019-07-02"


def test_the_report_types_are_told_apart() -> None:
    assert [r["type"] for r in _reports()] == [
        "monitoring", "inspection", "conversion letter", "inspection",
    ]
    letter = _reports()[2]
    assert letter["inspection_date"] is None  # a letter is no inspection
    assert "inspection of" not in letter["text"] and "Academy conversion letter" in letter["text"]


def test_titles_do_not_repeat_the_hidden_span() -> None:
    titles = [r["title"] for r in _reports()]
    assert titles == [
        "Ofsted: Monitoring inspection (12 March 2024)",
        "Ofsted: School inspection (7 November 2022)",
        "Ofsted: Academy conversion letter (1 September 2021)",
        "Ofsted: Short inspection (4 June 2019)",
    ]
    assert not any("pdf -" in r["text"] for r in _reports())


def test_the_overall_grade_and_sub_judgements_belong_to_their_inspection() -> None:
    reports = _reports()
    graded = reports[1]
    assert graded["grades"] == ["Requires improvement"]
    assert graded["judgements"] == {
        "Overall effectiveness": "Requires improvement",
        "The quality of education": "Good",
        "Behaviour and attitudes": "Requires improvement",
        "Personal development": "Good",
        "Leadership and management": "Requires improvement",
        "Early years provision": "Good",
    }
    assert "Judgement: Requires improvement" in graded["text"]
    assert "The quality of education: Good" in graded["text"]
    assert reports[0]["grades"] == [] and reports[0]["judgements"] == {}
    assert reports[3]["grades"] == ["Continues to be good"]


def test_a_report_is_filed_in_the_week_it_was_published() -> None:
    spider = make_spider(OfstedSpider, "ofsted", URL)
    found = documents(spider.parse_reports(html_response(PAGE, URL)))
    assert len(found) == 4
    report = found[1]
    assert report.published_at is not None and report.published_at.date() == date(2022, 12, 21)
    assert report.extra["ofsted"]["type"] == "inspection"
    assert report.extra["ofsted"]["judgements"]["Personal development"] == "Good"


def test_a_school_not_found_under_one_phase_s_path_is_looked_for_under_the_other(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><h1>Page not found</h1></body></html>", encoding="utf-8")
    primary = "https://reports.ofsted.gov.uk/provider/21/106653"
    spider = make_spider(OfstedSpider, "ofsted", primary)
    missing = HtmlResponse(url=primary, body=empty.read_bytes(), status=404)
    (again,) = list(spider.parse_reports(missing))
    assert again.url == "https://reports.ofsted.gov.uk/provider/23/106653"
    assert spider.run.errors == []
    secondary = HtmlResponse(url=again.url, body=empty.read_bytes(), status=404)
    assert list(spider.parse_reports(secondary, **again.cb_kwargs)) == []
    (error,) = spider.run.errors
    assert "106653" in error and "/provider/21/" in error and "/provider/23/" in error
    found = documents(spider.parse_reports(html_response(PAGE, again.url), **again.cb_kwargs))
    assert len(found) == 4


def test_extract_finds_a_secondary_school_whose_address_says_primary() -> None:
    def page(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, PAGE.read_bytes(), "text/html; charset=utf-8")

    with FixtureServer(routes={"/provider/23/141002": page}) as server:  # /21/: 404
        source = Source(name="extract", kind="ofsted", url=f"{server.base_url}/provider/21/141002")
        shown, run = extract(source, CrawlSettings(allow_private=True, retries=0), timeout=60)
    assert run.errors == []
    assert [report["extra"]["ofsted"]["type"] for report in shown] == [
        "monitoring", "inspection", "conversion letter", "inspection",
    ]
    assert shown[1]["published_at"].startswith("2022-12-21")
