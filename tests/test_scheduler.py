from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from crawler.engine.runner import CrawlReport
from crawler.ground.config import Config, ScheduleSettings
from crawler.ground.errors import ConfigError
from crawler.store import Store
from digest.weeks import Week
from schoolwatch import jobs
from schoolwatch.cli import cli
from schoolwatch.demo import sites_folder
from schoolwatch.demo.server import FixtureServer
from schoolwatch.scheduler import Scheduler, plan, scheduler_lock
from tests.store_helpers import unattended_config

LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[1]


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _count(store: Store, sql: str, params: list[object] | None = None) -> int:
    return store.query(sql, params).rows[0][0]


class SchedulerThread:
    """A Scheduler running in a thread (no signal handlers), as `schoolwatch run` runs it.

    While it runs the test reads nothing from the store: DuckDB refuses a second connection
    with another configuration in the same process. It watches the jobs' hooks and logs instead.
    """

    def __init__(self, config: Config) -> None:
        self.scheduler = Scheduler(config)
        self.thread = threading.Thread(
            target=self.scheduler.run, kwargs={"install_signal_handlers": False}
        )
        self.thread.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.thread.join(60)
        assert not self.thread.is_alive()


@pytest.fixture
def scheduler_thread() -> Iterator[Callable[[Config], SchedulerThread]]:
    started: list[SchedulerThread] = []

    def start(config: Config) -> SchedulerThread:
        Store(config.store.path).migrate()
        started.append(SchedulerThread(config))
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (datetime(2026, 11, 23, 6, 59, tzinfo=LONDON), datetime(2026, 11, 16, 7, 0, tzinfo=LONDON)),
        (datetime(2026, 11, 23, 7, 0, tzinfo=LONDON), datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)),
        (datetime(2026, 11, 28, 23, 0, tzinfo=UTC), datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)),
        # British Summer Time: 07:00 in London is 06:00 UTC.
        (datetime(2026, 6, 1, 6, 30, tzinfo=UTC), datetime(2026, 6, 1, 6, 0, tzinfo=UTC)),
    ],
)
def test_the_digest_slot_is_the_latest_monday_0700_in_london(
    now: datetime, slot: datetime
) -> None:
    assert jobs.last_digest_slot(ScheduleSettings(), now) == slot


def test_sources_are_crawled_on_their_interval_each_crawl_followed_by_its_after_crawl_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    scheduler_thread: Callable[..., SchedulerThread],
) -> None:
    events: list[tuple[str, frozenset[str], datetime]] = []
    real_crawl = jobs.crawl

    def recording_crawl(config: Config, sources: list, **kwargs: object) -> CrawlReport:
        events.append(("crawl", frozenset(s.name for s in sources), datetime.now(UTC)))
        return real_crawl(config, sources, **kwargs)

    def after_crawl(config: Config, report: CrawlReport) -> None:
        events.append(("after_crawl", frozenset(r.source for r in report.runs),
                       datetime.now(UTC)))

    def crawls_of(source: str) -> int:
        return sum(kind == "after_crawl" and source in names for kind, names, _ in events)

    monkeypatch.setattr(jobs, "crawl", recording_crawl)
    monkeypatch.setattr(jobs, "after_crawl", after_crawl)
    with FixtureServer(sites_folder()) as server:
        config = unattended_config(
            tmp_path,
            source=[
                {"name": "news", "kind": "feed", "url": f"{server.base_url}/news/rss.xml",
                 "every": "1s"},
                {"name": "alerts", "kind": "feed", "url": f"{server.base_url}/alerts/feed.atom",
                 "every": "2s"},
                {"name": "reddit", "kind": "feed", "url": f"{server.base_url}/reddit/search.rss",
                 "every": "1h"},
            ],
            schedule={"recheck_every": "1s"},
        )
        store = Store(config.store.path)
        running = scheduler_thread(config)
        _wait_for(lambda: crawls_of("news") >= 2 and crawls_of("alerts") >= 2,
                  60, "a second crawl of each source")
        running.stop()

    # On start every source was due: all three were crawled together, in one crawl.
    assert events[0][:2] == ("crawl", frozenset({"news", "alerts", "reddit"}))
    assert crawls_of("reddit") == 1
    # Each crawl's after_crawl step ran straight after it, before anything else.
    kinds = [kind for kind, _, _ in events]
    assert kinds[:2] == ["crawl", "after_crawl"]
    for index, (kind, sources, _) in enumerate(events):
        if kind == "crawl" and index + 1 < len(events):
            assert events[index + 1][:2] == ("after_crawl", sources)
    # Jobs never overlap: each started after the previous one finished.
    runs = store.query("SELECT started_at, finished_at FROM schedule_runs ORDER BY started_at").rows
    assert len(runs) >= 5
    for (_, finished), (started, _) in itertools.pairwise(runs):
        assert started >= finished
    # The first crawls found the demo mentions; the later ones were answered 304.
    statuses = dict(store.query(
        "SELECT source, list(status ORDER BY started_at) FROM crawl_runs GROUP BY source"
    ).rows)
    for source in ("news", "alerts"):
        assert statuses[source][0] == "ok" and "not_modified" in statuses[source][1:]
    assert _count(store, "SELECT count(*) FROM mention_records") > 0
    assert _count(store, "SELECT count(*) FROM schedule_runs WHERE job = 'recheck'") >= 1


