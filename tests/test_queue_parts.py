"""The queue's parts on their own: messages, settings, idempotent ingest, site leases."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scrapy import Request
from scrapy.http import Response

from crawler.engine import site_lease
from crawler.engine.runner import CrawlInputs
from crawler.engine.site_lease import ACQUIRE, LeaseSettings, SiteLeaseMiddleware, lease_keys
from crawler.ground.config import Config, load_config
from crawler.ground.errors import ConfigError, StoreLockedError
from crawler.ground.items import (
    CrawlResult,
    Document,
    Match,
    MatchedDocument,
    SeriesPoint,
    SourceRun,
    Validators,
)
from crawler.ground.urls import site_key
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.queue import broker as q
from schoolwatch.queue.dispatch import by_site
from schoolwatch.queue.ingest import Ingest
from schoolwatch.queue.payload import decode_job, decode_result, encode_job, encode_result
from schoolwatch.queue.worker import send_result
from tests.helpers import SCHOOLS_TOML
from tests.queue_helpers import RedisServer


def _config(tmp_path: Path, queue: str, sources: str = "") -> Config:
    path = tmp_path / "schoolwatch.toml"
    path.write_text(f'[store]\npath = "store.duckdb"\n{queue}\n{SCHOOLS_TOML}\n{sources}',
                    encoding="utf-8")
    return load_config(path)


def _source(name: str = "board") -> str:
    return f'[[source]]\nname = "{name}"\nkind = "forum"\nurl = "https://forum.example/t"\n'


def _matched(url: str, body: bytes, text: str) -> MatchedDocument:
    sha = hashlib.sha256(body).hexdigest()
    document = Document(
        url=url, title="Hollins Green Primary", text=text,
        fetched_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), final_url=url, http_status=200,
        raw_sha256=sha, raw_body=body, content_type="text/html", author="a parent",
        published_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC), platform="phpbb",
        extra={"thread": "7"},
    )
    return MatchedDocument(document, "board", "forum", url, hashlib.sha1(text.encode()).hexdigest(),
                           [Match("hollins-green", "Hollins Green Primary", "title", 0, "…")])


def test_a_job_and_its_result_travel_as_plain_json(tmp_path: Path) -> None:
    config = _config(tmp_path, '[queue]\nurl = "redis://queue.internal:6379/0"\n', _source())
    source = config.source[0]
    inputs = CrawlInputs(
        validators={source.url: Validators(source.url, '"abc"', "Mon, 02 Nov 2026 08:00:00 GMT")},
        known_urls={"board": {"https://forum.example/t/1"}},
        state={"board": {"thread:7": "https://forum.example/t/7?page=3"}},
    )
    job = encode_job("j1", [source], config.schools_for(source), config.crawl, inputs)
    job_id, sources_back, schools, crawl, inputs_back = decode_job(job)
    assert (job_id, sources_back, crawl) == ("j1", [source], config.crawl)
    assert [s.id for s in schools] == ["hollins-green", "st-aldhelms"]
    assert inputs_back == inputs

    page = b"<html>one page, two posts</html>"
    documents = [_matched("https://forum.example/t/7#p1", page, "first"),
                 _matched("https://forum.example/t/7#p2", page, "second")]
    run = SourceRun("board", datetime(2026, 11, 2, 9, 0, tzinfo=UTC), pages_fetched=1,
                    warnings=["stopped early (closespider_pagecount)"], status="warning")
    reading = SeriesPoint("board", "hollins-green", "parent_view",
                          datetime(2026, 11, 2, 9, 0, tzinfo=UTC), date(2026, 10, 30),
                          "submissions", 41.0, {"question": 1})
    collected = CrawlResult([run], documents, [Validators(source.url, '"def"', None)],
                          {"board": {"thread:7": "https://forum.example/t/7?page=4"}}, [reading])
    result = encode_result("j1", ["board"], "host:1", collected)
    decoded = decode_result(result)
    bodies = decoded.documents.rows.column("body_zlib").drop_null()
    assert len(bodies) == 1  # one compressed copy of a page however many posts
    assert decoded == collected


def test_queue_settings_keep_the_password_out_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match=r"queue\.url: put the Redis password in the environ"):
        _config(tmp_path, '[queue]\nurl = "redis://:secret@queue.internal:6379/0"\n')
    with pytest.raises(ConfigError, match=r"queue\.url: 'http://x' is not a redis://"):
        _config(tmp_path, '[queue]\nurl = "http://x"\n')
    config = _config(tmp_path, '[queue]\nurl = "redis://queue.internal:6379/0"\n'
                               'password_env = "SW_TEST_REDIS_PASSWORD"\n')
    assert config.queue is not None
    monkeypatch.setenv("SW_TEST_REDIS_PASSWORD", "from-the-environment")
    client = q.redis_client(config.queue)
    assert client.connection_pool.connection_kwargs["password"] == "from-the-environment"
    client.close()


def test_a_result_delivered_twice_is_written_once(tmp_path: Path, redis_server: RedisServer):
    config = _config(tmp_path, f'[queue]\nurl = "{redis_server.url}"\nnamespace = "twice"\n',
                     _source())
    assert config.queue is not None
    documents = [_matched("https://forum.example/t/7#p1", b"<html>x</html>", "first")]
    run = SourceRun("board", datetime(2026, 11, 2, 9, 0, tzinfo=UTC), pages_fetched=1)
    result = encode_result("job-1", ["board"], "host:1", CrawlResult([run], documents, [], {}))
    ingest = Ingest(config, poll_ms=20)
    send_result(ingest.broker, result)
    send_result(ingest.broker, result)  # a worker killed after sending, the job run again

    batch = ingest.drain(max_seconds=5)
    assert (batch.written, batch.duplicates, batch.job_ids) == (1, 1, ["job-1", "job-1"])
    store = Store(config.store.path)
    assert store.query("SELECT count(*) FROM crawl_runs").rows[0][0] == 1
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 1
    assert store.ingested_jobs(["job-1", "job-2"]) == {"job-1"}
    assert ingest.drain(max_seconds=1).job_ids == []  # both acknowledged


def test_a_result_whose_documents_are_not_a_batch_is_refused_whole(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = _config(tmp_path, f'[queue]\nurl = "{redis_server.url}"\nnamespace = "forged"\n',
                     _source())
    documents = [_matched("https://forum.example/t/7#p1", b"<html>x</html>", "first")]
    run = SourceRun("board", datetime(2026, 11, 2, 9, 0, tzinfo=UTC), pages_fetched=1)
    good = encode_result("job-1", ["board"], "host:1", CrawlResult([run], documents, [], {}))
    ingest = Ingest(config, poll_ms=20)
    for n, forged in enumerate(["not base64 at all!", base64.b64encode(b"ARROW1 but no").decode(),
                                good["documents"][: len(good["documents"]) // 2]]):
        send_result(ingest.broker, {**good, "job_id": f"forged-{n}", "documents": forged})
    send_result(ingest.broker, good)

    batch = ingest.drain(max_seconds=5)
    assert (batch.written, batch.rejected, batch.job_ids) == (1, 3, ["job-1"])
    store = Store(config.store.path)
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 1
    assert store.ingested_jobs(["forged-0", "forged-1", "forged-2"]) == set()


def test_sources_shows_each_source_s_job_in_the_queue(tmp_path: Path, redis_server: RedisServer):
    sources = _source("board") + _source("other").replace("/t", "/u")
    config = _config(tmp_path, f'[queue]\nurl = "{redis_server.url}"\nnamespace = "shown"\n',
                     sources)
    assert config.queue is not None
    client = redis_server.client()
    q.set_state(client, config.queue, "board", "j9", q.RUNNING, worker="crawl-2:41", tries=2)
    client.close()
    listing = CliRunner().invoke(cli, ["sources", "--config", str(tmp_path / "schoolwatch.toml")])
    assert listing.exit_code == 0, listing.output
    line = next(line for line in listing.output.splitlines() if "board" in line)
    assert "running (try 2)" in line
    assert "queue" in listing.output


def test_site_leases_cap_requests_in_flight_and_expire(redis_server: RedisServer) -> None:
    client = redis_server.client()
    acquire = client.register_script(ACQUIRE)
    assert site_key("https://Forum.Example:8443/t/1?page=2") == "forum.example:8443"
    keys = lease_keys("leases", "forum.example")
    assert [acquire(keys=keys, args=[token, 2, 300, 0]) for token in "abc"] == [0, 0, -1]
    client.zrem(keys[0], "a")  # a request answered
    assert acquire(keys=keys, args=["d", 2, 300, 0]) == 0
    time.sleep(0.35)  # leases of a killed worker expire
    assert acquire(keys=keys, args=["e", 2, 300, 0]) == 0
    spaced = lease_keys("leases", "slow.example")
    assert acquire(keys=spaced, args=["f", 4, 5000, 400]) == 0
    wait = acquire(keys=spaced, args=["g", 4, 5000, 400])
    assert 300 < wait <= 400  # the next request to the site may start 400 ms after the last
    client.close()


def test_the_sources_due_are_grouped_by_site_a_few_to_a_job(tmp_path: Path) -> None:
    addresses = [("a1", "https://a.example/1"), ("b1", "https://b.example/1"),
                 ("a2", "https://A.example/2"), ("a3", "https://a.example/3"),
                 ("a4", "https://a.example:8443/4")]
    sources = "".join(f'[[source]]\nname = "{name}"\nkind = "feed"\nurl = "{url}"\n'
                      for name, url in addresses)
    config = _config(tmp_path, '[queue]\nurl = "redis://queue.internal:6379/0"\n', sources)

    groups = by_site(config.source, 2)

    # One site is one host and port; a job takes at most two of its sources, in their order.
    assert [[s.name for s in group] for group in groups] == [["a1", "a2"], ["a3"], ["b1"], ["a4"]]


def _result_of(job_id: str, source: str) -> dict:
    """A job's result: one run and one mention of `source` (at its own URL)."""
    url = f"https://forum.example/{source}/7#p1"
    matched = replace(_matched(url, f"<html>{source}</html>".encode(), f"post on {source}"),
                      source=source)
    run = SourceRun(source, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), pages_fetched=1)
    return encode_result(job_id, [source], "host:1", CrawlResult([run], [matched], [], {}))


