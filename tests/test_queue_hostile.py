"""A queue that trusts nothing in Redis (issue 22 items 7 and 8): messages written straight into
Redis are checked before any work, dead-lettered once and logged by id and size; a worker's own
config decides how it crawls; the Redis URL never carries a password, and is never shown with
one."""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.ground.config import Config, CrawlSettings, QueueSettings, load_config
from crawler.ground.errors import ConfigError, QueueError
from crawler.store import Store
from schoolwatch.queue import broker as q
from schoolwatch.queue.checks import CRAWL_QUEUE, MAX_BYTES
from schoolwatch.queue.dispatch import Dispatcher
from schoolwatch.queue.ingest import Ingest
from schoolwatch.queue.worker import tightened
from tests.helpers import SCHOOLS_TOML
from tests.queue_helpers import CountingSite, RedisServer, WorkerProcess, wait_for

_namespaces = itertools.count()


def _settings(redis_server: RedisServer) -> QueueSettings:
    return QueueSettings(url=redis_server.url, namespace=f"hostile{next(_namespaces)}")


def _envelope(queue: str, actor: str, argument: object) -> dict[str, object]:
    message_id = str(uuid.uuid4())
    return {"queue_name": queue, "actor_name": actor, "args": [argument], "kwargs": {},
            "options": {"redis_message_id": message_id}, "message_id": message_id,
            "message_timestamp": int(time.time() * 1000)}


def _plant(client: object, namespace: str, queue: str, body: bytes | None) -> str:
    """Writes a message as someone with write access to Redis would: straight into the keys."""
    message_id = str(uuid.uuid4())
    if body is not None:
        client.hset(f"{namespace}:{queue}.msgs", message_id, body)  # type: ignore[attr-defined]
    client.rpush(f"{namespace}:{queue}", message_id)  # type: ignore[attr-defined]
    return message_id


