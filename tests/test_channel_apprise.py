"""Teams, Slack, Google Chat and webhook channels through Apprise: each service's webhook URL
becomes the right Apprise plugin and target; a Teams alert reaches a local HTTPS "Power Automate"
endpoint through Apprise's workflows plugin as a documented Adaptive Card, hostile text and all;
Slack and Google Chat (whose plugins post only to their own hosts) reach a local intercepting
HTTPS proxy with the crawled text escaped, and fail safely when unreachable: queued, with an
error that names no secret."""

from __future__ import annotations

import datetime as dt
import ipaddress
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
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crawler.ground.config import Config
from crawler.store import ClassificationRow, Store, write_classifications
from digest.channel_urls import ChannelURLError, apprise_url, quiet_apprise, server_asset
from digest.channels import deliver_channels, queue_channel_alerts, scrub
from tests.store_helpers import Post, unattended_config, write_posts

URL_ENV = "SCHOOLWATCH_TEST_CHANNEL_URL"
WORKFLOW, SIGNATURE = "0123456789abcdef0123456789abcdef", "Sig_Secret-0123456789abcdefABCDEF"
POWER_AUTOMATE = (
    f"https://prod-12.westeurope.logic.azure.com:443/workflows/{WORKFLOW}/triggers/manual/paths/"
    f"invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIGNATURE}"
)
POWER_PLATFORM = (
    "https://default0123abcd.45.environment.api.powerplatform.com:443/powerautomate/automations/"
    f"direct/workflows/{WORKFLOW}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2F"
    f"manual%2Frun&sv=1.0&sig={SIGNATURE}"
)
SLACK = "https://hooks.slack.com/services/T0TEAM0001/B0HOOK0002/SecretToken0123456789abcd"
GOOGLE_CHAT = (
    "https://chat.googleapis.com/v1/spaces/AAAASpace01/messages?key=AIzaKey_0123456789-abcdef"
    "&token=Tok0123456789secret%3D"
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


def _config(tmp_path: Path, channel_type: str) -> Config:
    return unattended_config(tmp_path, channel=[
        {"name": "staff", "type": channel_type, "url_env": URL_ENV,
         "allow_private": True}])  # the test services are on 127.0.0.1


def _queue_hostile_alert(config: Config) -> Store:
    store = Store(config.store.path)
    (mention_id,) = write_posts(store, [Post(
        url="https://forum.example/t/1", title="[click me](https://evil.example) *now*",
        text="Hollins Green Primary: <b>wait outside</b> [here](https://evil.example)")])
    write_classifications(store, [ClassificationRow(
        mention_id, "negative", 0.9, "high", ("threat",), {"threat": "wait outside"}, "test")])
    assert len(queue_channel_alerts(config, store)) == 1
    return store


def _self_signed(directory: Path, *hosts: str) -> tuple[Path, Path]:
    """A throwaway certificate (its own CA) for 127.0.0.1 and `hosts`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "schoolwatch test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             *(x509.DNSName(host) for host in hosts)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    assert not cert_path.exists()
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class PowerAutomate:
    """A local HTTPS endpoint standing in for a "When a Teams webhook request is received"
    workflow trigger: it records each request's path, query and JSON body and answers 202."""

    def __init__(self, directory: Path) -> None:
        self.cert, key = _self_signed(directory)
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
    config = _config(tmp_path, "teams")
    store = _queue_hostile_alert(config)
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
    config = _config(tmp_path, "teams")
    store = _queue_hostile_alert(config)
    report = deliver_channels(config, store)
    (error,) = report.failed.values()
    assert report.sent == [] and "Workflows" in error and SIGNATURE not in error
    assert store.list_deliveries(pending_only=True).rows  # never lost


class InterceptingProxy:
    """An HTTPS proxy on 127.0.0.1 that answers CONNECT for any host itself: it ends TLS with
    the test's certificate (trusted through REQUESTS_CA_BUNDLE), records each request's host,
    path, query and JSON body, and answers 200 "ok". Apprise's Slack and Google Chat plugins
    post only to their own hosts; requests' standard proxy variables bring them here."""

    def __init__(self, directory: Path, *hosts: str) -> None:
        self.cert, key = _self_signed(directory, *hosts)
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
        config = _config(tmp_path, channel_type)
        store = _queue_hostile_alert(config)
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
    config = _config(tmp_path, channel_type)
    store = _queue_hostile_alert(config)
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
    config = _config(tmp_path, "webhook")
    store = _queue_hostile_alert(config)
    (error,) = deliver_channels(config, store).failed.values()
    # Apprise catches its plugin's exception and reports a failure: queued, secret kept.
    assert "raised an exception" in error and "Secret0" not in error
    assert store.list_deliveries(pending_only=True).rows
