"""Fetch-time guard (issue 12 item 7): no request reaches a non-public address, after DNS and
after redirects, unless [crawl] allow_private = true."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.engine.guard import NonPublicAddress, PublicOnlyMiddleware
from crawler.engine.settings import scrapy_settings
from crawler.ground.config import Config
from schoolwatch.crawling import crawl
from schoolwatch.demo.server import FixtureServer
from tests.helpers import feed_source


@pytest.fixture
def guard() -> PublicOnlyMiddleware:
    return PublicOnlyMiddleware()


def _resolving_to(monkeypatch: pytest.MonkeyPatch, table: dict[str, str]) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://2130706433/", "http://[::ffff:10.0.0.1]/",
     "http://169.254.169.254/latest/meta-data/", "http://localhost:8080/"],
)
def test_literal_private_addresses_are_refused(guard: PublicOnlyMiddleware, url: str) -> None:
    with pytest.raises(NonPublicAddress, match="allow_private"):
        guard.process_request(Request(url))


def test_a_public_name_resolving_to_a_private_address_is_refused(
    guard: PublicOnlyMiddleware, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolving_to(monkeypatch, {"news.example.org": "93.184.215.14",
                                "rebind.example.org": "169.254.169.254"})
    assert guard.process_request(Request("https://news.example.org/rss")) is None
    with pytest.raises(NonPublicAddress, match=r"rebind\.example\.org resolves to 169\.254"):
        guard.process_request(Request("https://rebind.example.org/rss"))


def test_a_redirect_to_a_private_address_is_refused(
    guard: PublicOnlyMiddleware, monkeypatch: pytest.MonkeyPatch
) -> None:
    _resolving_to(monkeypatch, {"news.example.org": "93.184.215.14"})
    crawler = get_crawler(settings_dict={"REDIRECT_ENABLED": True})
    redirects = RedirectMiddleware.from_crawler(crawler)
    first = Request("https://news.example.org/rss")
    assert guard.process_request(first) is None
    answer = Response(first.url, status=302, headers={"Location": "http://10.1.2.3/admin"},
                      request=first)
    follow = redirects.process_response(first, answer)
    assert isinstance(follow, Request) and follow.url == "http://10.1.2.3/admin"
    with pytest.raises(NonPublicAddress, match=r"10\.1\.2\.3 is a private"):
        guard.process_request(follow)


def test_the_guard_is_on_unless_allow_private(write_config: Callable[..., Config]) -> None:
    config = write_config("")
    strict = config.crawl.model_copy(update={"allow_private": False})
    assert "crawler.engine.guard.PublicOnlyMiddleware" in scrapy_settings(strict)[
        "DOWNLOADER_MIDDLEWARES"]
    crawler = get_crawler(settings_dict=scrapy_settings(config.crawl))
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        PublicOnlyMiddleware.from_crawler(crawler)


def test_a_crawl_refuses_a_private_source_at_fetch_time(
    site: FixtureServer, write_config: Callable[..., Config]
) -> None:
    """A config that passed (here: built around the check) is still refused when fetching."""
    config = write_config(feed_source("local", f"{site.base_url}/news/rss.xml"))
    config = config.model_copy(
        update={"crawl": config.crawl.model_copy(update={"allow_private": False})}
    )
    report = crawl(config, config.source)
    (run,) = report.runs
    assert run.failed and report.new_mentions == 0
    assert "refused" in (run.last_error or "") and "loopback" in (run.last_error or "")


def test_extract_refuses_a_private_address_unless_allowed(site: FixtureServer) -> None:
    from click.testing import CliRunner

    from schoolwatch.cli import cli

    result = CliRunner().invoke(cli, ["extract", "--kind", "feed", f"{site.base_url}/news/rss.xml"])
    assert result.exit_code == 1
    assert "refused" in result.stderr and "allow_private" in result.stderr.replace("\n", "")
    typo = CliRunner().invoke(cli, ["extract", "--kind", "forum", "--option", "txet=.body",
                                    "https://forum.example.org/"])
    assert typo.exit_code == 1 and "unknown option 'txet'" in typo.stderr
    assert "pydantic" not in typo.stderr
