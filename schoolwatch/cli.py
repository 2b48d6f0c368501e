"""The `schoolwatch` command: the only place that turns domain errors into messages and exits."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from crawler.ground.dates import shown_moment
from crawler.ground.errors import ConfigError, SchoolwatchError
from crawler.ground.vocab import SOURCE_KINDS
from schoolwatch.ui import (
    STATUS_STYLE,
    config_if_any,
    config_option,
    console,
    errors_console,
    esc,
    existing_store,
    json_value,
    load_from_option,
    print_error,
    print_result,
    print_rows,
    program,
    shown_status,
)

if TYPE_CHECKING:
    from crawler.ground.config import Config


class _LazyGroup(click.Group):
    """Click's documented LazyGroup: subcommands named by dotted import path, imported only when
    invoked or when help lists them, so `schoolwatch crawl` loads none of the other commands."""

    def __init__(
        self, *args: Any, lazy_subcommands: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            return self._lazy_load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _lazy_load(self, cmd_name: str) -> click.Command:
        module_name, attribute = self.lazy_subcommands[cmd_name].rsplit(".", 1)
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_subcommands[cmd_name]} is not a click command")
        return command


# Commands of the later stages live beside their code; each is imported only when it is used.
LAZY_SUBCOMMANDS = {
    "alerts": "schoolwatch.digest_commands.alerts_command",
    "backup": "schoolwatch.backup_commands.backup_command",
    "case": "schoolwatch.case_commands.case_group",
    "check": "schoolwatch.report_commands.check_command",
    "classify": "schoolwatch.classify_commands.classify_command",
    "digest": "schoolwatch.digest_commands.digest_command",
    "feedback": "schoolwatch.web_commands.feedback_group",
    "ingest": "schoolwatch.queue.commands.ingest_command",
    "mention": "schoolwatch.web_commands.mention_group",
    "model": "schoolwatch.model_commands.model_group",
    "outbox": "schoolwatch.digest_commands.outbox_command",
    "restore": "schoolwatch.backup_commands.restore_command",
    "run": "schoolwatch.run_commands.run_command",
    "school": "schoolwatch.school_commands.school_group",
    "serve": "schoolwatch.web_commands.serve_command",
    "user": "schoolwatch.web_commands.user_group",
    "worker": "schoolwatch.queue.commands.worker_command",
}


class _Group(_LazyGroup):
    """Turns SchoolwatchError into one readable line: exit 2 for config errors, 1 for the rest."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            print_error(str(exc))
            ctx.exit(2)
        except SchoolwatchError as exc:
            print_error(str(exc))
            ctx.exit(1)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command's whole first paragraph, wrapped: never cut mid-sentence with '...'."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def summary(command: click.Command) -> str:
    """The first paragraph of a command's help, as one line."""
    text = command.short_help or inspect.cleandoc(command.help or "")
    return " ".join(text.split("\n\n", 1)[0].split())



@click.group(cls=_Group, lazy_subcommands=LAZY_SUBCOMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="schoolwatch")
def cli() -> None:
    """schoolwatch: know what is being said about your school online.

    Collects public mentions of each school from feeds, forums and review sites into a DuckDB
    file, with the evidence (address, time, exact bytes) school policies ask for.
    """


# ---- init ---------------------------------------------------------------------------------


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="schoolwatch.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented example config to PATH (default ./schoolwatch.toml)."""
    if path.exists() and not force:
        raise SchoolwatchError(f"{path} already exists (use --force to overwrite it)")
    example = resources.files("crawler.ground").joinpath("example_config.toml").read_text("utf-8")
    path.write_text(example, encoding="utf-8")
    console.print(f"Wrote [bold]{esc(path)}[/]. Edit the schools and sources, then run "
                  f"[bold]{esc(program())} crawl --config {esc(path)}[/].", soft_wrap=True)


# ---- crawl --------------------------------------------------------------------------------


@cli.command("crawl")
@config_option
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Crawl only this source (repeatable). Default: every source.")
@click.option("--school", "school_id", metavar="ID",
              help="Look only for this school, on the sources that cover it.")
