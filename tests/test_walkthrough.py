"""A lead's morning, end to end in a real browser (Debian's chromium through Playwright):
log in, find the high-risk post at the top of the inbox, take a screen print of its page (a
local test page), open a takedown case and download the case's evidence pack, which holds that
screen print with hashes that check."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.screenprint import chromium_path
from crawler.ground.items import CrawlResult
from crawler.store import ClassificationRow, Store
from schoolwatch.demo.server import FixtureServer, send
from tests.test_web_browser import CHROMIUM
from tests.web_helpers import PASSWORD, SCHOOLS, _document, add_user, seed, serving

pytestmark = pytest.mark.skipif(
    chromium_path() is None,
    reason="needs Debian's chromium: apt-get install -y chromium (make test installs it)",
)
playwright_api = pytest.importorskip("playwright.sync_api")
POST = (b"<!doctype html><html><body><h1>Parents' forum</h1><p>Hollins Green Primary: "
        b"the teacher in year 4 should watch out.</p></body></html>")


@pytest.fixture
def morning(tmp_path: Path) -> Iterator[tuple[str, int, FixtureServer]]:
    with FixtureServer(routes={
        "/thread/9": lambda handler: send(handler, 200, POST, "text/html; charset=utf-8"),
    }) as site:
        config_path = tmp_path / "schoolwatch.toml"
        config_path.write_text(
            f'[store]\npath = "{tmp_path / "store.duckdb"}"\n[crawl]\nallow_private = true\n'
            '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
            'aliases = ["Hollins Green Primary"]\n'
            '[[school]]\nid = "oakfield"\nname = "Oakfield Academy"\n', encoding="utf-8")
        store = Store(tmp_path / "store.duckdb")
        seed(store)  # older posts: a high-risk one among them, two days old
        url = site.base_url + "/thread/9"
        store.write_crawl(CrawlResult(
                          schools=SCHOOLS, sources=[("forum", "forum", site.base_url, None)],
                          runs=[], validators=[], documents=[_document(
                              url, "Year 4 teacher", "Hollins Green Primary: the teacher in "
                              "year 4 should watch out.", datetime.now(UTC) - timedelta(days=3),
                              "hollins-green", "Hollins Green Primary")]))
        (mention_id,) = [row[0] for row in store.query(
            "SELECT id FROM mention_records WHERE url = ?", [url]).rows]
        store.write_classifications([ClassificationRow(
            mention_id, "negative", 0.9, "high", ("threat",), {"threat": "watch out"}, "m")])
        add_user(store, "lead@school.example")
        with serving(config_path, tmp_path) as inbox_url:
            yield inbox_url, mention_id, site


def test_a_lead_goes_from_login_to_a_cases_evidence_pack(
    morning: tuple[str, int, FixtureServer],
) -> None:
    url, mention_id, site = morning
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(accept_downloads=True).new_page()
        page.set_default_timeout(30000)
        page.goto(url + "/mentions")
        assert page.url.startswith(url + "/login")
        page.fill("input[name=email]", "lead@school.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_url(url + "/mentions")

        risks = page.locator("li.mention .badge.risk").all_inner_texts()
        assert risks[:3] == ["High risk"] * 3 and "High risk" not in risks[3:]
        page.locator(f"li.mention[data-id='{mention_id}'] a.title").click()
        page.wait_for_url(f"{url}/mentions/{mention_id}")
        assert "Call the police" in page.locator("#what-to-do").inner_text()

        page.click("#take-screen-print")
        page.wait_for_url(f"**/mentions/{mention_id}?done=*")
        shots = page.locator("#screen-prints").inner_text()
        assert f"of {site.base_url}/thread/9 (HTTP 200)" in shots
        assert page.locator("#screen-prints img.thumb").evaluate("img => img.naturalWidth") > 0

        page.fill("#case-note", "reported by a parent")
        page.click("#open-case")
        page.wait_for_url("**/cases#case-*")
        case_id = int(page.url.rsplit("case-", 1)[1])
        with page.expect_download() as caught:
            page.click(f"#pack-{case_id}")
        download: Any = caught.value
        body = Path(download.path()).read_bytes()
        browser.close()

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    metadata = json.loads(files["metadata.json"])
    for entry in metadata["files"]:
        assert hashlib.sha256(files[entry["path"]]).hexdigest() == entry["sha256"]
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[name]).hexdigest() == digest
    (shot,) = metadata["screen_prints"]
    assert (shot["final_url"], shot["http_status"]) == (site.base_url + "/thread/9", 200)
    png = next(name for name in files if name.endswith(".png"))
    assert files[png].startswith(b"\x89PNG") and hashlib.sha256(
        files[png]).hexdigest() == shot["png_sha256"]
    assert "lead@school.example took a screen print" in files["summary.html"].decode()
