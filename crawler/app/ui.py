"""Console output shared by the CLI commands: consoles, the --config option, tables."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from crawler.config import Config, load_config, resolve_config_path
from crawler.store import QueryResult
from crawler.vocab import RunStatus

console = Console()
errors_console = Console(stderr=True)

STATUS_STYLE = {
    RunStatus.OK: "green",
    RunStatus.NOT_MODIFIED: "green",
    RunStatus.WARNING: "yellow",
    RunStatus.PARTIAL: "yellow",
    RunStatus.INTERRUPTED: "yellow",
    RunStatus.FAILED: "bold red",
}


def print_error(message: str) -> None:
    errors_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def config_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Config file. Default: ./schoolwatch.toml, else $SCHOOLWATCH_CONFIG.",
    )(function)


def load_from_option(config_path: Path | None) -> Config:
    return load_config(resolve_config_path(config_path))


def config_if_any(config_path: Path | None) -> Config | None:
    """The config named or found, or None for commands that also work without one."""
    path = resolve_config_path(config_path)
    if config_path is not None or path.exists():
        return load_config(path)
    return None


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
            table.add_column(column, overflow="fold", max_width=80)
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
    text = str(value).replace("[", "\\[")
    return text if len(text) <= 300 else text[:300] + "…"
