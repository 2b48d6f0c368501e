"""Crawl workers on a real Redis: two worker processes, one ingest, faults on purpose."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import Config, load_config
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.queue.dispatch import Dispatcher
from schoolwatch.queue.ingest import Ingest
from tests.helpers import SCHOOLS_TOML
from tests.queue_helpers import CountingSite, RedisServer, WorkerProcess, wait_for

_namespaces = itertools.count()


def queue_toml(redis_url: str, namespace: str, **overrides: str) -> str:
    settings = {"visibility_timeout": "2s", "max_tries": "2", "retry_delay": "0.1s", **overrides}
    lines = [f'url = "{redis_url}"', f'namespace = "{namespace}"']
    lines += [f"{key} = {value}" if key == "max_tries" else f'{key} = "{value}"'
              for key, value in settings.items()]
    return "[queue]\n" + "\n".join(lines) + "\n"


def write_config(folder: Path, queue: str, sources: str = "", crawl: str = "") -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "schoolwatch.toml"
    path.write_text(
        '[store]\npath = "store.duckdb"\n\n'
        '[crawl]\nuser_agent = "schoolwatch-tests"\ndelay = "0s"\nretries = 0\ntimeout = "5s"\n'
        'allow_private = true\n'
        f"{crawl}\n{queue}\n{SCHOOLS_TOML}\n{sources}",
        encoding="utf-8",
    )
    return load_config(path)


class Cluster:
    """Two `schoolwatch worker` processes on one Redis namespace, the first running two
    crawls at once (--threads 2)."""

    def __init__(self, folder: Path, redis_server: RedisServer) -> None:
        self.folder = folder
        self.redis = redis_server
        self.queue = queue_toml(redis_server.url, f"t{next(_namespaces)}")
        config = write_config(folder / "workers", self.queue)
        self.namespace = config.queue.namespace if config.queue else ""
        path = folder / "workers" / "schoolwatch.toml"
        self.workers = [WorkerProcess(path, folder / f"worker-{i}.log", threads=2 - i)
                        for i in range(2)]
        client = redis_server.client()
        try:
            wait_for(lambda: client.zcard(f"{self.namespace}:__heartbeats__") >= 2, 60,
                     "both workers to start")
        finally:
            client.close()

    def config(self, name: str, sources: str, crawl: str = "", queue: str = "") -> Config:
        """A config for the dispatcher and ingest; `queue` adds to its [queue] table."""
        return write_config(self.folder / name, self.queue + queue, sources, crawl)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), redis_server)
    try:
        yield cluster
    finally:
        cluster.stop()


def crawl_through_queue(config: Config, jobs: int, timeout: float = 60.0, during=None
                        ) -> Ingest:
    """Enqueues every source (in `jobs` jobs) and ingests until each job is written."""
    dispatcher = Dispatcher(config)
    ingest = Ingest(config, poll_ms=50)
    assert len(dispatcher.enqueue(config.source)) == jobs
    deadline = time.monotonic() + timeout
    while dispatcher.outstanding:
        assert time.monotonic() < deadline, f"still outstanding: {dispatcher.outstanding}"
        batch = ingest.drain(max_seconds=1)
        dispatcher.settle(batch.job_ids)
        if during is not None:
            during(dispatcher, batch)
        dispatcher.reconcile(grace=0.5)
        if not batch.job_ids:
            time.sleep(0.05)
    return ingest


def runs_per_source(store: Store) -> dict[str, int]:
    return dict(store.query("SELECT source, count(*) FROM crawl_runs GROUP BY source").rows)


def test_two_workers_store_every_mention_once_within_the_per_site_limit(cluster: Cluster):
    with CountingSite(8, latency=0.1, prefix="a") as site:
        # A job per source: eight jobs for two workers, all on one site.
        config = cluster.config("many", site.sources_toml(8), crawl="per_site = 1\n",
                                queue="sources_per_job = 1\n")
        crawl_through_queue(config, jobs=8)

    store = Store(config.store.path)
    assert runs_per_source(store) == {f"feed-{i}": 1 for i in range(8)}
    assert {row[0] for row in store.query("SELECT status FROM crawl_runs").rows} == {"ok"}
    urls = [row[0] for row in store.query("SELECT url FROM mentions").rows]
    assert sorted(urls) == sorted(f"{site.base_url}/posts/a{i}" for i in range(8))
    # Both workers crawled, yet the site never had two requests at once (per_site = 1).
    assert all("crawled feed-" in worker.log() for worker in cluster.workers)
    assert site.requests >= 16 and site.most_in_flight == 1


def test_the_sources_of_one_site_travel_in_one_job_and_are_read_in_one_crawl(cluster: Cluster):
    with (CountingSite(3, latency=0.05, prefix="x") as first,
          CountingSite(3, latency=0.05, prefix="y") as second):
        config = cluster.config("grouped", first.sources_toml(3, name="x")
                                + second.sources_toml(3, name="y"))
        crawl_through_queue(config, jobs=2)

    store = Store(config.store.path)
    assert runs_per_source(store) == {f"{site}-{i}": 1 for site in "xy" for i in range(3)}
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 6
    logs = "".join(worker.log() for worker in cluster.workers)
    assert "crawling x-0, x-1, x-2 (job" in logs and "crawling y-0, y-1, y-2 (job" in logs
    # One crawl per site: robots.txt once, then each source's feed.
    assert first.requests == second.requests == 4


def test_a_job_of_a_killed_worker_completes_once_on_the_other(cluster: Cluster):
    with CountingSite(2, latency=1.5, prefix="k") as site:
        config = cluster.config("killed", site.sources_toml(2, name="slow"),
                                queue="sources_per_job = 1\n")
        client = cluster.redis.client()
        killed: list[str] = []

        def kill_a_running_worker(dispatcher: Dispatcher, batch: object) -> None:
            if killed:
                return
            for name in ("slow-0", "slow-1"):
                state = client.hgetall(f"{cluster.namespace}:source:{name}")
                if state.get(b"state") == b"running":
                    pid = int(state[b"worker"].decode().rsplit(":", 1)[1])
                    victim = next(w for w in cluster.workers if w.pid == pid)
                    victim.kill()
                    killed.append(name)
                    return

        crawl_through_queue(config, jobs=2, during=kill_a_running_worker)
        client.close()

    assert killed, "no job was seen running"
    store = Store(config.store.path)
    assert runs_per_source(store) == {"slow-0": 1, "slow-1": 1}
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 2
    survivor = next(w for w in cluster.workers if w.process.poll() is None)
    assert f"crawling {killed[0]} (job" in survivor.log() and "try 2 of 2" in survivor.log()


def test_a_poisoned_job_is_dead_lettered_and_shown_as_the_last_error(cluster: Cluster):
    with CountingSite(1, latency=0.0, prefix="p") as site:
        config = cluster.config("poisoned", site.sources_toml(1, name="poison"))
        dispatcher = Dispatcher(config)
        original = dispatcher._send

        def poison(sources: list[str], job_id: str, job: dict) -> None:
            job["sources"][0]["kind"] = "no-such-kind"  # no worker can run this job
            original(sources, job_id, job)

        dispatcher._send = poison  # type: ignore[method-assign]
        dispatcher.enqueue(config.source)
        ingest = Ingest(config, poll_ms=50)

        def settled() -> bool:
            dispatcher.settle(ingest.drain(max_seconds=1).job_ids)
            return not dispatcher.outstanding

        wait_for(settled, 30, "the poisoned job to be dead-lettered")

    client = cluster.redis.client()
    assert client.zcard(f"{cluster.namespace}:crawl.XQ") == 1
    client.close()
    store = Store(config.store.path)
    status, error = store.query("SELECT status, last_error FROM crawl_runs").rows[0]
    assert status == "failed" and error.startswith("gave up after 2 tries: ")
    listing = CliRunner().invoke(
        cli, ["sources", "--config", str(config.store.path.parent / "schoolwatch.toml")]
    )
    assert listing.exit_code == 0, listing.output
    assert "gave up after 2 tries" in listing.output
    assert "poison-0" in listing.output and listing.output.count("failed") >= 2


def test_run_enqueues_crawls_for_the_workers_and_ingests_them(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
):
    from schoolwatch import jobs
    from schoolwatch.scheduler import Scheduler

    followed: list[str] = []
    monkeypatch.setattr(jobs, "after_crawl",
                        lambda config, report: followed.extend(r.source for r in report.runs))
    with CountingSite(3, latency=0.05, prefix="s") as site:
        config = cluster.config("run", site.sources_toml(3))
        scheduler = Scheduler(config)
        thread = threading.Thread(target=scheduler.run,
                                  kwargs={"install_signal_handlers": False})
        thread.start()
        try:
            # The scheduler's thread owns the store while it runs: watch its hook, not the file.
            wait_for(lambda: len(followed) == 3, 60, "the three crawls to be ingested")
        finally:
            scheduler.stop()
            thread.join(30)

    assert sorted(followed) == ["feed-0", "feed-1", "feed-2"]
    store = Store(config.store.path)
    assert runs_per_source(store) == {"feed-0": 1, "feed-1": 1, "feed-2": 1}
    assert store.query("SELECT count(*) FROM mentions").rows[0][0] == 3


def test_a_redis_restart_mid_run_loses_nothing(cluster: Cluster):
    """Redis keeps nothing on disk here: the restart loses every queued job, and the
    dispatcher queues again what the store has not recorded."""
    with CountingSite(6, latency=0.3, prefix="r") as site:
        # Three jobs of two sources: a lost job is queued again with both of its sources.
        config = cluster.config("restart", site.sources_toml(6), queue="sources_per_job = 2\n")
        restarted: list[bool] = []

        def restart_after_the_first_result(dispatcher: Dispatcher, batch) -> None:
            if not restarted and batch.job_ids:
                cluster.redis.restart()
                restarted.append(True)

        crawl_through_queue(config, jobs=3, timeout=90, during=restart_after_the_first_result)

    assert restarted
    store = Store(config.store.path)
    assert runs_per_source(store) == {f"feed-{i}": 1 for i in range(6)}
    urls = sorted(row[0] for row in store.query("SELECT url FROM mentions").rows)
    assert urls == sorted(f"{site.base_url}/posts/r{i}" for i in range(6))
