"""The scheduler's jobs, each also callable on its own: crawl, digest, case re-check, retention.

Every job records what it did in `schedule_runs` (one short write at the end), which is how a
restarted scheduler knows what is due and which digest it already sent.

After each crawl, `after_crawl` queues and sends the alerts; `send_digest` queues and sends the
week's digests. The classifier and the digest are imported when a job runs (torch and
matplotlib take a second or more), not when the CLI starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from crawler.engine.runner import CrawlReport, ProgressCallback, select_sources
from crawler.ground import vocab
from crawler.ground.config import Config, ScheduleSettings
from crawler.ground.vocab import JobStatus
from crawler.store import PurgeResult, Store
from schoolwatch.crawling import crawl
from schoolwatch.evidence import screen_prints_at_first_sighting

if TYPE_CHECKING:
    from classifiers.stored import ClassifyOutcome
    from digest.channels import ChannelReport
    from digest.mailer import DeliveryReport
    from schoolwatch.cases import CheckResult

log = logging.getLogger("schoolwatch.jobs")
# The commands print what failed themselves; without this, Python's last-resort handler would
# print each logged delivery error a second time. `run` configures real handlers on the root.
log.addHandler(logging.NullHandler())

DIGEST = "digest"
RECHECK = "recheck"
RETENTION = "retention"
DELIVER = "deliver"


def crawl_job_name(source: str) -> str:
    return f"crawl:{source}"


@dataclass(frozen=True)
class JobRun:
    job: str
    slot: datetime
    started_at: datetime
    finished_at: datetime
    status: JobStatus
    detail: str | None


# ---- integration points ----------------------------------------------------------------------


@dataclass(frozen=True)
class AfterCrawl:
    """What followed a crawl: mentions tagged, alerts queued, messages delivered."""

    classified: ClassifyOutcome
    alerts_queued: int
    delivery: DeliveryReport
    channels: ChannelReport | None = None  # chat and webhook deliveries, when any are set up
    screen_prints: int = 0  # high-risk pages captured at first sighting


def after_crawl(config: Config, report: CrawlReport) -> AfterCrawl:
    """Runs after every crawl (the `crawl` command's and the scheduler's), before any other job.

    When some mention has never been classified, loads the model (once per process) and tags
    every mention not yet classified by it; when none has, the model is not loaded at all (a
    crawl that found nothing new costs no model load; after a model change, `classify
    --pending` re-tags the older mentions). Then queues an alert per school for new high-risk
    mentions and sends everything queued (alerts, and any digest an earlier SMTP failure left
    behind).
    """
    # lazy: the classifier and the digest load only when their job runs
    from classifiers.stored import ClassifyOutcome, classify_stored
    from digest.alerts import queue_alerts
    from digest.mailer import deliver_pending

    store = Store(config.store.path)
    written = [*report.new_mention_ids, *report.updated_mention_ids]
    if written:
        classified = classify_stored(config, store, ids=written, never_classified=True)
    else:
        classified = ClassifyOutcome(classified=0, by_risk={}, model_version="")
    if classified.classified:
        log.info("classified %d mention(s): %s", classified.classified, classified.risk_summary)
    queued = queue_alerts(config, store)
    delivery = deliver_pending(config, store)
    if queued.queued:
        log.info("queued %d alert(s)%s", len(queued.queued),
                 ": not sent, no SMTP server is configured (they wait in the outbox)"
                 if delivery.outbox_only else "")
    _log_delivery(delivery)
    channels = _channels_after_crawl(config, store)
    # After the alerts have gone: a browser takes seconds per page, an alert must not wait.
    prints = screen_prints_at_first_sighting(config, store)
    return AfterCrawl(classified, len(queued.queued), delivery, channels,
                      screen_prints=len([p for p in prints if p.error is None]))


def _channels_after_crawl(config: Config, store: Store) -> ChannelReport | None:
    """Alerts for each [[channel]] by its own rules, and everything due that is queued."""
    if not config.channel:
        return None
    # lazy: the classifier and the digest load only when their job runs
    from digest.channels import deliver_channels, queue_channel_alerts

    queued = queue_channel_alerts(config, store)
    if queued:
        log.info("queued %d channel alert(s)", len(queued))
    report = deliver_channels(config, store)
    _log_channels(report)
    return report


def _log_channels(report: ChannelReport) -> None:
    if report.sent:
        log.info("delivered %d channel message(s)", len(report.sent))
    for delivery_id, error in report.failed.items():
        log.error("could not deliver %s: %s (it stays queued)", delivery_id, error)


@dataclass(frozen=True)
class CatchUp:
    """What a command that writes found left over and finished first."""

    spooled_crawls: int = 0
    classified: int = 0


def catch_up(config: Config) -> CatchUp:
    """Before any command that writes: crawls a busy store kept in the spool are written, and
    mentions a stopped crawl left unclassified are classified (so their alerts can go)."""
    store = Store(config.store.path)
    if not store.path.exists():
        return CatchUp()
    written = store.write_spooled().earlier if store.spooled() else 0
    if written:
        log.info("wrote %d crawl(s) kept in the spool while the store was busy", written)
    classified = 0
    if store.has_unclassified():
        # lazy: the classifier and the digest load only when their job runs
        from classifiers.stored import classify_stored

        classified = classify_stored(config, store, never_classified=True).classified
        log.info("classified %d mention(s) left unclassified", classified)
    return CatchUp(written, classified)


def send_digest(config: Config, slot: datetime) -> str:
    """Queues each school's digest of the week before `slot` and sends what is queued.

    The outbox keeps one digest per (school, ISO week), so a second call for a slot queues
    nothing; a digest that SMTP refused stays queued and goes with the next delivery.
    """
    # lazy: the classifier and the digest load only when their job runs
    from digest.mailer import deliver_pending
    from digest.weekly import queue_digests
    from digest.weeks import Week

    store = Store(config.store.path)
    week = Week.previous(slot)
    outcomes = queue_digests(config, store, week)
    queued = [o.school_id for o in outcomes if o.queued]
    delivery = deliver_pending(config, store)
    _log_delivery(delivery)
    if config.channel:
        # lazy: the classifier and the digest load only when their job runs
        from digest.channels import deliver_channels, queue_channel_digests

        queue_channel_digests(config, store, [o.digest for o in outcomes],
                              {o.school_id: o.composed.message.subject for o in outcomes})
        _log_channels(deliver_channels(config, store))
    detail = f"week {week}: queued {len(queued)} of {len(outcomes)} school(s)"
    if delivery.outbox_only:
        return detail + ", left in the outbox (no SMTP server configured)"
    return detail + f", sent {len(delivery.sent)} message(s), {len(delivery.failed)} failed"


def _log_delivery(delivery: DeliveryReport) -> None:
    if delivery.sent:
        log.info("sent %d message(s)", len(delivery.sent))
    for message_id, error in delivery.failed.items():
        log.error("could not send %s: %s (it stays queued)", message_id, error)


# ---- jobs ------------------------------------------------------------------------------------


def crawl_job(
    config: Config, source_names: list[str], on_progress: ProgressCallback | None = None
) -> CrawlReport:
    """Crawls the sources in a child process with the [schedule] crawl_timeout, then
    `after_crawl`."""
    started = vocab.now()
    sources = select_sources(config, source_names)
    name = crawl_job_name(",".join(source_names))
    try:
        report = crawl(config, sources, on_progress=on_progress,
                       timeout=config.schedule.crawl_timeout.total_seconds())
    except Exception as exc:
        _record(config, name, started, started, JobStatus.FAILED, str(exc))
        raise
    for run in report.runs:
        problem = run.last_error or "; ".join(run.warnings)
        log.info(
            "crawl %s: %s, %d page(s), %d new, %d updated%s",
            run.source, run.status, run.pages_fetched, run.new_mentions, run.updated_mentions,
            f" ({problem})" if problem else "",
        )
    after_crawl(config, report)
    failed = [run.source for run in report.failed]
    _record(config, name, started, started, JobStatus.FAILED if failed else JobStatus.OK,
            f"{report.new_mentions} new" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return report


def digest_job(config: Config, now: datetime | None = None) -> JobRun | None:
    """Sends the digest of the latest slot (e.g. Monday 07:00) once, if it is not too late.

    Safe to call any number of times: a slot already done is skipped, so the start-up catch-up
    and the weekly trigger never double up.
    """
    now = now or vocab.now()
    slot = last_digest_slot(config.schedule, now)
    store = Store(config.store.path)
    if slot_done(store, DIGEST, slot):
        log.info("digest for %s already sent", f"{slot:%a %d %b %H:%M %Z}")
        return None
    late = now - slot
    if late > config.schedule.misfire_grace:
        log.warning(
            "digest for %s missed by %s, more than misfire_grace: skipped",
            f"{slot:%a %d %b %H:%M %Z}", _words(late),
        )
        return _record(config, DIGEST, slot, now, JobStatus.SKIPPED, f"missed by {_words(late)}")
    detail = send_digest(config, slot)
    log.info("digest for %s: %s", f"{slot:%a %d %b %H:%M %Z}", detail)
    return _record(config, DIGEST, slot, now, JobStatus.OK, detail)


def recheck_cases_job(config: Config) -> list[CheckResult]:
    # lazy: the classifier and the digest load only when their job runs
    from schoolwatch.cases import recheck_cases  # scrapy: only when cases are re-checked

    started = vocab.now()
    results = recheck_cases(config)
    removed = sum(result.outcome == "removed" for result in results)
    log.info("re-checked %d case(s): %d removed", len(results), removed)
    _record(config, RECHECK, started, started, JobStatus.OK,
            f"{len(results)} checked, {removed} removed")
    return results


def deliver_job(config: Config) -> None:
    """Channel messages that are due: held by quiet hours until now, or refused last time.
    Not recorded in schedule_runs (it runs every few minutes); each delivery is in the store."""
    # lazy: the classifier and the digest load only when their job runs
    from digest.channels import deliver_channels

    _log_channels(deliver_channels(config, Store(config.store.path)))


def retention_job(config: Config) -> PurgeResult | None:
    if config.store.keep_days is None:
        return None
    started = vocab.now()
    result = Store(config.store.path).purge(config.store.keep_days)
    log.info("retention (keep_days = %d): %d mention(s) deleted, %d kept for open cases",
             config.store.keep_days, result.mentions, result.kept_for_cases)
    _record(config, RETENTION, started, started, JobStatus.OK,
            f"{result.mentions} mention(s) and {result.raw_responses} raw response(s) deleted")
    return result


# ---- schedule state ------------------------------------------------------------------------


def last_digest_slot(settings: ScheduleSettings, now: datetime) -> datetime:
    """The latest digest time at or before `now` (e.g. last Monday 07:00 Europe/London)."""
    trigger = digest_trigger(settings)
    zone = ZoneInfo(settings.timezone)
    slot = None
    moment = trigger.get_next_fire_time(None, now - timedelta(days=8))
    while moment is not None and moment <= now:
        slot = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    assert slot is not None  # a weekly trigger fires within any 8 days
    return slot.astimezone(zone)


def digest_trigger(settings: ScheduleSettings) -> CronTrigger:
    return CronTrigger(
        day_of_week=settings.digest_day,
        hour=settings.digest_time.hour,
        minute=settings.digest_time.minute,
        timezone=ZoneInfo(settings.timezone),
    )


def slot_done(store: Store, job: str, slot: datetime) -> bool:
    return store.slot_done(job, slot)


def last_runs(store: Store) -> dict[str, datetime]:
    """When each job last ran to the end: crawls from crawl_runs, the rest from schedule_runs.

    A crawl that failed or was stopped by a shutdown does not count, so a restart retries it.
    """
    runs = {
        crawl_job_name(source): started
        for source, started in store.last_completed_crawls().items()
    }
    for job, started in store.last_job_runs().items():
        runs.setdefault(job, started)
    return runs


def _record(
    config: Config,
    job: str,
    slot: datetime,
    started: datetime,
    status: JobStatus,
    detail: str | None,
) -> JobRun:
    run = JobRun(job, slot, started, vocab.now(), status, detail)
    Store(config.store.path).record_schedule_run(
        run.job, run.slot, run.started_at, run.finished_at, run.status, run.detail
    )
    return run


def _words(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
