"""The queue inside `schoolwatch run`: crawls are enqueued when due, and the scheduler's one
job thread also drains the ingest queue (unless `schoolwatch ingest` does) every few seconds,
so the store keeps one writer and the digest, re-checks and retention run between writes."""

from __future__ import annotations

import logging

from crawler.ground.config import Config
from schoolwatch.queue.broker import Heartbeat, check_connection
from schoolwatch.queue.dispatch import Dispatcher
from schoolwatch.queue.ingest import Ingest

log = logging.getLogger("schoolwatch.queue")

TICK_SECONDS = 2.0


class QueueService:
    def __init__(self, config: Config) -> None:
        assert config.queue is not None
        self.config = config
        self.dispatcher = Dispatcher(config)
        check_connection(self.dispatcher.client, config.queue)
        self.ingest = (
            Ingest(config, broker=self.dispatcher.broker) if config.queue.ingest_in_run else None
        )
        self.heartbeat = Heartbeat(self.dispatcher.broker)

    def __enter__(self) -> QueueService:
        self.heartbeat.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.heartbeat.__exit__(*exc)

    def enqueue(self, source_names: list[str]) -> None:
        """Enqueues crawls of the sources (a job per few sources of one site)."""
        sources = [self.config.get_source(name) for name in source_names]
        self.dispatcher.enqueue([source for source in sources if source is not None])

    def tick(self) -> None:
        """Writes waiting results (then tags them and sends alerts) and re-queues lost jobs."""
        if self.ingest is not None:
            # lazy: the jobs (classifier, digest) load only when a crawl is ingested
            from schoolwatch.jobs import after_crawl

            batch = self.ingest.drain()
            self.dispatcher.settle(batch.job_ids)
            if batch.written:
                after_crawl(self.config, batch.report())
        self.dispatcher.reconcile()
