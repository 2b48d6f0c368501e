"""What the weekly digest, the alerts and the pre-inspection report read: mentions with their
classification, through the `mentions` view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

    def high_risk_unalerted(self, school_id: str, since: datetime) -> list[dict[str, Any]]:
        """High-risk mentions of the school fetched since `since` that no alert covered yet
        (a person's false positive is never alerted)."""
        return self.query(
            f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE school_id = ? AND risk = 'high' "
            "AND status <> 'false_positive' "
            "AND fetched_at >= ? AND id NOT IN (SELECT mention_id FROM alerted_mentions) "
            "ORDER BY first_seen_at, id",
            [school_id, since],
        ).records()

    def mention_listing(self) -> QueryResult:
        """Every mention, by school and newest first, as the demo shows them."""
        return self.query(
            "SELECT school_id, source, strftime(published_at, '%d %b %H:%M') AS published, "
            "title, matched_alias FROM mentions ORDER BY school_id, published_at DESC"
        )
