"""Sending queued messages over SMTP. A failure leaves a message queued for the next run.

The password is read from the environment at send time and goes only to the SMTP server.
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from crawler.ground.config import DEFAULT_SENDER, Config, EmailSettings
from crawler.ground.errors import MailSettingsError
from crawler.store import Store
from digest.outbox import ClaimedMessage, claim_pending, mark_failed, mark_sent, release

# Long enough for one run to send everything it claimed; a crashed sender's claim lapses after.
CLAIM_LEASE = timedelta(minutes=10)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # message id -> error
    outbox_only: bool = False  # no SMTP server configured: messages wait in the outbox
    pending: int = 0  # still queued after this run


def outbox_dir(config: Config) -> Path:
    if config.email is not None:
        return config.email.outbox
    return config.store.path.parent / "outbox"


def sender(config: Config) -> str:
    return config.email.sender if config.email is not None else DEFAULT_SENDER


def deliver_pending(config: Config, store: Store) -> DeliveryReport:
    """Sends every queued message once; what fails stays queued with attempts+1 and last_error."""
    email = config.email
    if email is None or email.smtp_host is None:
        return DeliveryReport(outbox_only=True, pending=store.unsent_count())
    password = _password(email)
    claimed = claim_pending(store, CLAIM_LEASE)
    report = DeliveryReport()
    if claimed:
        _send_all(email, password, claimed, store, report)
    report.pending = store.unsent_count()
    return report


def _password(email: EmailSettings) -> str | None:
    if not email.username:
        return None
    if not email.password_env:
        raise MailSettingsError(
            "[email] username is set but password_env is not: name the environment variable "
            "that holds the SMTP password"
        )
    password = os.environ.get(email.password_env)
    if password is None:
        raise MailSettingsError(
            f"the environment variable {email.password_env} (the SMTP password) is not set"
        )
    return password


def _connect(email: EmailSettings, password: str | None) -> smtplib.SMTP:
    assert email.smtp_host is not None
    connection = smtplib.SMTP(
        email.smtp_host, email.smtp_port, timeout=email.timeout.total_seconds()
    )
    try:
        connection.ehlo()
        if email.starttls:
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if email.username and password is not None:
            connection.login(email.username, password)
    except BaseException:
        connection.close()
        raise
    return connection


_AUTH_ECHO = re.compile(r"\bAUTH\b.*", re.IGNORECASE | re.DOTALL)
_TOKEN = re.compile(r"[A-Za-z0-9+/]{12,}={0,2}")
REPLY_LIMIT = 160


def scrub_reply(text: str, secrets: Sequence[str] = ()) -> str:
    """A server's reply as it may be shown and stored: never verbatim. Anything from an echoed
    AUTH on, long base64-like tokens and the secrets themselves are removed; one printable line,
    at most REPLY_LIMIT characters."""
    for secret in (s for s in secrets if s):
        for form in (secret, base64.b64encode(secret.encode()).decode()):
            text = text.replace(form, "[removed]")
    text = _AUTH_ECHO.sub("[removed]", text)
    text = _TOKEN.sub("[removed]", text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= REPLY_LIMIT else text[: REPLY_LIMIT - 1] + "…"


def _describe(exc: BaseException, secrets: Sequence[str] = ()) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes
        ) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code}: {scrub_reply(detail, secrets)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused: " + scrub_reply(", ".join(exc.recipients))
    if str(exc):
        return f"{type(exc).__name__}: {scrub_reply(str(exc), secrets)}"
    return type(exc).__name__


def _send_all(
    email: EmailSettings,
    password: str | None,
    claimed: list[ClaimedMessage],
    store: Store,
    report: DeliveryReport,
) -> None:
    try:
        connection = _connect(email, password)
    except smtplib.SMTPAuthenticationError as exc:
        _fail_all(store, report, claimed,
                  f"login refused by {email.smtp_host}: {_describe(exc, _secrets(password))}")
        return
    except (OSError, smtplib.SMTPException) as exc:
        _fail_all(
            store, report, claimed,
            f"cannot reach {email.smtp_host}:{email.smtp_port}: "
            f"{_describe(exc, _secrets(password))}",
        )
        return
    _send_each(connection, claimed, store, report)


def _secrets(password: str | None) -> tuple[str, ...]:
    return (password,) if password else ()


def _fail_all(
    store: Store, report: DeliveryReport, claimed: list[ClaimedMessage], error: str
) -> None:
    ids = [message.message_id for message in claimed]
    mark_failed(store, ids, error)
    report.failed.update(dict.fromkeys(ids, error))


def _send_each(
    connection: smtplib.SMTP,
    claimed: list[ClaimedMessage],
    store: Store,
    report: DeliveryReport,
) -> None:
    remaining = list(claimed)
    try:
        while remaining:
            message = remaining.pop(0)
            if not message.recipients:
                _fail(store, report, message, "no recipients: add leads to the school")
                continue
            try:
                connection.sendmail(message.sender, list(message.recipients), message.body)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError) as exc:
                _fail(store, report, message, _describe(exc))
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # The connection is gone: this one failed, the rest were not tried.
                _fail(store, report, message, _describe(exc))
                release(store, [m.message_id for m in remaining])
                remaining = []
                break
            mark_sent(store, message.message_id)
            report.sent.append(message.message_id)
    finally:
        if remaining:
            release(store, [m.message_id for m in remaining])
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def _fail(store: Store, report: DeliveryReport, message: ClaimedMessage, error: str) -> None:
    mark_failed(store, [message.message_id], error)
    report.failed[message.message_id] = error


# The same login and connection serve the email channels (digest/channels.py).
connect = _connect
smtp_password = _password
