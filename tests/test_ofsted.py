"""Ofsted's report page (a mention per report, flagged in the digest) and Parent View (a time
series: a 10-point fall or the response count passing 10 is flagged; the report shows the trend).

The fixture pages in tests/fixtures/ (older-layout-*) are the team's first pages, written from
the public pages' described structure (fictional schools): reports as PDF links on
files.ofsted.gov.uk beside their dates and judgement; Parent View's submissions count and
per-question answer percentages as text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawler.ground.items import CrawlResult, SeriesPoint
from crawler.store import Store
from digest.compose import compose_digest
from digest.parent_view import flags
from digest.report import build_report, render_report
from digest.weekly import build_digest
from digest.weeks import Week
from spiders.ofsted import OfstedSpider, read_reports
from spiders.parent_view import ParentViewSpider, points, read_results
from tests.fixtures_spiders import documents, html_response, make_spider
from tests.store_helpers import Post, unattended_config, write_posts

# The team's first Ofsted page (dates in <time datetime>); the live structure is tested in
# test_ofsted_live.py
OFSTED_PAGE = Path(__file__).parent / "fixtures" / "ofsted" / "older-layout-141002.html"
# The team's first Parent View page, which prints its percentages as text (the live site's
# structure is tested in test_parent_view_live.py)
PARENT_VIEW = Path(__file__).parent / "fixtures" / "parentview" / "older-layout-141001.html"
OFSTED_URL = "https://reports.ofsted.gov.uk/provider/21/141002"
PV_URL = "https://parentview.ofsted.gov.uk/parent-view-results/urn/141001"


def test_each_report_is_read_with_dates_grade_words_and_pdf() -> None:
    reports = read_reports(OFSTED_PAGE.read_text(encoding="utf-8"), OFSTED_URL)
    assert [r["pdf"] for r in reports] == [
        "https://files.ofsted.gov.uk/v1/file/50203117",
        "https://files.ofsted.gov.uk/v1/file/2259873",
    ]
    latest = reports[0]
    assert latest["inspection_date"] == "2022-11-07" and latest["published"] == "2022-12-09"
    assert latest["grades"] == ["Requires improvement"]
    assert latest["title"] == "Ofsted: Full inspection report (PDF) (7 November 2022)"
    assert "St Aldhelm’s Church of England Academy" in latest["text"]
    assert reports[1]["grades"] == ["Continues to be good"]


def test_the_spider_yields_one_document_per_report_dated_when_published() -> None:
    spider = make_spider(OfstedSpider, "ofsted", OFSTED_URL)
    found = documents(spider.parse_reports(html_response(OFSTED_PAGE, OFSTED_URL)))
    assert len(found) == 2
    assert found[0].url == "https://files.ofsted.gov.uk/v1/file/50203117"
    assert found[0].published_at is not None and found[0].published_at.date() == date(2022, 12, 9)
    assert found[0].extra["ofsted"]["grades"] == ["Requires improvement"]
    assert found[0].author == "Ofsted"


def test_a_page_without_reports_is_an_error_not_silence(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Maintenance</h1></body></html>", encoding="utf-8")
    spider = make_spider(OfstedSpider, "ofsted", OFSTED_URL)
    assert documents(spider.parse_reports(html_response(page, OFSTED_URL))) == []
    assert spider.run.errors and "no inspection report links" in spider.run.errors[0]


def test_parent_view_results_are_read_per_question() -> None:
    results = read_results(PARENT_VIEW.read_text(encoding="utf-8"))
    assert results is not None
    assert results["submissions"] == 57
    assert len(results["questions"]) == 13
    first = results["questions"][0]
    assert first["question"] == "My child is happy at this school."
    assert first["answers"] == {"strongly_agree": 60, "agree": 34, "disagree": 4,
                                "strongly_disagree": 2, "dont_know": 0}
    made = points(results, "pv", "hollins-green", datetime(2026, 11, 20, tzinfo=UTC))
    assert made[0].metric == "submissions" and made[0].value == 57
    # Stored under the name both question sets share (spiders/parent_view_questions.py)
    assert made[1].metric == "My child is happy at this school" and made[1].value == 94


def test_the_spider_records_a_reading_only_when_the_figures_change() -> None:
    spider = make_spider(ParentViewSpider, "parent_view", PV_URL)
    spider.school_ids = {"hollins-green"}
    assert documents(spider.parse_results(html_response(PARENT_VIEW, PV_URL))) == []
    assert len(spider.series) == 14 and spider.new_state["figures"]
    again = make_spider(ParentViewSpider, "parent_view", PV_URL, state=dict(spider.new_state))
    again.school_ids = {"hollins-green"}
    list(again.parse_results(html_response(PARENT_VIEW, PV_URL)))
    assert again.series == []


def _reading(at: datetime, submissions: int, happy: float, safe: float) -> dict[str, object]:
    return {"observed_at": at, "as_of": at.date(),
            "values": {"submissions": submissions, "Q1. Happy": happy, "Q2. Safe": safe}}


def test_a_ten_point_fall_or_passing_ten_responses_is_flagged() -> None:
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    readings = [_reading(t0, 8, 90, 95), _reading(t0 + timedelta(days=7), 12, 81, 85)]
    found = flags(readings, t0 + timedelta(days=1), t0 + timedelta(days=14))
    assert found == [
        "Parent View responses passed 10: now 12 (were 8)",
        'Parent View: "Q2. Safe" fell 10 points, from 95% to 85% agreeing',
    ]  # Q1 fell 9 points: not flagged
    assert flags(readings, t0 + timedelta(days=8), t0 + timedelta(days=14)) == []


def _series(store: Store, at: datetime, submissions: int, safe: float) -> None:
    store.write_crawl(CrawlResult(
        schools=[("hollins-green", "Hollins Green Primary School")],
        sources=[("pv", "parent_view", PV_URL, None)], runs=[], documents=[], validators=[],
        series=[SeriesPoint("pv", "hollins-green", "parent_view", at, at.date(), "submissions",
                            submissions),
                SeriesPoint("pv", "hollins-green", "parent_view", at, at.date(),
                            "Q2. My child feels safe at this school.", safe)],
    ))


def test_digest_flags_new_reports_and_parent_view_and_the_report_shows_the_trend(
    tmp_path: Path,
) -> None:
    config = unattended_config(tmp_path, source=[
        {"name": "ofsted", "kind": "ofsted", "url": OFSTED_URL},
        {"name": "pv", "kind": "parent_view", "url": PV_URL},
    ])
    store = Store(config.store.path)
    week = Week.previous(datetime.now(UTC))
    write_posts(store, [Post(
        url="https://files.ofsted.gov.uk/v1/file/50999999", source="ofsted", source_kind="ofsted",
        title="Ofsted: Full inspection report (PDF) (4 November 2026)",
        text="Hollins Green Primary School: Full inspection report (PDF), inspection of "
             "4 November 2026. Judgement: Good.", published_at=week.start + timedelta(days=2),
    )])
    _series(store, week.start - timedelta(days=30), 8, 96)
    _series(store, week.start + timedelta(days=1), 14, 80)
    school = config.school[0]
    digest = build_digest(config, store, school, week)
    assert [item.url for item in digest.ofsted] == ["https://files.ofsted.gov.uk/v1/file/50999999"]
    assert len(digest.parent_view) == 2
    text = compose_digest(digest, "a@b.example", ("c@d.example",)).message.body.decode()
    assert "NEW INSPECTION REPORT" in text and "passed 10" in text
    report = build_report(config, store, school, since=date(2025, 1, 1))
    assert report.parent_view is not None
    (line,) = report.parent_view.lines
    assert (line.first, line.latest, line.change) == (96, 80, -16)
    assert report.parent_view.submissions == [8, 14]
    assert "Ofsted Parent View" in render_report(report)
    assert any("Parent View has fallen on 1 question" in step for step in report.checklist)
