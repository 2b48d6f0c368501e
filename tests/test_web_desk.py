"""The lead's daily view in a real browser (Debian's chromium through Playwright): what needs
action comes first, failing sources are called out, and the mention page speaks in words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.ground.items import CrawlResult, SourceRun
from crawler.ground.vocab import RunStatus
from crawler.store import Store
from digest import policy
from tests.test_web_browser import CHROMIUM, pytestmark  # noqa: F401  (skip without chromium)
from tests.web_helpers import PASSWORD, SCHOOLS, Seeded, add_user, seed, serving

playwright_api = pytest.importorskip("playwright.sync_api")


def write_config_with_sources(tmp_path: Path) -> Path:
    path = tmp_path / "schoolwatch.toml"
    sources = "".join(
        f'[[source]]\nname = "{name}"\nkind = "feed"\nurl = "http://127.0.0.1:9/{name}"\n'
        for name in ("news", "reddit-ashcombe", "forum")
    )
    path.write_text(
        f'[store]\npath = "{tmp_path / "store.duckdb"}"\n[crawl]\nallow_private = true\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
        'aliases = ["Hollins Green Primary"]\n'
        '[[school]]\nid = "oakfield"\nname = "Oakfield Academy"\naliases = ["Oakfield"]\n'
        + sources, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded, Store]]:
    tmp_path = tmp_path_factory.mktemp("desk")
    config_path = write_config_with_sources(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    ids = seed(store)
    now = datetime.now(UTC)
    store.write_crawl(CrawlResult(schools=SCHOOLS, sources=[], documents=[], validators=[], runs=[
        SourceRun("news", now - timedelta(hours=1)),
        SourceRun("reddit-ashcombe", now - timedelta(hours=2), status=RunStatus.FAILED,
                  errors=["HTTP 403 Forbidden"]),
        SourceRun("forum", now - timedelta(hours=3), status=RunStatus.FAILED,
                  errors=["cannot connect to https://www.a-long-parents-forum-name.example.org"
                          "/talk/primary_education/threads?page=7: DNS lookup failed after 3 "
                          "tries (the name may have changed, or the site may be down)"]),
    ]))
    store.set_status([ids.calm], "false_positive", "sam@school.example",
                     reason="about the church, not us")
    add_user(store, "lead@school.example")
    store.open_case(ids.high, "the parent asked", "lead@school.example")
    with serving(config_path, tmp_path) as url:
        yield url, ids, store


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, desk: tuple[str, Seeded, Store]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    url = desk[0]
    page.goto(url + "/login")
    page.fill("input[name=email]", "lead@school.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(url + "/mentions")
    yield page
    context.close()


def test_the_inbox_leads_with_what_needs_action_and_warns_of_failing_sources(
    desk: tuple[str, Seeded, Store], page: Any
) -> None:
    url, ids, _ = desk
    shown = [int(i) for i in page.locator("li.mention").evaluate_all(
        "items => items.map(item => item.dataset.id)")]
    # high risk first (newest first within), then medium, then the rest
    assert shown == [ids.high, ids.hostile, ids.medium, ids.calm]
    assert "needs action first" in page.locator(".total").inner_text()
    banner = page.locator("#coverage").inner_text()
    assert "2 of 3 sources have failed since" in banner
    assert "this may be silence, not calm" in banner
    first = page.locator("li.mention").first.inner_text()
    assert "High risk" in first and "Negative tone" in first and "Safeguarding concern" in first
    assert "named_pupil" not in page.content() and ">high<" not in page.content()

    page.select_option("select[name=order]", "newest")
    page.wait_for_url("**order=newest*")
    shown = [int(i) for i in page.locator("li.mention").evaluate_all(
        "items => items.map(item => item.dataset.id)")]
    assert shown == [ids.high, ids.medium, ids.hostile, ids.calm]
    page.goto(url + "/chart")
    assert "this may be silence, not calm" in page.locator("#coverage").inner_text()


def test_the_mention_page_says_what_to_do_in_words_and_history_in_sentences(
    desk: tuple[str, Seeded, Store], page: Any
) -> None:
    url, ids, _ = desk
    page.goto(f"{url}/mentions/{ids.high}")
    todo = page.locator("#what-to-do").inner_text()
    assert policy.CATEGORIES["safeguarding"].action in todo  # the digest's own words
    assert page.locator("#categories").inner_text().strip() == "Safeguarding concern"
    assert page.locator("#risk-badge").inner_text() == "High risk"
    source = page.locator("#source").inner_text()
    assert source == "forum: a forum, from forum.test"

    page.goto(f"{url}/mentions/{ids.calm}")
    history = page.locator("#audit").inner_text()
    assert "sam@school.example marked this false positive: 'about the church, not us'" in history
    assert "{" not in history and "assigned_to" not in history


def test_bulk_false_positive_without_a_reason_asks_for_one_and_keeps_the_ticks(
    desk: tuple[str, Seeded, Store], page: Any
) -> None:
    url, ids, store = desk
    page.goto(f"{url}/mentions?q=Hollins")
    for mention_id in (ids.medium, ids.hostile):
        page.check(f"input[name=ids][value='{mention_id}']")
    page.select_option("#bulk select[name=status]", "false_positive")
    page.click("#bulk button[type=submit]")
    page.wait_for_url("**bulk_error=reason*")
    assert "say why the ticked mentions are false positives" in page.locator(
        "#error").inner_text()
    assert "q=Hollins" in page.url  # the same view
    ticked = page.locator("input[name=ids]:checked").evaluate_all(
        "boxes => boxes.map(box => Number(box.value))")
    assert sorted(ticked) == sorted([ids.medium, ids.hostile])
    assert page.locator("#bulk select[name=status]").input_value() == "false_positive"
    assert store.mention(ids.medium, None)["status"] == "new"

    page.fill("#bulk input[name=reason]", "about the church, not us")
    page.click("#bulk button[type=submit]")
    page.wait_for_url("**done=2*")
    assert store.mention(ids.hostile, None)["status_reason"] == "about the church, not us"


def test_no_table_loses_a_column_off_the_edge(
    desk: tuple[str, Seeded, Store], page: Any, browser: Any
) -> None:
    url = desk[0]
    page.goto(url + "/sources")
    error = page.locator("td.last-error", has_text="DNS lookup failed")
    box = error.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1100
    assert "site may be down" in error.inner_text()

    phone = browser.new_context(viewport={"width": 390, "height": 844},
                                storage_state=page.context.storage_state()).new_page()
    for path in ("/cases", "/chart", "/sources"):
        phone.goto(url + path)
        cells = phone.locator("table tr td:last-child")
        assert cells.count() > 0, path
        for index in range(cells.count()):
            box = cells.nth(index).bounding_box()
            assert box is not None and box["width"] > 0, path
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (path, box)
    phone.context.close()
