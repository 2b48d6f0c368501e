"""Console output shared by the CLI commands: consoles, the --config option, tables."""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from crawler.ground.config_path import resolve_config_path
from crawler.ground.vocab import RunStatus

if TYPE_CHECKING:
    from crawler.ground.config import Config
    from crawler.store import QueryResult, Store

console = Console()
errors_console = Console(stderr=True)

SHOWN_STATUS = {RunStatus.NOT_MODIFIED: "not modified (304)"}
STATUS_STYLE = {
    RunStatus.OK: "green",
    RunStatus.NOT_MODIFIED: "green",
    RunStatus.WARNING: "yellow",
    RunStatus.PARTIAL: "yellow",
    RunStatus.INTERRUPTED: "yellow",
    RunStatus.FAILED: "bold red",
}


def esc(value: object) -> str:
    """Any dynamic text printed through Rich: brackets in errors, paths, regexes and crawled
    text are shown as written, never read as markup."""
    return escape(str(value))


def program() -> str:
    """How to run schoolwatch here, for commands we suggest: `schoolwatch` when it is on the
    PATH, else the script beside this Python (e.g. .venv/bin/schoolwatch, relative to the
    current folder when inside it), else this Python with -m."""
    if shutil.which("schoolwatch"):
        return "schoolwatch"
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is not None and started.name == "schoolwatch":
        return str(started)
    beside = Path(sys.executable).parent / "schoolwatch"
    if beside.is_file():
        return _relative(beside)
    return f"{_relative(Path(sys.executable))} -m schoolwatch.cli"


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def shown_status(status: str | None) -> str:
    """A run's status in words ("not modified", not "not_modified")."""
    return SHOWN_STATUS.get(str(status), str(status).replace("_", " "))


def print_error(message: str) -> None:
    errors_console.print(f"[bold red]error:[/] {esc(message)}", highlight=False, soft_wrap=True)


def config_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Config file. Default: ./schoolwatch.toml, else $SCHOOLWATCH_CONFIG.",
    )(function)


def load_from_option(config_path: Path | None) -> Config:
    # lazy: pydantic and the config models load only when a config is read
    from crawler.ground.config import load_config

    return load_config(resolve_config_path(config_path))


def existing_store(config: Config) -> Store:
    """The store, for a command that only reads: a missing file is refused, never created."""
    # lazy: duckdb loads only for commands that open the store (`classify` on stdin does not)
    from crawler.store import Store

    store = Store(config.store.path)
    store.require_existing()
    return store


def catch_up_first(config: Config) -> None:
    """For a command that writes: finish what an earlier run left (spooled crawls, unclassified
    mentions) and say so."""
    # lazy: the jobs (scrapy runner, classifier, digest) load only when a catch-up runs
    from schoolwatch.jobs import catch_up

    done = catch_up(config)
    if done.spooled_crawls:
        console.print(f"Wrote {done.spooled_crawls} crawl(s) kept in the spool while the store "
                      "was busy.", markup=False)
    if done.classified:
        console.print(f"Classified {done.classified} mention(s) an earlier crawl left "
                      "unclassified.", markup=False)


def config_if_any(config_path: Path | None) -> Config | None:
    """The config named or found, or None for commands that also work without one."""
    path = resolve_config_path(config_path)
    if config_path is not None or path.exists():
        return load_from_option(path)
    return None


def print_rows(title: str | None, columns: list[str], rows: list[list[str]], *,
               right: tuple[str, ...] = (), styles: list[str] | None = None) -> None:
    """Rows of markup cells under markup column names: a table when it fits the terminal
    whole, else one block per row (its first cell as a heading, then "column: value" pairs that
    wrap as prose), so that no cell is cut to "fa…" or folded over five lines on an 80-column
    terminal."""
    widths = [Text.from_markup(column).cell_len for column in columns]
    for row in rows:
        for index, cell in enumerate(row):
            longest = max((Text.from_markup(line).cell_len for line in cell.split("\n")),
                          default=0)
            widths[index] = max(widths[index], longest)
    if sum(widths) + 3 * len(columns) + 1 <= console.width:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, no_wrap=True, justify="right" if column in right else "left")
        for index, row in enumerate(rows):
            table.add_row(*row, style=(styles or [""] * len(rows))[index] or None)
        console.print(table, highlight=False)
        return
    if title:
        console.print(f"[bold]{escape(title)}[/]", highlight=False)
    for row in rows:
        console.print(f"[bold]{row[0]}[/]", highlight=False)
        pairs = [f"[dim]{column}:[/] {cell.replace(chr(10), ' ')}"
                 for column, cell in zip(columns[1:], row[1:], strict=True) if cell]
        console.print(Padding(Text.from_markup(" · ".join(pairs)), (0, 0, 0, 2), expand=False),
                      highlight=False)


def print_result(result: QueryResult, output_format: str) -> None:
    if output_format == "json":
        click.echo(json.dumps(result.records(), default=json_value, ensure_ascii=False, indent=1))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[_csv_value(v) for v in row] for row in result.rows])
    else:
        table = Table(show_lines=False)
        for column in result.columns:
            # Headers stay whole; the values fold within what is left.
            table.add_column(column, overflow="fold", max_width=80,
                             min_width=min(len(column), 12))
        for row in result.rows:
            table.add_row(*[_cell(value) for value in row])
        console.print(table)
        console.print(f"[dim]{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}[/]")


def json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "[dim]null[/]"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = esc(value)
    return text if len(text) <= 300 else text[:300] + "…"
