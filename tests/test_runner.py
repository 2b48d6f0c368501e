"""End-to-end crawls against the local fixture site: storing, re-crawling, failures, edits."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import CliRunner

from crawler.ground.config import Config
from crawler.store import Store
from schoolwatch.cli import cli
from schoolwatch.crawling import crawl
from schoolwatch.demo.server import FixtureServer
from tests.helpers import MutableFeed, feed_source


def _demo_sources(base: str) -> str:
    return (
        feed_source("ashcombe-post", f"{base}/news/rss.xml")
        + feed_source("google-alerts", f"{base}/alerts/feed.atom")
        + feed_source("reddit-ashcombe", f"{base}/reddit/search.rss")
    )


def test_crawl_stores_each_mention_once_and_recrawl_costs_304s(
    site: FixtureServer, write_config: Callable[..., Config]
) -> None:
    config = write_config(_demo_sources(site.base_url))
    first = crawl(config, config.source)

    assert [run.status for run in first.runs] == ["ok", "ok", "ok"]
    store = Store(config.store.path)
    rows = store.query("SELECT school_id, title, matched_alias FROM mentions ORDER BY id").rows
    titles = {title for _, title, _ in rows}
    assert "Hollins Green Primary pupils raise £2,000 for Vale hospice" in titles
    assert "Inspectors due at HGPS, head confirms" in titles
    # Lookalikes: the park is excluded; the ambiguous place name lacks school context.
    assert not any("Park" in t or "parkrun" in t.lower() or "Lost dog" in t for t in titles)
    assert not any("Garden centre" in t for t in titles)
    # The pick-up story came from the news feed and from Google Alerts: one mention, two sources.
    assert sum("pick-up rules" in t for t in titles) == 1
    sighting = store.query(
        "SELECT m.source, s.source FROM mention_sightings s JOIN mentions m ON m.id = s.mention_id"
    ).rows
    assert len(sighting) == 1 and set(sighting[0]) == {"ashcombe-post", "google-alerts"}
    # A post about both schools is a mention of each.
    per_school = store.query("SELECT school_id, count(*) FROM mentions GROUP BY ALL").rows
    assert dict(per_school) == {"hollins-green": 7, "st-aldhelms": 3}
    assert first.new_mentions == 10

    hits_before = dict(site.hits)
    second = crawl(config, config.source)
    assert [run.status for run in second.runs] == ["not_modified"] * 3
    assert second.new_mentions == 0
    assert store.query("SELECT count(*) FROM mention_records").rows[0][0] == 10
    assert site.hits["/news/rss.xml"] == hits_before["/news/rss.xml"] + 1
    runs = store.query("SELECT source, status, new_mentions FROM crawl_runs ORDER BY id").rows
    assert len(runs) == 6 and all(status == "not_modified" for _, status, _ in runs[3:])


def test_evidence_is_kept_for_every_mention(
    site: FixtureServer, write_config: Callable[..., Config]
) -> None:
    import hashlib

    config = write_config(feed_source("ashcombe-post", f"{site.base_url}/news/rss.xml"))
    crawl(config, config.source)
    store = Store(config.store.path)
    rows = store.query(
        "SELECT url, final_url, http_status, fetched_at, raw_sha256 FROM mentions"
    ).rows
    assert rows
    for _url, final_url, status, fetched_at, sha256 in rows:
        assert status == 200 and fetched_at is not None
        assert final_url == f"{site.base_url}/news/rss.xml"
        body = store.raw_body(sha256)
        assert body is not None and hashlib.sha256(body).hexdigest() == sha256
        assert b"<rss" in body
    # Tracking parameters are not part of the stored address.
    assert not any("utm_" in url for url, *_ in rows)


def test_a_broken_source_does_not_stop_the_others_and_is_named(
    site: FixtureServer, write_config: Callable[..., Config]
) -> None:
    base = site.base_url
    config = write_config(
        feed_source("good", f"{base}/news/rss.xml")
        + feed_source("missing", f"{base}/status/404")
        + feed_source("server-error", f"{base}/status/500")
        + feed_source("too-slow", f"{base}/slow.xml")
        + feed_source("too-big", f"{base}/huge.xml")
        + feed_source("forbidden", f"{base}/private/feed.xml")
        + feed_source("not-a-feed", f"{base}/page.html")
        + feed_source("nobody-home", "http://127.0.0.1:9/feed.xml"),
        crawl='max_bytes = 100000\n',
    )
    result = CliRunner().invoke(cli, ["crawl", "--config", str(config_path(config))])

    assert result.exit_code == 1, result.output
    errors = result.stderr
    for source, message in [
        ("missing", "HTTP 404"),
        ("server-error", "HTTP 500"),
        ("too-slow", "no answer within 2s"),
        ("too-big", "larger than the 100,000-byte cap"),
        ("forbidden", "robots.txt forbids"),
        ("not-a-feed", "not an RSS or Atom feed"),
        ("nobody-home", "cannot connect"),
    ]:
        assert f"source '{source}' failed: " in errors, errors
        line = next(line for line in errors.splitlines() if f"'{source}'" in line)
        assert message in line, line
    assert "'good'" not in errors
    store = Store(config.store.path)
    assert store.query("SELECT count(*) FROM mentions WHERE source = 'good'").rows[0][0] == 4
    statuses = dict(store.query("SELECT source, status FROM crawl_runs").rows)
    assert statuses["good"] == "ok" and statuses["missing"] == "failed"

    listing = CliRunner().invoke(cli, ["sources", "--config", str(config_path(config))])
    assert listing.exit_code == 0
    assert "HTTP 404" in listing.output and "failed" in listing.output


def test_an_edited_post_updates_the_text_and_keeps_the_earlier_version(
    site: FixtureServer, mutable_feed: MutableFeed, write_config: Callable[..., Config]
) -> None:
    item = (
        "<rss version='2.0'><channel><title>Board</title><item><title>Hollins Green Primary"
        " parking</title><link>{base}/t/1#p1</link><description>{text}</description>"
        "</item></channel></rss>"
    )
    config = write_config(feed_source("board", f"{site.base_url}/mutable.xml"))
    mutable_feed.body = item.format(base=site.base_url, text="The car park is chaos.").encode()
    crawl(config, config.source)
    mutable_feed.body = item.format(
        base=site.base_url, text="The car park is chaos. EDIT: the head replied today."
    ).encode()
    report = crawl(config, config.source)

    assert report.runs[0].new_mentions == 0 and report.runs[0].updated_mentions == 1
    store = Store(config.store.path)
    assert store.query("SELECT version, text FROM mentions").rows == [
        (2, "The car park is chaos. EDIT: the head replied today.")
    ]
    assert store.query("SELECT version, text FROM mention_versions").rows == [
        (1, "The car park is chaos.")
    ]


def config_path(config: Config):
    return config.store.path.parent / "schoolwatch.toml"
