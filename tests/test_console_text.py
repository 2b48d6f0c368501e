"""Text that vanishes (issue 12 item 6): every dynamic string printed through Rich is escaped,
so brackets in errors, paths, regexes and crawled text reach the terminal as written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from crawler.ground.items import SourceRun
from schoolwatch.cli import cli


def test_a_regex_in_a_config_error_is_printed_whole(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[school]]\nid = "Bad Id"\nname = "Xavier School"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "--config", str(path)])
    assert result.exit_code == 2
    assert "'^[a-z0-9][a-z0-9_-]*$'" in result.stderr


def test_brackets_in_a_path_survive(tmp_path: Path) -> None:
    folder = tmp_path / "[old]"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["sources", "--config", str(folder / "[email].toml")])
    assert result.exit_code == 2
    assert "[old]" in result.stderr and "[email].toml" in result.stderr


def test_crawl_summary_warnings_and_errors_keep_their_brackets() -> None:
    from schoolwatch.crawl_progress import print_summary
    from schoolwatch.ui import console

    run = SourceRun(source="news", started_at=datetime.now(UTC), finished_at=datetime.now(UTC))
    run.warnings.append("ill-formed feed [line 3], kept [bold]what[/bold] parsed")
    run.errors.append("could not read [email]: HTTP 500")
    with console.capture() as captured:
        print_summary([run])
    text = captured.get()
    assert "ill-formed feed [line 3], kept [bold]what[/bold] parsed" in text
    assert "could not read [email]: HTTP 500" in text


def test_query_output_and_errors_keep_brackets(tmp_path: Path) -> None:
    from crawler.store import Store

    store = Store(tmp_path / "s.duckdb")
    store.migrate()
    config = tmp_path / "c.toml"
    config.write_text(f'[store]\npath = "{store.path.as_posix()}"\n[[school]]\nid = "hg"\n'
                      'name = "Hollins Green School"\n', encoding="utf-8")
    shown = CliRunner().invoke(cli, ["query", "--config", str(config),
                                     "SELECT '[red]x[/red] [email]' AS t"], terminal_width=120)
    assert "[red]x[/red] [email]" in shown.output
    bad = CliRunner().invoke(cli, ["query", "--config", str(config), 'SELECT "[email]"'])
    assert bad.exit_code == 1 and '"[email]"' in bad.stderr