@click.option("--verbose", "-v", is_flag=True, help="Show Scrapy's log as it crawls.")
def crawl_command(
    config_path: Path | None, source_names: tuple[str, ...], school_id: str | None, verbose: bool
) -> None:
    """Fetch every source once, store new mentions, and show a summary.

    Exits 0 when every source ran and every alert was delivered; 1 when a source failed (each
    named) or an alert could not be sent (it stays queued).
    """
    # lazy: scrapy's runner, apscheduler and jinja2 load only for the commands that crawl
    from schoolwatch.crawl_progress import exit_on_failures, run_crawl_with_progress

    config = load_from_option(config_path)
    report, followed = run_crawl_with_progress(config, source_names, school_id, verbose=verbose)
    exit_on_failures(report, followed)


# ---- query --------------------------------------------------------------------------------


@cli.command()
@config_option
@click.argument("sql")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True, help="How to print the rows.")
def query(config_path: Path | None, sql: str, output_format: str) -> None:
    """Run read-only SQL against the store, e.g. "SELECT * FROM mentions LIMIT 10".

    Safe while a crawl is running: waits a few seconds if a write is in progress.
    """
    config = load_from_option(config_path)
    result = existing_store(config).user_query(sql)
    print_result(result, output_format)


# ---- sources ------------------------------------------------------------------------------


@cli.group(cls=_LazyGroup, invoke_without_command=True,
           lazy_subcommands={"suggest": "schoolwatch.sources_commands.suggest_command"})
@config_option
@click.pass_context
def sources(ctx: click.Context, config_path: Path | None) -> None:
    """List each source with its last run, status, last error and mentions found.

    With [queue], also each source's job: queued, running, crawled (waiting for the ingest) or
    failed (dead-lettered after [queue] max_tries).

    `schoolwatch sources suggest --school ID` prints ready-made sources for a school.
    """
    if ctx.invoked_subcommand is not None:
        return
    # lazy: duckdb and pydantic's config models load only for the commands that use them
    from crawler.engine.screenprint import screen_prints_off
    from crawler.store import Store

    config = load_from_option(config_path)
    store = Store(config.store.path)
    if store.path.is_file():
        overview = {row["source"]: row for row in store.source_overview().records()}
    else:  # said plainly, and not created: a typo in the path must not look like a quiet store
        overview = {}
        print_error(f"no store at {store.path}: no source has run into it yet (check [store] "
                    "path in the config); showing the configured sources")
    queue_states, queue_problem = _queue_states(config)
    columns = ["source", "kind", "every", "last run", "status", "mentions"]
    if config.queue is not None:
        columns.append("queue")
    rows = []
    errors = []
    for source in config.source:
        row = overview.get(source.name, {})
        status = row.get("status") or "never run"
        style = STATUS_STYLE.get(status, "dim")
        last_run = row.get("last_run")
        cells = [
            esc(source.name),
            source.kind,
            _duration(source.every.total_seconds()),
            _moment(last_run),
            f"[{style}]{esc(shown_status(status))}[/]",
            str(row.get("mentions") or 0),
        ]
        if config.queue is not None:
            cells.append(_queue_cell(queue_states.get(source.name)))
        rows.append(cells)
        if row.get("last_error"):
            errors.append((source.name, row.get("failed_at"), row["last_error"]))
    print_rows("Sources", columns, rows, right=("mentions",))
    if queue_problem:
        print_error(queue_problem)
    if errors:
        console.print("[bold]Last errors[/]")
    for name, when, error in errors:
        console.print(f"  [bold]{esc(name)}[/] ({_moment(when)}): {esc(error)}", highlight=False)
    off = screen_prints_off(config.evidence)
    if off:
        console.print(off, markup=False, highlight=False)


def _queue_states(config: Config) -> tuple[dict[str, dict[str, str]], str | None]:
    if config.queue is None:
        return {}, None
    # lazy: each command's modules load only when it runs (tests/test_cli_lazy.py)
    from schoolwatch.queue.dispatch import queue_overview

    return queue_overview(config)


