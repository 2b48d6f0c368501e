"""Shared fixtures: a local fixture site with failure routes, configs written to a temp folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.ground.config import Config, load_config
from crawler.store import Store
from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import FixtureServer
from tests.helpers import SCHOOLS_TOML, MutableFeed, failure_routes
from tests.mail_helpers import SmtpSink, free_port
from tests.queue_helpers import NO_REDIS, RedisServer


@pytest.fixture(scope="session")
def mutable_feed() -> MutableFeed:
    return MutableFeed()


@pytest.fixture(scope="session")
def site(mutable_feed: MutableFeed) -> Iterator[FixtureServer]:
    """The demo's fixture sites plus routes that fail in every way a real source can."""
    routes = {**failure_routes(), "/mutable.xml": mutable_feed}
    with FixtureServer(sites_folder(), routes=routes) as server:
        yield server


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Config]:
    """Writes a config with the two test schools, the given [crawl] and sources, and loads it."""

    def write(sources: str, crawl: str = "", extra: str = "") -> Config:
        crawl_table = (
            '[crawl]\nuser_agent = "schoolwatch-tests"\ndelay = "0s"\nretries = 1\n'
            'timeout = "2s"\nallow_private = true\n' + crawl
        )
        store = '[store]\npath = "store.duckdb"\n'
        text = f"{store}\n{crawl_table}\n{extra}\n{SCHOOLS_TOML}\n{sources}"
        path = tmp_path / "schoolwatch.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)

    return write




@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port()).start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink_factory() -> Iterator[Callable[..., SmtpSink]]:
    """Starts a sink on a given port when the test says so (for the SMTP-down case)."""
    started: list[SmtpSink] = []

    def start(port: int, **options: Any) -> SmtpSink:
        sink = SmtpSink(port).start(**options)
        started.append(sink)
        return sink

    try:
        yield start
    finally:
        for sink in started:
            sink.stop()


# ---- config and store ------------------------------------------------------------------------


@pytest.fixture
def unattended_store(tmp_path: Path) -> Store:
    """An empty store in tmp_path, where `unattended_config` puts it."""
    return Store(tmp_path / "store.duckdb")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session; tests keep apart by [queue] namespace."""
    if shutil.which("redis-server") is None:
        pytest.skip(NO_REDIS)
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()
