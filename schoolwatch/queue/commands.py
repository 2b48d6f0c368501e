"""`schoolwatch worker` and `schoolwatch ingest`: the two services of a multi-machine install."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from crawler.ground.config import Config
from crawler.ground.errors import SchoolwatchError
from schoolwatch.logs import guard_handlers
from schoolwatch.ui import config_option, load_from_option

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def _queue_config(config_path: Path | None) -> Config:
    config = load_from_option(config_path)
    if config.queue is None:
        raise SchoolwatchError(
            "this config has no [queue] section: add [queue] url = \"redis://...\" "
            "(see docs/scaling.md)"
        )
    return config


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, force=True)
    guard_handlers()  # a queue message's text never forges a log line
    logging.getLogger("dramatiq").setLevel(logging.INFO if verbose else logging.WARNING)


@click.command("worker")
@config_option
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Source crawls this worker runs at once (each in its own child process).")
@click.option("--verbose", "-v", is_flag=True, help="Show Scrapy's and Dramatiq's logs too.")
def worker_command(config_path: Path | None, threads: int, verbose: bool) -> None:
    """Crawl sources from the queue ([queue] url) until SIGTERM or Ctrl-C.

    Run one on each crawl machine. Workers never open the store: results go back through the
    queue to the ingest. A crawl still running at SIGTERM gets [schedule] stop_timeout to
    finish; after that it is left unacknowledged and another worker runs it.
    """
    # lazy: redis, the worker and the jobs load only when a queue command runs
    from schoolwatch.queue.worker import run_worker

    config = _queue_config(config_path)
    _logging(verbose)
    run_worker(config, threads=threads, stop_after=config.schedule.stop_timeout.total_seconds(),
               log_level="INFO" if verbose else "CRITICAL")


@click.command("ingest")
@config_option
@click.option("--verbose", "-v", is_flag=True, help="Show Dramatiq's log too.")
def ingest_command(config_path: Path | None, verbose: bool) -> None:
    """Write the workers' results into the store until SIGTERM or Ctrl-C.

    Needed only when `schoolwatch run` does not ingest itself ([queue] ingest_in_run = false).
    Run exactly one, on the machine with the store; each result is tagged for risk and its
    alerts are sent, as after a local crawl.
    """
    # lazy: redis, the worker and the jobs load only when a queue command runs
    from schoolwatch.jobs import after_crawl
    from schoolwatch.queue.ingest import run_ingest

    config = _queue_config(config_path)
    _logging(verbose)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        run_ingest(config, stop, after_write=lambda c, report: after_crawl(c, report))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
