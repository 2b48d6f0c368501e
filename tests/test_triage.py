"""The status rules, and how a person's decision flows through the store, the digest, the
alerts, the report and the feedback export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.errors import CaseError, TriageError
from crawler.ground.inbox_status import check_change, is_resolved, needs_action
from crawler.ground.vocab import MentionStatus
from crawler.store import InboxFilter, Store
from digest.alerts import queue_alerts
from digest.compose import compose_digest
from digest.report import build_report, render_report
from digest.weekly import build_digest
from digest.weeks import Week
from schoolwatch.cli import cli
from tests.web_helpers import add_user, seed, web_config, write_config_file

# ---- the rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(("risk", "status", "expected"), [
    ("high", "new", True), ("medium", "follow_up", True), ("high", "case_opened", True),
    ("high", "handled", False), ("medium", "false_positive", False), ("low", "new", False),
    ("none", "new", False), (None, None, False), ("high", None, True),
])
def test_needs_action_is_high_or_medium_risk_not_yet_resolved(
    risk: str | None, status: str | None, expected: bool
) -> None:
    assert needs_action(risk, status) is expected


def test_only_handled_and_false_positive_resolve() -> None:
    assert {s for s in MentionStatus if is_resolved(s)} == {
        MentionStatus.HANDLED, MentionStatus.FALSE_POSITIVE}


def test_a_change_needs_a_known_settable_status_and_a_reason_for_false_positive() -> None:
    assert check_change("handled", None) is MentionStatus.HANDLED
    assert check_change("false_positive", "about the village") is MentionStatus.FALSE_POSITIVE
    with pytest.raises(TriageError, match="reason"):
        check_change("false_positive", "  ")
    with pytest.raises(TriageError, match="takedown case"):
        check_change("case_opened", None)
    with pytest.raises(TriageError, match="unknown status"):
        check_change("done", None)


# ---- the store -----------------------------------------------------------------------------


def test_status_changes_are_audited_with_before_and_after(tmp_path: Path) -> None:
    store = Store(web_config(tmp_path).store.path)
    ids = seed(store)
    assert store.set_status([ids.high], "handled", "lead@school.example") == 1
    assert store.set_status([ids.high], "handled", "lead@school.example") == 0  # no change
    (entry,) = store.audit_entries(mention_id=ids.high)
    assert (entry.actor, entry.action) == ("lead@school.example", "status")
    assert entry.before == {"status": "new", "reason": None, "assigned_to": None}
    assert entry.after == {"status": "handled", "reason": None, "assigned_to": None}
    assert store.mention(ids.high, None)["status"] == "handled"


def test_scope_hides_other_schools_mentions(tmp_path: Path) -> None:
    store = Store(web_config(tmp_path).store.path)
    ids = seed(store)
    assert store.mention(ids.other_school, ["hollins-green"]) is None
    assert store.mention(ids.other_school, None) is not None
    with pytest.raises(TriageError, match="no mention"):
        store.set_status([ids.other_school], "handled", "x", schools=["hollins-green"])
    page = store.inbox(InboxFilter(), ["hollins-green"])
    assert ids.other_school not in [row["id"] for row in page.rows]
    assert page.total == 4


def test_inbox_filters_search_and_counts(tmp_path: Path) -> None:
    store = Store(web_config(tmp_path).store.path)
    ids = seed(store)
    store.set_status([ids.medium], "follow_up", "x")
    page = store.inbox(InboxFilter(risk="high"), None)
    assert [row["id"] for row in page.rows] == [ids.high, ids.hostile, ids.other_school]
    assert page.counts["new"] == 3 and page.counts["follow_up"] == 0
    assert [r["id"] for r in store.inbox(InboxFilter(q="BULLIED every"), None).rows] == [ids.high]
    assert store.inbox(InboxFilter(q="100%_"), None).rows == []  # wildcards are literal
    assert [r["id"] for r in store.inbox(InboxFilter(status="follow_up"), None).rows] == [
        ids.medium]
    assert [r["id"] for r in store.inbox(InboxFilter(category="personal_data"), None).rows] == [
        ids.other_school]
    assert store.inbox(InboxFilter(sentiment="positive"), None).total == 1
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert store.inbox(InboxFilter(since=tomorrow), None).total == 0


def test_opening_a_case_marks_the_mention_and_refuses_a_second(tmp_path: Path) -> None:
    store = Store(web_config(tmp_path).store.path)
    ids = seed(store)
    case_id = store.open_case(ids.high, "parent asked", actor="lead@school.example")
    mention = store.mention(ids.high, None)
    assert mention["status"] == "case_opened"
    assert mention["cases"][0]["id"] == case_id
    assert [e.action for e in store.audit_entries(mention_id=ids.high)] == ["open_case"]
    with pytest.raises(CaseError, match="already has case"):
        store.open_case(ids.high)


def test_corrections_change_the_view_and_are_exported_as_training_data(tmp_path: Path) -> None:
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    ids = seed(store)
    store.correct(ids.hostile, "risk", "none", "lead@school.example")
    store.correct(ids.calm, "sentiment", "neutral", "lead@school.example")
    with pytest.raises(TriageError):
        store.correct(ids.calm, "risk", "catastrophic", "x")
    mention = store.mention(ids.hostile, None)
    assert (mention["risk"], mention["model_risk"]) == ("none", "high")

    result = CliRunner().invoke(cli, ["feedback", "export", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["mention_id"] for row in rows] == [ids.hostile, ids.calm]
    first = rows[0]
    assert {"text", "school", "staff", "sentiment", "risk", "categories"} <= first.keys()
    assert (first["risk"], first["categories"], first["sentiment"]) == ("none", [], "negative")
    assert first["school"] == "Hollins Green Primary School"
    assert rows[1]["sentiment"] == "neutral" and rows[1]["corrected"] == ["sentiment"]


# ---- the flows -----------------------------------------------------------------------------


def test_handled_and_false_positive_leave_the_digests_needs_action(tmp_path: Path) -> None:
    config = web_config(tmp_path)
    store = Store(config.store.path)
    ids = seed(store)
    week = Week.containing(datetime.now(UTC) - timedelta(days=2))
    school = config.school[0]
    before = build_digest(config, store, school, week)
    assert {i.id for i in before.action_items} == {ids.high, ids.medium, ids.hostile}
    assert before.action_items[0].link == f"http://inbox.test/mentions/{before.action_items[0].id}"

    store.set_status([ids.high], "handled", "lead")
    store.set_status([ids.hostile], "false_positive", "lead", reason="about the park")
    after = build_digest(config, store, school, week)
    assert [i.id for i in after.action_items] == [ids.medium]
    assert after.need_action == 1
    assert {ids.high, ids.hostile} <= {i.id for i in after.other_items}
    composed = compose_digest(after, "sw@school.example", ("lead@school.example",))
    assert "1 needs action" in composed.message.subject
    assert f"http://inbox.test/mentions/{ids.medium}" in composed.text
    assert "handled" in composed.text


def test_false_positives_are_never_alerted(tmp_path: Path) -> None:
    config = web_config(tmp_path)
    store = Store(config.store.path)
    ids = seed(store)
    store.set_status([ids.high], "false_positive", "lead", reason="a different school")
    store.set_status([ids.hostile], "handled", "lead")  # handled already, still worth an alert
    result = queue_alerts(config, store)
    (message_id,) = result.queued
    alerted = {row[0] for row in store.query("SELECT mention_id FROM alerted_mentions").rows}
    assert alerted == {ids.hostile}
    body = result.eml_paths[message_id].read_bytes().decode("utf-8", "replace")
    assert "inbox.test/mentions/" in body


def test_the_report_moves_resolved_items_out_of_unresolved_and_says_how(tmp_path: Path) -> None:
    config = web_config(tmp_path)
    store = Store(config.store.path)
    ids = seed(store)
    store.set_status([ids.medium], "false_positive", "lead", reason="the lunch queue is fine")
    report = build_report(config, store, config.school[0])
    assert ids.medium not in [item.id for item, _ in report.action_items]
    assert [item.id for item, _ in report.resolved_items] == [ids.medium]
    html = render_report(report)
    assert "Resolved high- and medium-risk items (1)" in html
    assert "False positive" in html and "the lunch queue is fine" in html
    assert f"http://inbox.test/mentions/{ids.high}" in html


def test_retention_takes_triage_rows_with_the_mention(tmp_path: Path) -> None:
    store = Store(web_config(tmp_path).store.path)
    ids = seed(store)
    store.set_status([ids.calm], "handled", "lead")
    store.add_note(ids.calm, "seen", "lead")
    store.correct(ids.calm, "risk", "low", "lead")
    store.purge(1, at=datetime.now(UTC) + timedelta(days=3))
    for table in ("mention_triage", "mention_notes", "mention_feedback", "audit_log"):
        assert store.query(f"SELECT count(*) FROM {table}").rows == [(0,)]


# ---- the CLI -------------------------------------------------------------------------------


def test_cli_users_and_mention_show_and_mark(tmp_path: Path) -> None:
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    ids = seed(store)
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "Lead@School.example", "--school", "hollins-green",
                                "--password-stdin", "--config", str(config_path)],
                          input="a long enough password\n")
    assert added.exit_code == 0, added.output
    assert "a long enough password" not in added.output
    (user,) = store.users()
    assert user.email == "lead@school.example" and user.password_hash.startswith("$argon2id$")
    short = runner.invoke(cli, ["user", "add", "v@school.example", "--school", "hollins-green",
                                "--role", "viewer", "--password-stdin", "--config",
                                str(config_path)], input="short\n")
    assert short.exit_code == 1 and "at least" in short.output
    unknown = runner.invoke(cli, ["user", "add", "v@school.example", "--school", "nowhere",
                                  "--password-stdin", "--config", str(config_path)],
                            input="a long enough password\n")
    assert unknown.exit_code == 1 and "no school" in unknown.output
    listed = runner.invoke(cli, ["user", "list", "--config", str(config_path)])
    assert "lead@school.example\tlead\thollins-green" in listed.output

    marked = runner.invoke(cli, ["mention", "mark", str(ids.high), "false_positive",
                                 "--config", str(config_path)])
    assert marked.exit_code == 1 and "reason" in marked.output
    marked = runner.invoke(cli, ["mention", "mark", str(ids.high), "handled", "--note",
                                 "spoke to the parent", "--config", str(config_path)])
    assert marked.exit_code == 0, marked.output
    shown = runner.invoke(cli, ["mention", "show", str(ids.high), "--config", str(config_path)])
    assert "status: handled" in shown.output
    assert "spoke to the parent" in shown.output
    assert f"page: http://inbox.test/mentions/{ids.high}" in shown.output
    removed = runner.invoke(cli, ["user", "remove", "lead@school.example", "--config",
                                  str(config_path)])
    assert removed.exit_code == 0 and store.users() == []
    add_user(store, "again@school.example")
    assert [u.email for u in store.users()] == ["again@school.example"]
