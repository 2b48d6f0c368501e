"""`schoolwatch run`: the scheduler, in the foreground, logging what it does."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from crawler.app.scheduler import Scheduler
from crawler.app.ui import config_option, load_from_option

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


@click.command("run")
@config_option
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the log to this file as well as printing it.")
def run_command(config_path: Path | None, log_file: Path | None) -> None:
    """Run unattended: crawl each source on its `every`, send the weekly digest, re-check
    takedown cases and apply retention, until SIGTERM or Ctrl-C.

    A digest missed while the machine was off is sent once on start-up. Only one `run` may use
    a store; queries and reports work while it runs.
    """
    config = load_from_option(config_path)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    for handler in handlers:  # on the handlers: logger filters miss apscheduler's child loggers
        handler.addFilter(_QueuedJobFilter())
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, handlers=handlers, force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Scheduler(config).run()


class _QueuedJobFilter(logging.Filter):
    """Jobs wait their turn in one worker thread, so a job still queued when its next time comes
    is expected (the runs coalesce), not a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()
