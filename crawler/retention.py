"""Retention (UK GDPR storage limitation): delete mentions held longer than [store] keep_days.

A mention's age is how long the store has held it (first_seen_at). Everything keyed by its id
goes with it (versions, sightings, classifications and any later stage's table with a
`mention_id` column), then every raw body nothing refers to any more. A mention with an open or
reported takedown case is kept, evidence and all, until the case closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from crawler.store import Store


@dataclass(frozen=True)
class PurgeResult:
    mentions: int
    raw_responses: int
    cases: int
    kept_for_cases: int


def purge(store: Store, keep_days: int, now: datetime | None = None) -> PurgeResult:
    """Deletes what is older than keep_days, in one transaction."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    with store.transaction() as con:
        result = _purge(con, cutoff, now or datetime.now(UTC))
    return result


def _purge(con: duckdb.DuckDBPyConnection, cutoff: datetime, now: datetime) -> PurgeResult:
    con.execute(
        "CREATE TEMP TABLE _doomed AS SELECT id, school_id, url, content_hash "
        "FROM mention_records WHERE first_seen_at < ? AND id NOT IN "
        "(SELECT mention_id FROM cases WHERE status IN ('open', 'reported'))",
        [cutoff],
    )
    try:
        kept = con.execute(
            "SELECT count(DISTINCT m.id) FROM mention_records m JOIN cases c "
            "ON c.mention_id = m.id WHERE m.first_seen_at < ? "
            "AND c.status IN ('open', 'reported')",
            [cutoff],
        ).fetchall()[0][0]
        mentions = con.execute("SELECT count(*) FROM _doomed").fetchall()[0][0]
        con.execute(
            "INSERT INTO purged_mentions SELECT school_id, sha256(url), content_hash, ? "
            "FROM _doomed",
            [now],
        )
        cases = con.execute(
            "SELECT count(*) FROM cases WHERE mention_id IN (SELECT id FROM _doomed)"
        ).fetchall()[0][0]
        con.execute(
            "DELETE FROM case_events WHERE case_id IN "
            "(SELECT id FROM cases WHERE mention_id IN (SELECT id FROM _doomed))"
        )
        for table in _tables_with_column(con, "mention_id"):
            con.execute(f'DELETE FROM "{table}" WHERE mention_id IN (SELECT id FROM _doomed)')
        con.execute("DELETE FROM mention_records WHERE id IN (SELECT id FROM _doomed)")
        references = " UNION ".join(
            f'SELECT raw_sha256 FROM "{table}" WHERE raw_sha256 IS NOT NULL'
            for table in _tables_with_column(con, "raw_sha256")
        )
        raw = con.execute(
            "DELETE FROM raw_responses WHERE sha256 NOT IN (" + references + ")"
        ).fetchall()[0][0]
    finally:
        con.execute("DROP TABLE _doomed")
    return PurgeResult(mentions, raw, cases, kept)


def _tables_with_column(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    """Base tables (not views) with this column: later stages' tables are covered too."""
    return [
        row[0]
        for row in con.execute(
            "SELECT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_name = c.table_name "
            "AND t.table_schema = c.table_schema "
            "WHERE c.column_name = ? AND t.table_type = 'BASE TABLE' "
            "AND c.table_schema = 'main' ORDER BY c.table_name",
            [column],
        ).fetchall()
    ]
