"""The outbox: every composed message in DuckDB (and as a .eml file) until SMTP has accepted it.

The exactly-once bookkeeping lives in the store (crawler/store/outbox.py); this module writes
the .eml copies and gives the mailer and the commands the operations they use.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from crawler.store import QueryResult, Store
from crawler.store.outbox import ClaimedMessage, OutgoingMessage, QueueResult

__all__ = [
    "ClaimedMessage",
    "OutgoingMessage",
    "QueueResult",
    "claim_pending",
    "digest_queued",
    "list_messages",
    "mark_failed",
    "mark_sent",
    "queue_messages",
    "release",
]


def queue_messages(
    store: Store, messages: Sequence[OutgoingMessage], outbox: Path
) -> QueueResult:
    """Records new messages and writes their .eml copies, in one transaction.

    A digest already queued for its school and week, or an alert about a mention that was
    already alerted, is skipped: re-running never queues a message twice.
    """
    return store.queue_messages(messages, lambda message, at: write_eml(outbox, message, at))


def write_eml(outbox: Path, message: OutgoingMessage, at: datetime) -> Path:
    """Writes the message to the outbox folder (atomically: a reader never sees half a file)."""
    outbox.mkdir(parents=True, exist_ok=True)
    if message.week:
        name = f"{message.kind}-{message.school_id}-{message.week}"
    else:
        fingerprint = message.message_id.split("@", 1)[0].rsplit(".", 1)[-1][:10]
        name = f"{message.kind}-{message.school_id}-{at:%Y%m%dT%H%M%S}-{fingerprint}"
    path = outbox / f"{name}.eml"
    temporary = path.with_suffix(".eml.tmp")
    temporary.write_bytes(message.body)
    os.replace(temporary, path)
    return path


def digest_queued(store: Store, school_id: str, week: str) -> bool:
    return store.digest_queued(school_id, week)


def claim_pending(store: Store, lease: timedelta) -> list[ClaimedMessage]:
    """Takes every unsent message no other sender holds, for `lease`; oldest first."""
    return store.claim_pending(lease)


def mark_sent(store: Store, message_id: str) -> None:
    store.mark_sent(message_id)


def mark_failed(store: Store, message_ids: Sequence[str], error: str) -> None:
    """Leaves the messages queued, one more attempt counted, for the next run to retry."""
    store.mark_failed(message_ids, error)


def release(store: Store, message_ids: Sequence[str]) -> None:
    """Gives claimed messages back without counting an attempt (nothing was tried)."""
    store.release(message_ids)


def list_messages(store: Store, *, pending_only: bool = False, limit: int = 50) -> QueryResult:
    """Queued and sent messages, newest first, without their bodies."""
    return store.list_messages(pending_only=pending_only, limit=limit)
