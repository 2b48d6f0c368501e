"""`schoolwatch worker`: takes crawl jobs (a few sources of one site each) off the queue and runs
them like a local crawl.

Each job runs in the same child-process runner as `schoolwatch crawl` (robots, limits, typed
errors, conditional GET and resume points from the job), started from a forkserver that holds
Scrapy imported. Requests take a per-site lease in Redis first (crawler/engine/site_lease.py).
The worker never opens the store: the result goes on the ingest queue, and the job is
acknowledged once it is there. A job names what to crawl; how (private addresses, robots.txt,
limits, politeness) is this worker's own [crawl], which a job may only tighten; a malformed
message never reaches the actor (schoolwatch/queue/checks.py).

A job that fails is tried again after [queue] retry_delay; after [queue] max_tries (counting
tries whose worker died) it goes to the dead-letter list and its error is sent to the ingest,
which records it as the source's last error.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import dramatiq
import redis
from dramatiq import Retry
from dramatiq.middleware import CurrentMessage, Retries

from crawler.engine.runner import collect
from crawler.engine.site_lease import LeaseSettings
from crawler.ground.config import Config, CrawlSettings, QueueSettings
from schoolwatch.queue import broker as q
from schoolwatch.queue.payload import decode_job, encode_failure, encode_result, job_sources
from spiders import SPIDERS

log = logging.getLogger("schoolwatch.worker")

SEND_PATIENCE = 300.0  # seconds a finished result waits for Redis to come back


def send_result(broker: Any, result: dict[str, Any], patience: float = SEND_PATIENCE) -> None:
    """Puts a result on the ingest queue, waiting out a Redis restart."""
    message = dramatiq.Message(
        queue_name=q.INGEST_QUEUE, actor_name=q.INGEST_ACTOR, args=(result,), kwargs={},
        options={},
    )
    deadline = time.monotonic() + patience
    while True:
        try:
            broker.enqueue(message)
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            log.warning("queue unreachable: holding the result of %s",
                        ", ".join(result["sources"]))
            time.sleep(0.5)


def tightened(own: CrawlSettings, asked: CrawlSettings) -> CrawlSettings:
    """The worker's [crawl], stricter where the job asks for stricter (fewer requests at once, a
    longer delay, fewer pages) and never looser: a job cannot allow private addresses, ignore
    robots.txt, raise a limit or change the User-Agent."""
    no_delay = timedelta(0)
    delay = max(own.delay or no_delay, asked.delay or no_delay)
    return own.model_copy(update={
        "obey_robots": own.obey_robots or asked.obey_robots,
        "allow_private": own.allow_private and asked.allow_private,
        "timeout": min(own.timeout, asked.timeout),
        "max_bytes": min(own.max_bytes, asked.max_bytes),
        "retries": min(own.retries, asked.retries),
        "max_retry_after": min(own.max_retry_after, asked.max_retry_after),
        "delay": delay or None,
        "per_site": min(own.per_site, asked.per_site),
        "max_pages": min(own.max_pages, asked.max_pages),
    })


class CrawlJob:
    """The actor: one crawl of a job's sources per message."""

    def __init__(self, config: Config, broker: Any, context: Any, log_level: str) -> None:
        assert config.queue is not None
        self.settings: QueueSettings = config.queue
        self.crawl = config.crawl
        self.broker = broker
        self.client = broker.client
        self.context = context
        self.log_level = log_level
        self.worker = q.worker_name()

    def __call__(self, job: dict[str, Any]) -> None:
        message = CurrentMessage.get_current_message()
        job_id = str(job.get("job_id"))
        names = job_sources(job)
        label = ", ".join(names)
        started = datetime.now(UTC)
        tries = self._count_try(job_id)
        max_tries = self.settings.max_tries
        if tries > max_tries:
            self._dead_letter(message, job_id, names, started,
                              f"gave up after {max_tries} tries: the worker stopped each time")
            return
        q.set_states(self.client, self.settings, names, job_id, q.RUNNING,
                     worker=self.worker, tries=tries)
        log.info("crawling %s (job %s, try %d of %d)", label, job_id, tries, max_tries)
        crawl_started = time.perf_counter()
        try:
            # The job says what to crawl; how is this worker's own [crawl], which the job may
            # only make stricter.
            job_id, sources, schools, asked, inputs = decode_job(job)
            crawl_settings = tightened(self.crawl, asked)
            lease = LeaseSettings(
                url=self.settings.url, password_env=self.settings.password_env,
                namespace=self.settings.namespace, per_site=crawl_settings.per_site,
                delay_ms=int(crawl_settings.delay.total_seconds() * 1000)
                if crawl_settings.delay else 0,
                ttl_ms=int(crawl_settings.timeout.total_seconds() * 1000) + 60_000,
            )
            collected = collect(
                crawl_settings, sources, schools, inputs, spiders=SPIDERS,
                extra_settings=lease.as_setting(),
                timeout=self.settings.job_timeout.total_seconds(), log_level=self.log_level,
                context=self.context,
            )
        except Exception as exc:
            error = str(exc) or type(exc).__name__
            if tries >= max_tries:
                self._dead_letter(message, job_id, names, started,
                                  f"gave up after {tries} tries: {error}")
                return
            log.warning("%s failed (try %d of %d): %s", label, tries, max_tries, error)
            q.set_states(self.client, self.settings, names, job_id, q.QUEUED,
                         error=error, tries=tries)
            # Retry, not the exception: Dramatiq would log the whole message (the job) with it.
            raise Retry(f"{label}: {error}"[:500],
                        delay=int(self.settings.retry_delay.total_seconds() * 1000)) from None
        seconds = time.perf_counter() - crawl_started
        send_result(self.broker, encode_result(job_id, names, self.worker, collected))
        q.set_states(self.client, self.settings, names, job_id, q.CRAWLED, worker=self.worker)
        statuses = "; ".join(f"{run.source}: {run.status}, {run.pages_fetched} page(s)"
                             for run in collected.runs)
        log.info("crawled %s in %.3fs: %s, %d document(s)", label, seconds, statuses,
                 collected.documents.documents)

    def _count_try(self, job_id: str) -> int:
        key = f"{self.settings.namespace}:tries:{job_id}"
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, 7 * 86400)
        return int(pipe.execute()[0])

    def _dead_letter(self, message: Any, job_id: str, sources: list[str], started: datetime,
                     error: str) -> None:
        log.error("%s: %s (job %s goes to the dead-letter list)", ", ".join(sources), error,
                  job_id)
        send_result(self.broker, encode_failure(job_id, sources, self.worker, started, error))
        q.set_states(self.client, self.settings, sources, job_id, q.FAILING, error=error)
        message.fail()


