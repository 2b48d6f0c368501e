"""The weekly digest: counts, sections, inline chart, safety of crawled text, once per week."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import Config, load_config
from crawler.ground.items import SourceRun
from crawler.store import Store
from digest.safety import excerpt, header_value, safe_url
from digest.weekly import build_digest
from digest.weeks import Week, WeekError
from schoolwatch.cli import cli
from tests.mail_helpers import Post, SmtpSink, make_config, parts, run, write_posts

WEEK = Week.parse("2026-W20")  # Mon 11 May to Sun 17 May 2026, British Summer Time
MONDAY = WEEK.start + timedelta(hours=9)
LEADS = ["orm@hollins-green.example.org", "head@hollins-green.example.org"]


def write_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "schoolwatch.toml"
    path.write_text(
        f"""
[store]
path = "data/schoolwatch.duckdb"

[email]
sender = "schoolwatch@school.example.org"
smtp_host = "127.0.0.1"
smtp_port = {port}
starttls = false
timeout = "5s"
outbox = "data/outbox"

[[school]]
id = "hollins-green"
name = "Hollins Green Primary"
aliases = ["HGPS"]
leads = {json.dumps(LEADS)}

[[source]]
name = "local-news"
kind = "feed"
url = "https://news.example.org/rss"

[[source]]
name = "mumsnet"
kind = "feed"
url = "https://forum.example.org/rss"
""",
        encoding="utf-8",
    )
    return path


def busy_week() -> list[Post]:
    return [
        Post(
            "Threat against staff at the gate",
            "Someone wrote: I'll be waiting at the gate for her on Friday. Ring 07700 900123.",
            MONDAY + timedelta(days=1), source="mumsnet", risk="high", sentiment="negative",
            categories=("named_pupil", "threat"),
            reasons={"threat": "waiting at the gate", "named_pupil": "Tom in Year 4"},
        ),
        Post(
            "Pick-up <script>alert('x')</script>\r\nBcc: victim@example.org",
            "The pick-up queue is dangerous and the one-way system is a joke.",
            MONDAY + timedelta(days=2), risk="medium", sentiment="negative",
            categories=("complaint",), reasons={"complaint": "one-way system is a joke"},
            url="javascript:alert(document.cookie)",
        ),
        Post("Pick-up chaos again", "Another morning of the pick-up queue. The one-way system "
             "has to go.", MONDAY + timedelta(days=2, hours=2), source="mumsnet", risk="low",
             sentiment="negative"),
        Post("Hospice fundraiser", "Children at Hollins Green Primary raised £2,000.",
             MONDAY + timedelta(days=3), risk="none", sentiment="positive"),
        Post("Lovely school", "Caring teachers at Hollins Green Primary.",
             MONDAY + timedelta(days=4), risk="none", sentiment="positive", rating=4.0,
             url="https://reviews.example.org/hollins-green/1"),
        # Last week, and further back for the 8-week average.
        Post("Sports day", "Hollins Green Primary sports day.", MONDAY - timedelta(days=3)),
        Post("Old news", "Hollins Green Primary in March.", MONDAY - timedelta(weeks=5)),
        Post("Older news", "Hollins Green Primary long ago.", MONDAY - timedelta(weeks=7)),
    ]


def busy_runs() -> list[SourceRun]:
    return [
        run("local-news", MONDAY),
        run("mumsnet", MONDAY + timedelta(days=1)),
        run("mumsnet", MONDAY + timedelta(days=2), "failed", "HTTP 503 from forum.example.org"),
    ]


def test_digest_arrives_with_text_html_inline_chart_and_counts(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = load_config(write_config(tmp_path, smtp_sink.port))
    write_posts(config, busy_week(), runs=busy_runs())
    preview = tmp_path / "preview.html"

    result = CliRunner().invoke(
        cli, ["digest", "--config", str(tmp_path / "schoolwatch.toml"), "--week", "2026-W20",
              "--send", "--preview", str(preview)],
    )

    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0, still queued 0" in result.output
    ((mail_from, rcpts, _),) = smtp_sink.received
    assert mail_from == "schoolwatch@school.example.org"
    assert rcpts == LEADS
    (message,) = smtp_sink.messages()
    # mumsnet failed once that week: the subject says so (issue 12 item 5).
    assert message["Subject"] == (
        "Hollins Green Primary: 5 mentions, 2 need action; 1 of 2 sources failed (w/c 11 May)"
    )
    assert message["Message-ID"] == "<digest.hollins-green.2026-W20@school.example.org>"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    (cid,) = body["images"]
    assert body["images"][cid].startswith(b"\x89PNG")
    assert f'src="cid:{cid.strip("<>")}"' in body["html"]
    assert "http" not in body["html"].split("<body", 1)[1].split("src=", 1)[1][:10]

    text = body["text"]
    assert "5 mentions, 2 need action." in text
    assert "Last week: 1; 8-week average: 0.4" in text  # 3 mentions in the 8 weeks before
    assert text.index("[HIGH RISK] Threat, Named pupil") < text.index("[MEDIUM RISK] Complaint")
    assert "What to do: Call the police" in text
    assert "complaints procedure" in text
    assert '"one-way system": 2 posts' in text
    assert "4/5  Lovely school" in text
    assert "mumsnet" in text and "1 FAILED (HTTP 503 from forum.example.org)" in text
    for html_or_text in (body["html"], text):
        assert "07700 900123" not in html_or_text
        assert "[phone removed]" in html_or_text
        assert "Tom in Year 4" not in html_or_text

    assert preview.read_text().count("data:image/png;base64,") == 1
    eml = tmp_path / "data" / "outbox" / "digest-hollins-green-2026-W20.eml"
    copy = message_from_bytes(eml.read_bytes(), policy=default)
    assert copy["Message-ID"] == message["Message-ID"]


def test_crawled_text_is_escaped_and_only_http_links_are_links(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config = load_config(write_config(tmp_path, smtp_sink.port))
    write_posts(config, busy_week(), runs=busy_runs())
    CliRunner().invoke(cli, ["digest", "--config", str(tmp_path / "schoolwatch.toml"),
                             "--week", "2026-W20", "--send"])
    (message,) = smtp_sink.messages()
    body = parts(message)
    html = body["html"]
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    shown_as_text = 'javascript:alert(document.cookie)</span> <span style="color:#6b7280;">'
    assert shown_as_text + "(not a web link)" in html
    assert "Bcc" not in message  # the CR/LF in the title forged no header
    assert "Pick-up <script>alert('x')</script> Bcc: [email removed]\r\n" in body["text"]
    assert 'href="https://reviews.example.org/hollins-green/1"' in html


def test_running_again_does_not_queue_or_send_the_week_twice(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    path = write_config(tmp_path, smtp_sink.port)
    write_posts(load_config(path), busy_week(), runs=busy_runs())
    runner = CliRunner()
    args = ["digest", "--config", str(path), "--week", "2026-W20", "--send"]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert again.exit_code == 0
    assert "already queued earlier" in again.output
    assert len(smtp_sink.received) == 1
    listing = runner.invoke(cli, ["outbox", "--config", str(path), "--format", "json"])
    assert '"status": "sent"' in listing.output and '"week": "2026-W20"' in listing.output


def test_a_week_without_mentions_still_sends_a_short_digest(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    path = write_config(tmp_path, smtp_sink.port)
    config = load_config(path)
    write_posts(config, [Post("Old", "Hollins Green Primary before.", MONDAY - timedelta(days=2))],
                runs=[run("local-news", MONDAY + timedelta(days=1))])
    result = CliRunner().invoke(cli, ["digest", "--config", str(path), "--week", "2026-W20",
                                      "--send"])
    assert result.exit_code == 0, result.output
    (message,) = smtp_sink.messages()
    # mumsnet never ran: not a quiet week but a half-checked one (issue 12 item 5).
    assert message["Subject"] == (
        "Hollins Green Primary: no mentions found, but 1 of 2 sources failed (w/c 11 May)"
    )
    body = parts(message)
    assert body["images"] == {}
    assert "No mentions found, but 1 of 2 sources did not run cleanly" in body["text"]
    assert "Last week: 1" in body["text"] and "quiet, not silence" not in body["text"]
    assert "local-news                 0 mentions, 1 runs: ok" in body["text"]
    assert "mumsnet                    0 mentions, 0 runs: DID NOT RUN" in body["text"]
    assert "did not run" in body["html"]


def test_unclassified_mentions_count_but_invent_no_risk(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_posts(config, [Post("Fair", "Hollins Green Primary fair.", MONDAY),
                         Post("Play", "Hollins Green Primary play.", MONDAY + timedelta(days=1))],
                runs=[run("local-news", MONDAY), run("mumsnet", MONDAY)])
    digest = build_digest(config, Store(config.store.path), config.school[0], WEEK)
    assert (digest.mentions, digest.need_action, digest.unclassified) == (2, 0, 2)
    assert digest.sentiment == {"positive": 0, "neutral": 0, "negative": 0, "unclassified": 2}
    from digest.compose import compose_digest

    composed = compose_digest(digest, "schoolwatch@localhost", ())
    assert composed.message.subject == (
        "Hollins Green Primary: 2 mentions, not yet classified (w/c 11 May)"
    )
    assert "2 of 2 not yet classified" in composed.text
    assert "Not yet classified, so no themes yet." in composed.text


def test_weeks_run_monday_to_sunday_in_london_time(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    # 23:30 UTC on Sunday 10 May is 00:30 BST on Monday 11 May: this week.
    # 23:30 UTC on Sunday 17 May is 00:30 BST on Monday 18 May: next week.
    write_posts(config, [
        Post("Early", "Hollins Green Primary early.", datetime(2026, 5, 10, 23, 30, tzinfo=UTC)),
        Post("Late", "Hollins Green Primary late.", datetime(2026, 5, 17, 23, 30, tzinfo=UTC)),
        Post("Undated", "Hollins Green Primary undated.", None),
    ])
    store = Store(config.store.path)
    this_week = build_digest(config, store, config.school[0], WEEK)
    assert [item.title for item in this_week.other_items] == ["Early"]
    undated_week = Week.containing(datetime.now(UTC))
    assert "Undated" in [
        i.title for i in build_digest(config, store, config.school[0], undated_week).other_items
    ]  # no published date: the week it was first seen


def test_week_parsing_and_the_default_previous_week() -> None:
    assert Week.parse("2026-W47").monday.isoformat() == "2026-11-16"
    assert Week.parse("2026w01").label == "2026-W01"
    with pytest.raises(WeekError):
        Week.parse("2026-W60")
    with pytest.raises(WeekError):
        Week.parse("last week")
    # Sunday 22 Nov 23:59 London is still week 47, so the previous full week is 46.
    assert Week.previous(datetime(2026, 11, 22, 23, 59, tzinfo=UTC)).label == "2026-W46"
    assert Week.previous(datetime(2026, 11, 23, 0, 1, tzinfo=UTC)).label == "2026-W47"


def test_bad_week_on_the_command_line_is_one_line_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, 2525)
    result = CliRunner().invoke(cli, ["digest", "--config", str(path), "--week", "2026-W99"])
    assert result.exit_code == 1
    assert "2026 has no week 99" in result.output


def test_header_values_and_links_are_neutralised() -> None:
    assert header_value("Hollins\r\nBcc: x@example.org") == "Hollins Bcc: x@example.org"
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,hi", "vbscript:x", "//example.org",
                "https://example.org/\r\nX: y", 'https://example.org/"onmouseover="x', None):
        assert safe_url(bad) is None
    assert excerpt("word " * 200, length=50).endswith("…")


def test_school_name_with_line_breaks_cannot_add_headers(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    config: Config = make_config(
        tmp_path,
        email={"sender": "schoolwatch@school.example.org", "smtp_host": "127.0.0.1",
               "smtp_port": smtp_sink.port, "starttls": False},
        schools=[{"id": "hg", "name": "Hollins\r\nBcc: victim@example.org", "leads": LEADS}],
    )
    from digest.mailer import deliver_pending
    from digest.weekly import queue_digests

    store = Store(config.store.path)
    queue_digests(config, store, WEEK)
    deliver_pending(config, store)
    (message,) = smtp_sink.messages()
    assert "Bcc" not in message
    assert message["Subject"] == (
        "Hollins Bcc: victim@example.org: not checked, every source failed (w/c 11 May)"
    )
