"""The web inbox in a real browser: Debian's chromium driven by Playwright, against
`schoolwatch serve` on a port-0 socket over a real store."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.ground.config import load_config
from crawler.store import Store
from digest.weekly import build_digest
from digest.weeks import Week
from tests.web_helpers import PASSWORD, Seeded, add_user, seed, serving, write_config_file

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None and not Path(CHROMIUM).exists(),
    reason="needs Debian's chromium: apt-get install -y chromium (make test installs it)",
)

playwright_api = pytest.importorskip("playwright.sync_api")


class Inbox:
    def __init__(self, url: str, config_path: Path, ids: Seeded) -> None:
        self.url = url
        self.config = load_config(config_path)
        self.store = Store(self.config.store.path)
        self.ids = ids


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    tmp_path = tmp_path_factory.mktemp("inbox")
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    ids = seed(store)
    add_user(store, "lead@school.example")
    add_user(store, "oak@school.example", schools=("oakfield",))
    add_user(store, "viewer@school.example", role="viewer")
    with serving(config_path, tmp_path) as url:
        yield Inbox(url, config_path, ids)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page: Any, inbox: Inbox, email: str = "lead@school.example") -> None:
    page.goto(inbox.url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(inbox.url + "/mentions")


def test_unauthenticated_mention_page_redirects_to_login_and_shows_nothing(inbox: Inbox) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(f"{inbox.url}/mentions/{inbox.ids.high}")
    assert caught.value.code == 303
    assert caught.value.headers["location"].startswith("/login")
    assert b"bullied" not in caught.value.read()
    caught.value.close()
    with urllib.request.urlopen(inbox.url + "/login") as response:
        html = response.read().decode()
    assert 'name="email"' in html and 'name="password"' in html
    assert 'type="hidden" name="csrf_token"' in html
    assert response.headers["cache-control"] == "no-store"
    with urllib.request.urlopen(inbox.url + "/static/htmx.min.js") as response:
        assert response.headers["cache-control"] == "private, max-age=3600"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert b"htmx" in response.read(200)


def test_log_in_triage_a_high_risk_mention_and_it_leaves_the_digests_needs_action(
    inbox: Inbox, page: Any
) -> None:
    week = Week.containing(datetime.now(UTC) - timedelta(days=2))
    school = inbox.config.school[0]
    before = build_digest(inbox.config, inbox.store, school, week)
    assert inbox.ids.high in [item.id for item in before.action_items]

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, inbox)
    page.select_option("select[name=risk]", "high")  # htmx swaps the list in place
    page.wait_for_url("**/mentions?*risk=high*")
    assert page.locator("#results").count() == 1
    assert page.locator("li.mention").count() == 2
    row = page.locator(f"li.mention[data-id='{inbox.ids.high}']")
    row.locator("a.title").click()
    page.wait_for_url(f"{inbox.url}/mentions/{inbox.ids.high}")
    assert page.locator("#post-text mark.reason").inner_text() == "being bullied every day"
    page.click("#mark-handled")
    page.wait_for_url(f"**/mentions/{inbox.ids.high}?done=status")
    assert page.locator("#status").inner_text() == "Handled"
    assert "lead@school.example" in page.locator("#audit").inner_text()

    assert not [line for line in console if "Content Security Policy" in line]

    after = build_digest(inbox.config, inbox.store, school, week)
    assert inbox.ids.high not in [item.id for item in after.action_items]
    assert after.need_action == before.need_action - 1


def test_open_a_takedown_case_from_the_mention_page(inbox: Inbox, page: Any) -> None:
    log_in(page, inbox)
    page.goto(f"{inbox.url}/mentions/{inbox.ids.medium}")
    page.fill("#case-note", "the parent asked for removal")
    page.click("#open-case")
    page.wait_for_url("**/cases#case-*")
    (case,) = inbox.store.list_cases(school_id="hollins-green")
    section = page.locator(f"#case-{case.id}")
    assert "the parent asked for removal" in section.inner_text()
    assert case.mention_id == inbox.ids.medium
    assert inbox.store.mention(inbox.ids.medium, None)["status"] == "case_opened"
    section.locator("select[name=status]").select_option("reported")
    section.locator("input[name=note]").fill("reported with the forum's button")
    section.locator("button[type=submit]").click()
    page.wait_for_url(f"**/cases#case-{case.id}")
    assert "reported with the forum's button" in page.locator(f"#case-{case.id}").inner_text()
    assert inbox.store.get_case(case.id).status == "reported"
    actions = [e.action for e in inbox.store.audit_entries(mention_id=inbox.ids.medium)]
    assert actions == ["case_status", "open_case"]


def test_assign_note_and_correct_are_recorded(inbox: Inbox, page: Any) -> None:
    log_in(page, inbox)
    page.goto(f"{inbox.url}/mentions/{inbox.ids.calm}")
    page.select_option("form[action$='/assign'] select", "lead@school.example")
    page.click("form[action$='/assign'] button")
    page.wait_for_url("**?done=assign")
    page.fill("#note", "<b>checked</b> with the office")
    page.click("#add-note")
    page.wait_for_url("**?done=note")
    page.select_option("select[aria-label='Correct risk']", "low")
    page.click("form[action$='/correct']:has(input[value=risk]) button")
    page.wait_for_url("**?done=correct")
    assert "<b>checked</b> with the office" in page.locator("ul.notes").inner_text()
    history = page.locator("#audit").inner_text()
    assert "correct" in history and "note" in history and "assign" in history
    mention = inbox.store.mention(inbox.ids.calm, None)
    assert (mention["assigned_to"], mention["risk"], mention["model_risk"]) == (
        "lead@school.example", "low", "none")
    page.goto(inbox.url + "/mentions")
    page.click("#mine")
    page.wait_for_url("**assigned_to=lead%40school.example*")
    assert page.locator("li.mention").count() == 1


def test_sources_and_weekly_chart_pages(inbox: Inbox, page: Any) -> None:
    log_in(page, inbox)
    page.goto(inbox.url + "/chart")
    assert page.locator("svg.chart rect").count() >= 1
    assert "Week of" in page.locator("table").inner_text()
    page.goto(inbox.url + "/sources")
    assert page.locator("h1").inner_text() == "Sources"


def test_a_hostile_post_renders_inert(inbox: Inbox, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, inbox)
    response = page.goto(f"{inbox.url}/mentions/{inbox.ids.hostile}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert page.title() == f"Mention {inbox.ids.hostile} · schoolwatch"
    assert "<script>" in page.locator("#post-text").inner_text()
    scripts = page.eval_on_selector_all("script", "els => els.map(e => e.src)")
    assert scripts == [inbox.url + "/static/htmx.min.js"]
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h and not h.startswith(("/", "http://", "https://"))]
    assert page.locator("#post-text img, #post-text a, #title script").count() == 0
    page.goto(f"{inbox.url}/mentions/{inbox.ids.hostile}/raw")
    assert "javascript:alert(1)" in page.locator("#raw").inner_text()
    page.goto(f"{inbox.url}/mentions?q=pwned")
    assert page.locator("li.mention").count() == 1
    assert dialogs == []
    assert page.title() == "Inbox · schoolwatch"


def test_a_lead_of_one_school_gets_404_on_another_schools_mention(
    inbox: Inbox, page: Any
) -> None:
    log_in(page, inbox)
    response = page.goto(f"{inbox.url}/mentions/{inbox.ids.other_school}")
    assert response.status == 404
    assert "Oakfield teacher" not in page.content()
    page.goto(inbox.url + "/mentions")
    assert "Oakfield threat" not in page.content()
    refused = page.request.post(
        f"{inbox.url}/mentions/{inbox.ids.other_school}/status",
        form={"status": "handled", "csrf_token": _token(page)},
    )
    assert refused.status == 404

    oak = page.context.browser.new_context()
    oak_page = oak.new_page()
    log_in(oak_page, inbox, "oak@school.example")
    assert oak_page.goto(f"{inbox.url}/mentions/{inbox.ids.other_school}").status == 200
    assert oak_page.goto(f"{inbox.url}/mentions/{inbox.ids.calm}").status == 404
    oak.close()


def _token(page: Any) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value")


def test_a_form_without_its_csrf_token_is_refused(inbox: Inbox, page: Any) -> None:
    before = inbox.store.mention(inbox.ids.calm, None)
    log_in(page, inbox)
    page.goto(f"{inbox.url}/mentions/{inbox.ids.calm}")
    note_form = page.locator("form[action$='/note']")
    note_form.locator("input[name=csrf_token]").evaluate("element => element.remove()")
    page.fill("#note", "should not be saved")
    page.click("#add-note")
    page.wait_for_load_state("load")
    assert "CSRF" in page.locator("#error").inner_text()
    forged = page.request.post(f"{inbox.url}/mentions/{inbox.ids.calm}/status",
                               form={"status": "handled", "csrf_token": "forged"})
    assert forged.status == 403
    after = inbox.store.mention(inbox.ids.calm, None)
    assert (after["notes"], after["status"]) == (before["notes"], before["status"])
    assert "should not be saved" not in str(after["notes"])


def test_a_viewer_reads_but_cannot_act(inbox: Inbox, page: Any) -> None:
    log_in(page, inbox, "viewer@school.example")
    page.goto(f"{inbox.url}/mentions/{inbox.ids.calm}")
    assert page.locator("#actions").count() == 0
    refused = page.request.post(f"{inbox.url}/mentions/{inbox.ids.calm}/status",
                                form={"status": "handled", "csrf_token": _token(page)})
    assert refused.status == 403


def test_bulk_false_positive_needs_a_reason_then_applies_to_every_ticked(
    inbox: Inbox, page: Any
) -> None:
    log_in(page, inbox)
    page.goto(f"{inbox.url}/mentions?q=Hollins")
    for mention_id in (inbox.ids.calm, inbox.ids.hostile):
        page.check(f"input[name=ids][value='{mention_id}']")
    page.select_option("#bulk select[name=status]", "false_positive")
    page.click("#bulk button[type=submit]")
    assert "reason" in page.locator("#error").inner_text()
    page.go_back()
    page.goto(f"{inbox.url}/mentions?q=Hollins")
    for mention_id in (inbox.ids.calm, inbox.ids.hostile):
        page.check(f"input[name=ids][value='{mention_id}']")
    page.select_option("#bulk select[name=status]", "follow_up")
    page.click("#bulk button[type=submit]")
    page.wait_for_url("**/mentions?*done=2")
    assert page.locator("#flash").inner_text() == "2 mentions changed."
    for mention_id in (inbox.ids.calm, inbox.ids.hostile):
        assert inbox.store.mention(mention_id, None)["status"] == "follow_up"


def test_csv_export_of_a_filtered_view_defuses_formulas(inbox: Inbox, page: Any) -> None:
    log_in(page, inbox)
    response = page.request.get(f"{inbox.url}/mentions.csv?risk=high")
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text().splitlines()
    assert lines[0].startswith("id,school_id,happened_at")
    assert len(lines) == 3  # the two high-risk mentions of hollins-green, not oakfield's
    assert "Oakfield" not in response.text()


def test_pages_are_readable_on_a_phone(inbox: Inbox, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    log_in(phone, inbox)
    for path in ("/mentions", f"/mentions/{inbox.ids.hostile}", "/cases", "/sources", "/chart"):
        phone.goto(inbox.url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
    context.close()


def test_login_is_rate_limited(tmp_path: Path) -> None:
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    add_user(store, "lead@school.example")
    with serving(config_path, tmp_path) as url:
        statuses = [_login_status(url, "lead@school.example", "wrong password") for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        assert _login_status(url, "lead@school.example", PASSWORD) == 429
        assert "wrong password" not in (tmp_path / "serve.log").read_text(encoding="utf-8")


def _login_status(url: str, email: str, password: str) -> int:
    jar = urllib.request.HTTPCookieProcessor()
    opener = urllib.request.build_opener(jar)
    with opener.open(url + "/login") as response:
        html = response.read().decode()
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token}).encode()
    try:
        with opener.open(url + "/login", data=data) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code
