"""Sending: nothing lost or sent twice across an SMTP outage; the password only from the env."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from crawler.ground.config import Config
from crawler.store import Store
from digest.mailer import MailSettingsError, deliver_pending
from digest.outbox import claim_pending
from digest.weekly import queue_digests
from digest.weeks import Week
from tests.mail_helpers import Post, SmtpSink, free_port, make_config, smtp_email, write_posts

WEEK = Week.parse("2026-W20")


def queue_one(config: Config) -> Store:
    write_posts(config, [Post("Fair", "Hollins Green Primary fair.", WEEK.start + timedelta(1))])
    store = Store(config.store.path)
    (outcome,) = queue_digests(config, store, WEEK)
    assert outcome.queued
    return store


def outbox_rows(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT message_id, sent_at, attempts, last_error FROM email_messages"
    ).records()


def test_smtp_down_keeps_the_message_queued_then_sends_it_exactly_once(
    tmp_path: Path, smtp_sink_factory: Callable[..., SmtpSink]
) -> None:
    port = free_port()  # nothing listens here yet
    config = make_config(tmp_path, email=smtp_email(port))
    store = queue_one(config)

    down = deliver_pending(config, store)
    assert down.sent == [] and len(down.failed) == 1 and down.pending == 1
    (row,) = outbox_rows(store)
    assert row["sent_at"] is None and row["attempts"] == 1
    assert f"cannot reach 127.0.0.1:{port}" in row["last_error"]

    sink = smtp_sink_factory(port)
    back = deliver_pending(config, store)
    assert len(back.sent) == 1 and back.failed == {} and back.pending == 0
    again = deliver_pending(config, store)
    assert again.sent == [] and again.pending == 0
    assert len(sink.received) == 1
    (row,) = outbox_rows(store)
    assert row["sent_at"] is not None and row["attempts"] == 2 and row["last_error"] is None


def test_login_uses_the_password_from_the_environment_and_stores_it_nowhere(
    tmp_path: Path, smtp_sink_factory: Callable[..., SmtpSink], monkeypatch: pytest.MonkeyPatch
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-Pa55", handled=False)

    port = free_port()
    sink = smtp_sink_factory(port, authenticator=authenticator, auth_require_tls=False)
    config = make_config(tmp_path, email=smtp_email(
        port, username="schoolwatch", password_env="SCHOOLWATCH_TEST_SMTP_PASSWORD"))
    store = queue_one(config)

    monkeypatch.delenv("SCHOOLWATCH_TEST_SMTP_PASSWORD", raising=False)
    with pytest.raises(MailSettingsError, match="SCHOOLWATCH_TEST_SMTP_PASSWORD"):
        deliver_pending(config, store)
    assert outbox_rows(store)[0]["attempts"] == 0  # nothing was tried

    monkeypatch.setenv("SCHOOLWATCH_TEST_SMTP_PASSWORD", "s3cret-Pa55")
    assert len(deliver_pending(config, store).sent) == 1
    assert logins == [(b"schoolwatch", b"s3cret-Pa55")]
    assert len(sink.received) == 1
    for path in [config.store.path, *config.email.outbox.iterdir()]:  # type: ignore[union-attr]
        assert b"s3cret-Pa55" not in path.read_bytes()


def test_a_rejected_password_leaves_the_message_queued(
    tmp_path: Path, smtp_sink_factory: Callable[..., SmtpSink], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    def refuse(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)  # handled=False: aiosmtpd answers 535

    smtp_sink_factory(port, authenticator=refuse, auth_require_tls=False)
    config = make_config(tmp_path, email=smtp_email(port, username="u", password_env="SW_PW"))
    monkeypatch.setenv("SW_PW", "wrong")
    store = queue_one(config)
    report = deliver_pending(config, store)
    assert report.pending == 1
    assert next(iter(report.failed.values())).startswith("login refused by 127.0.0.1: SMTP 535")


def test_without_an_email_section_messages_wait_in_the_outbox(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    store = queue_one(config)
    report = deliver_pending(config, store)
    assert report.outbox_only and report.pending == 1
    (eml,) = (config.store.path.parent / "outbox").iterdir()
    assert eml.name == "digest-hollins-green-2026-W20.eml"
    assert b"Subject: Hollins Green Primary: 1 mention, not yet classified" in eml.read_bytes()


def test_a_claimed_message_is_not_taken_by_a_second_sender(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    store = queue_one(config)
    assert len(claim_pending(store, timedelta(minutes=10))) == 1
    assert claim_pending(store, timedelta(minutes=10)) == []
