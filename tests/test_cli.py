"""The CLI: help on every command, init, query formats, extract."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.ground.config import load_config
from schoolwatch.cli import cli
from schoolwatch.demo.server import FixtureServer
from tests.helpers import feed_source


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _all_commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _all_commands(cli), ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary) > 15, f"{command} needs a real help text"


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "schoolwatch.toml"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(path)]).exit_code == 0
    assert load_config(path).school[0].name == "Hollins Green Primary School"
    again = runner.invoke(cli, ["init", str(path)])
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert runner.invoke(cli, ["init", str(path), "--force"]).exit_code == 0


@pytest.fixture(scope="module")
def crawled(site: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "schoolwatch.toml"
    path.write_text(
        '[store]\npath = "s.duckdb"\n[crawl]\ndelay = "0s"\nallow_private = true\n'
        '[[school]]\nid = "hollins-green"\n'
        'name = "Hollins Green Primary School"\naliases = ["Hollins Green Primary", "HGPS"]\n'
        + feed_source("news", f"{site.base_url}/news/rss.xml")
    )
    result = CliRunner().invoke(cli, ["crawl", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "Crawl summary" in result.output
    return path


def test_query_formats(crawled: Path) -> None:
    sql = "SELECT title, published_at FROM mentions ORDER BY published_at DESC"
    runner = CliRunner()
    as_json = runner.invoke(cli, ["query", "--config", str(crawled), "--format", "json", sql])
    rows = json.loads(as_json.output)
    assert isinstance(rows, list) and len(rows) == 3
    assert set(rows[0]) == {"title", "published_at"}
    assert rows[0]["published_at"].endswith("+00:00")

    as_csv = runner.invoke(cli, ["query", "--config", str(crawled), "--format", "csv", sql])
    lines = as_csv.output.strip().splitlines()
    assert lines[0] == "title,published_at" and len(lines) == 4

    table = runner.invoke(cli, ["query", "--config", str(crawled), sql])
    assert "3 rows" in table.output and "title" in table.output


def test_query_errors_are_one_line(crawled: Path) -> None:
    result = CliRunner().invoke(cli, ["query", "--config", str(crawled), "DROP TABLE mentions"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "read-only" in result.stderr


def test_sources_lists_last_run(crawled: Path) -> None:
    result = CliRunner().invoke(cli, ["sources", "--config", str(crawled)], terminal_width=200)
    assert result.exit_code == 0
    assert "news" in result.output and "ok" in result.output


def test_crawl_unknown_source_is_a_clear_error(crawled: Path) -> None:
    result = CliRunner().invoke(cli, ["crawl", "--config", str(crawled), "--source", "nope"])
    assert result.exit_code == 1
    assert "no source named 'nope' (known: news)" in result.stderr


def test_extract_prints_documents_as_json_lines_and_stores_nothing(
    site: FixtureServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["extract", "--allow-private", "--kind", "feed", f"{site.base_url}/alerts/feed.atom"]
    )
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) == 3
    first = documents[0]
    assert set(first) >= {"title", "url", "author", "published_at", "text"}
    assert first["url"] == f"{site.base_url}/news/2026/pick-up-rules-row"  # unwrapped
    assert "<b>" not in first["title"] and "Hollins Green Primary" in first["title"]
    assert list(tmp_path.iterdir()) == []


def test_extract_failure_names_the_error(site: FixtureServer) -> None:
    result = CliRunner().invoke(cli, ["extract", "--allow-private", "--kind", "feed",
                                      f"{site.base_url}/status/404"])
    assert result.exit_code == 1
    assert "HTTP 404" in result.stderr
