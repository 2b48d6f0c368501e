"""`schoolwatch demo` end to end, and the fixture server's date templating it relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import load_config
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.demo.server import render_template
from schoolwatch.web.auth import verify_password


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Saturday 21 Nov 2026: last week began Monday 9 Nov.
        (datetime(2026, 11, 21, 10, tzinfo=UTC), "2026-11-11T16:05:00Z"),
        # Monday 23 Nov, early: last week began Monday 16 Nov.
        (datetime(2026, 11, 23, 6, tzinfo=UTC), "2026-11-18T16:05:00Z"),
        # Summer time: London wall-clock 16:05 is 15:05 UTC.
        (datetime(2026, 7, 1, 12, tzinfo=UTC), "2026-06-24T16:05:00+01:00"),
    ],
)
def test_dates_can_count_from_last_weeks_monday(now: datetime, expected: str) -> None:
    assert render_template("{{iso:w-1+2d 16:05}}", "http://x", now) == expected


def test_relative_dates_and_base() -> None:
    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    text = "{{base}}/a {{rfc822:-3d 09:15}} {{epoch:-1d 00:00}}"
    assert render_template(text, "http://127.0.0.1:9", now) == (
        "http://127.0.0.1:9/a Wed, 18 Nov 2026 09:15:00 +0000 1795132800"
    )


def test_demo_runs_offline_and_shows_what_it_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # A narrow terminal: the commands the demo suggests must still come out whole, to copy.
    monkeypatch.setenv("COLUMNS", "60")
    result = CliRunner().invoke(cli, ["demo"], terminal_width=160)
    assert result.exit_code == 0, result.output
    assert result.output.count("Crawl summary") == 2
    assert "What was found" in result.output and "Try it yourself" in result.output
    config = load_config(tmp_path / "demo-data" / "schoolwatch.toml")
    store = Store(config.store.path)
    kinds = {row[0] for row in store.query("SELECT DISTINCT source_kind FROM mentions").rows}
    assert kinds == {"feed", "forum", "reviews", "wikipedia"}
    # The second crawl of unchanged sources stored nothing new.
    second = store.query(
        "SELECT sum(new_mentions) FROM crawl_runs WHERE id > (SELECT count(*) / 2 FROM crawl_runs)"
    ).rows[0][0]
    assert second == 0
    # The classifier finds the demo's one high-risk post (a pupil named with a phone number)
    # and raises nothing ordinary: praise, questions and news stay none or low.
    high = store.query("SELECT title FROM mentions WHERE risk = 'high'").rows
    assert [title for (title,) in high] == ["Hollins Green Primary won't act, so here's who it is"]
    quiet = set(store.query(
        "SELECT title, risk FROM mentions WHERE title IN ("
        "'Hollins Green Primary pupils raise £2,000 for Vale hospice', "
        "'Our nativity week: why Hollins Green Primary gets it right', "
        "'Council publishes 2027/28 term dates', "
        "'Parents angry over new school pick-up rules')"
    ).rows)
    assert len({title for title, _ in quiet}) == 4
    assert {risk for _, risk in quiet} <= {"none", "low"}, quiet
    # ... and leaves a login for the web inbox, with the command that serves it.
    assert "schoolwatch serve --config demo-data/schoolwatch.toml" in result.output
    password = result.output.split("demo@school.example with password ", 1)[1].split()[0]
    (user,) = store.users()
    assert (user.email, user.role) == ("demo@school.example", "admin")
    assert verify_password(user.password_hash, password)


def test_demo_refuses_a_folder_it_did_not_make_and_deletes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("months of work", encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(folder)])
    assert result.exit_code == 1
    assert "not empty" in result.stderr and "deletes nothing it did not create" in result.stderr
    assert (folder / "thesis.docx").read_text(encoding="utf-8") == "months of work"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]


def test_a_demo_folder_is_reused_removing_only_what_the_demo_made(tmp_path: Path) -> None:
    from schoolwatch.demo import MARKER, prepare_folder, record_made

    folder = tmp_path / "demo-data"
    assert prepare_folder(folder) == set()
    (folder / "schoolwatch.toml").write_text("x", encoding="utf-8")
    (folder / "outbox").mkdir()
    (folder / "outbox" / "1.eml").write_text("x", encoding="utf-8")
    record_made(folder, set())
    (folder / "notes.txt").write_text("added by the user later", encoding="utf-8")

    kept = prepare_folder(folder)
    assert kept == {"notes.txt"}
    assert sorted(p.name for p in folder.iterdir()) == [MARKER, "notes.txt"]
    (folder / "schoolwatch.toml").write_text("y", encoding="utf-8")
    record_made(folder, kept)
    assert (folder / MARKER).read_text(encoding="utf-8").split() == ["schoolwatch.toml"]
    prepare_folder(folder)
    assert (folder / "notes.txt").is_file()


def test_a_marker_cannot_point_outside_the_folder(tmp_path: Path) -> None:
    from schoolwatch.demo import MARKER, prepare_folder

    outside = tmp_path / "precious.txt"
    outside.write_text("keep", encoding="utf-8")
    folder = tmp_path / "demo-data"
    folder.mkdir()
    (folder / MARKER).write_text("../precious.txt\n..\n", encoding="utf-8")
    (folder / "x").write_text("made", encoding="utf-8")
    prepare_folder(folder)
    assert outside.read_text(encoding="utf-8") == "keep" and (folder / "x").is_file()