def _digest_config(tmp_path: Path, now: datetime) -> tuple[Config, datetime]:
    """A digest slot two minutes ago, and a config that sends it (an hour's misfire grace)."""
    slot = (now - timedelta(minutes=2)).astimezone(LONDON).replace(second=0, microsecond=0)
    config = unattended_config(tmp_path, schedule={
        "digest_day": slot.strftime("%a").lower(), "digest_time": slot.strftime("%H:%M"),
        "misfire_grace": "1h", "recheck_every": "1h",
    })
    return config, slot


def test_a_downtime_across_the_digest_time_yields_exactly_one_digest(
    tmp_path: Path, scheduler_thread: Callable[..., SchedulerThread],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="schoolwatch")
    config, slot = _digest_config(tmp_path, datetime.now(UTC))
    store = Store(config.store.path)
    # The scheduler last ran before the slot (last week's digest went) and was then off.
    with store.writer() as con:
        con.execute("INSERT INTO schedule_runs VALUES ('digest', ?, ?, ?, 'ok', 'sent')",
                    [slot - timedelta(days=7)] * 3)

    running = scheduler_thread(config)
    _wait_for(lambda: "queued 1 of 1 school(s)" in caplog.text, 60, "the missed digest")
    running.stop()

    # Started again (a second restart): the digest is not sent twice.
    caplog.clear()
    running = scheduler_thread(config)
    _wait_for(lambda: "already sent" in caplog.text, 30, "the catch-up check")
    running.stop()
    assert store.query("SELECT school_id, week FROM email_messages WHERE kind = 'digest'"
                       ).rows == [("hollins-green", str(Week.previous(slot)))]
    assert store.query("SELECT slot, status FROM schedule_runs WHERE job = 'digest' "
                       "ORDER BY slot").rows == [(slot - timedelta(days=7), "ok"), (slot, "ok")]
    assert (tmp_path / "outbox").is_dir()  # no SMTP server configured: it waits there


def test_a_digest_missed_by_more_than_the_grace_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[datetime] = []
    monkeypatch.setattr(jobs, "send_digest", lambda config, slot: sent.append(slot) or "sent")
    now = datetime.now(UTC)
    config, _ = _digest_config(tmp_path, now)
    late = config.model_copy(update={"schedule": config.schedule.model_copy(
        update={"misfire_grace": timedelta(seconds=30)})})
    run = jobs.digest_job(late, now)
    assert run is not None and run.status == "skipped" and sent == []
    assert jobs.digest_job(config, now) is None  # the slot is settled: never sent late


def test_a_second_scheduler_on_the_same_store_refuses(tmp_path: Path) -> None:
    config_path = tmp_path / "schoolwatch.toml"
    config_path.write_text('[store]\npath = "store.duckdb"\n[[school]]\nid = "hollins-green"\n'
                           'name = "Hollins Green Primary School"\n', encoding="utf-8")
    with scheduler_lock(tmp_path / "store.duckdb"):
        result = CliRunner().invoke(cli, ["run", "--config", str(config_path)])
    assert result.exit_code == 1
    assert (f"another `schoolwatch run` (PID {os.getpid()}) is using "
            f"{tmp_path / 'store.duckdb'}") in result.output.replace("\n", "")
    with scheduler_lock(tmp_path / "store.duckdb"):  # released: a later run may start
        pass
    assert CliRunner().invoke(cli, ["run", "--help"]).exit_code == 0


