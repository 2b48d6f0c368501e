"""The DuckDB store: the only module that runs DDL, and the only writer of crawl results.

DuckDB allows one read-write process and no reader beside it, so every writer opens the file,
writes in one transaction and closes it; readers retry for a few seconds while a write is on.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from crawler.errors import QueryError, StoreError, StoreLockedError
from crawler.items import Match, MatchedDocument, SourceRun, Validators

LOCK_WAIT_READ = 5.0
LOCK_WAIT_WRITE = 120.0


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class WriteResult:
    """What one write transaction did, per source."""

    new: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    sightings: dict[str, int] = field(default_factory=dict)
    new_mention_ids: list[int] = field(default_factory=list)
    updated_mention_ids: list[int] = field(default_factory=list)
    already_written: bool = False  # a queue job delivered twice: its result was written before


def connect(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Opens the file, retrying while another process holds the lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StoreError(f"cannot open the store {path}: {exc}") from None
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"the store {path} is locked by another process (a crawl is writing); "
                    "try again in a moment"
                ) from None
            time.sleep(0.2)


def migration_names() -> list[str]:
    folder = resources.files("crawler.migrations")
    return sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".sql"))


def _apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    folder = resources.files("crawler.migrations")
    for name in migration_names():
        if name in done:
            continue
        with _transaction(con):
            con.execute(folder.joinpath(name).read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [name, _now()])
        applied.append(name)
    return applied


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Committed when the block ends, rolled back if it raises."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """A DuckDB file of mentions. Each method opens the file for as short a time as it can."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @contextmanager
    def writer(self, wait: float = LOCK_WAIT_WRITE) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection on a migrated store, closed on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(self.path, read_only=False, wait=wait)
        try:
            _apply_migrations(con)
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self, wait: float = LOCK_WAIT_WRITE) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: the file is locked for the block and committed as a whole."""
        with self.writer(wait) as con, _transaction(con):
            yield con

    @contextmanager
    def reader(self, wait: float = LOCK_WAIT_READ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection; creates and migrates the store first if it is new."""
        if not self.path.exists():
            with self.writer(wait=wait):
                pass
        con = connect(self.path, read_only=True, wait=wait)
        try:
            pending = set(migration_names()) - {
                row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()
            }
        except duckdb.Error:
            pending = {"schema_migrations"}
        if pending:
            con.close()
            with self.writer(wait=wait):
                pass
            con = connect(self.path, read_only=True, wait=wait)
        try:
            yield con
        finally:
            con.close()

    def migrate(self) -> list[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(self.path, read_only=False, wait=LOCK_WAIT_WRITE)
        try:
            return _apply_migrations(con)
        finally:
            con.close()

    # ---- reading -------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | None = None) -> QueryResult:
        """Runs read-only SQL. Writes are refused by DuckDB's read-only mode."""
        with self.reader() as con:
            try:
                cursor = con.execute(sql, params or [])
            except duckdb.Error as exc:
                raise QueryError(str(exc).splitlines()[0]) from None
            if cursor.description is None:
                return QueryResult([], [])
            columns = [column[0] for column in cursor.description]
            return QueryResult(columns, cursor.fetchall())

    def validators(self, urls: Sequence[str]) -> dict[str, Validators]:
        if not urls or not self.path.exists():
            return {}
        result = self.query(
            "SELECT url, etag, last_modified FROM http_validators WHERE url IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [list(urls)],
        )
        return {row[0]: Validators(*row) for row in result.rows}

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

    def crawl_state(self, sources: Sequence[str]) -> dict[str, dict[str, str]]:
        """Per source, what its spider remembered from the last run (see crawl_state)."""
        if not sources or not self.path.exists():
            return {}
        result = self.query(
            "SELECT source, key, value FROM crawl_state "
            "WHERE source IN (SELECT unnest(?::VARCHAR[]))",
            [list(sources)],
        )
        state: dict[str, dict[str, str]] = {}
        for source, key, value in result.rows:
            state.setdefault(source, {})[key] = value
        return state

    def source_overview(self) -> QueryResult:
        """Per source: the latest run, its status, the last error seen, and mentions found."""
        return self.query(
            """
            WITH latest AS (
                SELECT * FROM crawl_runs
                QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC) = 1
            ), last_failure AS (
                SELECT source, arg_max(last_error, started_at) AS last_error,
                       max(started_at) AS failed_at
                FROM crawl_runs WHERE last_error IS NOT NULL GROUP BY source
            ), found AS (
                SELECT source, count(*) AS mentions FROM mention_records GROUP BY source
            )
            SELECT l.source, l.started_at AS last_run, l.status, l.pages_fetched,
                   l.new_mentions, coalesce(l.last_error, f.last_error) AS last_error,
                   f.failed_at, coalesce(m.mentions, 0) AS mentions
            FROM latest l
            LEFT JOIN last_failure f ON f.source = l.source
            LEFT JOIN found m ON m.source = l.source
            ORDER BY l.source
            """
        )

    def ingested_jobs(self, job_ids: Sequence[str]) -> set[str]:
        """Which of these queue jobs the ingest has written."""
        if not job_ids:
            return set()
        result = self.query(
            "SELECT job_id FROM ingested_jobs WHERE job_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(job_ids)],
        )
        return {row[0] for row in result.rows}

    def raw_body(self, sha256: str) -> bytes | None:
        result = self.query("SELECT body_zlib FROM raw_responses WHERE sha256 = ?", [sha256])
        return zlib.decompress(result.rows[0][0]) if result.rows else None

    # ---- writing -------------------------------------------------------------------------

    def write_crawl(
        self,
        *,
        schools: Sequence[tuple[str, str]],
        sources: Sequence[tuple[str, str, str, str | None]],
        runs: Sequence[SourceRun],
        documents: Sequence[MatchedDocument],
        validators: Sequence[Validators],
        state: dict[str, dict[str, str]] | None = None,
        job: tuple[str, str] | None = None,
    ) -> WriteResult:
        """Writes one crawl in one transaction: mentions (deduplicated), evidence, runs, and
        the spiders' state (keys given replace the stored ones; others are kept).

        `job` (queue job id, source) is recorded in the same transaction; a job already
        recorded is not written again (the result says `already_written`)."""
        with self.transaction() as con:
            if job is not None:
                if con.execute(
                    "SELECT 1 FROM ingested_jobs WHERE job_id = ?", [job[0]]
                ).fetchall():
                    return WriteResult(already_written=True)
                con.execute(
                    "INSERT INTO ingested_jobs (job_id, source, ingested_at) VALUES (?, ?, ?)",
                    [job[0], job[1], _now()],
                )
            _replace_all(con, "schools", ["id", "name"], schools)
            _replace_all(con, "sources", ["name", "kind", "url", "platform"], sources)
            result = _write_mentions(con, documents)
            for run in runs:
                run.new_mentions = result.new.get(run.source, 0)
                run.updated_mentions = result.updated.get(run.source, 0)
            _write_runs(con, runs)
            _write_validators(con, validators)
            _write_state(con, state or {})
        return result


def _replace_all(
    con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    con.execute(f"DELETE FROM {table}")
    if rows:
        batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
        _insert_arrow(con, table, batch)


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table) -> None:
    if batch.num_rows == 0:
        return
    con.register("_batch", batch)
    try:
        names = ", ".join(batch.column_names)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _batch")
    finally:
        con.unregister("_batch")


def _rows_to_arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


_TS = pa.timestamp("us", tz="UTC")
_MENTION_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("school_id", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("platform", pa.string()),
        ("title", pa.string()),
        ("author", pa.string()),
        ("published_at", _TS),
        ("first_seen_at", _TS),
        ("fetched_at", _TS),
        ("final_url", pa.string()),
        ("http_status", pa.int32()),
        ("raw_sha256", pa.string()),
        ("text", pa.string()),
        ("content_hash", pa.string()),
        ("matched_alias", pa.string()),
        ("match_field", pa.string()),
        ("match_context", pa.string()),
        ("rating", pa.float64()),
        ("extra", pa.string()),
        ("version", pa.int32()),
    ]
)
_VERSION_SCHEMA = pa.schema(
    [
        ("mention_id", pa.int64()),
        ("version", pa.int32()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("content_hash", pa.string()),
        ("fetched_at", _TS),
        ("raw_sha256", pa.string()),
        ("replaced_at", _TS),
    ]
)
_SIGHTING_SCHEMA = pa.schema(
    [("mention_id", pa.int64()), ("source", pa.string()), ("url", pa.string()), ("seen_at", _TS)]
)
_RAW_SCHEMA = pa.schema(
    [
        ("sha256", pa.string()),
        ("url", pa.string()),
        ("http_status", pa.int32()),
        ("content_type", pa.string()),
        ("fetched_at", _TS),
        ("size_bytes", pa.int64()),
        ("body_zlib", pa.binary()),
    ]
)


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

    next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM mention_records").fetchall()[0][0]
    now = _now()
    new_rows: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    sightings: list[dict[str, Any]] = []
    evidence: dict[str, MatchedDocument] = {}

    def note_sighting(mention_id: int, matched: MatchedDocument, url: str) -> None:
        if (mention_id, url, matched.source) in seen_sightings:
            return
        seen_sightings.add((mention_id, url, matched.source))
        sightings.append(
            {"mention_id": mention_id, "source": matched.source, "url": url, "seen_at": now}
        )
        _count(result.sightings, matched.source)

    new_ids: dict[tuple[str, str], int] = {}
    for (school_id, url), (matched, match) in candidates.items():
        doc = matched.document
        existing = by_url.get((school_id, url))
        if existing is not None:
            (mention_id, _, _, old_hash, version, old_title, old_text, old_fetched, old_sha,
             old_source) = existing
            if old_hash == matched.content_hash:
                continue
            if old_source != matched.source:
                # Another source's excerpt of the same address is not an edit of the post.
                note_sighting(mention_id, matched, url)
                continue
            versions.append(
                {
                    "mention_id": mention_id,
                    "version": version,
                    "title": old_title,
                    "text": old_text,
                    "content_hash": old_hash,
                    "fetched_at": old_fetched,
                    "raw_sha256": old_sha,
                    "replaced_at": now,
                }
            )
            updates.append(
                {
                    "id": mention_id,
                    "title": doc.title,
                    "text": doc.text,
                    "content_hash": matched.content_hash,
                    "fetched_at": doc.fetched_at,
                    "final_url": doc.final_url,
                    "http_status": doc.http_status,
                    "raw_sha256": doc.raw_sha256,
                    "version": version + 1,
                }
            )
            _count(result.updated, matched.source)
            result.updated_mention_ids.append(mention_id)
            evidence[doc.raw_sha256] = matched
            continue
        if (school_id, url) in purged:
            continue
        same_text = by_hash.get((school_id, matched.content_hash))
        if same_text is not None:
            note_sighting(same_text, matched, url)
            continue
        mention_id = next_id
        next_id += 1
        new_ids[(school_id, url)] = mention_id
        by_hash[(school_id, matched.content_hash)] = mention_id
        new_rows.append(
            {
                "id": mention_id,
                "school_id": school_id,
                "url": url,
                "source": matched.source,
                "source_kind": matched.source_kind,
                "platform": doc.platform,
                "title": doc.title,
                "author": doc.author,
                "published_at": doc.published_at,
                "first_seen_at": now,
                "fetched_at": doc.fetched_at,
                "final_url": doc.final_url,
                "http_status": doc.http_status,
                "raw_sha256": doc.raw_sha256,
                "text": doc.text,
                "content_hash": matched.content_hash,
                "matched_alias": match.alias,
                "match_field": match.field,
                "match_context": match.context,
                "rating": doc.rating,
                "extra": json.dumps(doc.extra, default=str) if doc.extra else None,
                "version": 1,
            }
        )
        _count(result.new, matched.source)
        result.new_mention_ids.append(mention_id)
        evidence[doc.raw_sha256] = matched

    for key, matched in batch_sightings:
        first = new_ids.get(key) or (by_url[key][0] if key in by_url else None)
        if first is not None:
            note_sighting(first, matched, key[1])

    _insert_arrow(con, "mention_records", _rows_to_arrow(new_rows, _MENTION_SCHEMA))
    _insert_arrow(con, "mention_versions", _rows_to_arrow(versions, _VERSION_SCHEMA))
    _insert_arrow(con, "mention_sightings", _rows_to_arrow(sightings, _SIGHTING_SCHEMA))
    if updates:
        con.register("_updates", pa.Table.from_pylist(updates))
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
    _write_evidence(con, evidence)
    return result


@dataclass(frozen=True)
class RawResponse:
    """The exact bytes of one response, kept as evidence under their SHA-256."""

    sha256: str
    url: str
    http_status: int
    content_type: str | None
    fetched_at: datetime
    body: bytes


def write_raw_responses(con: duckdb.DuckDBPyConnection, responses: Sequence[RawResponse]) -> None:
    """Keeps each body once (zlib-compressed); bodies already stored are left as they are."""
    if not responses:
        return
    known = {
        row[0]
        for row in con.execute(
            "SELECT sha256 FROM raw_responses WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [[r.sha256 for r in responses]],
        ).fetchall()
    }
    rows = []
    for response in responses:
        if response.sha256 in known:
            continue
        known.add(response.sha256)
        rows.append(
            {
                "sha256": response.sha256,
                "url": response.url,
                "http_status": response.http_status,
                "content_type": response.content_type,
                "fetched_at": response.fetched_at,
                "size_bytes": len(response.body),
                "body_zlib": zlib.compress(response.body, 6),
            }
        )
    _insert_arrow(con, "raw_responses", _rows_to_arrow(rows, _RAW_SCHEMA))


def _write_evidence(con: duckdb.DuckDBPyConnection, evidence: dict[str, MatchedDocument]) -> None:
    write_raw_responses(
        con,
        [
            RawResponse(sha256, m.document.final_url, m.document.http_status,
                        m.document.content_type, m.document.fetched_at, m.document.raw_body)
            for sha256, m in evidence.items()
        ],
    )


def _write_runs(con: duckdb.DuckDBPyConnection, runs: Sequence[SourceRun]) -> None:
    next_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM crawl_runs").fetchall()[0][0]
    for offset, run in enumerate(runs):
        con.execute(
            "INSERT INTO crawl_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                next_id + offset,
                run.source,
                run.started_at,
                run.finished_at or _now(),
                run.status,
                run.pages_fetched,
                run.items_seen,
                run.new_mentions,
                run.updated_mentions,
                len(run.errors),
                run.last_error,
                "; ".join(run.warnings) or None,
            ],
        )


