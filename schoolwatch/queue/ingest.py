"""The one writer of a multi-machine install: takes crawl results off the queue into the store.

Each result is written in one transaction together with its job id (table ingested_jobs), and
acknowledged only after COMMIT. A result delivered twice (a worker killed after sending, a Redis
restart) finds its job id there and is acknowledged without writing. While the ingest is down,
results wait on the queue; one interrupted mid-write was never committed and comes back after
[queue] visibility_timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from dramatiq.errors import BrokerConnectionError

from crawler.engine.runner import CrawlReport
from crawler.ground.config import Config
from crawler.ground.errors import BatchFormatError, StoreLockedError
from crawler.ground.items import SourceRun
from crawler.store import Store
from schoolwatch.queue import broker as q
from schoolwatch.queue.payload import decode_result

log = logging.getLogger("schoolwatch.ingest")


@dataclass
class IngestBatch:
    """What one drain of the ingest queue wrote."""

    written: int = 0
    duplicates: int = 0
    rejected: int = 0
    runs: list[SourceRun] = field(default_factory=list)
    new_mention_ids: list[int] = field(default_factory=list)
    updated_mention_ids: list[int] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)

    def report(self) -> CrawlReport:
        return CrawlReport(self.runs, list(self.new_mention_ids), list(self.updated_mention_ids))


class Ingest:
    """Drains the ingest queue into the store; call `drain` as often as suits (one thread)."""

    def __init__(self, config: Config, broker: Any | None = None, poll_ms: int = 200) -> None:
        assert config.queue is not None
        self.config = config
        self.settings = config.queue
        self.broker = broker or q.make_broker(self.settings)
        self.store = Store(config.store.path)
        self.poll_ms = poll_ms
        self._consumer: Any = None

    def drain(self, max_seconds: float = 30.0) -> IngestBatch:
        """Writes results until the queue is empty (or `max_seconds` have passed)."""
        batch = IngestBatch()
        deadline = time.monotonic() + max_seconds
        try:
            if self._consumer is None:
                self._consumer = self.broker.consume(q.INGEST_QUEUE, prefetch=1,
                                                     timeout=self.poll_ms)
            while time.monotonic() < deadline:
                message = next(self._consumer)
                if message is None:
                    break
                if not self._write(message, batch):
                    break
        except (BrokerConnectionError, redis.ConnectionError) as exc:
            log.warning("queue unreachable (%s): results wait there", exc)
            self._close()
        return batch

    def _write(self, message: Any, batch: IngestBatch) -> bool:
        try:
            result = message.args[0]
            job_id, sources = str(result["job_id"]), [str(name) for name in result["sources"]]
            collected = decode_result(result)
        except (KeyError, IndexError, TypeError, ValueError, BatchFormatError) as exc:
            log.error("unreadable result %s moved to the dead-letter list: %r",
                      message.message_id, exc)
            self._consumer.nack(message)
            batch.rejected += 1
            return True
        config = self.config
        try:
            written = self.store.write_crawl(
                collected.describing(config.school, config.source),
                job=(job_id, ", ".join(sources)),
            )
        except StoreLockedError as exc:
            log.warning("%s; the result of %s waits on the queue", exc, ", ".join(sources))
            self._consumer.requeue([message])
            self._consumer.queued_message_ids.discard(message.message_id)
            return False
        self._ack(message)
        batch.job_ids.append(job_id)
        if written.already_written:
            batch.duplicates += 1
            log.info("%s: job %s was written before; delivered again, skipped",
                     ", ".join(sources), job_id)
        else:
            batch.written += 1
            batch.runs.extend(collected.runs)
            batch.new_mention_ids += written.new_mention_ids
            batch.updated_mention_ids += written.updated_mention_ids
            for run in collected.runs:
                log.info("ingested %s: %s, %d new, %d updated%s", run.source, run.status,
                         run.new_mentions, run.updated_mentions,
                         f" ({run.last_error})" if run.last_error else "")
        for source in sources:
            self._settle_state(source, job_id, failed=result.get("failure") is not None)
        return True

    def _ack(self, message: Any, patience: float = 120.0) -> None:
        """Acknowledges a committed result, waiting out a Redis restart (an ack lost with a
        restarted Redis is harmless: a redelivery finds the job id in the store)."""
        deadline = time.monotonic() + patience
        while True:
            try:
                self._consumer.ack(message)
                return
            except BrokerConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _settle_state(self, source: str, job_id: str, *, failed: bool) -> None:
        client = self.broker.client
        try:
            if failed:
                q.set_state(client, self.settings, source, job_id, q.FAILED)
                return
            key = q.source_key(self.settings, source)
            current = client.hget(key, "job_id")
            if current is not None and current.decode() == job_id:
                client.delete(key)
        except redis.RedisError as exc:  # the store has it; the queue's view catches up later
            log.warning("could not update the queue state of %s: %s", source, exc)

    def _close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close()
            finally:
                self._consumer = None


def run_ingest(config: Config, stop: threading.Event,
               after_write: Callable[[Config, CrawlReport], Any] | None = None,
               poll_seconds: float = 1.0) -> None:
    """Writes results as they come until `stop` is set; `after_write` (classification, alerts)
    runs after each drain that wrote something."""
    ingest = Ingest(config)
    q.check_connection(ingest.broker.client, ingest.settings)
    with q.Heartbeat(ingest.broker):
        log.info("ingest: writing results from %s into %s", q.shown_url(ingest.settings.url),
                 config.store.path)
        while not stop.is_set():
            batch = ingest.drain()
            if batch.written and after_write is not None:
                try:
                    after_write(config, batch.report())
                except Exception as exc:  # the results are stored; tagging catches up later
                    log.error("after the crawl results: %s", exc)
            if not batch.written and not batch.duplicates:
                stop.wait(poll_seconds)
