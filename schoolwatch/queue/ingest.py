"""The one writer of a multi-machine install: takes crawl results off the queue into the store.

Each result is written in one transaction together with its job id (table ingested_jobs), and
acknowledged only after COMMIT; results waiting together (several workers finishing at once)
share one transaction, as one local crawl of their sources would. A result delivered twice (a
worker killed after sending, a Redis restart) finds its job id there and is acknowledged without
writing. While the ingest is down, results wait on the queue; one interrupted mid-write was never
committed and comes back after [queue] visibility_timeout.
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
from crawler.ground.items import CrawlResult, MentionBatch, SourceRun
from crawler.store import Store, WriteResult
from schoolwatch.queue import broker as q
from schoolwatch.queue.payload import decode_result

log = logging.getLogger("schoolwatch.ingest")

# The most results written in one transaction. Results that wait on the queue together (several
# workers finishing at once) are written together: a write's fixed costs (opening the store,
# recording the configured schools and sources) are paid once for all of them, so the ingest
# keeps up with many workers.
WRITE_MOST = 16


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
                self._consumer = self.broker.consume(q.INGEST_QUEUE, prefetch=WRITE_MOST,
                                                     timeout=self.poll_ms)
            while time.monotonic() < deadline:
                waiting = self._take()
                if not waiting:
                    break
                if not self._write_all(waiting, batch):
                    break
        except (BrokerConnectionError, redis.ConnectionError) as exc:
            log.warning("queue unreachable (%s): results wait there", exc)
            self._close()
        return batch

    def _take(self) -> list[Any]:
        """The next result, waiting up to poll_ms for it, and every other one already waiting
        (up to WRITE_MOST)."""
        message = next(self._consumer)
        if message is None:
            return []
        taken = [message]
        while len(taken) < WRITE_MOST:
            message = next(self._consumer)  # the next waiting, or None after a few ms
            if message is None:
                break
            taken.append(message)
        return taken

    def _write_all(self, messages: list[Any], batch: IngestBatch) -> bool:
        """Writes the results, as few transactions as their jobs allow (see `_one_write`);
        False when the store is locked (the results not yet written wait on the queue)."""
        pending = []
        for message in messages:
            try:
                pending.append(_Result.read(message))
            except (KeyError, IndexError, TypeError, ValueError, BatchFormatError) as exc:
                log.error("unreadable result %s moved to the dead-letter list: %r",
                          message.message_id, exc)
                self._consumer.nack(message)
                batch.rejected += 1
        alone = False  # after a write refused for a redelivered job: one result a write
        while pending:
            group = pending[:1] if alone else _one_write(pending)
            try:
                written = self.store.write_crawl(
                    _combined(group).describing(self.config.school, self.config.source),
                    jobs=[(result.job_id, ", ".join(result.sources)) for result in group],
                )
            except StoreLockedError as exc:
                log.warning("%s; the results of %s wait on the queue", exc,
                            ", ".join(name for result in pending for name in result.sources))
                self._consumer.requeue([result.message for result in pending])
                for result in pending:
                    self._consumer.queued_message_ids.discard(result.message.message_id)
                return False
            if written.already_written and len(group) > 1:
                alone = True  # which of them was written before, each write will tell
                continue
            alone = False
            del pending[:len(group)]
            self._written(group, written, batch)
        return True

    def _written(self, group: list[_Result], written: WriteResult, batch: IngestBatch) -> None:
        for result in group:
            self._ack(result.message)
            batch.job_ids.append(result.job_id)
        if written.already_written:
            (result,) = group
            batch.duplicates += 1
            log.info("%s: job %s was written before; delivered again, skipped",
                     ", ".join(result.sources), result.job_id)
        else:
            batch.written += len(group)
            batch.new_mention_ids += written.new_mention_ids
            batch.updated_mention_ids += written.updated_mention_ids
            for result in group:
                batch.runs.extend(result.crawl.runs)
                for run in result.crawl.runs:
                    log.info("ingested %s: %s, %d new, %d updated%s", run.source, run.status,
                             run.new_mentions, run.updated_mentions,
                             f" ({run.last_error})" if run.last_error else "")
        for result in group:
            for source in result.sources:
                self._settle_state(source, result.job_id, failed=result.failed)

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


@dataclass
class _Result:
    """A job's result as read off the ingest queue."""

    message: Any
    job_id: str
    sources: list[str]
    failed: bool
    crawl: CrawlResult

    @classmethod
    def read(cls, message: Any) -> _Result:
        result = message.args[0]
        return cls(message, str(result["job_id"]), [str(name) for name in result["sources"]],
                   result.get("failure") is not None, decode_result(result))

    @property
    def names(self) -> set[str]:
        """The sources whose rows the result writes."""
        return {*self.sources, *(run.source for run in self.crawl.runs)}


def _one_write(pending: list[_Result]) -> list[_Result]:
    """The leading results that can go in one write: no job twice (a redelivered result is
    told apart by its own write) and no source twice (each job's result then lands as it would
    have in a write of its own)."""
    group = [pending[0]]
    jobs, names = {pending[0].job_id}, set(pending[0].names)
    for result in pending[1:]:
        if result.job_id in jobs or names & result.names:
            break
        group.append(result)
        jobs.add(result.job_id)
        names |= result.names
    return group


def _combined(group: list[_Result]) -> CrawlResult:
    """Several jobs' results (of distinct sources) as one crawl's: what one local crawl of all
    their sources would have brought back."""
    if len(group) == 1:
        return group[0].crawl
    crawls = [result.crawl for result in group]
    return CrawlResult(
        runs=[run for crawl in crawls for run in crawl.runs],
        documents=MentionBatch.joined([crawl.documents for crawl in crawls]),
        validators=[validator for crawl in crawls for validator in crawl.validators],
        state={name: pairs for crawl in crawls for name, pairs in crawl.state.items()},
        series=[point for crawl in crawls for point in crawl.series],
        ended_at=max(crawl.ended_at for crawl in crawls),
    )


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