def build_worker(config: Config, *, threads: int = 1, log_level: str = "CRITICAL",
                 poll_ms: int = 100) -> Any:
    """A Dramatiq worker for the crawl queue (not started)."""
    # lazy: the forkserver starts only when a worker runs crawls
    from schoolwatch.queue.forkserver import forkserver_context

    settings = config.queue
    assert settings is not None
    broker = q.make_broker(
        settings,
        middleware=[
            CurrentMessage(),
            Retries(max_retries=settings.max_tries,
                    min_backoff=max(int(settings.retry_delay.total_seconds() * 1000), 1),
                    max_backoff=int(settings.retry_delay.total_seconds() * 8000) + 1),
        ],
    )
    q.check_connection(broker.client, settings)
    job = CrawlJob(config, broker, forkserver_context(), log_level)
    dramatiq.actor(job, broker=broker, actor_name=q.CRAWL_ACTOR, queue_name=q.CRAWL_QUEUE)
    worker = dramatiq.Worker(broker, queues={q.CRAWL_QUEUE}, worker_threads=threads,
                             worker_timeout=poll_ms)
    worker.queue_prefetch = threads  # a job waiting in a busy worker is a job not running
    worker.delay_prefetch = 1000
    return worker


def run_worker(config: Config, *, threads: int = 1, stop_after: float = 60.0,
               log_level: str = "CRITICAL", poll_ms: int = 100,
               on_ready: Callable[[], None] | None = None) -> None:
    """Runs until SIGTERM or Ctrl-C; running crawls get `stop_after` seconds to finish (a crawl
    still running then is not acknowledged and goes to another worker)."""
    worker = build_worker(config, threads=threads, log_level=log_level, poll_ms=poll_ms)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with q.Heartbeat(worker.broker):
            worker.start()
            log.info("worker %s: %d thread(s) on %s", q.worker_name(), threads,
                     q.shown_url(config.queue.url) if config.queue else "?")
            if on_ready is not None:
                on_ready()
            stopping.wait()
            log.info("stopping: letting running crawls finish (up to %gs)", stop_after)
            worker.stop(timeout=int(stop_after * 1000))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
