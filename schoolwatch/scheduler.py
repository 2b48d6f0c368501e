"""`schoolwatch run`: crawls each source on its `every`, the digest weekly, re-checks and retention.

APScheduler 3 (BackgroundScheduler) runs the jobs one at a time in one worker thread, so a
crawl's classification and alerts finish before the next job starts and the store has one writer.
A source's interval only marks it due; the sources due together are crawled together, in one
crawl (one child process, one Scrapy crawler, one store write): on start, every source at once.
With [queue], they are enqueued together instead, a job per few sources of one site.
Job state lives in DuckDB (crawl_runs, schedule_runs): on start each job is due at its last run
plus its interval, or now when that has passed, and a digest missed while the machine was off is
sent once, if it is within [schedule] misfire_grace.

SIGTERM or Ctrl-C: no new job starts; a running crawl child gets SIGTERM once its spiders have
opened (Scrapy stops fetching, lets the requests in flight end, and the child writes what it has
in one transaction) and up to [schedule] stop_timeout to finish; then the scheduler stops. A
second signal kills the crawl child at once (its write is rolled back).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from crawler.engine.runner import ProgressEvent
from crawler.ground.config import Config
from crawler.ground.errors import SchedulerLockedError
from crawler.store import Store
from schoolwatch import jobs

log = logging.getLogger("schoolwatch.scheduler")

CRAWL_PROCESS_NAME = "schoolwatch-crawl"
# How long the crawl of the sources due waits for others that fall due at the same moment.
GATHER_DUE = timedelta(seconds=0.5)


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".scheduler.lock")


@contextlib.contextmanager
def scheduler_lock(store_path: Path) -> Iterator[Path]:
    """Held for the life of `schoolwatch run`: one scheduler per store. The OS drops the lock if
    the process dies, so a crash never leaves a stale lock behind."""
    path = lock_path(store_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole run
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip() or "unknown"
            raise SchedulerLockedError(
                f"another `schoolwatch run` (PID {pid}) is using {store_path}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield path
        path.unlink(missing_ok=True)  # a clean exit leaves nothing behind (still locked here)
    finally:
        handle.close()


@dataclass(frozen=True)
class PlannedJob:
    id: str
    every: timedelta | None  # None: the weekly digest
    first_run: datetime


def plan(config: Config, now: datetime) -> list[PlannedJob]:
    """When each job runs first: its last run plus its interval, or now if that has passed."""
    last = jobs.last_runs(Store(config.store.path))
    planned = []

    def add(job_id: str, every: timedelta) -> None:
        previous = last.get(job_id)
        due = previous + every if previous is not None else now
        planned.append(PlannedJob(job_id, every, max(due, now)))

    for source in config.source:
        add(jobs.crawl_job_name(source.name), source.every)
    add(jobs.RECHECK, config.schedule.recheck_every)
    if config.store.keep_days is not None:
        add(jobs.RETENTION, config.schedule.retention_every)
    if config.channel:
        add(jobs.DELIVER, config.schedule.deliver_every)
    # The digest job itself decides whether the latest slot is still to send (catch-up).
    planned.append(PlannedJob(jobs.DIGEST, None, now))
    return planned


class Scheduler:
    """Runs the jobs until stop() (or a signal, via run()) and then returns."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.zone = ZoneInfo(config.schedule.timezone)
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._signals = 0
        self._stop_signal: int | None = None
        self._signalled: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self._crawl_started = threading.Event()
        self._queue: Any = None  # QueueService when [queue] is set: crawls go to workers
        self._due: dict[str, None] = {}  # sources due, in order, for the next crawl to take
        self._due_lock = threading.Lock()
        self._scheduler = BackgroundScheduler(
            timezone=self.zone,
            # The jobs run one at a time in "default"; marking a source due is done apart, so
            # that it is never held up by a running crawl.
            executors={"default": ThreadPoolExecutor(max_workers=1),
                       "due": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def run(self, install_signal_handlers: bool = True) -> None:
        """Blocks until SIGTERM / Ctrl-C (or stop() from another thread)."""
        with scheduler_lock(self.config.store.path):
            Store(self.config.store.path).migrate()
            done = jobs.catch_up(self.config)
            if done.spooled_crawls or done.classified:
                log.info("caught up: %d spooled crawl(s) written, %d mention(s) classified",
                         done.spooled_crawls, done.classified)
            previous: dict[int, Any] = {}
            if install_signal_handlers:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    previous[signum] = signal.signal(signum, self._on_signal)
            try:
                with contextlib.ExitStack() as stack:
                    if self.config.queue is not None:
                        # lazy: redis and the queue service load only when the scheduler uses them
                        from schoolwatch.queue.service import QueueService

                        self._queue = stack.enter_context(QueueService(self.config))
                    self._start()
                    while not self._stopping.wait(1.0):
                        pass
                    self._shut_down()
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)

    def stop(self) -> None:
        self._stopping.set()

    # ---- internals ---------------------------------------------------------------------

    def _start(self) -> None:
        now = datetime.now(UTC)
        for job in plan(self.config, now):
            self._add(job)
        if self._queue is not None:
            # lazy: redis and the queue service load only when the scheduler uses them
            from schoolwatch.queue.service import TICK_SECONDS

            self._scheduler.add_job(
                self._guarded("queue", self._queue.tick),
                IntervalTrigger(seconds=TICK_SECONDS, timezone=self.zone), id="queue",
                name="queue", next_run_time=now,
            )
        self._scheduler.start()
        log.info("scheduler started: %d source(s); digest %s %s (%s); store %s",
                 len(self.config.source), self.config.schedule.digest_day,
                 f"{self.config.schedule.digest_time:%H:%M}", self.config.schedule.timezone,
                 self.config.store.path)
        for job in self._scheduler.get_jobs():
            log.info("next %s at %s", job.id, f"{job.next_run_time:%Y-%m-%d %H:%M:%S %Z}")

    def _add(self, job: PlannedJob) -> None:
        function: Callable[[], object]
        if job.id == jobs.DIGEST:
            self._scheduler.add_job(
                self._guarded(job.id, lambda: jobs.digest_job(self.config)),
                jobs.digest_trigger(self.config.schedule), id=job.id, name=job.id,
                misfire_grace_time=int(self.config.schedule.misfire_grace.total_seconds()),
            )
            # The catch-up run on start: does nothing when the latest slot is done or too old.
            self._scheduler.add_job(
                self._guarded(job.id, lambda: jobs.digest_job(self.config)),
                "date", run_date=job.first_run, id="digest-catch-up", name="digest catch-up",
            )
            return
        executor = "default"
        if job.id == jobs.RECHECK:
            function = self._guarded(job.id, lambda: jobs.recheck_cases_job(self.config))
        elif job.id == jobs.RETENTION:
            function = self._guarded(job.id, lambda: jobs.retention_job(self.config))
        elif job.id == jobs.DELIVER:
            function = self._guarded(job.id, lambda: jobs.deliver_job(self.config))
        else:  # a source's interval only marks it due, apart from the running jobs
            function = functools.partial(self._mark_due, job.id.removeprefix("crawl:"))
            executor = "due"
        assert job.every is not None
        self._scheduler.add_job(
            function, IntervalTrigger(seconds=job.every.total_seconds(), timezone=self.zone),
            id=job.id, name=job.id, next_run_time=job.first_run, executor=executor,
        )

    def _mark_due(self, source: str) -> None:
        """A source's interval has come: the next crawl takes it, with every other source due
        by then. The first source due schedules that crawl (see _crawl_due)."""
        with self._due_lock:
            first = not self._due
            self._due[source] = None
        if not first:
            return  # a crawl is scheduled and has not yet taken the sources due
        with self._lock:
            if self._stopping.is_set():
                return
            with contextlib.suppress(SchedulerNotRunningError):
                self._scheduler.add_job(
                    self._guarded("crawl", self._crawl_due), "date",
                    run_date=datetime.now(UTC) + GATHER_DUE, name="crawl",
                )

    def _crawl_due(self) -> None:
        with self._due_lock:
            sources = list(self._due)
            self._due.clear()
        if not sources:
            return
        if self._queue is not None:
            self._queue.enqueue(sources)
            return
        log.info("crawling %d source(s) due: %s", len(sources), ", ".join(sources))
        jobs.crawl_job(self.config, sources, on_progress=self._on_crawl_progress)

    def _guarded(self, job_id: str, function: Callable[[], object]) -> Callable[[], None]:
        """Skips the job once stopping; logs failures instead of losing them in APScheduler."""

        def run() -> None:
            with self._lock:  # _shut_down takes it too: a job either starts before or never
                if self._stopping.is_set():
                    return
                self._idle.clear()
            try:
                if job_id != "queue":  # the queue's tick every few seconds is not news
                    log.info("running %s", job_id)
                function()
            except Exception as exc:
                log.error("%s failed: %s", job_id, exc)
            finally:
                self._crawl_started.clear()
                self._idle.set()

        return run

    def _on_crawl_progress(self, event: ProgressEvent) -> None:
        if event.event == "started":
            self._crawl_started.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1
        self._stopping.set()
        if self._signals > 1:
            log.warning("second signal: stopping the crawl now; its results are discarded")
            self._signal_crawls(signal.SIGKILL)
            return
        log.info("%s received: finishing the current job, then stopping",
                 signal.Signals(signum).name)
        self._stop_signal = signum

    def _shut_down(self) -> None:
        self._scheduler.shutdown(wait=False)
        with self._lock:
            pass
        cap = self.config.schedule.stop_timeout.total_seconds()
        started = time.monotonic()
        # Ctrl-C in a terminal reaches the crawl child too (same process group) and a second
        # signal would make Scrapy abandon its graceful stop, so after SIGINT the child gets a
        # few seconds on its own before it is told.
        tell_after = 5.0 if self._stop_signal == signal.SIGINT else 0.0
        while not self._idle.wait(0.2):
            waited = time.monotonic() - started
            # Only once a spider has opened: Scrapy's own handler is in place by then, while
            # a child still starting up would die of the signal without writing anything.
            if waited >= tell_after and self._crawl_started.is_set():
                self._signal_crawls(signal.SIGTERM)
            if waited >= cap:
                log.warning("the running job did not finish within %gs: stopping it", cap)
                self._signal_crawls(signal.SIGKILL)
                self._idle.wait(30)
                break
        log.info("scheduler stopped")

    def _signal_crawls(self, signum: int) -> None:
        """Signals each running crawl child once per kind of signal."""
        for child in multiprocessing.active_children():
            if child.name != CRAWL_PROCESS_NAME or child.pid is None:
                continue
            if (child.pid, signum) in self._signalled:
                continue
            self._signalled.add((child.pid, signum))
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signum)
