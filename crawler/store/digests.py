"""What the weekly digest, the alerts and the pre-inspection report read: mentions with their
classification, through the `mentions` view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crawler.ground.inbox_status import ALERT_RISK, NEVER_ALERTED
from crawler.store.base import QueryResult, StoreBase

_MENTION_COLUMNS = (
    "id, title, text, url, source, source_kind, "
    "coalesce(published_at, first_seen_at) AS happened_at, risk, categories, risk_reasons, "
    "sentiment, rating, first_seen_at, fetched_at, raw_sha256, match_context, status, "
    "status_reason"
)


class DigestStore(StoreBase):
    def school_mentions(
        self, school_id: str, start: datetime, end: datetime, *, include_end: bool = False
    ) -> list[dict[str, Any]]:
        """A school's mentions that happened (published, or first seen) from start to end,
        newest first."""
        before = "<=" if include_end else "<"
        return self.query(
            f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE school_id = ? "
            "AND coalesce(published_at, first_seen_at) >= ? "
            f"AND coalesce(published_at, first_seen_at) {before} ? "
            "ORDER BY happened_at DESC, id",
            [school_id, start, end],
        ).records()

    def school_mention_index(
        self, school_id: str, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """school_mentions without the text: what counting and ranking a week need (id,
        happened_at, risk, sentiment, rating, source, source_kind, status), newest first."""
        return self.query(
            "SELECT id, coalesce(published_at, first_seen_at) AS happened_at, risk, sentiment, "
            "rating, source, source_kind, status FROM mentions WHERE school_id = ? "
            "AND coalesce(published_at, first_seen_at) >= ? "
            "AND coalesce(published_at, first_seen_at) < ? "
            "ORDER BY happened_at DESC, id",
            [school_id, start, end],
        ).records()

    def mentions_by_id(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The mentions with these ids, with every column school_mentions gives."""
        if not ids:
            return {}
        rows = self.query(
            f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE id IN (SELECT unnest(?::BIGINT[]))",
            [list(ids)],
        ).records()
        return {row["id"]: row for row in rows}

    def high_risk_unalerted(self, school_id: str, since: datetime) -> list[dict[str, Any]]:
        """High-risk mentions of the school fetched since `since` that no alert covered yet
        (a person's false positive is never alerted)."""
        return self.query(
            f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE school_id = ? AND risk = ? "
            "AND status <> ? "
            "AND fetched_at >= ? AND id NOT IN (SELECT mention_id FROM alerted_mentions) "
            "ORDER BY first_seen_at, id",
            [school_id, ALERT_RISK.value, NEVER_ALERTED.value, since],
        ).records()

    def mention_listing(self) -> QueryResult:
        """Every mention, by school and newest first, as the demo shows them."""
        return self.query(
            "SELECT school_id, source, strftime(published_at, '%d %b %H:%M') AS published, "
            "title, matched_alias FROM mentions ORDER BY school_id, published_at DESC"
        )
