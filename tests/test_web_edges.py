"""Input at the inbox's edges (issue 22 items 5 and 6): filters a URL can push past what a store
holds are clamped, never a 500; the Sources page shows a lead only their schools' sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.ground.config import Config, config_from_dict
from crawler.ground.items import SourceRun
from crawler.ground.vocab import RunStatus
from crawler.store import Store, base
from crawler.store.runs import write_runs
from tests.inbox_client import LEAD, Browser, inbox_server
from tests.web_helpers import SECRET, add_user, seed


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOLWATCH_SECRET_KEY", SECRET)


def _config(tmp_path: Path) -> Config:
    return config_from_dict({
        "store": {"path": str(tmp_path / "store.duckdb")},
        "crawl": {"allow_private": True},
        "school": [
            {"id": "hollins-green", "name": "Hollins Green Primary School",
             "aliases": ["Hollins Green Primary"]},
            {"id": "oakfield", "name": "Oakfield Academy", "aliases": ["Oakfield"]},
        ],
        "source": [
            {"name": "hollins-forum", "kind": "forum", "url": "http://forum.test/hg",
             "schools": ["hollins-green"]},
            {"name": "oakfield-secret-forum", "kind": "forum",
             "url": "http://oak.test/private-board", "schools": ["oakfield"]},
            {"name": "forum", "kind": "forum", "url": "http://forum.test/"},
        ],
    }, "test.toml", base_dir=tmp_path)


@pytest.fixture
def served(tmp_path: Path) -> tuple[Config, Store]:
    config = _config(tmp_path)
    store = Store(config.store.path)
    seed(store)
    add_user(store, LEAD)
    at = datetime.now(UTC)
    with store.transaction() as con:
        write_runs(con, [
            SourceRun("hollins-forum", at, at, RunStatus.OK, pages_fetched=3),
            SourceRun("oakfield-secret-forum", at, at, RunStatus.FAILED,
                      errors=["HTTP 403 at http://oak.test/private-board?token=oak-only"]),
        ])
    return config, store


@pytest.mark.parametrize("query", [
    "page=99999999999999999999", "page=-5", "page=%C2%B2", "page=1e9",
    "until=9999-12-31", "since=0001-01-01", "since=9999-12-31&until=0001-01-01",
    "until=9999-12-31&page=99999999999999999999",
])
def test_out_of_range_filters_are_clamped_not_a_500(
    served: tuple[Config, Store], query: str
) -> None:
    config, _ = served
    with inbox_server(config) as url:
        browser = Browser(url)
        browser.log_in()
        for path in (f"/mentions?{query}", f"/mentions.csv?{query}"):
            status, _, body = browser.get(path)
            assert status == 200, (path, body[:300])
        status, _, body = browser.get(f"/mentions?{query.split('&')[0]}")
        assert "Internal Server Error" not in body


def test_a_far_off_until_still_means_no_upper_bound(served: tuple[Config, Store]) -> None:
    config, _ = served
    with inbox_server(config) as url:
        browser = Browser(url)
        browser.log_in()
        _, _, csv_text = browser.get("/mentions.csv?until=9999-12-31")
    assert len(csv_text.strip().splitlines()) == 1 + 4  # header + hollins-green's four


def test_a_huge_mention_id_is_not_found_not_a_500(served: tuple[Config, Store]) -> None:
    config, _ = served
    with inbox_server(config) as url:
        browser = Browser(url)
        browser.log_in()
        for path in ("/mentions/99999999999999999999", "/mentions/99999999999999999999/raw"):
            assert browser.get(path)[0] == 404


def test_sources_shows_a_lead_only_their_schools_sources(served: tuple[Config, Store]) -> None:
    config, store = served
    add_user(store, "admin@school.example", role="admin", schools=())
    with inbox_server(config) as url:
        lead = Browser(url)
        lead.log_in()
        _, _, page = lead.get("/sources")
        admin = Browser(url)
        admin.log_in("admin@school.example")
        _, _, everything = admin.get("/sources")
    assert "hollins-forum" in page and ">forum<" in page  # theirs, and the one about all
    assert "oakfield-secret-forum" not in page and "oak.test" not in page
    assert "oak-only" not in page
    assert "oakfield-secret-forum" in everything and "HTTP 403" in everything


def test_a_page_opens_the_store_once(
    served: tuple[Config, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21 item 8: the session and the page are read through one open of the DuckDB file
    (opening it is most of a page's time at 100,000 mentions; bench/inbox.py)."""
    config, _ = served
    opened: list[bool] = []
    real = base.connect

    def counting(path: Path, *, read_only: bool, wait: float, settings: object = None) -> object:
        opened.append(read_only)
        return real(path, read_only=read_only, wait=wait, settings=settings)  # type: ignore[arg-type]

    with inbox_server(config) as url:
        browser = Browser(url)
        browser.log_in()
        browser.get("/mentions")  # the filters' choices are cached after the first page
        monkeypatch.setattr(base, "connect", counting)
        for path in ("/mentions", "/mentions?risk=high&page=2", "/sources", "/cases"):
            opened.clear()
            assert browser.get(path)[0] == 200
            assert opened == [True], (path, opened)