def test_malformed_messages_are_dead_lettered_once_and_logged_by_size(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(redis_server)
    ns = settings.namespace
    client = redis_server.client()
    over_the_limit = MAX_BYTES[CRAWL_QUEUE] + 1024
    huge = _envelope("crawl", q.CRAWL_ACTOR, {"version": 1, "job_id": "x" * 10,
                                               "padding": "A" * over_the_limit})
    missing = _envelope("crawl", q.CRAWL_ACTOR, {"version": 1, "job_id": "j1"})
    planted = {
        "no body": _plant(client, ns, "crawl", None),
        "not JSON": _plant(client, ns, "crawl", b"\x80\x81 not json {"),
        "unknown actor": _plant(client, ns, "crawl", json.dumps(
            _envelope("crawl", "os_system", {"cmd": "rm -rf /"})).encode()),
        "larger than": _plant(client, ns, "crawl", json.dumps(huge).encode()),
        "lacks": _plant(client, ns, "crawl", json.dumps(missing).encode()),
    }
    caplog.set_level(logging.INFO)
    for round_ in range(2):  # a second worker (a new broker id) finds nothing to run
        broker = q.make_broker(settings)
        consumer = broker.consume(q.CRAWL_QUEUE, prefetch=10, timeout=50)
        try:
            assert [next(consumer) for _ in range(3)] == [None, None, None]
        finally:
            consumer.close()
            broker.close()
        if round_ == 0:
            refused = [r.getMessage() for r in caplog.records
                       if "refused message" in r.getMessage()]
            assert len(refused) == 5
            for reason, message_id in planted.items():
                if reason != "no body":
                    assert any(message_id in line and reason in line for line in refused), reason
            caplog.clear()
    assert not [r for r in caplog.records if "refused message" in r.getMessage()]
    dead = {member.decode() for member in client.zrange(f"{ns}:crawl.XQ", 0, -1)}
    assert dead == {planted[k] for k in ("not JSON", "unknown actor", "larger than", "lacks")}
    assert client.hlen(f"{ns}:crawl.msgs") == 0 and client.llen(f"{ns}:crawl") == 0
    assert not client.keys(f"{ns}:__acks__.*")  # nothing held unacknowledged, to be re-run
    logged = "".join(r.getMessage() for r in caplog.records)
    assert "AAAA" not in logged and "rm -rf" not in logged and "os_system" not in logged
    client.close()


def _config(folder: Path, queue: str, *, allow_private: bool, sources: str = "") -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "schoolwatch.toml"
    path.write_text(
        '[store]\npath = "store.duckdb"\n\n'
        '[crawl]\nuser_agent = "schoolwatch-tests"\ndelay = "0s"\nretries = 0\ntimeout = "5s"\n'
        f'allow_private = {"true" if allow_private else "false"}\n'
        f"{queue}\n{SCHOOLS_TOML}\n{sources}", encoding="utf-8")
    return load_config(path)


def test_the_workers_own_config_decides_private_addresses_not_the_job(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    namespace = f"hostile{next(_namespaces)}"
    queue = (f'[queue]\nurl = "{redis_server.url}"\nnamespace = "{namespace}"\n'
             'visibility_timeout = "2s"\nmax_tries = 2\nretry_delay = "0.1s"\n')
    with CountingSite(1, latency=0.0, prefix="w") as site:
        # the dispatcher's config allows this machine; the worker's does not
        config = _config(tmp_path / "dispatch", queue, allow_private=True,
                         sources=site.sources_toml(1, name="inward"))
        _config(tmp_path / "worker", queue, allow_private=False)
        worker = WorkerProcess(tmp_path / "worker" / "schoolwatch.toml", tmp_path / "worker.log")
        try:
            dispatcher = Dispatcher(config)
            ingest = Ingest(config, poll_ms=50)
            dispatcher.enqueue(config.source)

            def settled() -> bool:
                dispatcher.settle(ingest.drain(max_seconds=1).job_ids)
                return not dispatcher.outstanding

            wait_for(settled, 60, "the job to come back")
        finally:
            worker.stop()
        assert site.requests == 0  # not even robots.txt
    status, error = Store(config.store.path).query(
        "SELECT status, last_error FROM crawl_runs").rows[0]
    assert status == "failed" and "loopback" in error


@pytest.mark.parametrize("url", [
    "redis://:hunter2@queue.internal:6379/0",
    "redis://default:hunter2@queue.internal:6379/0",
    "redis://queue.internal:6379/0?password=hunter2",
    "rediss://queue.internal:6379/0?socket_timeout=5&Password=hunter2",
    "unix:///run/redis.sock?password=hunter2",
    "unix://:hunter2@/run/redis.sock",
])
def test_a_password_anywhere_in_the_redis_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="put the Redis password in the environment") as caught:
        _config(tmp_path, f'[queue]\nurl = "{url}"\n', allow_private=False)
    assert "hunter2" not in str(caught.value)


def test_the_queue_is_shown_without_user_or_query(tmp_path: Path) -> None:
    assert q.shown_url("redis://reader@queue.internal:6379/0?socket_timeout=5") == \
        "redis://queue.internal:6379/0"
    settings = QueueSettings(url="redis://watcher@127.0.0.1:1/0?client_name=x-secret-x")
    with pytest.raises(QueueError) as caught:
        q.check_connection(q.redis_client(settings), settings)
    assert "cannot reach the queue at redis://127.0.0.1:1/0" in str(caught.value)
    assert "watcher" not in str(caught.value) and "x-secret-x" not in str(caught.value)


def test_a_job_may_tighten_the_workers_crawl_settings_never_loosen_them() -> None:
    own = CrawlSettings(user_agent="worker-agent", per_site=2, max_pages=20, timeout="30s")
    loose = CrawlSettings(user_agent="evil", obey_robots=False, allow_private=True,
                          per_site=32, max_pages=100_000, timeout="1h", max_bytes=10**12,
                          delay="0s", retries=10, max_retry_after="1h")
    assert tightened(own, loose) == own
    strict = CrawlSettings(per_site=1, max_pages=5, delay="3s", timeout="5s")
    used = tightened(own, strict)
    assert (used.per_site, used.max_pages, used.delay, used.timeout) == (
        1, 5, timedelta(seconds=3), timedelta(seconds=5))
    assert used.user_agent == "worker-agent" and not used.allow_private and used.obey_robots
