"""Teams, Slack, Google Chat and webhook channels through Apprise: each service's webhook URL
becomes the right Apprise plugin and target; a Teams alert reaches a local HTTPS "Power Automate"
endpoint through Apprise's workflows plugin as a documented Adaptive Card, hostile text and all;
Slack and Google Chat (whose plugins post only to their own hosts) reach a local intercepting
HTTPS proxy with the crawled text escaped, and fail safely when unreachable: queued, with an
error that names no secret."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from digest.channel_urls import ChannelURLError, apprise_url, quiet_apprise, server_asset
from digest.channels import deliver_channels, scrub
from tests.channel_helpers import (
    GOOGLE_CHAT,
    POWER_AUTOMATE,
    POWER_PLATFORM,
    SIGNATURE,
    SLACK,
    URL_ENV,
    WORKFLOW,
    channel_config,
    queue_hostile_alert,
    self_signed,
)


def _plugin(url: str) -> Any:
    with quiet_apprise() as apprise:
        return apprise.Apprise.instantiate(url, asset=server_asset(apprise))


@pytest.mark.parametrize("url", [POWER_AUTOMATE, POWER_PLATFORM])
def test_a_power_automate_url_becomes_apprise_workflows(url: str) -> None:
    converted = apprise_url("teams", url)
    assert converted.startswith("workflow://")
    plugin = _plugin(converted)
    assert type(plugin).__name__ == "NotifyWorkflows"
    assert (plugin.host, plugin.workflow, plugin.signature) == (
        urlsplit(url).hostname, WORKFLOW, SIGNATURE)
    assert plugin.power_automate is (url == POWER_PLATFORM)


def test_a_slack_webhook_becomes_apprise_slack() -> None:
    converted = apprise_url("slack", SLACK)
    assert converted.startswith("slack://T0TEAM0001/B0HOOK0002/SecretToken0123456789abcd/")
    plugin = _plugin(converted)
    assert type(plugin).__name__ == "NotifySlack"
    assert (plugin.token_a, plugin.token_b, plugin.token_c) == (
        "T0TEAM0001", "B0HOOK0002", "SecretToken0123456789abcd")


def test_a_google_chat_webhook_becomes_apprise_gchat() -> None:
    converted = apprise_url("google_chat", GOOGLE_CHAT)
    assert converted.startswith("gchat://AAAASpace01/")
    plugin = _plugin(converted)
    assert type(plugin).__name__ == "NotifyGoogleChat"
    assert (plugin.workspace, plugin.webhook_key, plugin.webhook_token) == (
        "AAAASpace01", "AIzaKey_0123456789-abcdef", "Tok0123456789secret=")


@pytest.mark.parametrize(
    ("url", "expected", "params"),
    [
        ("http://127.0.0.1:8080/hook", "json://127.0.0.1:8080/hook", {}),
        ("https://user:pa%40ss@hooks.example.org/in/abc?code=x%2By&z=",
         "jsons://user:pa%40ss@hooks.example.org/in/abc?-code=x%2By&-z=",
         {"code": "x+y", "z": ""}),
    ],
)
def test_a_webhook_url_becomes_apprise_json(url: str, expected: str,
                                            params: dict[str, str]) -> None:
    assert apprise_url("webhook", url) == expected
    plugin = _plugin(expected)
    assert type(plugin).__name__ == "NotifyJSON"
    assert (plugin.host, plugin.params) == (urlsplit(url).hostname, params)
    assert plugin.secure is url.startswith("https")


@pytest.mark.parametrize(
    ("channel_type", "url", "expected"),
    [
        ("teams", "workflows://host.example/ID/SIG/", "workflows://host.example/ID/SIG/"),
        ("slack", "slack://T1/B1/C1", "slack://T1/B1/C1"),
        ("apprise", "ntfy://ntfy.example/topic", "ntfy://ntfy.example/topic"),
    ],
)
def test_an_apprise_url_can_be_given_directly(channel_type: str, url: str,
                                              expected: str) -> None:
    assert apprise_url(channel_type, url) == expected


@pytest.mark.parametrize(
    ("channel_type", "url"),
    [("teams", SLACK), ("slack", GOOGLE_CHAT), ("google_chat", "https://example.org/x?key=k"),
     ("slack", "discord://Secret0123/Token0123"), ("webhook", "ftp://example.org/Secret0123"),
     ("teams", "Secret0123")],
)
def test_a_url_of_the_wrong_service_is_refused_without_showing_it(
    channel_type: str, url: str
) -> None:
    with pytest.raises(ChannelURLError) as refused:
        apprise_url(channel_type, url)
    assert "Secret" not in str(refused.value) and url not in str(refused.value)


def test_scrub_removes_the_url_and_its_tokens_but_keeps_words() -> None:
    text = (f"Failed at {SLACK}: token SecretToken0123456789abcd refused; "
            "workflows messages manual")
    clean = scrub(text, [SLACK, apprise_url("slack", SLACK)])
    assert "SecretToken" not in clean and "hooks.slack.com/services" not in clean
    assert clean.endswith("refused; workflows messages manual")


# --- delivery -------------------------------------------------------------------------------


class PowerAutomate:
    """A local HTTPS endpoint standing in for a "When a Teams webhook request is received"
    workflow trigger: it records each request's path, query and JSON body and answers 202."""

    def __init__(self, directory: Path) -> None:
        self.cert, key = self_signed(directory)
        self.received: list[tuple[str, dict[str, list[str]], Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                received.append((parts.path, parse_qs(parts.query), json.loads(body)))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def power_automate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PowerAutomate]:
    endpoint = PowerAutomate(tmp_path)
    # requests (under Apprise) verifies the endpoint against the test's own certificate.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(endpoint.cert))
    for proxy in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    yield endpoint
    endpoint.close()


_ELEMENTS = {"TextBlock", "FactSet", "Container", "ActionSet", "ColumnSet", "Image"}


def _check_elements(elements: list[dict[str, Any]]) -> None:
    """The Adaptive Card elements (adaptivecards.io schema) a Teams workflow posts."""
    for element in elements:
        assert element["type"] in _ELEMENTS
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"]
        if element["type"] == "Image":
            assert element["url"].startswith(("https://", "http://"))
        if element["type"] == "FactSet":
            assert all(isinstance(f["title"], str) and isinstance(f["value"], str)
                       for f in element["facts"])
        if element["type"] == "Container":
            _check_elements(element["items"])


def test_a_teams_alert_reaches_a_workflow_as_an_adaptive_card(
    tmp_path: Path, power_automate: PowerAutomate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        URL_ENV, f"workflows://127.0.0.1:{power_automate.port}/{WORKFLOW}/{SIGNATURE}/")
    config = channel_config(tmp_path, "teams")
    store = queue_hostile_alert(config)
    assert len(deliver_channels(config, store).sent) == 1
    assert deliver_channels(config, store).sent == []  # never twice
    ((path, query, message),) = power_automate.received
    assert path == f"/workflows/{WORKFLOW}/triggers/manual/paths/invoke"
    assert query["sig"] == [SIGNATURE] and query["sp"] == ["/triggers/manual/run"]
    # Power Automate "When a Teams webhook request is received": a message with one card.
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] in {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
    _check_elements(card["body"])
    texts = " ".join(e["text"] for e in card["body"] if e["type"] == "TextBlock")
    assert "Action needed today: 1 high-risk post" in texts and "wait outside" in texts
    assert "[click me](https" not in texts and "[here](https" not in texts  # no hidden links
    row = store.list_deliveries().records()[0]
    assert row["status"] == "sent" and row["attempts"] == 1


def test_a_teams_workflow_that_refuses_keeps_the_alert_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(URL_ENV, f"workflows://127.0.0.1:{port}/{WORKFLOW}/{SIGNATURE}/")
    config = channel_config(tmp_path, "teams")
    store = queue_hostile_alert(config)
    report = deliver_channels(config, store)
    (error,) = report.failed.values()
    assert report.sent == [] and "Workflows" in error and SIGNATURE not in error
    assert store.list_deliveries(pending_only=True).rows  # never lost
