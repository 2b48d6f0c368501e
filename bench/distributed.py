"""Crawl workers on a queue: wall time of N local feed sources (each answer delayed by --latency,
100 ms by default, spread over --sites sites, in jobs of up to --sources-per-job sources of one
site, as the dispatcher groups them) crawled by 1, 2 and 4 `schoolwatch worker`
processes through a real redis-server, with the ingest writing in this process; the ratio of
each to one worker; ingest throughput through the queue against the direct in-process write;
and the queue's overhead per job (one worker's wall time per job minus the time the crawl itself
took in the worker, as its log says).

    .venv/bin/python bench/distributed.py [--sources 200] [--workers 1,2,4] [--repeats 3] [--smoke]

Each worker count gets one warm-up round, then --repeats rounds into fresh stores; the median is
reported. Needs redis-server (`make test` installs it).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.ground.config import Config, QueueSettings, load_config  # noqa: E402
from crawler.ground.items import CrawlResult, SourceRun  # noqa: E402
from crawler.store import Store  # noqa: E402
from schoolwatch.queue.dispatch import Dispatcher  # noqa: E402
from schoolwatch.queue.ingest import Ingest  # noqa: E402
from schoolwatch.queue.payload import encode_result  # noqa: E402
from schoolwatch.queue.worker import send_result  # noqa: E402
from tests.helpers import SCHOOLS_TOML  # noqa: E402
from tests.queue_helpers import CountingSite, RedisServer, WorkerProcess, wait_for  # noqa: E402

_rounds = itertools.count()


SOURCES_PER_JOB = QueueSettings.model_fields["sources_per_job"].default


def write_config(folder: Path, redis_url: str, namespace: str, sources: str,
                 sources_per_job: int = SOURCES_PER_JOB) -> Config:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "schoolwatch.toml"
    path.write_text(
        '[store]\npath = "store.duckdb"\n\n'
        # The sites are local (127.0.0.1): without allow_private the guard refuses them all.
        '[crawl]\nuser_agent = "schoolwatch-bench"\ndelay = "0s"\nretries = 0\n'
        'allow_private = true\n\n'
        f'[queue]\nurl = "{redis_url}"\nnamespace = "{namespace}"\n'
        'visibility_timeout = "30s"\n'
        f"sources_per_job = {sources_per_job}\n"
        f"{SCHOOLS_TOML}\n{sources}",
        encoding="utf-8",
    )
    return load_config(path)


def sources_toml(sites: list[CountingSite], count: int) -> str:
    per_site = -(-count // len(sites))
    chunks = []
    for number, site in enumerate(sites):
        take = min(per_site, count - number * per_site)
        if take > 0:
            chunks.append(site.sources_toml(take, name=f"site{number}"))
    return "".join(chunks)


def tree_cpu(pid: int) -> float:
    """CPU seconds used by a process and its descendants, the reaped ones included (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(member, 0) for member in tree) / os.sysconf("SC_CLK_TCK")


def crawl_round(folder: Path, redis_url: str, namespace: str, sources: str,
                sources_per_job: int) -> tuple[float, int]:
    """Enqueues every source and ingests until all are written; (seconds, jobs)."""
    config = write_config(folder / f"round-{next(_rounds)}", redis_url, namespace, sources,
                          sources_per_job)
    dispatcher = Dispatcher(config)
    ingest = Ingest(config, broker=dispatcher.broker, poll_ms=20)
    started = time.perf_counter()
    jobs = len(dispatcher.enqueue(config.source))
    while dispatcher.outstanding:
        batch = ingest.drain(max_seconds=5)
        dispatcher.settle(batch.job_ids)
        if not batch.job_ids:
            time.sleep(0.02)
    wall = time.perf_counter() - started
    mentions = Store(config.store.path).query("SELECT count(*) FROM mentions").rows[0][0]
    assert mentions == len(config.source), (mentions, len(config.source))
    return wall, jobs


def bench_workers(folder: Path, redis: RedisServer, sources: str, counts: list[int],
                  repeats: int, sources_per_job: int
                  ) -> tuple[dict[int, float], dict[int, float], dict[int, float], int]:
    """Per worker count: the median wall time, the median seconds one crawl took inside a
    worker (its runner call, as the worker logs it) and the workers' CPU seconds per job;
    and the number of jobs a round is."""
    jobs = 0
    medians: dict[int, float] = {}
    crawls: dict[int, float] = {}
    cpu: dict[int, float] = {}
    for count in counts:
        namespace = f"bench{count}"
        config = write_config(folder / f"workers-{count}", redis.url, namespace, "")
        path = folder / f"workers-{count}" / "schoolwatch.toml"
        workers = [WorkerProcess(path, folder / f"worker-{count}-{i}.log") for i in range(count)]
        try:
            client = redis.client()
            wait_for(lambda c=client, ns=namespace, n=count: c.zcard(f"{ns}:__heartbeats__") >= n,
                     120,
                     "workers to start")
            client.close()
            warm = sources_toml_subset(sources, 2 * count)
            # The forkservers import Scrapy here: a job per source, so every worker gets some.
            crawl_round(folder, redis.url, namespace, warm, 1)
            before = sum(tree_cpu(worker.pid) for worker in workers)
            rounds = [crawl_round(folder, redis.url, namespace, sources, sources_per_job)
                      for _ in range(repeats)]
            walls = [wall for wall, _ in rounds]
            jobs = rounds[0][1]
            cpu[count] = (sum(tree_cpu(worker.pid) for worker in workers) - before) / (
                repeats * jobs)
        finally:
            for worker in workers:
                worker.stop()
        crawls[count] = statistics.median(
            float(seconds) for worker in workers
            for seconds in re.findall(r"crawled .+? in ([0-9.]+)s: ", worker.log())
        )
        medians[count] = statistics.median(walls)
        print(f"  {count} worker(s): {medians[count]:6.1f}s  "
              f"({jobs / medians[count]:5.1f} jobs/s; {1000 * cpu[count]:.0f} ms of worker "
              f"CPU per job; rounds "
              f"{', '.join(f'{w:.1f}' for w in walls)})", flush=True)
        del config
    return medians, crawls, cpu, jobs


