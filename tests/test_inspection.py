from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from crawler.ground.config import Config
from crawler.store import ClassificationRow, Store, write_classifications
from digest.report import build_report, render_report
from schoolwatch.cases import open_case, update_case
from schoolwatch.cli import cli
from tests.store_helpers import Post, unattended_config, write_posts

NOW = datetime.now(UTC)


def _ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


# (post, sentiment, risk, categories)
POSTS: list[tuple[Post, str, str, tuple[str, ...]]] = [
    (Post("http://forum.test/t/1", "Pick-up at Hollins Green Primary is chaos again, the gate "
          "queue on Mill Lane goes round the block and nobody from the office comes out.",
          "Gate queue chaos", published_at=_ago(20)), "negative", "low", ("complaint",)),
    (Post("http://forum.test/t/2", "Another morning stuck in the gate queue at Hollins Green "
          "Primary. My son Tom in Year 4 was soaked waiting.", "Still the gate queue",
          published_at=_ago(50)), "negative", "medium", ("complaint", "named_pupil")),
    (Post("http://forum.test/t/3", "The gate queue at Hollins Green Primary is a safety issue, "
          "cars mount the pavement every day.", "Safety at the gate", published_at=_ago(95)),
     "negative", "medium", ("complaint",)),
    (Post("http://forum.test/t/4", "A teacher at Hollins Green Primary grabbed a child by the "
          "arm, call 07700 900123 if you saw it.", "Allegation", published_at=_ago(10)),
     "negative", "high", ("allegation", "personal_data")),
    (Post("http://forum.test/t/5", "Lovely nativity at Hollins Green Primary, well done all.",
          "Nativity", published_at=_ago(5)), "positive", "none", ()),
    (Post("http://forum.test/t/6", "Hollins Green Primary open evening is on Thursday.",
          "Open evening", published_at=_ago(130)), "neutral", "none", ()),
    (Post("http://reviews.test/r/1", "Hollins Green Primary: caring staff, great reading.",
          "Review", source="reviews", source_kind="reviews", rating=5.0,
          published_at=_ago(200)), "positive", "none", ()),
    (Post("http://reviews.test/r/2", "Hollins Green Primary ignores emails about the gate queue.",
          "Review", source="reviews", source_kind="reviews", rating=2.0, published_at=_ago(15)),
     "negative", "low", ("complaint",)),
    (Post("http://en.wiki.test/w/index.php?diff=2&oldid=1", "Hollins Green Primary was rated "
          "Requires Improvement by Ofsted.", "Hollins Green Primary School",
          source="wikipedia", source_kind="wikipedia", published_at=_ago(40)),
     "neutral", "low", ("inspection",)),
    (Post("http://forum.test/old", "Hollins Green Primary was awful years ago, from an old "
          "thread before the period.", "Old", published_at=_ago(500)), "negative", "high", ()),
]


def rich_store(config: Config) -> dict[str, int]:
    """A school's year online: posts, reviews, a wiki edit, classified, one takedown case."""
    store = Store(config.store.path)
    ids = write_posts(store, [post for post, *_ in POSTS])
    write_classifications(store, [
        ClassificationRow(mention_id, sentiment, 0.9, risk, categories,
                          {name: "gate queue" for name in categories}, "test")
        for mention_id, (_, sentiment, risk, categories) in zip(ids, POSTS, strict=True)
    ])
    by_url = {post.url: mention_id for mention_id, (post, *_) in zip(ids, POSTS, strict=True)}
    case = open_case(store, by_url["http://forum.test/t/2"], "named pupil")
    update_case(store, case.id, "reported", "reported via the forum's form")
    closed = open_case(store, by_url["http://forum.test/t/3"])
    update_case(store, closed.id, "removed")
    return by_url


