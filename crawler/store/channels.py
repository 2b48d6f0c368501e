"""The channel outbox: alerts and digests for chat channels and webhooks, exactly once each.

The same rule as email (outbox.py): a delivery is recorded, with the mentions it covers, in one
transaction before anything is sent; it is claimed for a while so two senders never take it; it
is marked sent only after the channel answered 2xx. Quiet hours are a `not_before` time: a held
delivery is not claimed until then.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from crawler.store.base import QueryResult, StoreBase, now

_MENTION_COLUMNS = (
    "id, title, text, url, source, source_kind, "
    "coalesce(published_at, first_seen_at) AS happened_at, risk, categories, risk_reasons, "
    "sentiment, rating, first_seen_at, fetched_at, raw_sha256, match_context, status, "
    "status_reason"
)


@dataclass(frozen=True)
class ChannelDelivery:
    delivery_id: str
    channel: str
    kind: str  # alert | digest
    school_id: str
    title: str
    payload: dict[str, Any] = field(repr=False)
    risk: str | None = None
    week: str | None = None
    not_before: datetime | None = None
    mention_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ClaimedDelivery:
    delivery_id: str
    channel: str
    kind: str
    title: str
    payload: dict[str, Any] = field(repr=False)
    attempts: int = 0


class ChannelStore(StoreBase):
    def unalerted_for_channel(
        self, channel: str, school_id: str, risks: Sequence[str], since: datetime
    ) -> list[dict[str, Any]]:
        """Mentions of the school at these risk levels, fetched since `since`, that this
        channel has not been sent yet (a person's false positive is never alerted)."""
        return self.query(
            f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE school_id = ? "
            "AND risk IN (SELECT unnest(?::VARCHAR[])) AND fetched_at >= ? "
            "AND status <> 'false_positive' "
            "AND id NOT IN (SELECT mention_id FROM channel_alerted WHERE channel = ?) "
            "ORDER BY first_seen_at, id",
            [school_id, list(risks), since, channel],
        ).records()

    def queue_deliveries(self, deliveries: Sequence[ChannelDelivery]) -> list[str]:
        """Records new deliveries in one transaction; returns the ids queued. One already
        covering a mention for its channel, or the same digest, is skipped."""
        queued: list[str] = []
        if not deliveries:
            return queued
        stamp = now()
        with self.transaction() as con:
            for delivery in deliveries:
                if _already_queued(con, delivery):
                    continue
                con.execute(
                    "INSERT INTO channel_deliveries (delivery_id, channel, kind, school_id, "
                    "week, risk, title, payload, created_at, not_before, attempts) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                    [delivery.delivery_id, delivery.channel, delivery.kind, delivery.school_id,
                     delivery.week, delivery.risk, delivery.title,
                     json.dumps(delivery.payload), stamp, delivery.not_before],
                )
                if delivery.mention_ids:
                    con.execute(
                        "INSERT INTO channel_alerted (channel, mention_id, delivery_id, "
                        "queued_at) SELECT ?, unnest(?::BIGINT[]), ?, ?",
                        [delivery.channel, list(delivery.mention_ids), delivery.delivery_id,
                         stamp],
                    )
                queued.append(delivery.delivery_id)
        return queued

    def claim_deliveries(
        self, lease: timedelta, at: datetime | None = None
    ) -> list[ClaimedDelivery]:
        """Takes every unsent delivery that is due and no other sender holds; oldest first."""
        stamp = at or now()
        with self.transaction() as con:
            rows = con.execute(
                "UPDATE channel_deliveries SET claimed_until = ? WHERE sent_at IS NULL "
                "AND (not_before IS NULL OR not_before <= ?) "
                "AND (claimed_until IS NULL OR claimed_until < ?) "
                "RETURNING delivery_id, channel, kind, title, payload, attempts, created_at",
                [stamp + lease, stamp, stamp],
            ).fetchall()
        rows.sort(key=lambda row: (row[6], row[0]))
        return [
            ClaimedDelivery(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5])
            for row in rows
        ]

    def mark_delivered(self, delivery_id: str, note: str | None = None) -> None:
        """Sent: never sent again. `note` says what is uncertain (a receiver that took the
        message without answering), shown where an error would be."""
        stamp = now()
        with self.transaction() as con:
            con.execute(
                "UPDATE channel_deliveries SET sent_at = ?, last_attempt_at = ?, "
                "attempts = attempts + 1, last_error = ?, claimed_until = NULL "
                "WHERE delivery_id = ? AND sent_at IS NULL",
                [stamp, stamp, None if note is None else note[:500], delivery_id],
            )

    def mark_delivery_failed(self, delivery_id: str, error: str) -> None:
        """Leaves it queued, one more attempt counted, for the next run to retry."""
        with self.transaction() as con:
            con.execute(
                "UPDATE channel_deliveries SET last_attempt_at = ?, attempts = attempts + 1, "
                "last_error = ?, claimed_until = NULL WHERE delivery_id = ? AND sent_at IS NULL",
                [now(), error[:500], delivery_id],
            )

    def release_deliveries(self, delivery_ids: Sequence[str]) -> None:
        if delivery_ids:
            with self.transaction() as con:
                con.execute(
                    "UPDATE channel_deliveries SET claimed_until = NULL "
                    "WHERE delivery_id IN (SELECT unnest(?::VARCHAR[])) AND sent_at IS NULL",
                    [list(delivery_ids)],
                )

    def channel_digest_queued(self, channel: str, school_id: str, week: str) -> bool:
        return bool(self.query(
            "SELECT count(*) FROM channel_deliveries WHERE kind = 'digest' AND channel = ? "
            "AND school_id = ? AND week = ?", [channel, school_id, week],
        ).rows[0][0])

    def list_deliveries(self, *, pending_only: bool = False, limit: int = 50) -> QueryResult:
        """Channel deliveries, newest first: status, held until, attempts, last error."""
        where = "WHERE sent_at IS NULL " if pending_only else ""
        return self.query(
            "SELECT CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN not_before > now() "
            "THEN 'held' ELSE 'queued' END AS status, channel, kind, school_id AS school, "
            "title, risk, created_at AS created, not_before AS held_until, sent_at AS sent, "
            "attempts, last_error, delivery_id "
            f"FROM channel_deliveries {where}ORDER BY created_at DESC, delivery_id LIMIT ?",
            [limit],
        )


def _already_queued(con: duckdb.DuckDBPyConnection, delivery: ChannelDelivery) -> bool:
    if con.execute(
        "SELECT count(*) FROM channel_deliveries WHERE delivery_id = ?", [delivery.delivery_id]
    ).fetchall()[0][0]:
        return True
    if delivery.kind == "digest":
        return bool(con.execute(
            "SELECT count(*) FROM channel_deliveries WHERE kind = 'digest' AND channel = ? "
            "AND school_id = ? AND week = ?",
            [delivery.channel, delivery.school_id, delivery.week],
        ).fetchall()[0][0])
    if delivery.mention_ids:
        return bool(con.execute(
            "SELECT count(*) FROM channel_alerted WHERE channel = ? "
            "AND mention_id IN (SELECT unnest(?::BIGINT[]))",
            [delivery.channel, list(delivery.mention_ids)],
        ).fetchall()[0][0])
    return False
