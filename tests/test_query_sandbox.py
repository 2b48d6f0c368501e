"""`query` is sandboxed (issue 12 items 3 and 4): only the store's tables are readable, nothing
is written, each refusal is one line, and commands that only read refuse a missing store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.errors import QueryError, StoreMissingError
from crawler.store import Store
from schoolwatch.cli import cli


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data" / "store.duckdb")
    store.migrate()
    return store


@pytest.fixture
def config(store: Store, tmp_path: Path) -> Path:
    path = tmp_path / "schoolwatch.toml"
    path.write_text(
        f'[store]\npath = "{store.path.as_posix()}"\n[[school]]\nid = "hollins-green"\n'
        'name = "Hollins Green Primary School"\n', encoding="utf-8",
    )
    return path


def test_select_still_reads_the_store(store: Store) -> None:
    result = store.user_query("SELECT count(*) AS n FROM mentions")
    assert result.columns == ["n"] and result.rows == [(0,)]


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("COPY (SELECT 1) TO '{tmp}/out.csv'", "COPY is refused"),
        ("COPY mentions TO '{tmp}/schoolwatch.toml'", "COPY is refused"),
        ("ATTACH '{tmp}/other.duckdb' (READ_WRITE)", "ATTACH is refused"),
        ("EXPORT DATABASE '{tmp}/export'", "EXPORT is refused"),
        ("CHECKPOINT", "refused"),
        ("DELETE FROM mentions", "read-only"),
        ("DROP TABLE mentions", "read-only"),
        ("CREATE TEMP TABLE t AS SELECT 1", "read-only"),
        ("SET enable_external_access = true", "read-only"),
        ("INSTALL httpfs FROM 'http://127.0.0.1:9/'", "refused"),
        ("LOAD httpfs", "refused"),
        ("SELECT * FROM read_csv('/etc/passwd')", "only the store's tables"),
        ("SELECT * FROM read_text('/etc/hostname')", "only the store's tables"),
        ("SELECT * FROM glob('/root/*')", "only the store's tables"),
        ("SELECT * FROM '{tmp}/rows.csv'", "only the store's tables"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("", "no SQL"),
        ("  ; ", "no SQL"),
        ("SELEC 1", "Parser Error"),
    ],
)
def test_everything_but_reading_the_store_is_refused_in_one_line(
    store: Store, tmp_path: Path, sql: str, words: str
) -> None:
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(QueryError) as caught:
        store.user_query(sql.format(tmp=tmp_path.as_posix()))
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_the_sandbox_settings_are_duckdbs_own(store: Store) -> None:
    result = store.user_query(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'),"
        " current_setting('access_mode')"
    )
    assert result.rows == [(False, True, "read_only")]


def test_cli_delete_says_read_only_and_empty_sql_is_an_error(config: Path) -> None:
    runner = CliRunner()
    deleted = runner.invoke(cli, ["query", "--config", str(config), "DELETE FROM mentions"])
    assert deleted.exit_code == 1
    assert deleted.stderr.startswith("error: ") and "read-only" in deleted.stderr
    assert "Binder Error" not in deleted.stderr and len(deleted.stderr.splitlines()) == 1
    empty = runner.invoke(cli, ["query", "--config", str(config), ""])
    assert (empty.exit_code == 1 and empty.exception is None) or isinstance(
        empty.exception, SystemExit)
    assert empty.stderr.startswith("error: no SQL")
    assert "Traceback" not in empty.output + empty.stderr


def test_a_missing_store_is_not_created_by_a_read(tmp_path: Path) -> None:
    missing = Store(tmp_path / "typo" / "store.duckdb")
    with pytest.raises(StoreMissingError, match="no store at"):
        missing.user_query("SELECT 1")
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize(
    "command",
    [["query", "SELECT 1"], ["check", "--school", "hollins-green"],
     ["case", "list"], ["outbox"], ["digest", "--dry-run"]],
    ids=" ".join,
)
def test_read_only_commands_refuse_a_missing_store(
    config: Path, store: Store, tmp_path: Path, command: list[str]
) -> None:
    store.path.unlink()
    store.path.parent.rmdir()
    result = CliRunner().invoke(cli, [*command, "--config", str(config)],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "no store at" in result.stderr and str(store.path) in result.stderr.replace("\n", "")
    assert not store.path.parent.exists()
    assert not list(tmp_path.glob("report-*.html"))


def test_sources_on_a_missing_store_says_so_and_creates_nothing(
    config: Path, store: Store
) -> None:
    """`sources` still lists the configured sources (and a queue's jobs), saying plainly that
    no store is there."""
    store.path.unlink()
    store.path.parent.rmdir()
    result = CliRunner().invoke(cli, ["sources", "--config", str(config)])
    assert "no store at" in result.stderr and not store.path.parent.exists()
