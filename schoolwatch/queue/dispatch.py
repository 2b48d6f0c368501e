"""The dispatcher: enqueues source crawls, and enqueues again what a restarted Redis lost.

The sources due are grouped by site: a job carries up to [queue] sources_per_job sources of one
site, which a worker reads in one crawl (one child process, one Scrapy crawler) within the
site's limits. It reads what each crawl starts from out of the store (validators, stored URLs,
resume points), so workers need nothing but the job. A source with a job still on its way is not
enqueued again.
Every few seconds `reconcile` looks for its jobs in Redis; a job Redis no longer knows and the
store has not recorded (a Redis restart without persistence) is enqueued again under the same
id, so that if the first copy still arrives only one is written.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dramatiq
import redis

from crawler.engine.runner import CrawlInputs
from crawler.ground.config import Config, School, Source
from crawler.ground.urls import site_key
from crawler.store import Store
from schoolwatch.queue import broker as q
from schoolwatch.queue.payload import encode_job

log = logging.getLogger("schoolwatch.queue")


@dataclass
class Outstanding:
    job_id: str
    source: str
    job: dict[str, Any] | None  # None: adopted from Redis after a restart of the dispatcher
    enqueued_at: float


class Dispatcher:
    def __init__(self, config: Config, broker: Any | None = None) -> None:
        assert config.queue is not None
        self.config = config
        self.settings = config.queue
        self.broker = broker or q.make_broker(self.settings)
        self.client: redis.Redis = self.broker.client
        self.outstanding: dict[str, Outstanding] = {}
        self.waiting: dict[str, Source] = {}  # due while Redis was unreachable

    def enqueue(self, sources: Sequence[Source]) -> list[str]:
        """Enqueues a crawl of each source with no job on its way; returns the job ids.

        While Redis is unreachable the sources wait here and `reconcile` enqueues them."""
        try:
            job_ids = self._enqueue([*self.waiting.values(), *sources])
        except redis.ConnectionError as exc:
            for source in sources:
                self.waiting[source.name] = source
            log.warning("queue unreachable (%s): %d crawl(s) wait to be queued", exc,
                        len(self.waiting))
            return []
        self.waiting.clear()
        return job_ids

    def _enqueue(self, sources: Sequence[Source]) -> list[str]:
        live = q.read_states(self.client, self.settings, [s.name for s in sources])
        wanted = []
        for source in sources:
            if source.name in self.outstanding:
                log.info("%s: a crawl is still queued or running; not queued again", source.name)
                continue
            state = live.get(source.name)
            if state and state.get("state") in q.LIVE_STATES:
                self.outstanding[source.name] = Outstanding(
                    state["job_id"], source.name, None, time.monotonic())
                log.info("%s: job %s already queued (%s)", source.name, state["job_id"],
                         state.get("state"))
                continue
            wanted.append(source)
        if not wanted:
            return []
        inputs = CrawlInputs.read(Store(self.config.store.path), wanted)
        job_ids = []
        for group in by_site(wanted, self.settings.sources_per_job):
            job_id = uuid.uuid4().hex
            urls = {source.url for source in group}
            group_inputs = CrawlInputs(
                validators={url: v for url, v in inputs.validators.items() if url in urls},
                known_urls=inputs.known_urls, state=inputs.state,
            )
            job = encode_job(job_id, group, self._schools_of(group), self.config.crawl,
                             group_inputs)
            names = [source.name for source in group]
            self._send(names, job_id, job)
            for name in names:
                self.outstanding[name] = Outstanding(job_id, name, job, time.monotonic())
            job_ids.append(job_id)
        return job_ids

    def _schools_of(self, sources: Sequence[Source]) -> list[School]:
        """The schools any of the sources is about (the worker's matcher narrows per source)."""
        wanted = {school.id for source in sources for school in self.config.schools_for(source)}
        return [school for school in self.config.school if school.id in wanted]

    def _send(self, sources: list[str], job_id: str, job: dict[str, Any]) -> None:
        q.set_states(self.client, self.settings, sources, job_id, q.QUEUED)
        self.broker.enqueue(dramatiq.Message(
            queue_name=q.CRAWL_QUEUE, actor_name=q.CRAWL_ACTOR, args=(job,), kwargs={},
            options={},
        ))
        log.info("queued %s (job %s)", ", ".join(sources), job_id)

    def settle(self, job_ids: Sequence[str]) -> None:
        """Forgets jobs the ingest has written (called by an ingest in the same process)."""
        done = set(job_ids)
        for name in [n for n, o in self.outstanding.items() if o.job_id in done]:
            del self.outstanding[name]

    def reconcile(self, grace: float = 2.0) -> list[str]:
        """Forgets written jobs and enqueues again those Redis lost; returns their sources."""
        if self.waiting:
            self.enqueue([])
        if not self.outstanding:
            return []
        live = q.read_states(self.client, self.settings, list(self.outstanding))
        unknown = []
        for name, job in self.outstanding.items():
            state = live.get(name, {})
            if state.get("job_id") == job.job_id and state.get("state") in q.LIVE_STATES:
                continue
            if time.monotonic() - job.enqueued_at >= grace or state.get("state") == q.FAILED:
                unknown.append(job)
        if not unknown:
            return []
        written = Store(self.config.store.path).ingested_jobs([job.job_id for job in unknown])
        again: list[str] = []
        resent: set[str] = set()
        for job in unknown:
            if job.job_id in written:
                del self.outstanding[job.source]
            elif job.job is None:
                del self.outstanding[job.source]
                source = self.config.get_source(job.source)
                if source is not None:
                    self.enqueue([source])
                    again.append(job.source)
            elif job.job_id in resent:  # another source of the same job: sent with it
                job.enqueued_at = time.monotonic()
                again.append(job.source)
            else:
                sources = [name for name, other in self.outstanding.items()
                           if other.job_id == job.job_id]
                log.warning("%s: the queue lost job %s (Redis restarted?); queued again",
                            ", ".join(sources), job.job_id)
                self._send(sources, job.job_id, job.job)
                resent.add(job.job_id)
                job.enqueued_at = time.monotonic()
                again.append(job.source)
        return again


def by_site(sources: Sequence[Source], most: int) -> list[list[Source]]:
    """The sources grouped by site (host and port), in their order, at most `most` a group."""
    sites: dict[str, list[Source]] = {}
    for source in sources:
        sites.setdefault(site_key(source.url), []).append(source)
    return [group[start:start + most] for group in sites.values()
            for start in range(0, len(group), most)]


def queue_overview(config: Config) -> tuple[dict[str, dict[str, str]], str | None]:
    """Each source's job state in Redis for `schoolwatch sources`, or why it is unknown."""
    assert config.queue is not None
    try:
        client = q.redis_client(config.queue)
        try:
            return q.read_states(client, config.queue, [s.name for s in config.source]), None
        finally:
            client.close()
    except redis.RedisError as exc:
        return {}, f"cannot reach the queue at {q.shown_url(config.queue.url)}: {exc}"
