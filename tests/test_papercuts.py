"""The newcomer's papercuts (issue 12 item 16)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from click.testing import CliRunner

from digest import policy
from schoolwatch.cli import cli, summary
from schoolwatch.demo.server import FixtureServer
from schoolwatch.ui import program, shown_status


def test_top_level_help_never_cuts_a_summary_mid_sentence() -> None:
    text = CliRunner().invoke(cli, ["--help"], terminal_width=100).output
    assert "..." not in text.split("Commands:", 1)[1]
    import click

    digest = cli.get_command(click.Context(cli), "digest")
    assert digest is not None
    assert summary(digest).endswith("(a .eml copy per message).")
    assert " ".join(summary(digest).split()[-3:]) in " ".join(text.split())


def test_a_generic_forum_with_partial_selectors_is_a_clear_error_not_a_traceback() -> None:
    result = CliRunner().invoke(cli, ["extract", "--kind", "forum", "--platform", "generic",
                                      "--option", "post=.post", "https://forum.example.org/t/1"])
    assert result.exit_code == 1
    assert "needs the selectors 'text'" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_an_extract_error_names_the_url_once(site: FixtureServer) -> None:
    url = f"{site.base_url}/status/404"
    result = CliRunner().invoke(cli, ["extract", "--allow-private", "--kind", "feed", url])
    assert result.exit_code == 1 and result.stderr.count(url) == 1


def test_internal_status_names_are_shown_in_words() -> None:
    assert shown_status("not_modified") == "not modified (304)"
    assert shown_status("ok") == "ok" and "_" not in shown_status("some_state")


def test_suggested_commands_use_what_runs_here(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import sys

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "argv", [".venv/bin/schoolwatch", "init"])
    assert program() == ".venv/bin/schoolwatch"
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/local/bin/schoolwatch")
    assert program() == "schoolwatch"


def test_an_alert_says_tell_the_dsl_once() -> None:
    actions = policy.actions(["threat", "safeguarding", "named_pupil"])
    told = sum(action.lower().count("tell the designated safeguarding lead")
               + action.count("Tell the DSL") for action in actions)
    assert told == 1
    assert any("safeguarding policy" in action for action in actions)


def test_report_dates_carry_their_year(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from crawler.store import Store
    from digest.report import build_report, render_report
    from tests.mail_helpers import Post, make_config, run, write_posts

    config = make_config(tmp_path)
    when = datetime.now(UTC) - timedelta(days=200)
    write_posts(config, [Post("Gate", "Hollins Green Primary gate queue.", when, risk="high",
                              sentiment="negative", categories=("complaint",))],
                runs=[run("local-news", datetime.now(UTC)), run("mumsnet", datetime.now(UTC))])
    html = render_report(build_report(config, Store(config.store.path), config.school[0]))
    assert f"{when:%b %Y}" in html.replace(f"{when.day} ", "")


def test_the_scheduler_lock_file_goes_with_a_clean_exit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from schoolwatch.scheduler import lock_path, scheduler_lock

    store = tmp_path / "store.duckdb"
    with scheduler_lock(store) as held:
        assert held.is_file()
    assert not lock_path(store).exists()


def test_the_run_log_uses_the_schedule_time_zone_throughout() -> None:
    import logging
    from zoneinfo import ZoneInfo

    from schoolwatch.run_commands import LOG_FORMAT, ZonedFormatter

    record = logging.LogRecord("schoolwatch", logging.INFO, __file__, 1, "next crawl", None, None)
    record.created = 1_782_900_000.0  # July 2026: British Summer Time
    line = ZonedFormatter(LOG_FORMAT, ZoneInfo("Europe/London")).format(record)
    assert " BST " in line


def test_the_outbox_table_is_readable_at_120_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.mail_helpers import make_config
    from tests.test_mailer import queue_one

    config = make_config(tmp_path)
    queue_one(config)
    toml = tmp_path / "schoolwatch.toml"
    toml.write_text(f'[store]\npath = "{config.store.path.as_posix()}"\n[[school]]\n'
                    'id = "hollins-green"\nname = "Hollins Green Primary"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["outbox", "--config", str(toml)], terminal_width=120)
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "status" in line)
    for column in ("status", "kind", "school", "subject", "recipients", "attempts"):
        assert column in header
    assert "eml_path" not in result.output and "message_id" not in result.output


def test_a_discourse_forum_under_a_sub_folder_keeps_its_folder() -> None:
    from spiders.platforms.discourse import api_url, site_root

    assert api_url("https://example.org/forum/") == "https://example.org/forum/latest.json"
    assert api_url("https://example.org/forum/t/gate-queue/123") == \
        "https://example.org/forum/t/123.json"
    assert api_url("https://example.org/forum/c/parents/5") == \
        "https://example.org/forum/c/parents/5.json"
    assert site_root("https://example.org/forum/t/123.json") == "https://example.org/forum"
    # At the root, as before.
    assert api_url("https://meta.example.org/t/x/9") == "https://meta.example.org/t/9.json"
    assert site_root("https://meta.example.org/latest.json") == "https://meta.example.org"


def test_reddits_trailer_never_reaches_excerpts_themes_or_the_classifier() -> None:
    from crawler.engine.pipelines import TidyDocumentPipeline
    from crawler.ground.items import Document
    from crawler.ground.text import without_trailers
    from digest.themes import negative_themes

    trailer = " submitted by /u/GateWatcher to r/Ashcombe [link] [12 comments]"
    assert without_trailers("The gate queue again." + trailer) == "The gate queue again."
    assert without_trailers("The gate queue again. [link] [3 comments]") == \
        "The gate queue again."
    assert without_trailers("submitted by /u/x") == ""

    class _School:
        name, aliases, ambiguous, staff = "Hollins Green Primary School", [], [], []

    # Stripped once, in the crawl's pipeline: what the store (and so the themes) gets.
    seen = SimpleNamespace(spider=SimpleNamespace(run=SimpleNamespace(items_seen=0)))
    entry = Document(url="https://www.reddit.com/r/Ashcombe/1", title="Gate",
                     text=f"The gate queue again.{trailer}", fetched_at=datetime.now(UTC),
                     final_url="https://www.reddit.com/r/Ashcombe/1", http_status=200,
                     raw_sha256="", raw_body=b"")
    stored = TidyDocumentPipeline(seen).process_item(entry).text  # type: ignore[arg-type]
    rows = [{"title": "Gate", "text": stored} for _ in range(3)]
    themes = [phrase for phrase, _ in negative_themes(_School(), rows)]  # type: ignore[arg-type]
    assert themes and not any("submitted" in p or "comments" in p or "link" in p
                              for p in themes)


def test_wikipedia_edits_read_as_text_not_wikitext() -> None:
    from crawler.ground.text import plain_wikitext

    raw = ("'''Hollins Green''' was rated [[Ofsted|Requires Improvement]] in [[2024]]."
           "<ref>{{cite web|url=http://x|title=Report}}</ref> {{Infobox school|name=HG}}"
           " See [https://reports.example.org the report].\n== History ==\n[[Category:Schools]]")
    assert plain_wikitext(raw) == ("Hollins Green was rated Requires Improvement in 2024. "
                                   " See the report.\nHistory")


def test_the_report_shows_statuses_in_words() -> None:
    from digest.render import _status

    assert _status("not_modified") == "not modified (304)" and _status("ok") == "ok"
