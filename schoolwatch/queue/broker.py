"""The Redis connection, the Dramatiq broker, key names and job states shared by every role."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker, _RedisConsumer
from dramatiq.common import current_millis, dq_name

from crawler.ground.config import QueueSettings
from crawler.ground.errors import QueueError
from schoolwatch.queue.checks import (
    CRAWL_ACTOR,
    CRAWL_QUEUE,
    INGEST_ACTOR,
    INGEST_QUEUE,
    message_problem,
)

log = logging.getLogger("schoolwatch.queue")


# A source's job, as `schoolwatch sources` shows it. `queued`, `running` and `crawled` (the
# result waits for the ingest) are live; `failing` is a dead-lettered job whose failure is on
# its way to the store; `failed` is written there as the source's last error.
QUEUED, RUNNING, CRAWLED, FAILING, FAILED = "queued", "running", "crawled", "failing", "failed"
LIVE_STATES = (QUEUED, RUNNING, CRAWLED, FAILING)


__all__ = ["CRAWL_ACTOR", "CRAWL_QUEUE", "INGEST_ACTOR", "INGEST_QUEUE"]


def shown_url(url: str) -> str:
    """The queue's address for a log line or an error: scheme, host, port and path, never a
    user, password or query (the config refuses a password there; this is the second lock)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class PromptConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, taking the next message as soon as one of its own is settled.

    While every message a consumer may hold is being worked on, Dramatiq's consumer sleeps up to
    the worker's timeout between looks; a worker that had finished a job sat out the rest of
    that sleep before it fetched the next (on average half of [queue]'s 100 ms poll, every job).
    This one waits for an acknowledgement instead, as long at most."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settled = threading.Event()

    def ack(self, message: Any) -> None:
        try:
            super().ack(message)
        finally:
            self._settled.set()

    def nack(self, message: Any) -> None:
        try:
            super().nack(message)
        finally:
            self._settled.set()

    def __next__(self) -> Any:
        if not self.message_cache and self.outstanding_message_count >= self.prefetch:
            self._settled.wait(self.timeout / 1000)
            self._settled.clear()
            if self.outstanding_message_count >= self.prefetch:
                return None
        return super().__next__()


class CheckedRedisBroker(RedisBroker):
    """Dramatiq's Redis broker, checking each fetched message before a consumer sees it
    (schoolwatch/queue/checks.py): one that fails goes to the dead letters once; its consumers
    fetch the next message as soon as one is done (PromptConsumer)."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return PromptConsumer

    def do_fetch(self, queue_name: str, prefetch: int) -> list[bytes]:
        fetched = self._dispatch("fetch")(queue_name, prefetch)
        good = []
        for data in fetched:
            problem = message_problem(data, queue_name)
            if problem is None:
                good.append(data)
            else:
                self._refuse(queue_name, data, problem)
        return good

    def _refuse(self, queue_name: str, data: bytes | None, problem: str) -> None:
        """Finds the refused message's id among this broker's unacknowledged ones (a message
        that is not JSON cannot say its own id) and dead-letters it: never fetched again."""
        acks = f"{self.namespace}:__acks__.{self.broker_id}.{queue_name}"
        bodies = f"{self.namespace}:{queue_name}.msgs"
        ids = sorted(self.client.smembers(acks))
        found = None
        if ids:
            for message_id, body in zip(ids, self.client.hmget(bodies, ids), strict=True):
                if body == data:
                    found = message_id.decode(errors="replace")
                    break
        if found is not None:
            self.do_nack(queue_name, found)
        log.error("refused message %s on the %s queue (%s bytes): %s; moved to the dead "
                  "letters, never run", found or "?", queue_name,
                  "no" if data is None else f"{len(data):,}", problem)


def redis_client(settings: QueueSettings) -> redis.Redis:
    """A client for [queue] url, with the password from the environment."""
    password = os.environ.get(settings.password_env) or None
    return redis.Redis.from_url(settings.url, password=password, socket_timeout=30)


def make_broker(
    settings: QueueSettings, middleware: list[Any] | None = None, maintenance: float = 0.1
) -> RedisBroker:
    """A Dramatiq broker on [queue]; `maintenance` is the share of broker calls that also move
    the jobs of workers silent for visibility_timeout back onto their queue."""
    broker = CheckedRedisBroker(
        client=redis_client(settings),
        namespace=settings.namespace,
        heartbeat_timeout=int(settings.visibility_timeout.total_seconds() * 1000),
        maintenance_chance=int(MAINTENANCE_SCALE * maintenance),
        middleware=middleware if middleware is not None else [],
    )
    broker.declare_queue(CRAWL_QUEUE)
    broker.declare_queue(INGEST_QUEUE)
    return broker


def check_connection(client: redis.Redis, settings: QueueSettings) -> None:
    try:
        client.ping()
    except redis.RedisError as exc:
        raise QueueError(f"cannot reach the queue at {shown_url(settings.url)}: {exc}") from None


def source_key(settings: QueueSettings, source: str) -> str:
    return f"{settings.namespace}:source:{source}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def set_state(client: redis.Redis, settings: QueueSettings, source: str, job_id: str,
              state: str, **fields: Any) -> None:
    """Records a source's job state, unless the source has moved on to another job."""
    key = source_key(settings, source)
    current = client.hget(key, "job_id")
    if current is not None and current.decode() != job_id and state != QUEUED:
        return
    values = {"job_id": job_id, "state": state, "since": current_millis(), **fields}
    client.hset(key, mapping={k: str(v) for k, v in values.items() if v is not None})


def set_states(client: redis.Redis, settings: QueueSettings, sources: Sequence[str],
               job_id: str, state: str, **fields: Any) -> None:
    """Records the job state of each of a job's sources (see set_state)."""
    for source in sources:
        set_state(client, settings, source, job_id, state, **fields)


def read_states(client: redis.Redis, settings: QueueSettings, sources: list[str]
                ) -> dict[str, dict[str, str]]:
    pipe = client.pipeline(transaction=False)
    for source in sources:
        pipe.hgetall(source_key(settings, source))
    states = {}
    for source, raw in zip(sources, pipe.execute(), strict=True):
        if raw:
            states[source] = {k.decode(): v.decode() for k, v in raw.items()}
    return states


class Heartbeat:
    """Tells Redis this process is alive while it holds jobs, however long one takes.

    Dramatiq's Redis broker beats only when it fetches; a worker busy with one long crawl would
    look dead after visibility_timeout and its job would run twice. This thread beats for the
    broker every third of the timeout; a killed process stops beating, and after the timeout
    another process's broker moves its unacknowledged jobs back onto the queue.
    """

    def __init__(self, broker: RedisBroker) -> None:
        self.broker = broker
        self.interval = broker.heartbeat_timeout / 3000
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(redis.RedisError):
                self.beat()
            self._stop.wait(self.interval)

    def beat(self) -> None:
        """Beats, and moves the jobs of processes silent past the timeout back onto their
        queues (Dramatiq's maintenance, otherwise left to chance on a share of broker calls)."""
        broker = self.broker
        for queue in (CRAWL_QUEUE, dq_name(CRAWL_QUEUE), INGEST_QUEUE):
            broker.scripts["dispatch"](
                keys=[broker.namespace],
                args=["qsize", current_millis(), queue, broker.broker_id,
                      broker.heartbeat_timeout, broker.dead_message_ttl, 1,
                      broker._max_unpack_size()],
            )
