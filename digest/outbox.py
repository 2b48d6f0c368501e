"""The outbox: every composed message in DuckDB (and as a .eml file) until SMTP has accepted it.

Exactly-once lives here. Queueing checks, inside the write transaction, that no digest for the
same (school, ISO week) and no alert for the same mention exists; sending claims messages for a
while so that two senders never pick the same one; a message is marked sent only after the SMTP
server accepted it. The schema is in crawler/migrations/0020_outbox.sql.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from crawler.store import QueryResult, Store


@dataclass(frozen=True)
class OutgoingMessage:
    """A composed message, ready to queue."""

    message_id: str
    kind: str  # digest | alert
    school_id: str
    subject: str
    sender: str
    recipients: tuple[str, ...]
    body: bytes = field(repr=False)
    week: str | None = None
    mention_ids: tuple[int, ...] = ()  # the mentions an alert is about


@dataclass(frozen=True)
class QueueResult:
    queued: list[str] = field(default_factory=list)  # message ids
    skipped: list[str] = field(default_factory=list)  # already queued earlier
    eml_paths: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimedMessage:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    body: bytes = field(repr=False)
    attempts: int


def _now() -> datetime:
    return datetime.now(UTC)


def queue_messages(
    store: Store, messages: Sequence[OutgoingMessage], outbox: Path
) -> QueueResult:
    """Records new messages and writes their .eml copies, in one transaction.

    A digest already queued for its school and week, or an alert about a mention that was
    already alerted, is skipped: re-running never queues a message twice.
    """
    result = QueueResult()
    if not messages:
        return result
    now = _now()
    with store.transaction() as con:
        for message in messages:
            if _already_queued(con, message):
                result.skipped.append(message.message_id)
                continue
            path = _write_eml(outbox, message, now)
            con.execute(
                "INSERT INTO email_messages (message_id, kind, school_id, week, subject, "
                "sender, recipients, created_at, attempts, eml_path, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                [
                    message.message_id, message.kind, message.school_id, message.week,
                    message.subject, message.sender, list(message.recipients), now,
                    str(path), message.body,
                ],
            )
            if message.mention_ids:
                con.execute(
                    "INSERT INTO alerted_mentions SELECT unnest(?::BIGINT[]), ?, ?, ?",
                    [list(message.mention_ids), message.school_id, message.message_id, now],
                )
            result.queued.append(message.message_id)
            result.eml_paths[message.message_id] = path
    return result


def _already_queued(con: duckdb.DuckDBPyConnection, message: OutgoingMessage) -> bool:
    if con.execute(
        "SELECT count(*) FROM email_messages WHERE message_id = ?", [message.message_id]
    ).fetchall()[0][0]:
        return True
    if message.kind == "digest":
        return bool(
            con.execute(
                "SELECT count(*) FROM email_messages WHERE kind = 'digest' AND school_id = ? "
                "AND week = ?",
                [message.school_id, message.week],
            ).fetchall()[0][0]
        )
    if message.mention_ids:
        # Any overlap skips the whole alert; queue_alerts composes the rest again next time.
        return bool(
            con.execute(
                "SELECT count(*) FROM alerted_mentions "
                "WHERE mention_id IN (SELECT unnest(?::BIGINT[]))",
                [list(message.mention_ids)],
            ).fetchall()[0][0]
        )
    return False


def _write_eml(outbox: Path, message: OutgoingMessage, now: datetime) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    if message.week:
        name = f"{message.kind}-{message.school_id}-{message.week}"
    else:
        fingerprint = message.message_id.split("@", 1)[0].rsplit(".", 1)[-1][:10]
        name = f"{message.kind}-{message.school_id}-{now:%Y%m%dT%H%M%S}-{fingerprint}"
    path = outbox / f"{name}.eml"
    temporary = path.with_suffix(".eml.tmp")
    temporary.write_bytes(message.body)
    os.replace(temporary, path)
    return path


def digest_queued(store: Store, school_id: str, week: str) -> bool:
    return bool(
        store.query(
            "SELECT count(*) FROM email_messages WHERE kind = 'digest' AND school_id = ? "
            "AND week = ?",
            [school_id, week],
        ).rows[0][0]
    )


def claim_pending(store: Store, lease: timedelta) -> list[ClaimedMessage]:
    """Takes every unsent message no other sender holds, for `lease`; oldest first."""
    now = _now()
    with store.transaction() as con:
        rows = con.execute(
            "UPDATE email_messages SET claimed_until = ? WHERE sent_at IS NULL "
            "AND (claimed_until IS NULL OR claimed_until < ?) "
            "RETURNING message_id, sender, recipients, body, attempts, created_at",
            [now + lease, now],
        ).fetchall()
    rows.sort(key=lambda row: (row[5], row[0]))
    return [
        ClaimedMessage(row[0], row[1], tuple(row[2]), bytes(row[3]), row[4]) for row in rows
    ]


def mark_sent(store: Store, message_id: str) -> None:
    now = _now()
    _update(
        store,
        "UPDATE email_messages SET sent_at = ?, last_attempt_at = ?, attempts = attempts + 1, "
        "last_error = NULL, claimed_until = NULL WHERE message_id = ? AND sent_at IS NULL",
        [now, now, message_id],
    )


def mark_failed(store: Store, message_ids: Sequence[str], error: str) -> None:
    """Leaves the messages queued, one more attempt counted, for the next run to retry."""
    if not message_ids:
        return
    _update(
        store,
        "UPDATE email_messages SET last_attempt_at = ?, attempts = attempts + 1, "
        "last_error = ?, claimed_until = NULL "
        "WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND sent_at IS NULL",
        [_now(), error[:500], list(message_ids)],
    )


def release(store: Store, message_ids: Sequence[str]) -> None:
    """Gives claimed messages back without counting an attempt (nothing was tried)."""
    if message_ids:
        _update(
            store,
            "UPDATE email_messages SET claimed_until = NULL "
            "WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND sent_at IS NULL",
            [list(message_ids)],
        )


def _update(store: Store, sql: str, params: list[object]) -> None:
    with store.transaction() as con:
        con.execute(sql, params)


def list_messages(store: Store, *, pending_only: bool = False, limit: int = 50) -> QueryResult:
    """Queued and sent messages, newest first, without their bodies."""
    where = "WHERE sent_at IS NULL " if pending_only else ""
    return store.query(
        "SELECT CASE WHEN sent_at IS NOT NULL THEN 'sent' ELSE 'queued' END AS status, kind, "
        "school_id AS school, week, subject, array_to_string(recipients, ', ') AS recipients, "
        "created_at AS created, sent_at AS sent, attempts, last_error, message_id, eml_path "
        f"FROM email_messages {where}ORDER BY created_at DESC, message_id LIMIT ?",
        [limit],
    )
