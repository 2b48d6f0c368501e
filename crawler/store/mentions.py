"""Mentions and everything written with them: versions, sightings, raw evidence, HTTP
validators, the spiders' state, the schools and sources. The crawl's one write path.

Uniqueness of (school_id, url) is kept here (the only writer), not by an index: indexes slow
DuckDB bulk inserts and turn updates into delete+insert.
"""

from __future__ import annotations

import json
from collections import Counter
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
    draw_ids,
    gc_paused,
    insert_arrow,
    now,
)
from crawler.store.evidence import write_evidence, write_state, write_validators
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
    result = WriteResult()
    # One candidate per (school, canonical URL). The same address from another source in the
    # same batch is a sighting of the first; from the same source, the later copy is newer.
    candidates: dict[tuple[str, str], tuple[MatchedDocument, Match]] = {}
    batch_sightings: list[tuple[tuple[str, str], MatchedDocument]] = []
    for matched in documents:
        for match in matched.matches:
            key = (match.school_id, matched.canonical_url)
            earlier = candidates.get(key)
            if earlier is not None and earlier[0].source != matched.source:
                batch_sightings.append((key, matched))
            else:
                candidates[key] = (matched, match)
    if not candidates:
        return result
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; nothing new, no Arrow

    keys = pa.table(
        {
            "school_id": [key[0] for key in candidates],
            "url": [key[1] for key in candidates],
            "content_hash": [m.content_hash for m, _ in candidates.values()],
        }
    )
    con.register("_keys", keys)
    try:
        by_url = {
            (row[1], row[2]): row
            for row in con.execute(
                "SELECT m.id, m.school_id, m.url, m.content_hash, m.version, m.title, m.text, "
                "m.fetched_at, m.raw_sha256, m.source FROM mention_records m "
                "JOIN _keys k ON k.school_id = m.school_id AND k.url = m.url"
            ).fetchall()
        }
        by_hash = {
            (row[1], row[2]): row[0]
            for row in con.execute(
                "SELECT min(m.id), m.school_id, m.content_hash FROM mention_records m "
                "JOIN (SELECT DISTINCT school_id, content_hash FROM _keys) k "
                "ON k.school_id = m.school_id AND k.content_hash = m.content_hash "
                "GROUP BY m.school_id, m.content_hash"
            ).fetchall()
        }
        # Posts deleted by retention stay deleted: a review page that still lists them must
        # not bring them back as new mentions (and new alerts).
        purged = {
            (row[0], row[1])
            for row in con.execute(
                "SELECT DISTINCT k.school_id, k.url FROM purged_mentions p JOIN _keys k "
                "ON k.school_id = p.school_id "
                "AND (p.url_sha256 = sha256(k.url) OR p.content_hash = k.content_hash)"
            ).fetchall()
        }
        seen_sightings = {
            (row[0], row[1], row[2])
            for row in con.execute(
                "SELECT s.mention_id, s.url, s.source FROM mention_sightings s "
                "JOIN (SELECT DISTINCT url FROM _keys) k ON k.url = s.url"
            ).fetchall()
        }
    finally:
        con.unregister("_keys")

    stamp = now()
    new_rows: list[tuple[str, str, MatchedDocument, Match]] = []
    versions: list[tuple[Any, ...]] = []
    updates: list[tuple[int, MatchedDocument, int]] = []
    sightings: list[tuple[int, str, str]] = []
    evidence: dict[str, MatchedDocument] = {}

    def note_sighting(mention_id: int, matched: MatchedDocument, url: str) -> None:
        if (mention_id, url, matched.source) in seen_sightings:
            return
        seen_sightings.add((mention_id, url, matched.source))
        sightings.append((mention_id, matched.source, url))
        _count(result.sightings, matched.source)

    # New mentions get a provisional id (-1, -2, ...) until the sequence hands out real ones
    # below, once their number is known.
    new_ids: dict[tuple[str, str], int] = {}
    new_sources: list[str] = []
    for key, (matched, match) in candidates.items():
        school_id, url = key
        existing = by_url.get(key) if by_url else None
        if existing is not None:
            mention_id, old_hash, version = existing[0], existing[3], existing[4]
            if old_hash == matched.content_hash:
                continue
            if existing[9] != matched.source:
                # Another source's excerpt of the same address is not an edit of the post.
                note_sighting(mention_id, matched, url)
                continue
            # mention_id, version, title, text, content_hash, fetched_at, raw_sha256
            versions.append((mention_id, version, existing[5], existing[6], old_hash,
                             existing[7], existing[8]))
            updates.append((mention_id, matched, version + 1))
            _count(result.updated, matched.source)
            result.updated_mention_ids.append(mention_id)
            evidence[matched.document.raw_sha256] = matched
            continue
        if purged and key in purged:
            continue
        text_key = (school_id, matched.content_hash)
        same_text = by_hash.get(text_key)
        if same_text is not None:
            note_sighting(same_text, matched, url)
            continue
        mention_id = -len(new_rows) - 1
        new_ids[key] = mention_id
        by_hash[text_key] = mention_id
        new_rows.append((school_id, url, matched, match))
        new_sources.append(matched.source)
        evidence[matched.document.raw_sha256] = matched
    result.new = dict(Counter(new_sources))

    for key, matched in batch_sightings:
        first = new_ids.get(key) or (by_url[key][0] if key in by_url else None)
        if first is not None:
            note_sighting(first, matched, key[1])

    ids = draw_ids(con, "mention_records_id", len(new_rows))
    result.new_mention_ids = ids

    def real(mention_id: int) -> int:
        return ids[-mention_id - 1] if mention_id < 0 else mention_id

    insert_arrow(con, "mention_records", _mention_batch(ids, new_rows, stamp))
    insert_arrow(con, "mention_versions", _version_batch(versions, stamp))
    insert_arrow(
        con,
        "mention_sightings",
        pa.table(
            {
                "mention_id": pa.array([real(s[0]) for s in sightings], pa.int64()),
                "source": pa.array([s[1] for s in sightings], pa.string()),
                "url": pa.array([s[2] for s in sightings], pa.string()),
                "seen_at": pa.array([stamp] * len(sightings), arrow_timestamp()),
            }
        ),
    )
    if updates:
        con.register("_updates", _update_batch(updates))
        try:
            con.execute(
                "UPDATE mention_records SET title = u.title, text = u.text, "
                "content_hash = u.content_hash, fetched_at = u.fetched_at, "
                "final_url = u.final_url, http_status = u.http_status, "
                "raw_sha256 = u.raw_sha256, version = u.version "
                "FROM _updates u WHERE mention_records.id = u.id"
            )
        finally:
            con.unregister("_updates")
    write_evidence(con, evidence)
    return result