def test_sigterm_during_a_crawl_stops_cleanly_and_the_next_run_completes(tmp_path: Path) -> None:
    feed = (sites_folder() / "news" / "rss.xml").read_text(encoding="utf-8")
    release = threading.Event()

    def slow_feed(handler) -> None:
        from schoolwatch.demo.server import render_template, send

        release.wait(20)
        body = render_template(feed, "http://127.0.0.1").encode()
        send(handler, 200, body, "application/rss+xml")

    with FixtureServer(routes={"/slow.xml": slow_feed}) as server:
        config_path = tmp_path / "schoolwatch.toml"
        config_path.write_text(
            '[store]\npath = "store.duckdb"\n[crawl]\ndelay = "0s"\nobey_robots = false\n'
            'allow_private = true\n'
            'retries = 0\ntimeout = "3s"\n[schedule]\nstop_timeout = "20s"\n'
            '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
            'aliases = ["Hollins Green Primary"]\n'
            f'[[source]]\nname = "news"\nkind = "feed"\nurl = "{server.base_url}/slow.xml"\n'
            'every = "1h"\n', encoding="utf-8")
        store = Store(tmp_path / "store.duckdb")

        def start() -> subprocess.Popen[str]:
            return subprocess.Popen(
                [sys.executable, "-m", "schoolwatch.cli", "run", "--config", str(config_path)],
                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )

        process = start()
        _wait_for(lambda: server.hits.get("/slow.xml", 0) > 0, 30, "the crawl to start")
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert "SIGTERM received" in output and "scheduler stopped" in output
        # Scrapy's graceful stop lets the request in flight end (here: its 3 s timeout), then
        # the crawl writes its run record, whole, in one transaction.
        assert "the running job did not finish" not in output
        runs = store.query("SELECT status, warnings FROM crawl_runs").rows
        assert len(runs) == 1 and "stopped early (shutdown)" in runs[0][1], runs
        assert _count(store, "SELECT count(*) FROM mention_records m LEFT JOIN raw_responses r "
                             "ON r.sha256 = m.raw_sha256 WHERE r.sha256 IS NULL") == 0

        release.set()
        # A clean stop leaves no lock file behind (issue 12 item 16).
        assert not store.path.with_name("store.duckdb.scheduler.lock").exists()
        process = start()
        _wait_for(lambda: _count(store, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")
                  == 1, 60, "the next crawl")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert _count(store, "SELECT count(*) FROM mention_records") >= 2


def test_on_start_each_job_is_due_at_its_last_complete_run_plus_its_interval(
    tmp_path: Path,
) -> None:
    config = unattended_config(tmp_path, source=[
        {"name": name, "kind": "feed", "url": "http://127.0.0.1:9/feed", "every": "1h"}
        for name in ("fine", "failed", "stopped", "new")
    ], store={"path": "store.duckdb", "keep_days": 30})
    now = datetime.now(UTC)
    earlier = now - timedelta(minutes=20)
    with Store(config.store.path).writer() as con:
        for run_id, (source, status, warnings) in enumerate([
            ("fine", "ok", None), ("failed", "failed", None),
            ("stopped", "interrupted", "stopped early (shutdown)"),
        ]):
            con.execute("INSERT INTO crawl_runs VALUES (?, ?, ?, ?, ?, 1, 1, 0, 0, 0, NULL, ?)",
                        [run_id, source, earlier, earlier, status, warnings])
        con.execute("INSERT INTO schedule_runs VALUES ('recheck', ?, ?, ?, 'ok', NULL)",
                    [earlier] * 3)
    due = {job.id: job.first_run for job in plan(config, now)}
    assert due == {
        "crawl:fine": earlier + timedelta(hours=1), "crawl:failed": now, "crawl:stopped": now,
        "crawl:new": now, "recheck": earlier + timedelta(days=1), "retention": now,
        "digest": now,
    }


@pytest.mark.parametrize(
    ("schedule", "key", "problem"),
    [
        ({"digest_day": "funday"}, "schedule.digest_day", "expected one of: mon, tue"),
        ({"timezone": "Europe/Ashcombe"}, "schedule.timezone", "not a known time zone"),
        ({"misfire_grace": "soon"}, "schedule.misfire_grace", "not a duration"),
        ({"digest_time": "25:00"}, "schedule.digest_time", ""),
    ],
)
def test_schedule_settings_are_validated(
    tmp_path: Path, schedule: dict[str, str], key: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as error:
        unattended_config(tmp_path, schedule=schedule)
    assert error.value.key == key and problem in error.value.problem
