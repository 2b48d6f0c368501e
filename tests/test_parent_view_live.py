"""Parent View as the live site serves it: redirects from /urn/N to a JavaScript page, whose print
page carries the figures in chart URLs; two question sets (2019 and November 2025).

The fixture pages in tests/fixtures/parentview/ are rebuilt from that structure (each says which
public scrapers it follows); the school and the figures are fictional.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import scrapy
from click.testing import CliRunner

from crawler.ground.items import CrawlResult, SeriesPoint, Validators
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.demo.server import FixtureServer, send
from spiders.parent_view import ParentViewSpider, points, print_page_url, read_results
from tests.fixtures_spiders import html_response, make_spider

PAGES = Path(__file__).parent / "fixtures" / "parentview"
PRINT_2025 = PAGES / "result-print-4711-17.html"
PRINT_2019 = PAGES / "result-print-4711-15.html"
LANDING = PAGES / "result-4711-17.html"
HOST = "https://parentview.ofsted.gov.uk"
AT = datetime(2026, 6, 10, tzinfo=UTC)


def _read(path: Path) -> dict:
    results = read_results(path.read_text(encoding="utf-8"))
    assert results is not None
    return results


def test_the_print_page_gives_every_answer_the_count_and_the_date() -> None:
    results = _read(PRINT_2025)
    assert results["submissions"] == 40
    assert results["as_of"] == date(2026, 6, 3)  # "Figures based on 40 responses up to 03-06-2026"
    assert results["survey"] == "2025/26"
    assert results["question_set"] == "2025"
    assert len(results["questions"]) == 10
    happy = results["questions"][0]
    assert (happy["no"], happy["question"]) == (1, "My child is happy at this school")
    assert happy["answers"] == {"strongly_agree": 50, "agree": 30, "disagree": 10,
                                "strongly_disagree": 5, "dont_know": 5}
    # An encoded chart URL (chd=t%3A40%2C30...) reads the same as a plain one.
    assert results["questions"][1]["answers"]["strongly_agree"] == 60
    assert results["questions"][-1]["answers"] == {"yes": 85, "no": 15}


def test_the_old_question_set_and_a_count_under_responses_for_year() -> None:
    results = _read(PRINT_2019)
    assert results["submissions"] == 57
    assert results["as_of"] == date(2025, 7, 14)
    assert results["question_set"] == "2019"
    assert len(results["questions"]) == 14


def test_questions_that_match_across_the_sets_keep_one_trend_the_others_do_not() -> None:
    new = {p.metric: p for p in points(_read(PRINT_2025), "pv", "hg", AT)}
    old = {p.metric: p for p in points(_read(PRINT_2019), "pv", "hg", AT)}
    assert new["submissions"].value == 40 and old["submissions"].value == 57
    shared = set(new) & set(old)
    # happy, safe, behaviour, bullying, SEND support and concerns are asked in both sets
    assert len(shared - {"submissions"}) == 6
    happy = next(metric for metric in shared if "happy" in metric)
    assert (old[happy].value, new[happy].value) == (94, 80)
    assert new[happy].detail["question"] == "1. My child is happy at this school"
    assert new[happy].detail["question_set"] == "2025"
    # The 2019 recommend question was agree/disagree; the 2025 one is yes/no: two metrics.
    recommend = [metric for metric in {*new, *old} if "recommend" in metric]
    assert len(recommend) == 2 and not set(recommend) & shared
    assert next(new[m].value for m in recommend if m in new) == 85


def test_a_page_with_visible_percentages_reads_every_answer_not_the_first() -> None:
    # The shape c-wilkinson/school-finder's tests give the live result page's text.
    html = (
        "<html><body><div>Responses for this school:</div><div>40</div>"
        "<section><h3>1. My child is happy at this school</h3><div>Strongly agree : 50%</div>"
        "<div>Agree : 30%</div><div>Disagree : 5%</div>"
        "<p>Figures based on 40 responses up to 03-06-2026</p></section>"
        "<section><h3>2. My child feels safe at this school</h3><div>Strongly agree : 60%</div>"
        "<div>Agree : 30%</div><div>Disagree : 5%</div></section></body></html>"
    )
    results = read_results(html)
    assert results is not None and results["submissions"] == 40
    first, second = results["questions"]
    assert first["answers"] == {"strongly_agree": 50, "agree": 30, "disagree": 5}
    assert second["answers"]["strongly_agree"] == 60
    assert points(results, "pv", "hg", AT)[1].value == 80


def test_the_javascript_page_leads_to_its_print_page() -> None:
    assert print_page_url(f"{HOST}/parent-view-results/survey/result/4711/17") == (
        f"{HOST}/parent-view-results/survey/result-print/4711/17"
    )
    assert print_page_url(f"{HOST}/parent-view-results/urn/141001") is None
    mirrored = "http://127.0.0.1:8000/parentview.ofsted.gov.uk/parent-view-results/survey"
    assert print_page_url(f"{mirrored}/result/4711/17") == f"{mirrored}/result-print/4711/17"
    spider = make_spider(ParentViewSpider, "parent_view", f"{HOST}/parent-view-results/urn/141001")
    spider.school_ids = {"hg"}
    landed = html_response(LANDING, f"{HOST}/parent-view-results/survey/result/4711/17")
    (follow,) = [r for r in spider.parse_page(landed) if isinstance(r, scrapy.Request)]
    assert follow.url == f"{HOST}/parent-view-results/survey/result-print/4711/17"
    assert spider.run.errors == [] and spider.series == []


def _redirect(location: str):
    def route(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 302, b"", "text/html", {"Location": location})

    return route


def _page(path: Path):
    def route(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, path.read_bytes(), "text/html; charset=utf-8")

    return route


def test_extract_follows_the_redirects_and_prints_the_figures() -> None:
    routes = {
        "/parent-view-results/urn/141001":
            _redirect("/parent-view-results/survey/result/4711/current"),
        "/parent-view-results/survey/result/4711/current":
            _redirect("/parent-view-results/survey/result/4711/17"),
        "/parent-view-results/survey/result/4711/17": _page(LANDING),
        "/parent-view-results/survey/result-print/4711/17": _page(PRINT_2025),
    }
    with FixtureServer(routes=routes) as server:
        result = CliRunner().invoke(cli, [
            "extract", "--kind", "parent_view", "--allow-private",
            f"{server.base_url}/parent-view-results/urn/141001",
        ])
    assert result.exit_code == 0, result.output
    shown = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    by_metric = {line["metric"]: line for line in shown}
    assert by_metric["submissions"]["value"] == 40
    assert by_metric["submissions"]["as_of"] == "2026-06-03"
    happy = next(line for metric, line in by_metric.items() if "happy" in metric)
    assert happy["value"] == 80 and happy["detail"]["answers"]["agree"] == 30
    assert len(shown) == 11
    assert "0 document(s), 11 figure(s) from" in result.output


def test_readings_stored_under_the_old_names_join_the_new_ones(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    old = [("Q1. My child is happy at this school.", 94.0),
           ("Q10. The school lets me know how my child is doing.", 85.0),
           ("submissions", 57.0)]
    store.write_crawl(CrawlResult(
        schools=[("hg", "Hollins Green Primary School")],
        sources=[("pv", "parent_view", HOST, None)],
        runs=[],
        series=[SeriesPoint("pv", "hg", "parent_view", AT, AT.date(), metric, value)
                for metric, value in old],
    ))
    with store.writer() as con:  # as a store written before the migration was
        con.execute("DELETE FROM schema_migrations WHERE name LIKE '0095_%'")
    assert store.migrate() == ["0095_parent_view_question_names.sql"]
    names = {row[0] for row in store.query("SELECT metric FROM series_points").rows}
    new = {p.metric for p in points(_read(PRINT_2025), "pv", "hg", AT)}
    assert names == {"My child is happy at this school",
                     "The school lets me know how my child is doing", "submissions"}
    assert "My child is happy at this school" in new


def test_the_print_page_is_asked_again_even_when_the_page_before_it_is_unchanged() -> None:
    source = f"{HOST}/parent-view-results/urn/141001"
    printed = f"{HOST}/parent-view-results/survey/result-print/4711/17"
    spider = make_spider(ParentViewSpider, "parent_view", source)
    spider.school_ids = {"hg"}
    spider.known_validators = {source: Validators(source, '"landing"', None),
                               printed: Validators(printed, '"figures"', None)}

    async def first() -> list[scrapy.Request]:
        return [request async for request in spider.start()]

    (start,) = asyncio.run(first())
    assert b"If-None-Match" not in start.headers  # the figures are not on this page
    landed = html_response(LANDING, f"{HOST}/parent-view-results/survey/result/4711/17")
    (follow,) = list(spider.parse_page(landed))
    assert follow.headers[b"If-None-Match"] == b'"figures"'  # unchanged figures cost a 304
