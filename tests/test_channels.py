"""Channels beside email: a local JSON webhook (through Apprise's json:// plugin) gets each alert
exactly once and is retried after a 500, per-channel rules pick schools, risks and categories,
quiet hours hold all but high risk, and digests go once to the channels that ask. Teams, Slack
and Google Chat through Apprise: tests/test_channel_apprise.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.ground.config import Config
from crawler.ground.errors import ConfigError
from crawler.ground.items import CrawlResult
from crawler.store import ClassificationRow, Store, write_classifications
from digest.channels import deliver_channels, queue_channel_alerts, quiet_until
from tests.store_helpers import Post, unattended_config, write_posts

URL_ENV = "SCHOOLWATCH_TEST_WEBHOOK_URL"


class Webhook:
    """A local JSON endpoint answering each POST with the next status in `statuses`. It gets
    Apprise's JSON document: {"version", "title", "message", "type", "attachments"}."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[int, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = hook.statuses.pop(0) if hook.statuses else 200
                hook.received.append((status, json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def accepted(self) -> list[Any]:
        return [body for status, body in self.received if 200 <= status < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    hook = Webhook([500])
    monkeypatch.setenv(URL_ENV, hook.url)
    yield hook
    hook.close()


def _config(tmp_path: Path, **channel: Any) -> Config:
    settings = {"name": "safeguarding", "type": "webhook", "url_env": URL_ENV,
                "allow_private": True, **channel}  # the test webhook is on 127.0.0.1
    return unattended_config(tmp_path, channel=[settings])


def _store_with(
    config: Config, risks: list[tuple[str, tuple[str, ...]]], first: int = 0
) -> list[int]:
    store = Store(config.store.path)
    posts = [Post(url=f"https://forum.example/t/{n}", text=f"Post {n} about Hollins Green Primary",
                  title=f"Post {n}") for n in range(first, first + len(risks))]
    ids = write_posts(store, posts)
    write_classifications(store, [
        ClassificationRow(mention_id, "negative", 0.9, risk, categories,
                          dict.fromkeys(categories, "the phrase"), "test")
        for mention_id, (risk, categories) in zip(ids, risks, strict=True)
    ])
    return ids


def test_a_webhook_gets_the_alert_exactly_once_and_a_500_is_retried(
    tmp_path: Path, webhook: Webhook
) -> None:
    config = _config(tmp_path)
    _store_with(config, [("high", ("safeguarding",)), ("none", ())])
    store = Store(config.store.path)
    assert len(queue_channel_alerts(config, store)) == 1
    first = deliver_channels(config, store)
    error = next(iter(first.failed.values()))
    assert first.sent == [] and "error=500" in error and webhook.url not in error
    second = deliver_channels(config, store)
    assert len(second.sent) == 1 and not second.failed
    assert deliver_channels(config, store).sent == []  # nothing left to send
    assert queue_channel_alerts(config, store) == []  # nor to queue again
    assert len(webhook.received) == 2 and len(webhook.accepted) == 1
    body = webhook.accepted[0]
    assert body["title"].startswith("Action needed today: 1 high-risk post")
    assert body["type"] == "warning"  # high risk
    assert "Post 0" in body["message"] and "Post 1" not in body["message"]
    assert body["message"].startswith("School: ")  # the title is Apprise's, not repeated
    row = store.list_deliveries().records()[0]
    assert row["status"] == "sent" and row["attempts"] == 2


def test_rules_pick_schools_risks_and_categories(tmp_path: Path, webhook: Webhook) -> None:
    webhook.statuses.clear()
    config = _config(tmp_path, risks=["high", "medium"], categories=["named_pupil"])
    _store_with(config, [("high", ("safeguarding",)), ("medium", ("named_pupil",)),
                               ("high", ("threat", "named_pupil"))])
    store = Store(config.store.path)
    queue_channel_alerts(config, store)
    deliver_channels(config, store)
    (body,) = webhook.accepted
    assert "Post 1" in body["message"] and "Post 2" in body["message"]
    assert "Post 0" not in body["message"]  # the safeguarding-only post is not this channel's



def test_quiet_hours_hold_medium_risk_but_never_high(tmp_path: Path, webhook: Webhook) -> None:
    webhook.statuses.clear()
    config = _config(tmp_path, risks=["high", "medium"], quiet_hours="21:00-07:00")
    _store_with(config, [("medium", ("complaint",))])
    store = Store(config.store.path)
    night = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT)
    queue_channel_alerts(config, store, at=night)
    assert deliver_channels(config, store, at=night).sent == []
    morning = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert len(deliver_channels(config, store, at=morning).sent) == 1
    _store_with(config, [("high", ("threat",))], first=1)
    queue_channel_alerts(config, store, at=night)
    assert len(deliver_channels(config, store, at=night).sent) == 1  # high risk: at once


@pytest.mark.parametrize(
    ("at", "hours", "expected"),
    [
        (datetime(2026, 11, 24, 23, 30, tzinfo=UTC), "21:00-07:00", "2026-11-25T07:00:00+00:00"),
        (datetime(2026, 11, 25, 6, 59, tzinfo=UTC), "21:00-07:00", "2026-11-25T07:00:00+00:00"),
        (datetime(2026, 11, 25, 12, 0, tzinfo=UTC), "21:00-07:00", None),
        # British Summer Time: 21:30 UTC is 22:30 in London; 07:00 London is 06:00 UTC.
        (datetime(2026, 7, 1, 21, 30, tzinfo=UTC), "22:00-07:00", "2026-07-02T06:00:00+00:00"),
        (datetime(2026, 7, 1, 12, 30, tzinfo=UTC), "12:00-14:00", "2026-07-01T13:00:00+00:00"),
    ],
)
def test_quiet_hours_are_uk_time(at: datetime, hours: str, expected: str | None) -> None:
    until = quiet_until(hours, at)
    assert (until.isoformat() if until else None) == expected


def test_a_missing_url_variable_keeps_the_alert_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(URL_ENV, raising=False)
    config = _config(tmp_path)
    _store_with(config, [("high", ("threat",))])
    store = Store(config.store.path)
    queue_channel_alerts(config, store)
    report = deliver_channels(config, store)
    assert f"{URL_ENV}" in next(iter(report.failed.values()))
    assert store.list_deliveries(pending_only=True).rows  # never lost


def test_config_refuses_a_url_in_place_of_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"channel 'safeguarding' \(#1\)\.url_env"):
        _config(tmp_path, url_env="https://hooks.slack.com/services/T000/B000/XXXX")
    with pytest.raises(ConfigError, match="quiet_hours"):
        _config(tmp_path, quiet_hours="late")
    with pytest.raises(ConfigError, match="unknown category 'safeguard'"):
        _config(tmp_path, categories=["safeguard"])


def test_apprise_delivers_to_a_local_json_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = Webhook([])
    try:
        monkeypatch.setenv(URL_ENV, hook.url.replace("http://", "json://"))
        config = _config(tmp_path, type="apprise")
        _store_with(config, [("high", ("threat",))])
        store = Store(config.store.path)
        queue_channel_alerts(config, store)
        assert len(deliver_channels(config, store).sent) == 1
        (body,) = hook.accepted
        assert body["title"].startswith("Action needed today")
        assert "Post 0" in body["message"]
    finally:
        hook.close()


def test_the_weekly_digest_goes_once_to_channels_that_ask_and_names_failed_sources(
    tmp_path: Path, webhook: Webhook
) -> None:
    from crawler.ground.items import SourceRun
    from digest.weeks import Week
    from schoolwatch.jobs import send_digest

    webhook.statuses.clear()
    config = unattended_config(
        tmp_path,
        source=[{"name": "forum", "kind": "forum", "url": "https://forum.example/board"}],
        channel=[{"name": "head", "type": "webhook", "url_env": URL_ENV, "digest": True,
                  "allow_private": True,
                  "risks": ["high"]},
                 {"name": "dsl", "type": "webhook", "url_env": URL_ENV,
                  "allow_private": True}],
    )
    store = Store(config.store.path)
    slot = datetime.now(UTC)
    week = Week.previous(slot)
    run_at = week.start + timedelta(days=1)
    store.write_crawl(CrawlResult(
        schools=[("hollins-green", "Hollins Green Primary School")],
        sources=[("forum", "forum", "https://forum.example/board", None)],
        runs=[SourceRun(source="forum", started_at=run_at, finished_at=run_at,
                        status="failed", errors=["HTTP 503 from forum.example"])],
        documents=[], validators=[],
    ))
    send_digest(config, slot)
    send_digest(config, slot)  # the same week again: nothing new
    (digest,) = webhook.accepted  # the head's channel only; the dsl channel wants no digest
    lines = digest["message"].splitlines()
    assert f"Week: {week.label}" in lines
    assert "Sources: 1 watched, 1 failed this week" in lines
    assert "Failed: forum: HTTP 503 from forum.example" in lines


def test_the_scheduler_delivers_held_messages_between_crawls(
    tmp_path: Path, webhook: Webhook
) -> None:
    from schoolwatch.jobs import deliver_job
    from schoolwatch.scheduler import plan

    webhook.statuses.clear()
    config = _config(tmp_path, risks=["medium"], quiet_hours="00:00-23:59")
    (tmp_path / "plain").mkdir()
    plain = unattended_config(tmp_path / "plain")
    assert "deliver" not in {job.id for job in plan(plain, datetime.now(UTC))}
    due = {job.id: job.every for job in plan(config, datetime.now(UTC))}
    assert due["deliver"] == timedelta(minutes=5)
    _store_with(config, [("medium", ("complaint",))])
    store = Store(config.store.path)
    queue_channel_alerts(config, store, at=datetime(2026, 11, 24, 12, tzinfo=UTC))
    deliver_job(config)  # held until 23:59 on 24 Nov 2026, long past: delivered now
    assert len(webhook.accepted) == 1


def test_digest_send_command_posts_the_digest_to_a_channel(
    tmp_path: Path, webhook: Webhook
) -> None:
    from click.testing import CliRunner

    from schoolwatch.cli import cli

    webhook.statuses.clear()
    config = tmp_path / "schoolwatch.toml"
    config.write_text(
        '[store]\npath = "store.duckdb"\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
        f'[[channel]]\nname = "head"\ntype = "webhook"\nurl_env = "{URL_ENV}"\ndigest = true\n'
        'allow_private = true\n',
        encoding="utf-8",
    )
    args = ["digest", "--config", str(config), "--send"]
    first = CliRunner().invoke(cli, args, terminal_width=160)
    assert first.exit_code == 0, first.output
    assert "Queued channel digest digest.head.hollins-green." in first.output
    assert "Channels: delivered 1, failed 0." in first.output
    again = CliRunner().invoke(cli, args, terminal_width=160)
    assert again.exit_code == 0 and "Queued channel digest" not in again.output
    (digest,) = webhook.accepted
    assert "Sources: 0 watched, 0 failed this week" in digest["message"].splitlines()


def test_an_email_recipient_gets_only_the_alerts_its_rules_pick(
    tmp_path: Path, smtp_sink: Any
) -> None:
    config = unattended_config(
        tmp_path,
        email={"sender": "schoolwatch@hollins-green.example.org", "smtp_host": "127.0.0.1",
               "smtp_port": smtp_sink.port, "starttls": False},
        channel=[{"name": "dsl", "type": "email", "to": ["dsl@hollins-green.example.org"],
                  "categories": ["safeguarding", "named_pupil"]}],
    )
    _store_with(config, [("high", ("safeguarding",)), ("high", ("threat",))])
    store = Store(config.store.path)
    queue_channel_alerts(config, store)
    assert len(deliver_channels(config, store).sent) == 1
    assert deliver_channels(config, store).sent == []
    (message,) = smtp_sink.messages()
    assert message["To"] == "dsl@hollins-green.example.org"
    assert str(message["Subject"]).strip().startswith("Action needed today: 1 high-risk post")
    body = message.get_content()
    assert "Post 0" in body and "Post 1" not in body  # the threat is not this recipient's


def test_an_email_channel_needs_addresses_and_others_a_url_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs `to`"):
        unattended_config(tmp_path, channel=[{"name": "dsl", "type": "email"}])
    with pytest.raises(ConfigError, match="needs `url_env`"):
        unattended_config(tmp_path, channel=[{"name": "teams", "type": "teams"}])


def test_a_false_positive_never_reaches_a_channel(tmp_path: Path, webhook: Webhook) -> None:
    webhook.statuses.clear()
    config = _config(tmp_path)
    ids = _store_with(config, [("high", ("threat",)), ("high", ("threat",))])
    store = Store(config.store.path)
    store.set_status([ids[0]], "false_positive", "lead@school.example", reason="not us")
    queue_channel_alerts(config, store)
    deliver_channels(config, store)
    (body,) = webhook.accepted
    assert "Post 1" in body["message"] and "Post 0" not in body["message"]
