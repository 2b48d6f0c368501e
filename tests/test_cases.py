from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.errors import CaseError
from crawler.store import Store
from schoolwatch.cases import (
    case_events,
    get_case,
    list_cases,
    open_case,
    open_cases,
    recheck_cases,
    text_still_present,
    update_case,
)
from schoolwatch.cli import cli
from schoolwatch.demo.server import FixtureServer, send
from tests.store_helpers import Post, unattended_config, write_posts

POST = ("Hollins Green Primary is a disgrace, the head Jane Alder ignores every complaint "
        "and the teachers shout at the children in the playground every single morning.")


def test_a_reported_post_that_starts_answering_404_is_marked_removed(tmp_path: Path) -> None:
    state = {"gone": False}

    def post(handler) -> None:
        if state["gone"]:
            send(handler, 404, b"<html>Page not found</html>", "text/html")
        else:
            page = f"<html><body><h1>Forum</h1><p>{POST}</p></body></html>".encode()
            send(handler, 200, page, "text/html; charset=utf-8")

    with FixtureServer(routes={"/t/1": post}) as server:
        config = unattended_config(tmp_path)
        store = Store(config.store.path)
        (mention_id,) = write_posts(store, [Post(url=f"{server.base_url}/t/1", text=POST,
                                                 fetched_from=f"{server.base_url}/feed.xml")])
        case = open_case(store, mention_id, "asked by the head")
        assert case.url == f"{server.base_url}/t/1"  # the post, not the feed it came through
        update_case(store, case.id, "reported", "reported via the forum's form")

        (first,) = recheck_cases(config)
        assert first.outcome == "present"
        assert get_case(store, case.id).status == "reported"

        state["gone"] = True
        (second,) = recheck_cases(config)
        assert second.outcome == "removed" and second.http_status == 404
        closed = get_case(store, case.id)
        assert closed.status == "removed" and closed.closed_at is not None
        assert closed.last_check == "gone: HTTP 404"
        assert open_cases(store, "hollins-green") == []

    # The post, its evidence and both checks' responses are kept.
    assert store.query("SELECT text FROM mention_records WHERE id = ?", [mention_id]).rows == [
        (POST,)
    ]
    checks = [e for e in case_events(store, case.id) if e["kind"] == "check"]
    assert [e["http_status"] for e in checks] == [200, 404]
    assert b"Page not found" in (store.raw_body(checks[1]["raw_sha256"]) or b"")
    assert POST.encode() in (store.raw_body(checks[0]["raw_sha256"]) or b"")
    # A closed case is not fetched again.
    assert recheck_cases(config) == []


def test_a_post_whose_text_is_gone_from_the_page_is_marked_removed(tmp_path: Path) -> None:
    def thread(handler) -> None:
        send(handler, 200, b"<html><p>This post was removed by a moderator.</p></html>",
             "text/html")

    with FixtureServer(routes={"/t/2": thread}) as server:
        config = unattended_config(tmp_path)
        store = Store(config.store.path)
        (mention_id,) = write_posts(store, [Post(url=f"{server.base_url}/t/2", text=POST)])
        case = open_case(store, mention_id)
        (result,) = recheck_cases(config)
    assert result.outcome == "removed"
    assert get_case(store, case.id).status == "removed"


def test_a_server_error_or_unreachable_site_leaves_the_case_open(tmp_path: Path) -> None:
    def broken(handler) -> None:
        send(handler, 503, b"busy", "text/plain")

    with FixtureServer(routes={"/t/3": broken}) as server:
        config = unattended_config(tmp_path)
        store = Store(config.store.path)
        ids = write_posts(store, [Post(url=f"{server.base_url}/t/3", text=POST),
                                  Post(url="http://127.0.0.1:9/t/4", text=POST + " Again.")])
        for mention_id in ids:
            update_case(store, open_case(store, mention_id).id, "reported")
        results = recheck_cases(config)
    assert [r.outcome for r in results] == ["inconclusive", "inconclusive"]
    assert results[0].detail == "HTTP 503"
    assert results[1].detail.startswith("could not fetch")
    assert [c.status for c in list_cases(store)] == ["reported", "reported"]


def test_the_recheck_sends_the_configured_user_agent_and_obeys_robots(tmp_path: Path) -> None:
    seen = []

    def page(handler) -> None:
        seen.append(handler.headers.get("User-Agent"))
        send(handler, 200, POST.encode(), "text/plain")

    def robots(handler) -> None:
        send(handler, 200, b"User-agent: *\nDisallow: /private/\n", "text/plain")

    with FixtureServer(routes={"/t/5": page, "/private/6": page, "/robots.txt": robots}) as server:
        config = unattended_config(tmp_path)
        store = Store(config.store.path)
        ids = write_posts(store, [Post(url=f"{server.base_url}/t/5", text=POST),
                                  Post(url=f"{server.base_url}/private/6", text=POST + " 2")])
        for mention_id in ids:
            open_case(store, mention_id)
        results = recheck_cases(config)
    assert seen == ["schoolwatch-test"]
    assert [r.detail for r in results] == ["still there (HTTP 200)",
                                           "robots.txt forbids re-checking"]


