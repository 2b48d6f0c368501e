"""The outbox tables: every composed email (digests and alerts) and which mentions were alerted.

Exactly-once lives here. Queueing checks, inside the write transaction, that no digest for the
same (school, ISO week) and no alert for the same mention exists; claiming takes messages for
a while so that two senders never pick the same one; a message is marked sent only after the
SMTP server accepted it (digest/mailer.py decides that; this module records it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from crawler.store.base import QueryResult, StoreBase, now


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


@dataclass(frozen=True)
class QueuedAlert:
    subject: str
    eml_path: str | None
    body: bytes = field(repr=False)


class OutboxStore(StoreBase):
    def queue_messages(
        self,
        messages: Sequence[OutgoingMessage],
        write_copy: Callable[[OutgoingMessage, datetime], Path],
    ) -> QueueResult:
        """Records new messages in one transaction; `write_copy` writes each one's .eml file
        inside it, so a message is never recorded without its copy.

        A digest already queued for its school and week, or an alert about a mention that was
        already alerted, is skipped: re-running never queues a message twice.
        """
        result = QueueResult()
        if not messages:
            return result
        stamp = now()
        with self.transaction() as con:
            for message in messages:
                if _already_queued(con, message):
                    result.skipped.append(message.message_id)
                    continue
                path = write_copy(message, stamp)
                con.execute(
                    "INSERT INTO email_messages (message_id, kind, school_id, week, subject, "
                    "sender, recipients, created_at, attempts, eml_path, body) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    [
                        message.message_id, message.kind, message.school_id, message.week,
                        message.subject, message.sender, list(message.recipients), stamp,
                        str(path), message.body,
                    ],
                )
                if message.mention_ids:
                    con.execute(
                        "INSERT INTO alerted_mentions (mention_id, school_id, message_id, "
                        "queued_at) SELECT unnest(?::BIGINT[]), ?, ?, ?",
                        [list(message.mention_ids), message.school_id, message.message_id,
                         stamp],
                    )
                result.queued.append(message.message_id)
                result.eml_paths[message.message_id] = path
        return result

    def digest_queued(self, school_id: str, week: str) -> bool:
        return bool(
            self.query(
                "SELECT count(*) FROM email_messages WHERE kind = 'digest' AND school_id = ? "
                "AND week = ?",
                [school_id, week],
            ).rows[0][0]
        )

    def claim_pending(self, lease: timedelta) -> list[ClaimedMessage]:
        """Takes every unsent message no other sender holds, for `lease`; oldest first."""
        stamp = now()
        with self.transaction() as con:
            rows = con.execute(
                "UPDATE email_messages SET claimed_until = ? WHERE sent_at IS NULL "
                "AND (claimed_until IS NULL OR claimed_until < ?) "
                "RETURNING message_id, sender, recipients, body, attempts, created_at",
                [stamp + lease, stamp],
            ).fetchall()
        rows.sort(key=lambda row: (row[5], row[0]))
        return [
            ClaimedMessage(row[0], row[1], tuple(row[2]), bytes(row[3]), row[4]) for row in rows
        ]

    def mark_sent(self, message_id: str) -> None:
        stamp = now()
        self._update(
            "UPDATE email_messages SET sent_at = ?, last_attempt_at = ?, "
            "attempts = attempts + 1, last_error = NULL, claimed_until = NULL "
            "WHERE message_id = ? AND sent_at IS NULL",
            [stamp, stamp, message_id],
        )

    def mark_failed(self, message_ids: Sequence[str], error: str) -> None:
        """Leaves the messages queued, one more attempt counted, for the next run to retry."""
        if not message_ids:
            return
        self._update(
            "UPDATE email_messages SET last_attempt_at = ?, attempts = attempts + 1, "
            "last_error = ?, claimed_until = NULL "
            "WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND sent_at IS NULL",
            [now(), error[:500], list(message_ids)],
        )

    def release(self, message_ids: Sequence[str]) -> None:
        """Gives claimed messages back without counting an attempt (nothing was tried)."""
        if message_ids:
            self._update(
                "UPDATE email_messages SET claimed_until = NULL "
                "WHERE message_id IN (SELECT unnest(?::VARCHAR[])) AND sent_at IS NULL",
                [list(message_ids)],
            )

    def _update(self, sql: str, params: list[object]) -> None:
        with self.transaction() as con:
            con.execute(sql, params)

    def unsent_count(self) -> int:
        return self.query("SELECT count(*) FROM email_messages WHERE sent_at IS NULL").rows[0][0]

    def list_messages(self, *, pending_only: bool = False, limit: int = 50) -> QueryResult:
        """Queued and sent messages, newest first, without their bodies."""
        where = "WHERE sent_at IS NULL " if pending_only else ""
        return self.query(
            "SELECT CASE WHEN sent_at IS NOT NULL THEN 'sent' ELSE 'queued' END AS status, "
            "kind, school_id AS school, week, subject, "
            "array_to_string(recipients, ', ') AS recipients, created_at AS created, "
            "sent_at AS sent, attempts, last_error, message_id, eml_path "
            f"FROM email_messages {where}ORDER BY created_at DESC, message_id LIMIT ?",
            [limit],
        )

    def queued_alerts(self) -> list[QueuedAlert]:
        """Every alert queued, oldest first, with its body."""
        return [
            QueuedAlert(subject, eml_path, bytes(body))
            for subject, eml_path, body in self.query(
                "SELECT subject, eml_path, body FROM email_messages WHERE kind = 'alert' "
                "ORDER BY created_at"
            ).rows
        ]


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