def test_the_report_covers_the_period_and_what_needs_doing(tmp_path: Path) -> None:
    config = unattended_config(tmp_path, source=[
        {"name": "forum", "kind": "forum", "url": "http://forum.test/"},
        {"name": "reviews", "kind": "reviews", "url": "http://reviews.test/"},
    ])
    rich_store(config)
    report = build_report(config, Store(config.store.path), config.school[0])

    assert report.since_reason == "the last 12 months"
    assert report.mentions == 9  # the 500-day-old thread is outside the period
    assert len(report.months) in (12, 13)
    assert sum(sum(counts.values()) for _, counts in report.months) == 9
    # Unresolved high/medium: the allegation and the reported (not yet removed) post; the
    # removed one is resolved.
    assert [(item.title, case.status if case else None) for item, case in report.action_items] \
        == [("Allegation", None), ("Still the gate queue", "reported")]
    assert report.themes[0].phrase == "gate queue" and report.themes[0].posts == 4
    assert report.review_count == 2 and report.rating_average == 3.5
    assert [edit.title for edit in report.wiki_edits] == ["Hollins Green Primary School"]
    assert [case.status for case in report.cases] == ["reported"]
    # No crawl ever ran: both sources show as failing, and the checklist says so.
    assert [s.name for s in report.failing_sources] == ["forum", "reviews"]
    checklist = " ".join(report.checklist)
    assert "1 unresolved high-risk" in checklist and "LADO" in checklist
    assert "1 open takedown request" in checklist and "“gate queue”" in checklist
    assert "Wikipedia" in checklist and "forum, reviews" in checklist

    html = render_report(report)
    # Self-contained: charts inline, no scripts, no external resources.
    assert len(re.findall(r'<img class="chart" src="data:image/png;base64,', html)) == 2
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'src="(?!data:)', html)
    assert "@media print" in html
    # Redacted excerpts: no pupil's name, no phone number.
    assert "Tom" not in html and "07700" not in html
    assert "[name removed]" in html and "[phone removed]" in html


def test_the_period_starts_at_the_last_inspection_or_since(tmp_path: Path) -> None:
    inspected = (NOW - timedelta(days=60)).date()
    config = unattended_config(tmp_path, school=[{
        "id": "hollins-green", "name": "Hollins Green Primary School",
        "aliases": ["Hollins Green Primary"], "last_inspection": inspected.isoformat()}])
    rich_store(config)
    store = Store(config.store.path)
    report = build_report(config, store, config.school[0])
    assert report.since == inspected and report.since_reason == "since the last inspection"
    assert report.mentions == 6
    since = build_report(config, store, config.school[0], since=date(2000, 1, 1))
    assert since.mentions == 10 and since.since_reason == "since 1 January 2000"


def test_an_empty_period_still_renders(tmp_path: Path) -> None:
    config = unattended_config(tmp_path)
    report = build_report(config, Store(config.store.path), config.school[0])
    html = render_report(report)
    assert report.mentions == 0 and report.sentiment_chart is None
    assert "No mentions in this period" in html and "Nothing needs action" in html


def test_check_command_writes_the_report(tmp_path: Path) -> None:
    config = unattended_config(tmp_path)
    rich_store(config)
    config_path = tmp_path / "schoolwatch.toml"
    config_path.write_text(
        f'[store]\npath = "{config.store.path}"\n[[school]]\nid = "hollins-green"\n'
        'name = "Hollins Green Primary School"\n', encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["check", "--config", str(config_path), "--school",
                                      "hollins-green", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "9 mention(s) the last 12 months" in result.output
    assert "Hollins Green Primary School" in out.read_text(encoding="utf-8")
    unknown = CliRunner().invoke(cli, ["check", "--config", str(config_path), "--school", "x"])
    assert unknown.exit_code == 1 and "no school with id 'x'" in unknown.output
    future = CliRunner().invoke(cli, ["check", "--config", str(config_path), "--school",
                                      "hollins-green", "--since", "2999-01-01"])
    assert future.exit_code == 1 and "is in the future" in future.output
    assert CliRunner().invoke(cli, ["check", "--help"]).exit_code == 0
