"""Crawl runs (one row per source per crawl) and the scheduler's runs (one per job and slot)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    pass

from crawler.ground.items import SourceRun
from crawler.ground.vocab import FAILED_RUN_STATUSES, JobStatus, RunStatus
from crawler.store.base import QueryResult, StoreBase, draw_ids, now

# A run that failed, or was interrupted after errors (what was a partial run before it stopped).
_FAILED = "(status IN (SELECT unnest(?::VARCHAR[])) OR (status = ? AND errors > 0))"
_FAILED_PARAMS = [list(FAILED_RUN_STATUSES), RunStatus.INTERRUPTED]


def write_runs(con: duckdb.DuckDBPyConnection, runs: Sequence[SourceRun]) -> None:
    """One crawl_runs row per source run, inside the crawl's write transaction. A plain
    parameterised INSERT, not Arrow: one row per source is few, and a crawl that brings nothing
    new (all 304) then writes without loading pyarrow at all."""
    if not runs:
        return
    ids = draw_ids(con, "crawl_runs_id", len(runs))
    stamp = now()
    con.executemany(
        "INSERT INTO crawl_runs (id, source, started_at, finished_at, status, pages_fetched, "
        "items_seen, new_mentions, updated_mentions, errors, last_error, warnings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [run_id, run.source, run.started_at, run.finished_at or stamp, str(run.status),
             run.pages_fetched, run.items_seen, run.new_mentions, run.updated_mentions,
             len(run.errors), run.last_error, "; ".join(run.warnings) or None]
            for run_id, run in zip(ids, runs, strict=True)
        ],
    )


def record_ingested_jobs(con: duckdb.DuckDBPyConnection, jobs: Sequence[tuple[str, str]]) -> bool:
    """Records queue jobs' results (job id, sources) as written, in their write transaction;
    False, recording none, when any of them was written before (a redelivered job)."""
    ids = [job_id for job_id, _ in jobs]
    if con.execute(
        "SELECT 1 FROM ingested_jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
    ).fetchall():
        return False
    stamp = now()
    con.executemany(
        "INSERT INTO ingested_jobs (job_id, source, ingested_at) VALUES (?, ?, ?)",
        [[job_id, source, stamp] for job_id, source in jobs],
    )
    return True


class RunStore(StoreBase):
    def ingested_jobs(self, job_ids: Sequence[str]) -> set[str]:
        """Which of these queue jobs the ingest has written."""
        if not job_ids:
            return set()
        result = self.query(
            "SELECT job_id FROM ingested_jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(job_ids)],
        )
        return {row[0] for row in result.rows}

    def source_overview(
        self, sources: Sequence[str] | None = None, schools: Sequence[str] | None = None
    ) -> QueryResult:
        """Per source: the latest run, its status, the last error seen, and mentions found.
        `sources` limits the rows to those sources and `schools` the mentions counted to those
        schools (a lead's view); None for either means all."""
        return self.query(
            """
            WITH latest AS (
                SELECT * FROM crawl_runs
                WHERE $sources::VARCHAR[] IS NULL OR list_contains($sources, source)
                QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC) = 1
            ), last_failure AS (
                SELECT source, arg_max(last_error, started_at) AS last_error,
                       max(started_at) AS failed_at
                FROM crawl_runs WHERE last_error IS NOT NULL GROUP BY source
            ), found AS (
                SELECT source, count(*) AS mentions FROM mention_records
                WHERE $schools::VARCHAR[] IS NULL OR list_contains($schools, school_id)
                GROUP BY source
            )
            SELECT l.source, l.started_at AS last_run, l.status, l.pages_fetched,
                   l.new_mentions, coalesce(l.last_error, f.last_error) AS last_error,
                   f.failed_at, coalesce(m.mentions, 0) AS mentions
            FROM latest l
            LEFT JOIN last_failure f ON f.source = l.source
            LEFT JOIN found m ON m.source = l.source
            ORDER BY l.source
            """,
            {"sources": None if sources is None else list(sources),
             "schools": None if schools is None else list(schools)},
        )

    def source_runs(
        self, sources: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, dict[str, Any]]:
        """Per source, its runs that started from start to end: how many, how many failed
        (or were partial), the last run, its status and the last error seen."""
        return {
            row["source"]: row
            for row in self.query(
                "SELECT source, count(*) AS runs, "
                f"count(*) FILTER (WHERE {_FAILED}) AS failed_runs, "
                "max(started_at) AS last_run, arg_max(status, started_at) AS last_status, "
                f"arg_max({_FAILED}, started_at) AS last_failed, "
                "arg_max(last_error, started_at) FILTER (WHERE last_error IS NOT NULL) "
                "AS last_error "
                "FROM crawl_runs WHERE started_at >= ? AND started_at < ? "
                "AND source IN (SELECT unnest(?::VARCHAR[])) GROUP BY source",
                [*_FAILED_PARAMS, *_FAILED_PARAMS, start, end, list(sources)],
            ).records()
        }

    def watched_since(self, sources: Sequence[str]) -> dict[str, datetime]:
        """Per source, when it first ran without failing: since when it has been watched."""
        return {
            row[0]: row[1]
            for row in self.query(
                f"SELECT source, min(started_at) FROM crawl_runs WHERE NOT {_FAILED} "
                "AND source IN (SELECT unnest(?::VARCHAR[])) GROUP BY source",
                [*_FAILED_PARAMS, list(sources)],
            ).rows
        }

    def source_health(self, sources: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per source that has run: its latest run's start and whether it failed, the start of
        its last good run (neither failed nor stopped early) and, while it is failing, the start
        of the first failed run since then (when the silence began)."""
        return {
            row["source"]: row
            for row in self.query(
                "WITH runs AS (SELECT source, started_at, status, "
                f"{_FAILED} AS failed FROM crawl_runs "
                "WHERE source IN (SELECT unnest(?::VARCHAR[]))), "
                "good AS (SELECT source, max(started_at) AS last_good FROM runs "
                "WHERE NOT failed AND status <> ? GROUP BY source) "
                "SELECT r.source, max(r.started_at) AS last_run, "
                "arg_max(r.failed, r.started_at) AS last_failed, any_value(g.last_good) "
                "AS last_good, min(r.started_at) FILTER (WHERE r.failed AND "
                "(g.last_good IS NULL OR r.started_at > g.last_good)) AS failing_since "
                "FROM runs r LEFT JOIN good g ON g.source = r.source GROUP BY r.source",
                [*_FAILED_PARAMS, list(sources), RunStatus.INTERRUPTED],
            ).records()
        }

    def last_completed_crawls(self) -> dict[str, datetime]:
        """Per source, when its last crawl that neither failed nor was stopped early started."""
        return {
            row[0]: row[1]
            for row in self.query(
                "SELECT source, max(started_at) FROM crawl_runs "
                "WHERE status NOT IN (?, ?) GROUP BY source",
                [RunStatus.FAILED, RunStatus.INTERRUPTED],
            ).rows
        }

    # ---- the scheduler's own runs -----------------------------------------------------------

    def slot_done(self, job: str, slot: datetime) -> bool:
        return bool(
            self.query(
                "SELECT 1 FROM schedule_runs WHERE job = ? AND slot = ? AND status IN (?, ?)",
                [job, slot, JobStatus.OK, JobStatus.SKIPPED],
            ).rows
        )

    def last_job_runs(self) -> dict[str, datetime]:
        """Per job, when it last started a run that ended well."""
        return {
            row[0]: row[1]
            for row in self.query(
                "SELECT job, max(started_at) FROM schedule_runs WHERE status = ? GROUP BY job",
                [JobStatus.OK],
            ).rows
        }

    def record_schedule_run(
        self,
        job: str,
        slot: datetime,
        started_at: datetime,
        finished_at: datetime,
        status: JobStatus,
        detail: str | None,
    ) -> None:
        with self.writer() as con:
            con.execute(
                "INSERT INTO schedule_runs (job, slot, started_at, finished_at, status, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [job, slot, started_at, finished_at, str(status), detail],
            )
