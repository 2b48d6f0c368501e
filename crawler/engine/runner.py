"""Runs a crawl in a child process and writes its results to the store in one transaction.

A child process because Twisted's reactor cannot restart in-process, and because the scheduler
needs a hard timeout it can enforce by ending the process. The CLI and the scheduler both call
`crawl()` and `extract()`; progress comes back over a queue as ProgressEvents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.engine.child_process import run_in_child
from crawler.engine.spider_process import (  # noqa: F401  (re-exported)
    PROGRESS_INTERVAL,
    ProgressEvent,
    SpiderPaths,
    run_spiders,
)
from crawler.ground.config import Config, CrawlSettings, School, Source
from crawler.ground.errors import UnknownNameError
from crawler.ground.items import CrawlResult, MatchedDocument, SourceRun, Validators
from crawler.ground.vocab import RunStatus

if TYPE_CHECKING:
    from crawler.store import Store


@dataclass
class CrawlReport:
    runs: list[SourceRun]
    new_mention_ids: list[int] = field(default_factory=list)
    updated_mention_ids: list[int] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceRun]:
        return [run for run in self.runs if run.failed]

    @property
    def new_mentions(self) -> int:
        return sum(run.new_mentions for run in self.runs)


@dataclass
class CrawlInputs:
    """What a crawl starts from, read from the store before it: conditional-GET validators
    (by URL), each source's stored mention URLs, and each source's resume points."""

    validators: dict[str, Validators] = field(default_factory=dict)
    known_urls: dict[str, set[str]] = field(default_factory=dict)
    state: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store, sources: Sequence[Source]) -> CrawlInputs:
        """What the store holds for these sources, read over one open of the file."""
        names = [source.name for source in sources]
        with store.one_reader():
            return cls(
                validators=store.validators([source.url for source in sources]),
                known_urls=store.known_urls(names),
                state=store.crawl_state(names),
            )


ProgressCallback = Callable[[ProgressEvent], None]

# Imported first in a crawl's child. At its import Scrapy's HTTP handler walks the caller's
# stack with inspect.stack(), whose cost grows with every module loaded: imported after the
# store, the config and the spiders it took a third of a second of an all-304 re-crawl.
CHILD_PRELOAD = ("scrapy.core.downloader.handlers.http11",)


def select_sources(
    config: Config, names: Sequence[str] = (), school_id: str | None = None
) -> list[Source]:
    """The sources to crawl: those named (all by default), narrowed to one school's if given."""
    if school_id is not None and config.get_school(school_id) is None:
        raise UnknownNameError(
            f"no school with id {school_id!r} (known: {', '.join(s.id for s in config.school)})"
        )
    chosen = []
    for name in names:
        source = config.get_source(name)
        if source is None:
            known = ", ".join(s.name for s in config.source) or "none configured"
            raise UnknownNameError(f"no source named {name!r} (known: {known})")
        chosen.append(source)
    sources = chosen or list(config.source)
    if school_id is not None:
        sources = [s for s in sources if s.schools is None or school_id in s.schools]
    return sources


def crawl(
    config: Config,
    sources: Sequence[Source],
    *,
    spiders: SpiderPaths,
    school_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
    log_level: str = "CRITICAL",
    while_starting: Callable[[], None] | None = None,
) -> CrawlReport:
    """Crawls the sources in a child process, which writes what it found to the store;
    `while_starting` runs in this process while the child starts up."""
    job = {
        "config": config,
        "sources": list(sources),
        "spiders": dict(spiders),
        "school_id": school_id,
        "log_level": log_level,
    }
    return run_in_child(_crawl_in_child, job, on_progress, timeout, preload=CHILD_PRELOAD,
                        while_starting=while_starting)


def extract(
    source: Source,
    crawl_settings: CrawlSettings,
    *,
    spiders: SpiderPaths,
    timeout: float | None = None,
    log_level: str = "CRITICAL",
) -> tuple[list[dict[str, Any]], SourceRun]:
    """Fetches one source with its spider and returns the documents, storing nothing."""
    job = {
        "crawl": crawl_settings,
        "sources": [source],
        "spiders": dict(spiders),
        "log_level": log_level,
    }
    return run_in_child(_extract_in_child, job, None, timeout, preload=CHILD_PRELOAD)


def collect(
    crawl_settings: CrawlSettings,
    sources: Sequence[Source],
    schools: Sequence[School],
    inputs: CrawlInputs,
    *,
    spiders: SpiderPaths,
    extra_settings: dict[str, Any] | None = None,
    timeout: float | None = None,
    log_level: str = "CRITICAL",
    context: Any = None,
) -> CrawlResult:
    """Crawls the sources in a child process like `crawl`, but opens no store: the caller
    gives what the store would (`inputs`) and gets back what it would write (a queue worker).

    `extra_settings` are merged into the Scrapy settings (dicts key by key); `context` is the
    multiprocessing context to start the child with (default: spawn)."""
    job = {
        "crawl": crawl_settings,
        "sources": list(sources),
        "spiders": dict(spiders),
        "schools": list(schools),
        "inputs": inputs,
        "extra_settings": extra_settings or {},
        "log_level": log_level,
    }
    return run_in_child(_collect_in_child, job, None, timeout, context, CHILD_PRELOAD)


