"""Mentions and everything written with them: versions, sightings, raw evidence, HTTP
validators, the spiders' state, the schools and sources. The crawl's one write path.

Uniqueness of (school_id, url) is kept here (the only writer), not by an index: indexes slow
DuckDB bulk inserts and turn updates into delete+insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

from crawler.ground.columns import arrow_timestamp
from crawler.ground.items import CrawlResult, MentionBatch
from crawler.store.base import LOCK_WAIT_WRITE, StoreBase, insert_arrow, now
from crawler.store.dedupe import (
    draw_mention_ids,
    drop_plan,
    keep_versions,
    plan_mentions,
    planned,
    write_evidence,
    write_sightings,
)
from crawler.store.evidence import write_state, write_validators
from crawler.store.runs import record_ingested_jobs, write_runs
from crawler.store.series import write_series


@dataclass
class WriteResult:
    """What one write transaction did, per source."""

    new: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    sightings: dict[str, int] = field(default_factory=dict)
    new_mention_ids: list[int] = field(default_factory=list)
    updated_mention_ids: list[int] = field(default_factory=list)
    already_written: bool = False  # a queue job delivered twice: its result was written before


class MentionStore(StoreBase):
    """Reading what the spiders need before a crawl, and writing what it found."""

    def known_urls(self, sources: Sequence[str]) -> dict[str, set[str]]:
        """Per source, the canonical URLs of the mentions it already stored."""
        if not sources or not self.path.exists():
            return {}
        result = self.query(
            "SELECT DISTINCT source, url FROM mention_records "
            "WHERE source IN (SELECT unnest(?::VARCHAR[]))",
            [list(sources)],
        )
        known: dict[str, set[str]] = {}
        for source, url in result.rows:
            known.setdefault(source, set()).add(url)
        return known

    # ---- writing -------------------------------------------------------------------------

    def write_crawl(
        self,
        crawl: CrawlResult,
        *,
        jobs: Sequence[tuple[str, str]] = (),
        wait: float = LOCK_WAIT_WRITE,
    ) -> WriteResult:
        """Writes one crawl in one transaction: mentions (deduplicated), evidence, runs (their
        new/updated counts filled in), validators, series, the spiders' state (keys given
        replace the stored ones; others are kept) and the configured schools and sources.

        `jobs` (queue job id, sources), one or several queue results written as one crawl, are
        recorded in the same transaction; if any of them was recorded before, nothing is
        written (the result says `already_written`)."""
        with self.transaction(wait) as con:
            if jobs and not record_ingested_jobs(con, jobs):
                return WriteResult(already_written=True)
            _replace_all(con, "schools", ["id", "name"], crawl.schools)
            _replace_all(con, "sources", ["name", "kind", "url", "platform"], crawl.sources)
            result = _write_mentions(con, crawl.documents)
            for run in crawl.runs:
                run.new_mentions = result.new.get(run.source, 0)
                run.updated_mentions = result.updated.get(run.source, 0)
            write_runs(con, crawl.runs)
            write_validators(con, crawl.validators)
            write_state(con, crawl.state)
            write_series(con, crawl.series)
        return result


def _replace_all(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """The configured schools or sources (text columns, tens to hundreds of rows): one
    parameterised INSERT of each column as a list, no Arrow. (executemany runs a statement per
    row: 200 sources took 0.15 s of every write, the most of a queue result's.)"""
    con.execute(f"DELETE FROM {table}")
    if rows:
        names = ", ".join(columns)
        lists = ", ".join("unnest(?::VARCHAR[])" for _ in columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {lists}",
                    [list(column) for column in zip(*rows, strict=True)])


def _write_mentions(con: duckdb.DuckDBPyConnection, batch: MentionBatch) -> WriteResult:
    """The batch goes into DuckDB as it came (Arrow columns, see MentionBatch) and SQL judges it
    (see crawler/store/dedupe.py); only the ids of what it writes come back to Python."""
    result = WriteResult()
    if batch.rows is None:
        return result
    # lazy: pyarrow loads only where a batch is built (it was, to bring these rows)
    import pyarrow as pa

    rows = batch.rows.append_column("pos", pa.array(range(len(batch)), pa.int64()))
    con.register("_keys", rows)
    try:
        plan_mentions(con)
        plan = planned(con)
        result.new, result.updated = plan.new, plan.updated
        stamp = now()
        ids = draw_mention_ids(con, len(plan.new_rows))
        result.new_mention_ids = ids
        insert_arrow(con, "mention_records", _mention_batch(rows, plan.new_rows, ids, stamp))
        result.updated_mention_ids = plan.updated_ids
        if plan.updated_ids:
            keep_versions(con, stamp)
            _update(con, rows.take(pa.array(plan.updated_rows, pa.int64())), plan.updated_ids)
        con.register("_new_ids", pa.table({"key_order": pa.array(plan.new_order, pa.int64()),
                                           "id": pa.array(ids, pa.int64())}))
        try:
            result.sightings = write_sightings(con, stamp)
        finally:
            con.unregister("_new_ids")
        write_evidence(con)
    finally:
        drop_plan(con)
        con.unregister("_keys")
    return result


# The batch's columns that mention_records keeps (with the id, first_seen_at and version added).
_MENTION_COLUMNS = [
    "school_id", "url", "source", "source_kind", "platform", "title", "author", "published_at",
    "fetched_at", "final_url", "http_status", "raw_sha256", "text", "content_hash",
    "matched_alias", "match_field", "match_context", "rating", "extra",
]


def _mention_batch(rows: pa.Table, new_rows: list[int], ids: list[int],
                   stamp: datetime) -> pa.Table:
    """The new mentions: their rows of the batch, with their ids."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    rows = rows.select(_MENTION_COLUMNS)
    if len(new_rows) != rows.num_rows:  # else every row is new, each its own address, in order
        rows = rows.take(pa.array(new_rows, pa.int64()))
    count = rows.num_rows
    return (
        rows.add_column(0, "id", pa.array(ids, pa.int64()))
        .append_column("first_seen_at", pa.repeat(pa.scalar(stamp, arrow_timestamp()), count))
        .append_column("version", pa.repeat(pa.scalar(1, pa.int32()), count))
    )


def _update(con: duckdb.DuckDBPyConnection, rows: pa.Table, ids: list[int]) -> None:
    """Edited mentions take the new copy's text and page details, one version up."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    edited = ["title", "text", "content_hash", "fetched_at", "final_url", "http_status",
              "raw_sha256"]
    batch = rows.select(edited).add_column(0, "id", pa.array(ids, pa.int64()))
    con.register("_updates", batch)
    try:
        con.execute(
            "UPDATE mention_records SET title = u.title, text = u.text, "
            "content_hash = u.content_hash, fetched_at = u.fetched_at, "
            "final_url = u.final_url, http_status = u.http_status, "
            "raw_sha256 = u.raw_sha256, version = mention_records.version + 1 "
            "FROM _updates u WHERE mention_records.id = u.id"
        )
    finally:
        con.unregister("_updates")
