"""A crawl run from the terminal: a progress bar per source, then a summary of each run, what
the follow-up (tagging, alerts, delivery) did, and an exit code that names every failure."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from crawler.engine.runner import CrawlReport, ProgressEvent, select_sources
from crawler.ground.config import Config
from crawler.ground.errors import SchoolwatchError
from crawler.ground.items import SourceRun
from schoolwatch.crawling import crawl
from schoolwatch.ui import STATUS_STYLE, console, esc, print_error, shown_status

if TYPE_CHECKING:
    from schoolwatch.jobs import AfterCrawl


# What follows a crawl (tagging, alerts, delivery: the store, jinja2, the digest).
FOLLOW_UP = ("schoolwatch.jobs", "digest.alerts", "digest.mailer")


def load_the_follow_up() -> None:
    """Imports what follows a crawl while the crawl's child process starts up on another core,
    rather than before the crawl (or after it)."""
    for module in FOLLOW_UP:
        importlib.import_module(module)


def run_crawl_with_progress(
    config: Config,
    source_names: Sequence[str] = (),
    school_id: str | None = None,
    *,
    verbose: bool = False,
) -> tuple[CrawlReport, AfterCrawl]:
    sources = select_sources(config, source_names, school_id)
    if not sources:
        raise SchoolwatchError("no sources to crawl: add [[source]] entries to the config")
    progress = Progress(
        SpinnerColumn(finished_text="•"),
        TextColumn("[bold]{task.description:<24}"),
        BarColumn(bar_width=20),
        TextColumn("{task.fields[pages]:>4} pages {task.fields[items]:>5} items "
                   "{task.fields[kept]:>4} matched  {task.fields[note]}"),
        console=console,
        transient=False,
    )
    # Added before the display starts: once it runs, each task added redraws every row (a
    # hundred sources drew five thousand rows before the crawl began).
    tasks: dict[str, TaskID] = {
        source.name: progress.add_task(
            source.name, total=source.page_budget(config.crawl),
            pages=0, items=0, kept=0, note="[dim]waiting[/]",
        )
        for source in sources
    }
    with progress:
        def show(event: ProgressEvent) -> None:
            task = tasks[event.source]
            note = "[cyan]fetching[/]"
            if event.event == "finished":
                style = STATUS_STYLE.get(event.status or "", "white")
                note = f"[{style}]{shown_status(event.status)}[/]"
                progress.update(task, total=max(event.pages, 1), completed=max(event.pages, 1))
            else:
                progress.update(task, completed=event.pages)
            progress.update(
                task, pages=event.pages, items=event.items, kept=event.kept, note=note
            )

        report = crawl(
            config, sources, school_id=school_id, on_progress=show,
            log_level="INFO" if verbose else "CRITICAL", while_starting=load_the_follow_up,
        )
    print_summary(report.runs)
    # lazy: loaded already, while the crawl child started (load_the_follow_up)
    from schoolwatch.jobs import after_crawl

    with console.status("Tagging new mentions for sentiment and risk..."):
        followed = after_crawl(config, report)
    _print_after_crawl(followed)
    return report, followed


def _print_after_crawl(followed: AfterCrawl) -> None:
    tagged = followed.classified
    if tagged.classified:
        console.print(f"Tagged {tagged.classified} mention(s) for risk: {tagged.risk_summary}.",
                      markup=False)
    if followed.alerts_queued:
        console.print(f"[bold red]{followed.alerts_queued} alert(s) queued[/] for high-risk posts.")
    if followed.screen_prints:
        console.print(f"Kept {followed.screen_prints} screen print(s) of high-risk pages as "
                      "evidence.")
    delivery = followed.delivery
    if delivery.sent:
        console.print(f"Sent {len(delivery.sent)} message(s).")
    for message_id, error in delivery.failed.items():
        print_error(f"could not send {message_id}: {error} (it stays queued)")
    if followed.channels is not None:
        if followed.channels.sent:
            console.print(f"Delivered {len(followed.channels.sent)} channel message(s).")
        for delivery_id, error in followed.channels.failed.items():
            print_error(f"could not deliver {delivery_id}: {error} (it stays queued)")
    if delivery.outbox_only and followed.alerts_queued:
        console.print("No SMTP server is configured: alerts wait in the outbox "
                      "([bold]schoolwatch outbox[/]).")


def print_summary(runs: Sequence[SourceRun]) -> None:
    table = Table(title="Crawl summary", title_justify="left")
    for column in ("source", "status", "pages", "items", "new", "updated"):
        table.add_column(
            column, justify="right" if column not in ("source", "status") else "left",
            no_wrap=True,
        )
    for run in runs:
        style = STATUS_STYLE.get(run.status, "white")
        table.add_row(
            run.source,
            f"[{style}]{shown_status(run.status)}[/]",
            str(run.pages_fetched),
            str(run.items_seen),
            str(run.new_mentions),
            str(run.updated_mentions),
        )
    console.print(table)
    # Errors of failed sources go to stderr (_exit_on_failures); the rest are shown here.
    for run in runs:
        if run.last_error and not run.failed:
            console.print(f"  [yellow]{esc(run.source)}[/]: {esc(run.last_error)}",
                          highlight=False)
        for warning in run.warnings:
            console.print(f"  [yellow]{esc(run.source)}[/]: {esc(warning)}", highlight=False)


def exit_on_failures(report: CrawlReport, followed: AfterCrawl) -> None:
    failed = report.failed
    for run in failed:
        print_error(f"source {run.source!r} failed: {run.last_error}")
    if failed or followed.delivery.failed:  # each delivery error was printed once, above
        sys.exit(1)
