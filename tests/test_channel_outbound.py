"""Channel deliveries under the outbound policy (issue 22 items 2, 9 and 10): public addresses
only unless the channel allows private ones, no redirect followed by default, a total time cap,
at most one copy to a receiver that read the message, errors without any part of the URL, and a
title that counts each risk level."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.ground.config import Config
from crawler.ground.outbound import url_refusal
from crawler.store import ClassificationRow, Store, write_classifications
from digest.channels import IDEMPOTENCY_HEADER, deliver_channels, queue_channel_alerts
from tests.store_helpers import Post, unattended_config, write_posts

URL_ENV = "SCHOOLWATCH_TEST_WEBHOOK_URL"


class Receiver:
    """A local HTTP server; `behaviour` decides each answer: "ok", "hang" (read it all, then say
    nothing), or a (status, Location) redirect."""

    def __init__(self, behaviour: Any = "ok") -> None:
        self.behaviour = behaviour
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((self.path, dict(self.headers), body))
                if receiver.behaviour == "hang":
                    receiver.release.wait(30)
                    return
                if isinstance(receiver.behaviour, tuple):
                    status, location = receiver.behaviour
                    self.send_response(status)
                    self.send_header("Location", location)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.close()


def _receiver(receivers: list[Receiver], behaviour: Any = "ok") -> Receiver:
    receivers.append(Receiver(behaviour))
    return receivers[-1]


def _config(tmp_path: Path, **channel: Any) -> Config:
    settings = {"name": "safeguarding", "type": "webhook", "url_env": URL_ENV, **channel}
    return unattended_config(tmp_path, channel=[settings])


def _queue(config: Config, risks: tuple[str, ...] = ("high",)) -> Store:
    store = Store(config.store.path)
    posts = [Post(url=f"https://forum.example/t/{n}", title=f"Post {n}",
                  text=f"Post {n} about Hollins Green Primary") for n in range(len(risks))]
    ids = write_posts(store, posts)
    write_classifications(store, [
        ClassificationRow(mention_id, "negative", 0.9, risk, ("complaint",),
                          {"complaint": "the phrase"}, "test")
        for mention_id, risk in zip(ids, risks, strict=True)])
    assert len(queue_channel_alerts(config, store)) == 1
    return store


def test_a_webhook_on_this_machine_is_refused_unless_the_channel_allows_it(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _receiver(receivers)
    monkeypatch.setenv(URL_ENV, hook.url)
    config = _config(tmp_path)
    store = _queue(config)
    report = deliver_channels(config, store)
    assert report.sent == [] and hook.received == []
    assert "loopback" in next(iter(report.failed.values()))
    allowed = _config(tmp_path, allow_private=True)
    assert len(deliver_channels(allowed, store).sent) == 1 and len(hook.received) == 1


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_not_followed_and_the_alert_stays_queued(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    internal = _receiver(receivers)
    hook = _receiver(receivers, (status, f"http://127.0.0.1:{internal.port}/internal-admin"))
    monkeypatch.setenv(URL_ENV, hook.url)
    config = _config(tmp_path, allow_private=True)
    store = _queue(config)
    for _ in range(2):
        report = deliver_channels(config, store)
        assert report.sent == [] and f"answered {status} with a redirect" in next(
            iter(report.failed.values()))
    assert internal.received == [] and len(hook.received) == 2
    assert store.list_deliveries().records()[0]["status"] == "queued"


def test_a_followed_redirect_is_checked_again_at_each_hop(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the operator's proxy (on this machine, so reachable) a public webhook answers
    302 to the cloud metadata service: with redirects allowed, that hop is still refused."""
    proxy = _receiver(receivers, (302, "http://169.254.169.254/latest/meta-data/"))
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(URL_ENV, "http://hooks.public.example/hook")
    config = _config(tmp_path, follow_redirects=True)
    store = _queue(config)
    report = deliver_channels(config, store)
    assert [path for path, _, _ in proxy.received] == ["http://hooks.public.example/hook"]
    assert report.sent == [] and "link-local" in next(iter(report.failed.values()))


@pytest.mark.parametrize(("url", "allow_private", "expected"), [
    ("http://169.254.169.254/latest/meta-data/", False, "link-local"),
    ("http://[::ffff:127.0.0.1]/", False, "loopback"),
    ("http://10.1.2.3/hook", False, "private"),
    ("http://10.1.2.3/hook", True, None),
    ("file:///etc/passwd", True, "never fetched"),
    ("data:text/plain,x", False, "never fetched"),
])
def test_url_refusal_is_the_policy_for_every_caller(
    url: str, allow_private: bool, expected: str | None
) -> None:
    problem = url_refusal(url, allow_private=allow_private)
    assert (problem is None) if expected is None else (expected in (problem or ""))


def test_a_host_that_resolves_inward_is_refused_after_dns(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is on the address connected to: a name that resolves publicly when checked
    and to this machine when connected (DNS rebinding) still reaches nothing."""
    hook = _receiver(receivers)
    real = socket.getaddrinfo
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", hook.port))]])

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.rebind.example":
            return next(answers, None) or real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setenv(URL_ENV, f"http://hooks.rebind.example:{hook.port}/hook")
    config = _config(tmp_path)
    store = _queue(config)
    report = deliver_channels(config, store)
    assert hook.received == [] and report.sent == []
    assert "loopback" in next(iter(report.failed.values()))


def test_a_receiver_that_reads_and_hangs_gets_one_copy_within_the_time_cap(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _receiver(receivers, "hang")
    monkeypatch.setenv(URL_ENV, hook.url)
    config = _config(tmp_path, allow_private=True, timeout="2s")
    store = _queue(config)
    started = time.monotonic()
    first = deliver_channels(config, store)
    assert time.monotonic() - started < 3.5  # the cap, not Apprise's own 4s read timeout
    assert len(first.sent) == 1 and not first.failed
    assert deliver_channels(config, store).sent == [] and deliver_channels(config, store).sent == []
    assert len(hook.received) == 1
    row = store.list_deliveries().records()[0]
    assert row["status"] == "sent" and "at most once" in row["last_error"]


def test_the_delivery_carries_an_idempotency_key(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _receiver(receivers)
    monkeypatch.setenv(URL_ENV, hook.url + "?team=safe")
    config = _config(tmp_path, allow_private=True)
    store = _queue(config)
    assert len(deliver_channels(config, store).sent) == 1
    path, headers, body = hook.received[0]
    delivery_id = store.list_deliveries().records()[0]["delivery_id"]
    assert headers[IDEMPOTENCY_HEADER] == delivery_id
    assert json.loads(body)["idempotency_key"] == delivery_id
    assert path == "/hook?team=safe"


def test_a_secret_in_the_webhooks_host_name_is_not_kept_in_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, "https://tok3n-5ecret-9x.hooks.invalid/services/AAA")
    config = _config(tmp_path, timeout="5s")
    store = _queue(config)
    error = next(iter(deliver_channels(config, store).failed.values()))
    kept = store.list_deliveries().records()[0]["last_error"]
    for text in (error, kept):
        assert "tok3n" not in text and "5ecret" not in text and "hooks.invalid" not in text


def test_the_title_counts_each_risk_level(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = _receiver(receivers)
    monkeypatch.setenv(URL_ENV, hook.url)
    config = _config(tmp_path, allow_private=True, risks=["high", "medium"])
    store = _queue(config, ("high", "medium", "medium", "medium", "medium", "medium"))
    assert len(deliver_channels(config, store).sent) == 1
    title = json.loads(hook.received[0][2])["title"]
    assert title.startswith("Action needed today: 1 high-risk and 5 medium-risk posts about")