def sources_toml_subset(sources: str, count: int) -> str:
    blocks = sources.split("[[source]]")[1:]
    return "".join("[[source]]" + block for block in blocks[:count])


def bench_ingest(folder: Path, redis: RedisServer, results: int, per_result: int,
                 repeats: int) -> tuple[float, float, float]:
    """Mentions/s written by the ingest from the queue, and by write_crawl called directly."""
    from bench.store_ingest import documents  # the store bench's mentions

    made = documents(results * per_result)
    batches = []
    for n in range(results):
        chunk = made[n * per_result:(n + 1) * per_result]
        for item in chunk:
            item.source = f"s{n}"
        run = SourceRun(source=f"s{n}", started_at=datetime.now(UTC), pages_fetched=1)
        batches.append(CrawlResult([run], chunk))
    queued, direct, sending = [], [], []
    for repeat in range(repeats + 1):
        config = write_config(folder / f"ingest-{repeat}", redis.url, f"ingest{repeat}", "")
        ingest = Ingest(config, poll_ms=20)
        started = time.perf_counter()
        for n, collected in enumerate(batches):
            send_result(ingest.broker, encode_result(f"job-{repeat}-{n}", [f"s{n}"], "bench",
                                                     collected))
        sent = time.perf_counter()
        written = 0
        while written < results:
            written += ingest.drain(max_seconds=60).written
        done = time.perf_counter()
        store = Store(folder / f"direct-{repeat}" / "store.duckdb")
        direct_started = time.perf_counter()
        for collected in batches:
            store.write_crawl(replace(collected, schools=[("hg", "Hollins Green Primary School")]))
        direct_done = time.perf_counter()
        if repeat:  # the first round is the warm-up
            sending.append(sent - started)
            queued.append(done - sent)
            direct.append(direct_done - direct_started)
    mentions = results * per_result
    return (mentions / statistics.median(queued), mentions / statistics.median(direct),
            statistics.median(sending) / results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--sources-per-job", type=int, default=SOURCES_PER_JOB,
                        help="[queue] sources_per_job (1: a job per source)")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ingest-results", type=int, default=50)
    parser.add_argument("--mentions-per-result", type=int, default=100)
    parser.add_argument("--smoke", action="store_true",
                        help="8 sources, 1 and 2 workers, one repeat: checks the bench runs.")
    args = parser.parse_args()
    if args.smoke:
        args.sources, args.sites, args.latency, args.workers = 8, 2, 0.02, "1,2"
        args.repeats, args.ingest_results, args.mentions_per_result = 1, 4, 10
    counts = [int(n) for n in args.workers.split(",")]

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        redis = RedisServer(folder / "redis").start()
        stack.callback(redis.stop)
        sites = [stack.enter_context(CountingSite(-(-args.sources // args.sites),
                                                  latency=args.latency, prefix=f"x{n}-"))
                 for n in range(args.sites)]
        sources = sources_toml(sites, args.sources)
        print(f"{args.sources} feed sources on {args.sites} local sites, "
              f"{args.latency * 1000:.0f} ms per request, up to {args.sources_per_job} "
              f"source(s) of one site a job; median of {args.repeats} after a warm-up",
              flush=True)
        medians, crawls, _cpu, jobs = bench_workers(folder, redis, sources, counts,
                                                    args.repeats, args.sources_per_job)
        print(f"  {jobs} jobs a round")
        base = medians[counts[0]]
        for count in counts:
            print(f"  {count} worker(s) vs {counts[0]}: {base / medians[count]:.2f}x")
        if 1 in medians:
            per_job, crawl = medians[1] / jobs, crawls[1]
            print(f"queue overhead per job: {1000 * (per_job - crawl):.0f} ms "
                  f"(1 worker: {1000 * per_job:.0f} ms of wall time per job, of which the "
                  f"crawl itself, the same child-process runner as a local crawl, "
                  f"{1000 * crawl:.0f} ms)")
        through_queue, in_process, send = bench_ingest(
            folder, redis, args.ingest_results, args.mentions_per_result, args.repeats)
        print(f"ingest: {through_queue:,.0f} mentions/s from the queue vs {in_process:,.0f} "
              f"written directly ({through_queue / in_process:.2f}x); {args.ingest_results} "
              f"results of {args.mentions_per_result} mentions; sending a result "
              f"{1000 * send:.1f} ms")


if __name__ == "__main__":
    main()
