"""Mentions and everything written with them: versions, sightings, raw evidence, HTTP
validators, the spiders' state, the schools and sources. The crawl's one write path.

Uniqueness of (school_id, url) is kept here (the only writer), not by an index: indexes slow
DuckDB bulk inserts and turn updates into delete+insert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    insert_raw_responses,
    write_state,
    write_validators,
)
from crawler.store.runs import record_ingested_job, write_runs
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
        job: tuple[str, str] | None = None,
        wait: float = LOCK_WAIT_WRITE,
    ) -> WriteResult:
        """Writes one crawl in one transaction: mentions (deduplicated), evidence, runs (their
        new/updated counts filled in), validators, series, the spiders' state (keys given
        replace the stored ones; others are kept) and the configured schools and sources.

        `job` (queue job id, source) is recorded in the same transaction; a job already
        recorded is not written again (the result says `already_written`)."""
        with self.transaction(wait) as con, gc_paused():
            if job is not None and not record_ingested_job(con, *job):
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
    """The configured schools or sources (tens of rows): a parameterised INSERT, no Arrow."""
    con.execute(f"DELETE FROM {table}")
    if rows:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", [list(r) for r in rows])


def _write_mentions(
    con: duckdb.DuckDBPyConnection, documents: Sequence[MatchedDocument]
) -> WriteResult:
    """The batch goes into DuckDB once, as Arrow; SQL judges it (see crawler/store/dedupe.py)
    and Python builds only the rows the plan writes."""
    result = WriteResult()
    positions, matches = _flatten(documents)
    if not matches:
        return result
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; nothing new, no Arrow

    keys = _key_batch(documents, positions, matches)
    con.register("_keys", keys)
    try:
        plan_mentions(con)
        plan = planned(con)
        result.new, result.updated = plan.new, plan.updated
        stamp = now()
        new_pos = plan.new_rows
        ids = draw_mention_ids(con, len(new_pos))
        result.new_mention_ids = ids
        if len(new_pos) == len(matches) and isinstance(positions, range):
            # every row is new (so each its own address, in batch order): nothing to pick
            new_rows: Sequence[MatchedDocument] = documents
            new_matches = matches
        else:
            new_rows = [documents[positions[p]] for p in new_pos]
            new_matches = [matches[p] for p in new_pos]
        insert_arrow(con, "mention_records",
                     _mention_batch(ids, keys, new_pos, new_rows, new_matches, stamp))
        result.updated_mention_ids = plan.updated_ids
        if plan.updated_ids:
            keep_versions(con, stamp)
            _update(con, plan.updated_ids,
                    [documents[positions[p]] for p in plan.updated_rows])
        con.register("_new_ids", pa.table({"key_order": pa.array(plan.new_order, pa.int64()),
                                           "id": pa.array(ids, pa.int64())}))
        try:
            result.sightings = write_sightings(con, stamp)
        finally:
            con.unregister("_new_ids")
        insert_raw_responses(con, [
            RawResponse(sha256, d.final_url, d.http_status, d.content_type, d.fetched_at,
                        d.raw_body)
            for sha256, d in ((sha256, documents[positions[pos]].document)
                              for sha256, pos in evidence_needed(con))
        ])
    finally:
        drop_plan(con)
        con.unregister("_keys")
    return result


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


def _mention_batch(
    ids: list[int],
    keys: pa.Table,
    positions: list[int],
    rows: Sequence[MatchedDocument],
    matches: list[Match],
    stamp: datetime,
) -> pa.Table:
    """New mention rows (no per-row dicts built on the write path); the columns the dedupe
    already holds are taken from its batch."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    taken = keys.take(pa.array(positions, pa.int64()))
    docs = [row.document for row in rows]
    count = len(rows)
    text = pa.string()
    page = attribute_columns(docs, [("platform", text), ("title", text), ("author", text),
                                    ("final_url", text), ("http_status", pa.int32()),
                                    ("text", text), ("rating", pa.float64())])
    match = attribute_columns(matches, [("alias", text), ("field", text), ("context", text)])
    columns: dict[str, pa.Array] = {
        "id": pa.array(ids, pa.int64()),
        "school_id": taken.column("school_id"),
        "url": taken.column("url"),
        "source": taken.column("source"),
        "source_kind": column([row.source_kind for row in rows], text),
        "platform": page["platform"],
        "title": page["title"],
        "author": page["author"],
        "published_at": timestamp_array([d.published_at for d in docs]),
        "first_seen_at": pa.repeat(pa.scalar(stamp, arrow_timestamp()), count),
        "fetched_at": timestamp_array([d.fetched_at for d in docs]),
        "final_url": page["final_url"],
        "http_status": page["http_status"],
        "raw_sha256": taken.column("raw_sha256"),
        "text": page["text"],
        "content_hash": taken.column("content_hash"),
        "matched_alias": match["alias"],
        "match_field": match["field"],
        "match_context": match["context"],
        "rating": page["rating"],
        "extra": column(
            [json.dumps(d.extra, default=str) if d.extra else None for d in docs], text
        ),
        "version": pa.repeat(pa.scalar(1, pa.int32()), count),
    }
    return pa.table(columns)


def _update(con: duckdb.DuckDBPyConnection, ids: list[int], rows: list[MatchedDocument]) -> None:
    """Edited mentions take the new copy's text and page details, one version up."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    docs = [row.document for row in rows]
    batch = pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "title": pa.array([d.title for d in docs], pa.string()),
            "text": pa.array([d.text for d in docs], pa.string()),
            "content_hash": pa.array([row.content_hash for row in rows], pa.string()),
            "fetched_at": timestamp_array([d.fetched_at for d in docs]),
            "final_url": pa.array([d.final_url for d in docs], pa.string()),
            "http_status": pa.array([d.http_status for d in docs], pa.int32()),
            "raw_sha256": pa.array([d.raw_sha256 for d in docs], pa.string()),
        }
    )
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
