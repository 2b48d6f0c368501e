"""The next command that writes finishes what an earlier run left (issue 12 items 12 and 13):
mentions left unclassified are classified, crawls kept in the spool are written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from crawler.ground.items import CrawlResult, SourceRun
from crawler.store import Store
from schoolwatch.cli import cli
from tests.mail_helpers import Post, make_config, write_posts
from tests.test_store import matched


def test_a_writing_command_classifies_leftovers_and_writes_the_spool(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_posts(config, [Post("Fair", "Hollins Green Primary summer fair on Saturday.",
                              datetime.now(UTC) - timedelta(days=1))])
    store = Store(config.store.path)
    assert store.has_unclassified()
    store.spool_crawl(CrawlResult(
        schools=[("hollins-green", "Hollins Green Primary")],
        sources=[("local-news", "feed", "https://news.example.org/rss", None)],
        runs=[SourceRun(source="local-news", started_at=datetime.now(UTC))],
        documents=[matched("https://news.example.org/p/9", "Hollins Green Primary play",
                           source="local-news", school="hollins-green")],
        validators=[],
    ))
    toml = tmp_path / "schoolwatch.toml"
    toml.write_text(f'[store]\npath = "{config.store.path.as_posix()}"\n[[school]]\n'
                    'id = "hollins-green"\nname = "Hollins Green Primary"\n', encoding="utf-8")

    result = CliRunner().invoke(cli, ["alerts", "--config", str(toml)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 crawl(s) kept in the spool" in result.output
    assert "Classified 2 mention(s)" in result.output
    assert store.spooled() == [] and not store.has_unclassified()


def test_read_only_commands_leave_leftovers_alone(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_posts(config, [Post("Fair", "Hollins Green Primary fair.", datetime.now(UTC))])
    toml = tmp_path / "schoolwatch.toml"
    toml.write_text(f'[store]\npath = "{config.store.path.as_posix()}"\n[[school]]\n'
                    'id = "hollins-green"\nname = "Hollins Green Primary"\n', encoding="utf-8")
    assert CliRunner().invoke(cli, ["outbox", "--config", str(toml)]).exit_code == 0
    assert Store(config.store.path).has_unclassified()
