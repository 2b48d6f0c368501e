"""Slack and Google Chat through Apprise, whose plugins post only to their own hosts: a local
intercepting HTTPS proxy receives the message with the crawled text escaped; an unreachable
service or a failing plugin keeps the alert queued with an error that names no secret."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from digest.channel_urls import quiet_apprise
from digest.channels import deliver_channels
from tests.channel_helpers import (
    GOOGLE_CHAT,
    SLACK,
    URL_ENV,
    channel_config,
    queue_hostile_alert,
    self_signed,
)


class InterceptingProxy:
    """An HTTPS proxy on 127.0.0.1 that answers CONNECT for any host itself: it ends TLS with
    the test's certificate (trusted through REQUESTS_CA_BUNDLE), records each request's host,
    path, query and JSON body, and answers 200 "ok". Apprise's Slack and Google Chat plugins
    post only to their own hosts; requests' standard proxy variables bring them here."""

    def __init__(self, directory: Path, *hosts: str) -> None:
        self.cert, key = self_signed(directory, *hosts)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.received: list[tuple[str, str, dict[str, list[str]], Any]] = []
        received = self.received

        class Origin(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                received.append((self.headers["Host"], parts.path, parse_qs(parts.query),
                                 json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Tunnel(Origin):
            def do_CONNECT(self) -> None:
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                with context.wrap_socket(self.connection, server_side=True) as tls:
                    Origin(tls, self.client_address, self.server)
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Tunnel)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _through_proxy(monkeypatch: pytest.MonkeyPatch, proxy_url: str) -> None:
    for proxy in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(proxy, proxy_url)
    for bypass in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(bypass, raising=False)


@pytest.mark.parametrize(("channel_type", "url", "host", "path", "query"), [
    ("slack", SLACK, "hooks.slack.com",
     "/services/T0TEAM0001/B0HOOK0002/SecretToken0123456789abcd", {}),
    ("google_chat", GOOGLE_CHAT, "chat.googleapis.com", "/v1/spaces/AAAASpace01/messages",
     {"key": ["AIzaKey_0123456789-abcdef"], "token": ["Tok0123456789secret="]}),
])
def test_slack_and_google_chat_deliver_through_apprise_with_crawled_text_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channel_type: str, url: str, host: str,
    path: str, query: dict[str, list[str]],
) -> None:
    proxy = InterceptingProxy(tmp_path, host)
    try:
        _through_proxy(monkeypatch, proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(proxy.cert))
        monkeypatch.setenv(URL_ENV, url)
        config = channel_config(tmp_path, channel_type)
        store = queue_hostile_alert(config)
        assert len(deliver_channels(config, store).sent) == 1
        assert deliver_channels(config, store).sent == []  # never twice
    finally:
        proxy.close()
    ((got_host, got_path, got_query, message),) = proxy.received
    assert (got_host.split(":")[0], got_path, got_query) == (host, path, query)
    text = json.dumps(message, ensure_ascii=False)
    assert "Action needed today: 1 high-risk post" in text and "wait outside" in text
    # Both services read <...> as a link or mention: the crawled ">" always arrives escaped
    # (Apprise leaves a lone "<" literal for Google Chat, which then opens nothing).
    assert "<b>" not in text and "</b>" not in text and "b&gt;wait outside" in text
    assert "[click me](https" not in text and "[here](https" not in text
    assert "<https://evil" not in text and "|click me" not in text


@pytest.mark.parametrize(("channel_type", "url", "secret"), [
    ("slack", SLACK, "SecretToken0123456789abcd"),
    ("google_chat", GOOGLE_CHAT, "Tok0123456789secret"),
])
def test_an_unreachable_chat_service_keeps_the_alert_queued_and_the_url_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channel_type: str, url: str, secret: str
) -> None:
    # A proxy address nothing listens on makes the services unreachable without the network.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        _through_proxy(monkeypatch, f"http://127.0.0.1:{probe.getsockname()[1]}")
    monkeypatch.setenv(URL_ENV, url)
    config = channel_config(tmp_path, channel_type)
    store = queue_hostile_alert(config)
    report = deliver_channels(config, store)
    (error,) = report.failed.values()
    assert report.sent == [] and "did not take the message" in error
    assert secret not in error and url not in error
    (row,) = store.list_deliveries(pending_only=True).records()
    assert row["attempts"] == 1 and secret not in row["last_error"]


def test_a_plugin_exception_keeps_the_alert_queued_and_scrubbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with quiet_apprise() as apprise:
        plugin_class = type(apprise.Apprise.instantiate("json://127.0.0.1/x"))

    def explode(self: Any, *args: Any, **kwargs: Any) -> bool:
        raise RuntimeError(f"boom while posting to {url}")

    url = "https://hooks.example.org/in/Secret0123456789"
    monkeypatch.setattr(plugin_class, "send", explode)
    monkeypatch.setenv(URL_ENV, url)
    config = channel_config(tmp_path, "webhook")
    store = queue_hostile_alert(config)
    (error,) = deliver_channels(config, store).failed.values()
    # Apprise catches its plugin's exception and reports a failure: queued, secret kept.
    assert "raised an exception" in error and "Secret0" not in error
    assert store.list_deliveries(pending_only=True).rows