def _queue_cell(state: dict[str, str] | None) -> str:
    if not state:
        return "[dim]-[/]"
    name = state.get("state", "?")
    shown = {"crawled": "crawled, to ingest", "failing": "failed"}.get(name, name)
    style = {"failed": "bold red", "failing": "bold red", "running": "cyan"}.get(name, "white")
    tries = f" (try {state['tries']})" if name in ("running", "queued") and "tries" in state else ""
    return f"[{style}]{escape(shown)}{tries}[/]"


def _moment(value: datetime | None) -> str:
    return shown_moment(value, weekday=False) if value else "-"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


# ---- extract ------------------------------------------------------------------------------


def _parse_options(values: Sequence[str]) -> dict[str, str]:
    options = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not key=value", param_hint="--option")
        options[key.strip()] = setting.strip()
    return options


@cli.command("extract")
@config_option
@click.option("--kind", type=click.Choice(list(SOURCE_KINDS)), required=True,
              help="Which spider reads the URL.")
@click.option("--platform", default=None, help="Force a forum engine instead of detecting it.")
@click.option("--option", "option_values", multiple=True, metavar="KEY=VALUE",
              help="A kind-specific option, as in a source's `options` (repeatable).")
@click.option("--allow-private", is_flag=True,
              help="Allow an address on this machine or a private network ([crawl] "
              "allow_private).")
@click.argument("url")
def extract_command(
    config_path: Path | None, kind: str, platform: str | None, option_values: tuple[str, ...],
    allow_private: bool, url: str,
) -> None:
    """Try a source: fetch URL and print each document as a JSON line, storing nothing.

    Uses the [crawl] settings of the config when there is one, the defaults otherwise.
    """
    # lazy: the spiders (scrapy) and pydantic's config models load only for the commands
    # that fetch (`classify` on stdin needs neither)
    from pydantic import ValidationError

    from crawler.ground.config import CrawlSettings, Source
    from crawler.ground.config_errors import validation_summary
    from schoolwatch.crawling import extract

    config = config_if_any(config_path)
    crawl_settings = config.crawl if config is not None else CrawlSettings()
    if allow_private:
        crawl_settings = crawl_settings.model_copy(update={"allow_private": True})
    try:
        source = Source(name="extract", kind=kind, url=url, platform=platform,
                        options=_parse_options(option_values))
    except ValidationError as exc:
        raise SchoolwatchError(validation_summary(exc)) from None
    documents, run = extract(source, crawl_settings)
    for document in documents:
        click.echo(json.dumps(document, ensure_ascii=False, default=json_value))
    for warning in run.warnings:
        errors_console.print(f"[yellow]warning:[/] {esc(warning)}", highlight=False)
    if run.failed:
        error = run.last_error or "failed"
        raise SchoolwatchError(error if url in error else f"{url}: {error}")
    figures = sum(1 for document in documents if "metric" in document)  # Parent View's
    counted = f"{len(documents) - figures} document(s)" + (f", {figures} figure(s)" if figures
                                                          else "")
    errors_console.print(f"[dim]{counted} from {esc(url)}[/]", highlight=False)


# ---- demo ---------------------------------------------------------------------------------


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-data"), show_default=True,
              help="Where the demo writes its config and a fresh DuckDB file.")
def demo(directory: Path) -> None:
    """Run the whole pipeline offline on bundled fixture sites and show what it found."""
    # lazy: each command's modules load only when it runs (tests/test_cli_lazy.py)
    from schoolwatch.crawl_progress import run_crawl_with_progress
    from schoolwatch.demo import run_demo
    from schoolwatch.web_commands import demo_login

    run_demo(directory, console=console, crawl_and_show=run_crawl_with_progress,
             show_result=print_result)
    demo_login(directory)


def main() -> None:
    cli(prog_name="schoolwatch")


if __name__ == "__main__":
    main()
