"""Config loading: the example loads; every error is one line naming file, key path and problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import load_config, parse_duration, resolve_config_path
from crawler.ground.errors import ConfigError
from schoolwatch.cli import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "example.toml"
MINIMAL = '[[school]]\nid = "hg"\nname = "Hollins Green Primary School"\n'


def test_the_documented_example_loads_and_store_path_is_relative_to_it() -> None:
    config = load_config(EXAMPLE)
    assert config.school[0].id == "hollins-green"
    assert config.store.path == EXAMPLE.resolve().parent / "data" / "schoolwatch.duckdb"
    assert config.source[0].every == timedelta(hours=1)
    assert config.crawl.obey_robots is True


def test_the_documented_example_is_a_real_file_and_what_init_writes() -> None:
    from importlib import resources

    packaged = resources.files("crawler.ground").joinpath("example_config.toml").read_text("utf-8")
    assert not EXAMPLE.is_symlink()
    assert EXAMPLE.read_text(encoding="utf-8") == packaged


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("", "school", "required key is missing"),
        (MINIMAL + "[crawl]\nuser_agnet = 'x'\n", "crawl.user_agnet", "unknown key"),
        (MINIMAL + '[[source]]\nname = "a"\nkind = "feed"\nurl = "ftp://x"\n',
         "source 'a' (#1).url", "is not an http(s) URL"),
        (MINIMAL + '[[source]]\nname = "a"\nkind = "telepathy"\nurl = "http://x"\n',
         "source 'a' (#1).kind", "unknown kind 'telepathy'"),
        (MINIMAL + '[[source]]\nname = "a"\nkind = "feed"\nurl = "http://x"\nevery = "soon"\n',
         "source 'a' (#1).every", "'soon' is not a duration"),
        (MINIMAL + '[[source]]\nname = "a"\nkind = "feed"\nurl = "http://x"\nschools = ["zz"]\n',
         "source 'a' (#1).schools", "no school has id 'zz'"),
        (MINIMAL + '[[source]]\nname = "a"\nkind = "feed"\nurl = "http://x"\n' * 2,
         "source #2", "duplicate source 'a'"),
        (MINIMAL + 'leads = ["not-an-email"]\n', "school 'hg' (#1).leads",
         "is not an email address"),
        ('[[school]]\nid = "Bad Id"\nname = "Xavier School"\n', "school 'Bad Id' (#1).id",
         "should match"),
    ],
)
def test_each_error_names_file_key_and_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert problem in message
    assert "\n" not in message


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[school]\nid = 1")
    with pytest.raises(ConfigError, match=r"broken.toml: invalid TOML: .*line 1"):
        load_config(path)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_cli_reports_config_errors_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL + "[store]\npath = 3\n")
    result = CliRunner().invoke(cli, ["sources", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"{path}: store.path:" in result.stderr


def test_config_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHOOLWATCH_CONFIG", "/etc/schoolwatch/from-env.toml")
    assert resolve_config_path("given.toml") == Path("given.toml")
    assert resolve_config_path(None) == Path("/etc/schoolwatch/from-env.toml")
    (tmp_path / "schoolwatch.toml").write_text(MINIMAL)
    assert resolve_config_path(None) == Path("schoolwatch.toml")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1h30m", 5400), ("2d", 172800)]
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "1x", "h", "-5m", "0s", "1h 2", 6, 6.5])
def test_bad_durations(text: str | float) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