def _three_sources(tmp_path: Path, redis_server: RedisServer, namespace: str) -> Config:
    sources = "".join(_source(name).replace("/t", f"/{name}") for name in ("a", "b", "c"))
    return _config(tmp_path, f'[queue]\nurl = "{redis_server.url}"\nnamespace = "{namespace}"\n',
                   sources)


def test_results_waiting_together_are_written_in_one_transaction(
    tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _three_sources(tmp_path, redis_server, "together")
    ingest = Ingest(config, poll_ms=20)
    for job_id, source in [("job-0", "a"), ("job-1", "b"), ("job-2", "c"), ("job-3", "a")]:
        send_result(ingest.broker, _result_of(job_id, source))
    writes: list[list[str]] = []
    write_crawl = Store.write_crawl

    def counted(store: Store, crawl: CrawlResult, **options: Any) -> Any:
        writes.append([job_id for job_id, _ in options["jobs"]])
        return write_crawl(store, crawl, **options)

    monkeypatch.setattr(Store, "write_crawl", counted)
    batch = ingest.drain(max_seconds=5)
    # One write for the three sources; a second job of source a follows in a write of its own.
    assert writes == [["job-0", "job-1", "job-2"], ["job-3"]]
    assert (batch.written, batch.duplicates, batch.job_ids) == (
        4, 0, ["job-0", "job-1", "job-2", "job-3"])
    assert [run.source for run in batch.runs] == ["a", "b", "c", "a"]
    assert len(batch.new_mention_ids) == 3
    store = Store(config.store.path)
    assert store.query("SELECT source, new_mentions FROM crawl_runs ORDER BY id").rows == [
        ("a", 1), ("b", 1), ("c", 1), ("a", 0)]
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 3
    assert store.ingested_jobs(["job-0", "job-1", "job-2", "job-3"]) == {
        "job-0", "job-1", "job-2", "job-3"}
    assert ingest.drain(max_seconds=1).job_ids == []  # all acknowledged


def test_a_redelivered_result_among_new_ones_is_skipped_and_the_others_written(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = _three_sources(tmp_path, redis_server, "among")
    ingest = Ingest(config, poll_ms=20)
    send_result(ingest.broker, _result_of("job-0", "a"))
    assert ingest.drain(max_seconds=5).written == 1
    for job_id, source in [("job-0", "a"), ("job-1", "b"), ("job-2", "c")]:
        send_result(ingest.broker, _result_of(job_id, source))  # job-0 a second time

    batch = ingest.drain(max_seconds=5)
    assert (batch.written, batch.duplicates, batch.job_ids) == (2, 1, ["job-0", "job-1", "job-2"])
    store = Store(config.store.path)
    assert store.query("SELECT source FROM crawl_runs ORDER BY id").rows == [
        ("a",), ("b",), ("c",)]
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 3
    assert ingest.drain(max_seconds=1).job_ids == []


def test_results_wait_on_the_queue_while_the_store_is_locked(
    tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _three_sources(tmp_path, redis_server, "locked")
    ingest = Ingest(config, poll_ms=20)
    for job_id, source in [("job-0", "a"), ("job-1", "b"), ("job-2", "c")]:
        send_result(ingest.broker, _result_of(job_id, source))
    write_crawl = Store.write_crawl

    def locked(store: Store, crawl: CrawlResult, **options: Any) -> Any:
        raise StoreLockedError("the store stayed locked")

    monkeypatch.setattr(Store, "write_crawl", locked)
    batch = ingest.drain(max_seconds=5)
    assert (batch.written, batch.job_ids) == (0, [])
    monkeypatch.setattr(Store, "write_crawl", write_crawl)
    batch = ingest.drain(max_seconds=5)
    assert (batch.written, sorted(batch.job_ids)) == (3, ["job-0", "job-1", "job-2"])
    assert Store(config.store.path).query("SELECT count(*) FROM mentions").rows[0][0] == 3


def test_a_request_waiting_for_a_full_site_starts_when_the_crawl_frees_a_lease(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site_lease, "_POLL", 30.0)  # another process's release: a poll away
    lease = LeaseSettings(url=redis_server.url, password_env="SW_TEST_NO_PASSWORD",
                          namespace="freed", per_site=1, delay_ms=0, ttl_ms=60_000)
    middleware = SiteLeaseMiddleware(lease)
    first, second = (Request(f"https://forum.example/t/{n}") for n in (1, 2))

    async def crawl() -> None:
        await middleware.process_request(first)
        waiting = asyncio.ensure_future(middleware.process_request(second))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # one request at a time to the site
        await middleware.process_response(first, Response(first.url))
        await asyncio.wait_for(waiting, 5)  # at once, not after the 30 s poll
        await middleware.process_response(second, Response(second.url))
        await middleware.spider_closed()

    asyncio.run(crawl())


def test_a_consumer_takes_the_next_message_as_soon_as_its_own_is_done(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    config = _three_sources(tmp_path, redis_server, "prompt")
    assert config.queue is not None
    broker = q.make_broker(config.queue)
    for job_id, source in [("job-0", "a"), ("job-1", "b")]:
        send_result(broker, _result_of(job_id, source))
    consumer = broker.consume(q.INGEST_QUEUE, prefetch=1, timeout=10_000)
    first = next(consumer)
    assert first is not None
    consumer.misses = 20  # as after a long job: Dramatiq's pause between looks is the timeout
    taken: list[Any] = []
    looking = threading.Thread(target=lambda: taken.append(next(consumer)))
    looking.start()
    time.sleep(0.2)
    consumer.ack(first)  # the job is done
    looking.join(5)  # not the 10 s timeout
    assert [message.args[0]["job_id"] for message in taken] == ["job-1"]
    consumer.ack(taken[0])
    consumer.close()


def test_a_crawl_s_requests_to_a_full_site_wait_their_turn_without_polling_redis(
    redis_server: RedisServer,
) -> None:
    lease = LeaseSettings(url=redis_server.url, password_env="SW_TEST_NO_PASSWORD",
                          namespace="turns", per_site=1, delay_ms=0, ttl_ms=60_000)
    middleware = SiteLeaseMiddleware(lease)
    requests = [Request(f"https://forum.example/t/{n}") for n in range(6)]
    client = redis_server.client()

    def lease_calls() -> int:
        stats = client.info("commandstats")
        return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval"))

    async def crawl() -> list[int]:
        answered = []
        waiting = [asyncio.ensure_future(middleware.process_request(r)) for r in requests]
        for _ in requests:
            await asyncio.sleep(0.3)  # each request in flight a while; the others wait
            (done,) = [n for n, task in enumerate(waiting) if task.done() and n not in answered]
            answered.append(done)
            await middleware.process_response(requests[done], Response(requests[done].url))
        await middleware.spider_closed()
        return answered

    before = lease_calls()
    assert asyncio.run(crawl()) == [0, 1, 2, 3, 4, 5]  # one at a time, first come first served
    assert lease_calls() - before <= len(requests) + 2  # a lease call each, not a poll each 50 ms
    client.close()