def run_spider(
    crawl_settings: CrawlSettings,
    spider: str,
    *,
    timeout: float | None = None,
    log_level: str = "CRITICAL",
    **arguments: Any,
) -> list[Any]:
    """Runs one spider (by dotted path) in a child process under the crawl's Scrapy settings
    (robots.txt, user agent, timeout, size cap, retries) and returns its `collected` list.
    The take-down re-check uses it; the arguments and results must pickle."""
    job = {
        "crawl": crawl_settings,
        "spider": spider,
        "arguments": arguments,
        "log_level": log_level,
    }
    return run_in_child(_spider_in_child, job, None, timeout, preload=CHILD_PRELOAD)


def _crawl_in_child(job: dict[str, Any], channel: Any) -> CrawlReport:
    # lazy: scrapy, duckdb and the matcher load in the crawl's child process only
    from crawler.store import Store, WriteResult

    config: Config = job["config"]
    sources: list[Source] = job["sources"]
    school_id: str | None = job["school_id"]
    store = Store(config.store.path)
    inputs = CrawlInputs.read(store, sources)
    schools = [s for s in config.school if school_id is None or s.id == school_id]
    result = _collect(config.crawl, sources, job["spiders"], schools, inputs,
                      job["log_level"], channel).describing(config.school, config.source)
    # Spooled before the store is opened: a busy store keeps the crawl for the next chance.
    spooled = store.spool_crawl(result)
    outcome = store.write_spooled(spooled)
    written = outcome.result or WriteResult()
    return CrawlReport(
        runs=outcome.runs or result.runs,
        new_mention_ids=written.new_mention_ids,
        updated_mention_ids=written.updated_mention_ids,
    )


def _collect_in_child(job: dict[str, Any], channel: Any) -> CrawlResult:
    return _collect(
        job["crawl"], job["sources"], job["spiders"], job["schools"], job["inputs"],
        job["log_level"], channel, extra_settings=job["extra_settings"],
    )


def _collect(
    crawl_settings: CrawlSettings,
    sources: Sequence[Source],
    spider_paths: SpiderPaths,
    schools: Sequence[School],
    inputs: CrawlInputs,
    log_level: str,
    channel: Any,
    extra_settings: dict[str, Any] | None = None,
) -> CrawlResult:
    # lazy: scrapy, duckdb and the matcher load in the crawl's child process only
    from crawler.ground.matching import Matcher

    matcher = Matcher.from_config(list(schools))
    spiders = run_spiders(
        crawl_settings,
        sources,
        spider_paths,
        log_level,
        channel,
        spider_kwargs=lambda source: {
            "matcher": matcher,
            "school_ids": {
                s.id for s in schools if source.schools is None or s.id in source.schools
            },
            "validators": inputs.validators,
            "known_urls": inputs.known_urls.get(source.name, set()),
            "state": inputs.state.get(source.name, {}),
        },
        extra_settings=extra_settings,
    )
    runs = [spider.run for spider in spiders]
    for run in runs:
        if run.finished_at is None:  # a second SIGTERM / Ctrl-C stopped Scrapy without closing
            run.finished_at = datetime.now(UTC)
            run.warnings.append("stopped early (interrupted)")
            if run.status != RunStatus.FAILED:
                run.status = RunStatus.INTERRUPTED
    return CrawlResult(
        runs=runs,
        documents=[
            item for spider in spiders for item in spider.collected
            if isinstance(item, MatchedDocument)
        ],
        validators=[v for spider in spiders for v in spider.new_validators],
        state={spider.source.name: spider.new_state for spider in spiders if spider.new_state},
        series=[point for spider in spiders for point in getattr(spider, "series", [])],
    )


def _extract_in_child(job: dict[str, Any], channel: Any) -> tuple[list[dict[str, Any]], SourceRun]:
    (spider,) = run_spiders(
        job["crawl"], job["sources"], job["spiders"], job["log_level"], None
    )
    measured = [point.as_json() for point in getattr(spider, "series", [])]
    return [item.as_json() for item in spider.collected] + measured, spider.run


def _spider_in_child(job: dict[str, Any], channel: Any) -> list[Any]:
    # lazy: scrapy, duckdb and the matcher load in the crawl's child process only
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.misc import load_object

    from crawler.engine.settings import scrapy_settings

    settings = scrapy_settings(job["crawl"], log_level=job["log_level"])
    settings["ITEM_PIPELINES"] = {}  # it collects results itself; no documents to match
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(load_object(job["spider"]))
    process.crawl(crawler, **job["arguments"])
    process.start()
    return list(crawler.spider.collected)