def _write_validators(con: duckdb.DuckDBPyConnection, validators: Sequence[Validators]) -> None:
    if not validators:
        return
    urls = [v.url for v in validators]
    con.execute("DELETE FROM http_validators WHERE url IN (SELECT unnest(?::VARCHAR[]))", [urls])
    batch = pa.table(
        {
            "url": urls,
            "etag": [v.etag for v in validators],
            "last_modified": [v.last_modified for v in validators],
            "updated_at": pa.array([_now()] * len(validators), type=_TS),
        }
    )
    _insert_arrow(con, "http_validators", batch)


def _write_state(con: duckdb.DuckDBPyConnection, state: dict[str, dict[str, str]]) -> None:
    rows = [(source, key, value) for source, pairs in state.items() for key, value in pairs.items()]
    if not rows:
        return
    batch = pa.table(
        {
            "source": [row[0] for row in rows],
            "key": [row[1] for row in rows],
            "value": [row[2] for row in rows],
            "updated_at": pa.array([_now()] * len(rows), type=_TS),
        }
    )
    con.register("_state", batch)
    try:
        con.execute(
            "DELETE FROM crawl_state USING _state "
            "WHERE crawl_state.source = _state.source AND crawl_state.key = _state.key"
        )
    finally:
        con.unregister("_state")
    _insert_arrow(con, "crawl_state", batch)


