"""The whole chain a user relies on: crawl -> tag -> alert by real SMTP, once; `classify`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import ClassifierSettings, Config
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.demo.server import FixtureServer
from tests.helpers import MutableFeed, feed_source
from tests.mail_helpers import SmtpSink

FEED = """<rss version='2.0'><channel><title>Ashcombe parents</title>
<item><title>Hollins Green Primary nativity</title><link>{base}/t/10</link>
<pubDate>{date}</pubDate><description>The nativity at Hollins Green Primary was lovely,
well done to all the staff and children.</description></item>
<item><title>Hollins Green Primary won't listen</title><link>{base}/t/11</link>
<pubDate>{date}</pubDate><description>The boy hitting my son is Callum in Year 5 at Hollins
Green Primary. His dad's number is 07700 900461, tell him what you think.</description></item>
</channel></rss>"""


def test_a_crawl_tags_new_mentions_and_alerts_the_leads_once(
    site: FixtureServer,
    mutable_feed: MutableFeed,
    smtp_sink: SmtpSink,
    write_config: Callable[..., Config],
) -> None:
    mutable_feed.body = FEED.format(
        base=site.base_url, date=datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    ).encode()
    email = (
        f'[email]\nsender = "schoolwatch@test.example.org"\nsmtp_host = "127.0.0.1"\n'
        f"smtp_port = {smtp_sink.port}\nstarttls = false\n"
    )
    config = write_config(feed_source("parents", f"{site.base_url}/mutable.xml"), extra=email)
    path = str(config.store.path.parent / "schoolwatch.toml")

    first = CliRunner().invoke(cli, ["crawl", "--config", path], terminal_width=160)
    assert first.exit_code == 0, first.output
    assert "Tagged 2 mention(s) for risk" in first.output
    assert "1 alert(s) queued" in first.output and "Sent 1 message(s)" in first.output

    store = Store(config.store.path)
    tags = dict(store.query("SELECT url, risk FROM mentions").rows)
    assert tags == {f"{site.base_url}/t/10": "none", f"{site.base_url}/t/11": "high"}
    categories = store.query(
        "SELECT categories, sentiment, model_version FROM mentions WHERE risk = 'high'"
    ).rows[0]
    assert {"named_pupil", "personal_data"} <= set(categories[0])
    assert categories[1] in {"negative", "neutral", "positive"} and categories[2]

    (alert,) = smtp_sink.messages()
    assert [a.addr_spec for a in alert["To"].addresses] == ["orm@hollins-green.example.org"]
    text = alert.get_body(("plain",)).get_content()
    assert f"{site.base_url}/t/11" in text
    assert "07700 900461" not in text and "Callum" not in text  # redacted in the email
    assert store.query("SELECT text FROM mentions WHERE risk = 'high'").rows[0][0].count(
        "07700 900461"
    ) == 1  # the full text stays in the store

    second = CliRunner().invoke(cli, ["crawl", "--config", path], terminal_width=160)
    assert second.exit_code == 0, second.output
    assert "alert(s) queued" not in second.output
    assert len(smtp_sink.messages()) == 1


def test_classify_reads_json_lines_and_keeps_their_order() -> None:
    lines = [
        json.dumps({"text": "Lovely school, my DD is thriving", "id": "a"}),
        "{not json",
        json.dumps({"text": "Mr Price shoved a Year 2 child", "staff": ["Tom Price"], "id": "c"}),
    ]
    result = CliRunner().invoke(cli, ["classify"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("id") for r in records] == ["a", None, "c"]
    assert records[0]["risk"] == "none" and records[0]["sentiment"] == "positive"
    assert "error" in records[1] and records[1]["line"] == 2
    assert records[2]["risk"] == "high" and "allegation" in records[2]["categories"]
    assert "1 line(s) could not be read" in result.stderr


def test_classify_pending_tags_stored_mentions_once(
    site: FixtureServer, write_config: Callable[..., Config]
) -> None:
    from schoolwatch.crawling import crawl

    config = write_config(feed_source("news", f"{site.base_url}/news/rss.xml"))
    crawl(config, config.source)  # the runner alone stores, without tagging
    store = Store(config.store.path)
    assert store.query("SELECT count(*) FROM mentions WHERE risk IS NULL").rows == [(4,)]
    path = str(config.store.path.parent / "schoolwatch.toml")

    first = CliRunner().invoke(cli, ["classify", "--pending", "--config", path])
    assert first.exit_code == 0, first.output
    assert "Tagged 4 mention(s)" in first.output
    assert store.query("SELECT count(*) FROM mentions WHERE risk IS NULL").rows == [(0,)]
    again = CliRunner().invoke(cli, ["classify", "--pending", "--config", path])
    assert "Tagged 0 mention(s)" in again.output
    everything = CliRunner().invoke(cli, ["classify", "--all", "--config", path])
    assert "Tagged 4 mention(s)" in everything.output


def test_a_crawl_whose_alert_cannot_be_sent_exits_1_and_says_so_once(
    site: FixtureServer, mutable_feed: MutableFeed, write_config: Callable[..., Config],
) -> None:
    from tests.mail_helpers import free_port

    mutable_feed.body = FEED.format(
        base=site.base_url, date=datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    ).encode()
    email = (
        f'[email]\nsender = "schoolwatch@test.example.org"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {free_port()}\nstarttls = false\ntimeout = "2s"\n'
    )
    config = write_config(feed_source("parents", f"{site.base_url}/mutable.xml"), extra=email)
    path = str(config.store.path.parent / "schoolwatch.toml")
    result = CliRunner().invoke(cli, ["crawl", "--config", path], terminal_width=160)
    assert result.exit_code == 1, result.output
    assert "1 alert(s) queued" in result.output
    assert result.stderr.count("could not send") == 1, result.stderr
    assert "stays queued" in result.stderr


def test_an_upgraded_model_retags_old_mentions_visibly(
    site: FixtureServer, write_config: Callable[..., Config]
) -> None:
    from schoolwatch.crawling import crawl

    config = write_config(feed_source("news", f"{site.base_url}/news/rss.xml"))
    crawl(config, config.source)
    store = Store(config.store.path)
    path = str(config.store.path.parent / "schoolwatch.toml")
    assert CliRunner().invoke(cli, ["classify", "--pending", "--config", path]).exit_code == 0
    current = store.query("SELECT DISTINCT model_version FROM classifications").rows
    # As if an older model had tagged them: one at another risk level than the current gives.
    with store.transaction() as con:
        con.execute("UPDATE classifications SET model_version = 'heads-old-rules1-int8'")
        con.execute(
            "UPDATE classifications SET risk = CASE WHEN risk = 'high' THEN 'none' ELSE 'high' "
            "END WHERE mention_id = (SELECT min(mention_id) FROM classifications)"
        )
    upgraded = CliRunner().invoke(cli, ["classify", "--pending", "--config", path])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Tagged 4 mention(s)" in upgraded.output
    assert "4 re-tagged from an older model, 1 at a new risk level" in upgraded.output
    assert store.query("SELECT DISTINCT model_version FROM classifications").rows == current


def test_nothing_pending_never_loads_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from classifiers import stored
    from tests.store_helpers import unattended_config

    def no_model(settings: object) -> None:
        raise AssertionError("the model was loaded with nothing to classify")

    monkeypatch.setattr(stored, "classifier_for", no_model)
    config = unattended_config(tmp_path)
    outcome = stored.classify_stored(config, Store(config.store.path))
    assert outcome.classified == 0 and outcome.model_version.startswith("heads-")


def test_the_version_known_without_loading_is_the_loaded_models() -> None:
    from classifiers.decide import model_version
    from classifiers.stored import classifier_for

    settings = ClassifierSettings()
    assert model_version(settings) == classifier_for(settings).model_version
