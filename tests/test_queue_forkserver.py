"""A queue worker's crawl children start warm: forked from a server that imported what a crawl
uses, so that a short job does not pay for imports (schoolwatch/queue/preload.py), and skip
start-up work nobody sees."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils import log as scrapy_log

from crawler.engine.child_process import run_in_child
from crawler.engine.settings import scrapy_settings
from crawler.ground.config import CrawlSettings
from schoolwatch.queue.forkserver import forkserver_context

# What every crawl child uses: Scrapy's crawler, the spiders, and Arrow (a crawl ends by
# building its documents' batch, which travels back as Arrow IPC).
USED_BY_EVERY_CRAWL = ["scrapy.crawler", "spiders.feed", "crawler.engine.spider_process",
                       "pyarrow", "pyarrow.ipc"]


def _already_loaded(job: dict[str, Any], channel: Any) -> list[str]:
    """Runs in the crawl child: which of the job's modules it has before importing any."""
    return [name for name in job["modules"] if name in sys.modules]


def test_a_worker_s_crawl_children_start_with_what_a_crawl_imports_loaded() -> None:
    loaded = run_in_child(_already_loaded, {"modules": USED_BY_EVERY_CRAWL}, None, 120,
                          forkserver_context())
    assert loaded == USED_BY_EVERY_CRAWL


def test_a_crawl_looks_up_its_dependencies_versions_only_to_log_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up: list[list[str]] = []
    monkeypatch.setattr(scrapy_log, "get_versions",
                        lambda software: looked_up.append(list(software)) or [])
    scrapy_log.log_scrapy_info(Settings(scrapy_settings(CrawlSettings(), log_level="CRITICAL")))
    assert looked_up == []  # ~10 ms of every crawl process, for a line nobody sees
    scrapy_log.log_scrapy_info(Settings(scrapy_settings(CrawlSettings(), log_level="INFO")))
    assert "Twisted" in looked_up[0]  # `--verbose` still shows them
