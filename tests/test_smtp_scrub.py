"""Credentials in errors (issue 12 item 11): a server that echoes the AUTH line cannot put the
credential in the CLI output, the outbox or the store; replies are never stored verbatim."""

from __future__ import annotations

import base64
import smtplib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.mailer import deliver_pending, scrub_reply
from tests.mail_helpers import make_config, smtp_email
from tests.test_mailer import outbox_rows, queue_one

PASSWORD = "s3cret-Pa55word"
PLAIN = base64.b64encode(f"\0schoolwatch\0{PASSWORD}".encode()).decode()


class EchoingServer:
    """Answers AUTH with a 535 that repeats the whole AUTH line back, as some servers do."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection, connection.makefile("rwb") as stream:
            stream.write(b"220 echo.example ESMTP\r\n")
            stream.flush()
            for raw in stream:
                line = raw.decode("latin-1").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    stream.write(b"250-echo.example\r\n250 AUTH PLAIN LOGIN\r\n")
                elif verb == "AUTH":
                    stream.write(f"535 5.7.8 Authentication failed: {line}\r\n".encode())
                elif verb == "QUIT":
                    stream.write(b"221 bye\r\n")
                    stream.flush()
                    return
                else:
                    stream.write(b"250 ok\r\n")
                stream.flush()


@pytest.fixture
def echoing() -> Iterator[EchoingServer]:
    server = EchoingServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.listener.close()


def test_an_echoed_auth_line_is_scrubbed_everywhere(
    tmp_path: Path, echoing: EchoingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, email=smtp_email(
        echoing.port, username="schoolwatch", password_env="SW_TEST_PASSWORD"))
    monkeypatch.setenv("SW_TEST_PASSWORD", PASSWORD)
    store = queue_one(config)
    report = deliver_pending(config, store)
    (error,) = report.failed.values()
    assert error.startswith("login refused by 127.0.0.1: SMTP 535")
    assert PLAIN not in error and PASSWORD not in error and "AUTH PLAIN" not in error
    assert "[removed]" in error
    assert PLAIN not in outbox_rows(store)[0]["last_error"]
    files = [config.store.path, *config.email.outbox.iterdir()]  # type: ignore[union-attr]
    for path in files:
        data = path.read_bytes()
        assert PLAIN.encode() not in data and PASSWORD.encode() not in data


@pytest.mark.parametrize(
    "reply",
    [
        f"5.7.8 Authentication failed: AUTH PLAIN {PLAIN}",
        f"5.7.8 bad credentials for auth login {base64.b64encode(PASSWORD.encode()).decode()}",
        f"rejected {PASSWORD}",
        f"5.7.0 token {PLAIN} not valid",
    ],
)
def test_scrub_reply_removes_credentials(reply: str) -> None:
    scrubbed = scrub_reply(reply, secrets=(PASSWORD,))
    assert PASSWORD not in scrubbed and PLAIN not in scrubbed
    assert base64.b64encode(PASSWORD.encode()).decode() not in scrubbed


def test_a_reply_is_one_short_printable_line() -> None:
    scrubbed = scrub_reply("451 temporary\r\nX-Injected: yes\x1b[31m" + "x" * 1000, secrets=())
    assert "\n" not in scrubbed and "\r" not in scrubbed and "\x1b" not in scrubbed
    assert len(scrubbed) <= 200


def test_describe_uses_the_scrubber() -> None:
    from digest.mailer import _describe

    exc = smtplib.SMTPAuthenticationError(535, f"AUTH PLAIN {PLAIN}".encode())
    assert PLAIN not in _describe(exc)
