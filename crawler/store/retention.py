"""Retention (UK GDPR storage limitation): delete mentions held longer than [store] keep_days.

A mention's age is how long the store has held it (first_seen_at). Everything keyed by its id
goes with it (the tables in MENTION_TABLES), then every raw body that none of the tables in
EVIDENCE_TABLES refers to any more. A mention with an open or reported takedown case is kept,
evidence and all, until the case closes. A new table keyed by mention_id or holding a
raw_sha256 is added to these lists (tests/test_retention.py checks that none is missed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from crawler.ground.vocab import UNRESOLVED_CASES
from crawler.store.base import StoreBase, now

# Deleted with their mention (case_events go first, through their case).
MENTION_TABLES = (
    "alerted_mentions",
    "audit_log",
    "cases",
    "channel_alerted",
    "classifications",
    "mention_feedback",
    "mention_notes",
    "mention_sightings",
    "mention_triage",
    "mention_versions",
    "screen_prints",
)
# The tables whose raw_sha256 keeps a raw response alive.
EVIDENCE_TABLES = ("case_events", "mention_records", "mention_versions")


@dataclass(frozen=True)
class PurgeResult:
    mentions: int
    raw_responses: int
    cases: int
    kept_for_cases: int


class RetentionStore(StoreBase):
    def purge(self, keep_days: int, at: datetime | None = None) -> PurgeResult:
        """Deletes what is older than keep_days, in one transaction."""
        at = at or now()
        with self.transaction() as con:
            return _purge(con, at - timedelta(days=keep_days), at)


def _purge(con: duckdb.DuckDBPyConnection, cutoff: datetime, at: datetime) -> PurgeResult:
    con.execute(
        "CREATE TEMP TABLE _doomed AS SELECT id, school_id, url, content_hash "
        "FROM mention_records WHERE first_seen_at < ? AND id NOT IN "
        "(SELECT mention_id FROM cases WHERE status IN (SELECT unnest(?::VARCHAR[])))",
        [cutoff, list(UNRESOLVED_CASES)],
    )
    try:
        kept = con.execute(
            "SELECT count(DISTINCT m.id) FROM mention_records m JOIN cases c "
            "ON c.mention_id = m.id WHERE m.first_seen_at < ? "
            "AND c.status IN (SELECT unnest(?::VARCHAR[]))",
            [cutoff, list(UNRESOLVED_CASES)],
        ).fetchall()[0][0]
        mentions = con.execute("SELECT count(*) FROM _doomed").fetchall()[0][0]
        con.execute(
            "INSERT INTO purged_mentions (school_id, url_sha256, content_hash, purged_at) "
            "SELECT school_id, sha256(url), content_hash, ? FROM _doomed",
            [at],
        )
        cases = con.execute(
            "SELECT count(*) FROM cases WHERE mention_id IN (SELECT id FROM _doomed)"
        ).fetchall()[0][0]
        con.execute(
            "DELETE FROM case_events WHERE case_id IN "
            "(SELECT id FROM cases WHERE mention_id IN (SELECT id FROM _doomed))"
        )
        for table in MENTION_TABLES:
            con.execute(f"DELETE FROM {table} WHERE mention_id IN (SELECT id FROM _doomed)")
        con.execute("DELETE FROM mention_records WHERE id IN (SELECT id FROM _doomed)")
        references = " UNION ".join(
            f"SELECT raw_sha256 FROM {table} WHERE raw_sha256 IS NOT NULL"
            for table in EVIDENCE_TABLES
        )
        raw = con.execute(
            "DELETE FROM raw_responses WHERE sha256 NOT IN (" + references + ")"
        ).fetchall()[0][0]
    finally:
        con.execute("DROP TABLE _doomed")
    return PurgeResult(mentions, raw, cases, kept)