def test_cases_refuse_unknown_mentions_duplicates_and_bad_statuses(
    unattended_store: Store,
) -> None:
    (mention_id,) = write_posts(unattended_store, [Post(url="http://x.test/1", text=POST)])
    with pytest.raises(CaseError, match="no mention with id 99"):
        open_case(unattended_store, 99)
    case = open_case(unattended_store, mention_id)
    with pytest.raises(CaseError, match="already has case 1 open"):
        open_case(unattended_store, mention_id)
    with pytest.raises(CaseError, match="status must be one of"):
        update_case(unattended_store, case.id, "gone")
    with pytest.raises(CaseError, match="no case with id 7"):
        update_case(unattended_store, 7, "reported")
    update_case(unattended_store, case.id, "refused", "platform says it is fair comment")
    refused = get_case(unattended_store, case.id)
    assert refused.closed_at is not None and refused.note == "platform says it is fair comment"
    # Once closed, a new case may be opened on the same post (it came back, say).
    assert open_case(unattended_store, mention_id).id == 2


def test_text_still_present_ignores_markup_case_and_wrapping() -> None:
    assert text_still_present(POST, "Header\n" + POST.upper().replace(" ", "\n") + "\nFooter")
    assert not text_still_present(POST, "Hollins Green Primary: thread locked.")
    assert text_still_present("", "anything")  # no evidence, no verdict


def test_case_commands(tmp_path: Path) -> None:
    config = unattended_config(tmp_path)
    config_path = tmp_path / "schoolwatch.toml"
    config_path.write_text(
        f'[store]\npath = "{config.store.path}"\n[[school]]\nid = "hollins-green"\n'
        'name = "Hollins Green Primary School"\n', encoding="utf-8")
    (mention_id,) = write_posts(Store(config.store.path),
                                [Post(url="http://x.test/1", text=POST)])
    runner = CliRunner()
    opened = runner.invoke(cli, ["case", "open", str(mention_id), "--note", "parent complaint",
                                 "--config", str(config_path)])
    assert opened.exit_code == 0, opened.output
    assert "Opened case 1" in opened.output
    updated = runner.invoke(cli, ["case", "update", "1", "--status", "reported", "--note",
                                  "form sent", "--config", str(config_path)])
    assert updated.exit_code == 0 and "reported" in updated.output
    listed = runner.invoke(cli, ["case", "list", "--config", str(config_path)])
    assert listed.exit_code == 0
    assert "x.test/1" in listed.output.replace("│", "").replace(" ", "").replace("\n", "")
    assert "form sent" in listed.output and "reported" in listed.output
    missing = runner.invoke(cli, ["case", "update", "5", "--status", "removed",
                                  "--config", str(config_path)])
    assert missing.exit_code == 1 and "no case with id 5" in missing.output
    for args in (["case"], ["case", "open"], ["case", "update"], ["case", "list"],
                 ["case", "check"]):
        assert runner.invoke(cli, [*args, "--help"]).exit_code == 0


def test_the_weekly_digest_lists_open_cases_with_their_age(tmp_path: Path) -> None:
    from digest.compose import compose_digest
    from digest.weekly import build_digest
    from digest.weeks import Week

    config = unattended_config(tmp_path)
    store = Store(config.store.path)
    first, second = write_posts(store, [Post(url="http://x.test/1", text=POST, title="Thread"),
                                        Post(url="http://x.test/2", text=POST + " More.")])
    update_case(store, open_case(store, first).id, "reported")
    update_case(store, open_case(store, second).id, "removed")
    with store.writer() as con:  # reported three weeks ago
        con.execute("UPDATE cases SET opened_at = opened_at - INTERVAL 21 DAY WHERE id = 1")
    digest = build_digest(config, store, config.school[0], Week.containing(datetime.now(UTC)))
    assert [(c.id, c.status, c.age_days) for c in digest.open_cases] == [(1, "reported", 21)]
    composed = compose_digest(digest, "schoolwatch@example.org", ("lead@example.org",))
    assert "Takedown requests still open (1)" in composed.preview_html
    assert "21 days old" in composed.preview_html
    assert "Case 1, reported, 21 days old: Thread" in composed.text
