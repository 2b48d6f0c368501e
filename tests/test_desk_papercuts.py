"""Dead ends a new lead met on a fresh clone (issue 21 items 1, 3, 6 and 7): each of these
failed before it was fixed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from crawler.ground.dates import parse_date
from crawler.ground.items import CrawlResult, SourceRun
from crawler.ground.vocab import LONDON, RunStatus
from crawler.store import Store
from digest.render import _day
from schoolwatch.cli import cli
from tests.web_helpers import write_config_file

ROOT = Path(__file__).resolve().parents[1]
GIAS = ROOT / "tests" / "fixtures" / "gias" / "edubasealldata-fictional.csv"
README = ROOT / "README.md"


def _serve(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHOOLWATCH_SECRET_KEY": "k" * 40, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "schoolwatch.cli", "serve", "--config", str(config), *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)


def test_serve_on_a_busy_port_or_a_foreign_address_says_so_in_one_line(tmp_path: Path) -> None:
    config = write_config_file(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = _serve(config, "--port", str(port))
    assert busy.returncode == 1
    assert "Traceback" not in busy.stderr
    assert busy.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the port is already in use (is another "
        "schoolwatch serve running? choose another with --port)"]

    foreign = _serve(config, "--host", "192.0.2.7", "--port", "0")
    assert foreign.returncode == 1 and "Traceback" not in foreign.stderr
    assert "192.0.2.7 is not an address of this machine" in foreign.stderr
    unknown = _serve(config, "--host", "no-such-host.invalid", "--port", "0")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert "no-such-host.invalid" in unknown.stderr


def test_serve_with_no_users_says_who_can_log_in_and_how_to_add_one(tmp_path: Path) -> None:
    config = write_config_file(tmp_path)
    Store(tmp_path / "store.duckdb").migrate()
    env = {**os.environ, "SCHOOLWATCH_SECRET_KEY": "k" * 40, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "schoolwatch.cli", "serve", "--config", str(config), "--port",
         "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
    ) as process:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "http://127.0.0.1:" in line:
                break
        output = "".join(lines)
        process.terminate()
        process.wait(timeout=10)
    assert "No one can log in yet" in output
    assert "user add" in output and "--password-stdin" in output


def test_the_readme_adds_the_user_to_the_school_id_school_add_wrote() -> None:
    readme = README.read_text(encoding="utf-8")
    added = readme.split("sources suggest --school ", 1)[1].split()[0]
    assert added == "hollins-green-primary"
    for line in readme.splitlines():
        if "user add" in line and "--school" in line and "ID" not in line:
            assert f"--school {added}" in line, line
    assert "before the first login" in readme


def test_the_demo_prints_a_serve_command_that_runs_here(tmp_path: Path) -> None:
    from schoolwatch.ui import program

    shown = program()
    command = shown.split()
    assert Path(command[0]).name in ("schoolwatch", Path(sys.executable).name)
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout


def test_school_find_takes_the_words_unquoted() -> None:
    result = CliRunner().invoke(cli, ["school", "find", "--gias", str(GIAS), "hollins", "green"],
                                terminal_width=160)
    assert result.exit_code == 0, result.output
    assert "Hollins Green Primary School" in result.output


def test_a_post_dated_today_at_a_later_hour_is_not_stored_in_the_future() -> None:
    fetched = datetime(2026, 12, 6, 7, 0, tzinfo=LONDON).astimezone(UTC)
    parsed = parse_date("Today 08:05", fetched)
    assert parsed is not None and parsed <= fetched
    earlier = parse_date("Today 06:05", fetched)
    assert earlier == datetime(2026, 12, 6, 6, 5, tzinfo=LONDON).astimezone(UTC)


def test_a_date_from_another_year_shows_its_year() -> None:
    this_year = datetime.now(LONDON).year
    assert str(this_year - 1) in _day(datetime(this_year - 1, 3, 4, 9, 0, tzinfo=LONDON))
    assert str(this_year) not in _day(datetime(this_year, 3, 4, 9, 0, tzinfo=LONDON))


def test_cli_tables_stay_readable_at_80_columns(tmp_path: Path) -> None:
    config = tmp_path / "schoolwatch.toml"
    names = ["reddit-ashcombe-town-subreddit", "google-news-hollins-green-primary",
             "mumsnet-primary-education-board"]
    config.write_text(
        f'[store]\npath = "{tmp_path / "store.duckdb"}"\n[crawl]\nallow_private = true\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
        + "".join(f'[[source]]\nname = "{n}"\nkind = "feed"\nurl = "http://127.0.0.1:9/{n}"\n'
                  for n in names), encoding="utf-8")
    store = Store(tmp_path / "store.duckdb")
    store.write_crawl(CrawlResult(
        schools=[("hollins-green", "Hollins Green Primary School")],
        runs=[SourceRun(names[0], datetime.now(UTC), status=RunStatus.FAILED,
                        errors=["HTTP 429 Too Many Requests"]),
              SourceRun(names[1], datetime.now(UTC), status=RunStatus.NOT_MODIFIED)]))
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-m", "schoolwatch.cli", "sources", "--config",
                           str(config)], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    sources = done.stdout
    assert "…" not in sources, sources
    assert max(len(line) for line in sources.splitlines()) <= 80
    for name in names:
        assert name in sources
    assert "failed" in sources and "not modified (304)" in sources and "never run" in sources
