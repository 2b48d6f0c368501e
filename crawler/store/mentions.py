"""Mentions and everything written with them: versions, sightings, raw evidence, HTTP
validators, the spiders' state, the schools and sources. The crawl's one write path.

Uniqueness of (school_id, url) is kept here (the only writer), not by an index: indexes slow
DuckDB bulk inserts and turn updates into delete+insert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

from crawler.ground.items import CrawlResult, Match, MatchedDocument
from crawler.store.base import (
    LOCK_WAIT_WRITE,
    StoreBase,
    arrow_timestamp,
    attribute_columns,
    column,
    gc_paused,
    insert_arrow,
    now,
    timestamp_array,
)
from crawler.store.dedupe import (
    Planned,
    draw_mention_ids,
    drop_plan,
    evidence_needed,
    keep_versions,
    plan_mentions,
    planned,
    write_sightings,
)
from crawler.store.evidence import (
    RawResponse,
    compress_bodies,
    insert_raw_responses,
    write_state,
    write_validators,
)
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
        with self.transaction(wait) as con, gc_paused():
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


def _write_mentions(
    con: duckdb.DuckDBPyConnection, documents: Sequence[MatchedDocument]
) -> WriteResult:
    """The batch goes into DuckDB once, as Arrow; SQL judges it (see crawler/store/dedupe.py).

    Two things run side by side, each while the other waits outside the GIL: DuckDB judges the
    batch while Python converts every row's columns to Arrow (the costly half of a write that
    brings mostly new rows; the rows the plan does not write are dropped afterwards), and zlib
    compresses the new raw bodies while DuckDB inserts the mentions. The connection is only
    ever used by one thread at a time."""
    result = WriteResult()
    positions, matches = _flatten(documents)
    if not matches:
        return result
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; nothing new, no Arrow

    keys = _key_batch(documents, positions, matches)
    con.register("_keys", keys)
    try:
        with ThreadPoolExecutor(max_workers=1) as beside:
            judging = beside.submit(_judge, con)
            rows = _row_batch(documents, positions, matches, keys)
            plan, needed = judging.result()
            evidence = [
                RawResponse(sha256, d.final_url, d.http_status, d.content_type, d.fetched_at,
                            d.raw_body)
                for sha256, d in ((sha256, documents[positions[pos]].document)
                                  for sha256, pos in needed)
            ]
            compressing = beside.submit(compress_bodies, evidence)
            result.new, result.updated = plan.new, plan.updated
            stamp = now()
            ids = draw_mention_ids(con, len(plan.new_rows))
            result.new_mention_ids = ids
            insert_arrow(con, "mention_records", _mention_batch(rows, plan.new_rows, ids, stamp))
            result.updated_mention_ids = plan.updated_ids
            if plan.updated_ids:
                keep_versions(con, stamp)
                _update(con, rows.take(pa.array(plan.updated_rows, pa.int64())),
                        plan.updated_ids)
            con.register("_new_ids", pa.table({"key_order": pa.array(plan.new_order, pa.int64()),
                                               "id": pa.array(ids, pa.int64())}))
            try:
                result.sightings = write_sightings(con, stamp)
            finally:
                con.unregister("_new_ids")
            insert_raw_responses(con, evidence, compressing.result())
    finally:
        drop_plan(con)
        con.unregister("_keys")
    return result


def _judge(con: duckdb.DuckDBPyConnection) -> tuple[Planned, list[tuple[str, int]]]:
    """The plan of the registered batch, what it writes, and the raw bodies it needs."""
    plan_mentions(con)
    return planned(con), evidence_needed(con)


def _flatten(documents: Sequence[MatchedDocument]) -> tuple[Sequence[int], list[Match]]:
    """One row per (document, school matched): each row's document index, and its match."""
    if all(len(matched.matches) == 1 for matched in documents):  # the usual case: no copying
        return range(len(documents)), [matched.matches[0] for matched in documents]
    positions: list[int] = []
    matches: list[Match] = []
    for index, matched in enumerate(documents):
        for match in matched.matches:
            positions.append(index)
            matches.append(match)
    return positions, matches


def _key_batch(
    documents: Sequence[MatchedDocument], positions: Sequence[int], matches: list[Match]
) -> pa.Table:
    """What the dedupe judges by, one row per (document, school): see dedupe.py."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    rows = documents if isinstance(positions, range) else [documents[p] for p in positions]
    text = pa.string()
    matched = attribute_columns(rows, [("canonical_url", text), ("source", text),
                                       ("content_hash", text)])
    return pa.table(
        {
            "pos": pa.array(range(len(matches)), pa.int64()),
            "school_id": column([m.school_id for m in matches], text),
            "url": matched["canonical_url"],
            "source": matched["source"],
            "content_hash": matched["content_hash"],
            "raw_sha256": pa.array([m.document.raw_sha256 for m in rows], text),
        }
    )


def _row_batch(
    documents: Sequence[MatchedDocument],
    positions: Sequence[int],
    matches: list[Match],
    keys: pa.Table,
) -> pa.Table:
    """Every row of the batch as a mention_records row, less what is only known once the plan
    is (id, first_seen_at, version); the columns the dedupe batch holds are reused from it. No
    per-row dicts are built: columns of one value are repeated, the others convert in a pass
    over the dataclasses' __dict__s."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    rows = documents if isinstance(positions, range) else [documents[p] for p in positions]
    docs = [row.document for row in rows]
    text = pa.string()
    page = attribute_columns(docs, [("platform", text), ("title", text), ("author", text),
                                    ("final_url", text), ("http_status", pa.int32()),
                                    ("text", text), ("rating", pa.float64())])
    return pa.table(
        {
            "school_id": keys.column("school_id"),
            "url": keys.column("url"),
            "source": keys.column("source"),
            "source_kind": column([row.source_kind for row in rows], text),
            "platform": page["platform"],
            "title": page["title"],
            "author": page["author"],
            "published_at": timestamp_array([d.published_at for d in docs]),
            "fetched_at": timestamp_array([d.fetched_at for d in docs]),
            "final_url": page["final_url"],
            "http_status": page["http_status"],
            "raw_sha256": keys.column("raw_sha256"),
            "text": page["text"],
            "content_hash": keys.column("content_hash"),
            "matched_alias": column([m.alias for m in matches], text),
            "match_field": column([m.field for m in matches], text),
            "match_context": pa.array([m.context for m in matches], text),
            "rating": page["rating"],
            "extra": column(
                [json.dumps(d.extra, default=str) if d.extra else None for d in docs], text
            ),
        }
    )


def _mention_batch(rows: pa.Table, new_rows: list[int], ids: list[int],
                   stamp: datetime) -> pa.Table:
    """The new mentions: their rows of the batch, with their ids."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
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