def _mention_batch(
    ids: list[int], rows: list[tuple[str, str, MatchedDocument, Match]], stamp: datetime
) -> pa.Table:
    """New mention rows, built column by column (no per-row dicts on the write path)."""
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    docs = [row[2].document for row in rows]
    matches = [row[3] for row in rows]
    count = len(rows)
    columns: dict[str, pa.Array] = {
        "id": pa.array(ids, pa.int64()),
        "school_id": pa.array([row[0] for row in rows], pa.string()),
        "url": pa.array([row[1] for row in rows], pa.string()),
        "source": pa.array([row[2].source for row in rows], pa.string()),
        "source_kind": pa.array([row[2].source_kind for row in rows], pa.string()),
        "platform": pa.array([d.platform for d in docs], pa.string()),
        "title": pa.array([d.title for d in docs], pa.string()),
        "author": pa.array([d.author for d in docs], pa.string()),
        "published_at": pa.array([d.published_at for d in docs], arrow_timestamp()),
        "first_seen_at": pa.repeat(pa.scalar(stamp, arrow_timestamp()), count),
        "fetched_at": pa.array([d.fetched_at for d in docs], arrow_timestamp()),
        "final_url": pa.array([d.final_url for d in docs], pa.string()),
        "http_status": pa.array([d.http_status for d in docs], pa.int32()),
        "raw_sha256": pa.array([d.raw_sha256 for d in docs], pa.string()),
        "text": pa.array([d.text for d in docs], pa.string()),
        "content_hash": pa.array([row[2].content_hash for row in rows], pa.string()),
        "matched_alias": pa.array([m.alias for m in matches], pa.string()),
        "match_field": pa.array([m.field for m in matches], pa.string()),
        "match_context": pa.array([m.context for m in matches], pa.string()),
        "rating": pa.array([d.rating for d in docs], pa.float64()),
        "extra": pa.array(
            [json.dumps(d.extra, default=str) if d.extra else None for d in docs], pa.string()
        ),
        "version": pa.repeat(pa.scalar(1, pa.int32()), count),
    }
    return pa.table(columns)


def _version_batch(versions: list[tuple[Any, ...]], stamp: datetime) -> pa.Table:
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    names = ["mention_id", "version", "title", "text", "content_hash", "fetched_at", "raw_sha256"]
    types = [pa.int64(), pa.int32(), pa.string(), pa.string(), pa.string(), arrow_timestamp(),
             pa.string()]
    columns = {
        name: pa.array([row[i] for row in versions], kind)
        for i, (name, kind) in enumerate(zip(names, types, strict=True))
    }
    columns["replaced_at"] = pa.array([stamp] * len(versions), arrow_timestamp())
    return pa.table(columns)


def _update_batch(updates: list[tuple[int, MatchedDocument, int]]) -> pa.Table:
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    docs = [matched.document for _, matched, _ in updates]
    return pa.table(
        {
            "id": pa.array([u[0] for u in updates], pa.int64()),
            "title": pa.array([d.title for d in docs], pa.string()),
            "text": pa.array([d.text for d in docs], pa.string()),
            "content_hash": pa.array([u[1].content_hash for u in updates], pa.string()),
            "fetched_at": pa.array([d.fetched_at for d in docs], arrow_timestamp()),
            "final_url": pa.array([d.final_url for d in docs], pa.string()),
            "http_status": pa.array([d.http_status for d in docs], pa.int32()),
            "raw_sha256": pa.array([d.raw_sha256 for d in docs], pa.string()),
            "version": pa.array([u[2] for u in updates], pa.int32()),
        }
    )


def _count(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


