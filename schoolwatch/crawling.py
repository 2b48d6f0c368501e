"""The crawl engine with this installation's spiders plugged in: what the commands, the jobs
and the tests call to crawl or to try a source."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from crawler.engine import runner
from crawler.engine.runner import CrawlReport, ProgressCallback
from crawler.ground.config import Config, CrawlSettings, Source
from crawler.ground.items import SourceRun
from spiders import SPIDERS


def crawl(
    config: Config,
    sources: Sequence[Source],
    *,
    school_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
    log_level: str = "CRITICAL",
    while_starting: Callable[[], None] | None = None,
) -> CrawlReport:
    """Crawls the sources in a child process, which writes what it found to the store;
    `while_starting` runs in this process while the child starts up."""
    return runner.crawl(config, sources, spiders=SPIDERS, school_id=school_id,
                        on_progress=on_progress, timeout=timeout, log_level=log_level,
                        while_starting=while_starting)


def extract(
    source: Source,
    crawl_settings: CrawlSettings,
    *,
    timeout: float | None = None,
    log_level: str = "CRITICAL",
) -> tuple[list[dict[str, Any]], SourceRun]:
    """Fetches one source with its spider and returns the documents, storing nothing."""
    return runner.extract(source, crawl_settings, spiders=SPIDERS, timeout=timeout,
                          log_level=log_level)