def _count(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


# ---- classifications ------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingMention:
    id: int
    school_id: str
    title: str
    text: str


@dataclass(frozen=True)
class ClassificationRow:
    mention_id: int
    sentiment: str
    sentiment_score: float
    risk: str
    categories: tuple[str, ...]
    risk_reasons: dict[str, str]
    model_version: str


def pending_classification(store: Store, model_version: str, *, everything: bool = False,
                           ids: Sequence[int] | None = None) -> list[PendingMention]:
    """Mentions never classified, or classified by another model version."""
    sql = (
        "SELECT m.id, m.school_id, coalesce(m.title, ''), m.text FROM mention_records m "
        "LEFT JOIN classifications c ON c.mention_id = m.id "
    )
    params: list[Any] = []
    conditions = []
    if not everything:
        conditions.append("(c.mention_id IS NULL OR c.model_version <> ?)")
        params.append(model_version)
    if ids is not None:
        conditions.append("m.id IN (SELECT unnest(?::BIGINT[]))")
        params.append(list(ids))
    if conditions:
        sql += "WHERE " + " AND ".join(conditions) + " "
    rows = store.query(sql + "ORDER BY m.id", params).rows
    return [PendingMention(*row) for row in rows]


def write_classifications(store: Store, rows: Sequence[ClassificationRow]) -> None:
    """Replaces the classification of each mention given, in one transaction."""
    if not rows:
        return
    now = _now()
    batch = pa.table(
        {
            "mention_id": pa.array([r.mention_id for r in rows], pa.int64()),
            "sentiment": [r.sentiment for r in rows],
            "sentiment_score": pa.array([float(r.sentiment_score) for r in rows], pa.float64()),
            "risk": [r.risk for r in rows],
            "categories": pa.array([list(r.categories) for r in rows], pa.list_(pa.string())),
            "risk_reasons": [json.dumps(r.risk_reasons) for r in rows],
            "model_version": [r.model_version for r in rows],
            "classified_at": pa.array([now] * len(rows), _TS),
        }
    )
    with store.transaction() as con:
        con.register("_ids", pa.table({"id": batch.column("mention_id")}))
        con.execute("DELETE FROM classifications WHERE mention_id IN (SELECT id FROM _ids)")
        con.unregister("_ids")
        _insert_arrow(con, "classifications", batch)
