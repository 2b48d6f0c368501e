"""Instant alerts: one message per school for new high-risk mentions, with evidence, once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from crawler.store import Store
from digest.alerts import queue_alerts
from digest.mailer import deliver_pending
from schoolwatch.cli import cli
from tests.mail_helpers import Post, SmtpSink, make_config, parts, smtp_email, write_posts


def threat(title: str, body: bytes) -> Post:
    text = f"{title}: I'll be waiting at the gate for Tom in Year 4. Text 07700 900123."
    return Post(title, text, datetime.now(UTC), source="mumsnet", risk="high", sentiment="negative",
                categories=("threat",), reasons={"threat": "waiting at the gate"}, body=body,
                url=f"https://forum.example.org/t/{abs(hash(title))}")


def test_high_risk_mentions_from_one_crawl_arrive_once_in_one_message(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = make_config(tmp_path, email=smtp_email(smtp_sink.port))
    bodies = [b"<html>first threat</html>", b"<html>second threat</html>"]
    write_posts(config, [
        threat("First threat", bodies[0]),
        threat("Second threat", bodies[1]),
        Post("A complaint", "The queue.", datetime.now(UTC), risk="medium",
             categories=("complaint",)),
    ])
    store = Store(config.store.path)

    result = queue_alerts(config, store)
    assert len(result.queued) == 1
    assert queue_alerts(config, store).queued == []  # already alerted
    assert len(deliver_pending(config, store).sent) == 1
    assert deliver_pending(config, store).sent == []

    ((_, rcpts, _),) = smtp_sink.received
    assert rcpts == list(config.school[0].leads)
    (message,) = smtp_sink.messages()
    assert message["Subject"] == (
        "Action needed today: 2 high-risk posts about Hollins Green Primary"
    )
    assert message["Importance"] == "high"
    body = parts(message)
    for text in (body["text"], body["html"]):
        assert "First threat" in text and "Second threat" in text
        assert "A complaint" not in text  # medium risk waits for the digest
        for raw in bodies:
            assert hashlib.sha256(raw).hexdigest() in text
        assert "Call the police" in text
        assert "https://forum.example.org/t/" in text
        assert "First seen" in text or "first seen" in text
        assert "07700 900123" not in text and "Tom in Year 4" not in text


def test_a_later_crawl_alerts_only_the_new_mention(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    config = make_config(tmp_path, email=smtp_email(smtp_sink.port))
    store = Store(config.store.path)
    write_posts(config, [threat("First threat", b"one")])
    queue_alerts(config, store)
    write_posts(config, [threat("Another threat", b"two")])
    queue_alerts(config, store)
    deliver_pending(config, store)
    first, second = (parts(m)["text"] for m in smtp_sink.messages())
    assert "First threat" in first
    assert "Another threat" in second and "First threat" not in second


def test_old_mentions_and_schools_without_leads_are_not_alerted(tmp_path: Path) -> None:
    config = make_config(tmp_path, schools=[
        {"id": "hollins-green", "name": "Hollins Green Primary", "leads": ["a@example.org"]},
        {"id": "quiet", "name": "Quiet School"},
    ])
    write_posts(config, [threat("Threat", b"x"),
                         Post("Other", "Quiet School threat", None, school_id="quiet",
                              risk="high", categories=("threat",))])
    store = Store(config.store.path)
    # A week after they were fetched they are past the alert window.
    assert queue_alerts(config, store, now=datetime.now(UTC) + timedelta(days=8)).queued == []
    (message_id,) = queue_alerts(config, store).queued
    assert message_id.startswith("alert.hollins-green.")
    assert store.query("SELECT count(*) FROM alerted_mentions").rows[0][0] == 1


def test_alerts_command_queues_writes_eml_and_sends(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    path = tmp_path / "schoolwatch.toml"
    path.write_text(f"""
[store]
path = "data/schoolwatch.duckdb"
[email]
sender = "schoolwatch@school.example.org"
smtp_host = "127.0.0.1"
smtp_port = {smtp_sink.port}
starttls = false
[[school]]
id = "hollins-green"
name = "Hollins Green Primary"
leads = ["orm@hollins-green.example.org"]
""", encoding="utf-8")
    from crawler.ground.config import load_config

    write_posts(load_config(path), [threat("Threat", b"x")])
    runner = CliRunner()
    result = runner.invoke(cli, ["alerts", "--config", str(path), "--send"])
    assert result.exit_code == 0, result.output
    assert "Queued alert alert.hollins-green." in result.output
    assert "Sent 1, failed 0, still queued 0." in result.output
    (eml,) = (tmp_path / "data" / "outbox").glob("alert-hollins-green-*.eml")
    assert b"Action needed today" in eml.read_bytes()
    again = runner.invoke(cli, ["alerts", "--config", str(path), "--send"])
    assert "No new high-risk mentions to alert." in again.output
    assert len(smtp_sink.received) == 1
