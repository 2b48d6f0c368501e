"""`schoolwatch run`: the scheduler, in the foreground, logging what it does."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from schoolwatch.logs import PrintableOnly
from schoolwatch.scheduler import Scheduler
from schoolwatch.ui import config_option, load_from_option

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
    zoned = ZonedFormatter(LOG_FORMAT, ZoneInfo(config.schedule.timezone))
    for handler in handlers:  # on the handlers: logger filters miss apscheduler's child loggers
        handler.addFilter(_QueuedJobFilter())
        handler.addFilter(PrintableOnly())
        handler.setFormatter(zoned)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Scheduler(config).run()


class ZonedFormatter(logging.Formatter):
    """Log times in the schedule's time zone, named, like the job times the log mentions (one
    zone in the whole log, not the machine's and the schedule's side by side)."""

    def __init__(self, fmt: str, zone: ZoneInfo) -> None:
        super().__init__(fmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, self.zone)
        return moment.strftime(datefmt or "%Y-%m-%d %H:%M:%S %Z")


class _QueuedJobFilter(logging.Filter):
    """Jobs wait their turn in one worker thread, so a job still queued when its next time comes
    is expected (the runs coalesce), not a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()
