"""The audit log: every action a person took in the inbox or through the CLI, with before/after.

Written in the same transaction as the change it records, so the log never disagrees with the
store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from crawler.store.base import StoreBase


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    mention_id: int | None
    case_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date) else str(v))


def record_action(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    *,
    mention_id: int | None = None,
    case_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    con.execute(
        "INSERT INTO audit_log (id, acted_at, actor, action, mention_id, case_id, before, "
        "after) VALUES (nextval('audit_log_id'), ?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(UTC), actor, action, mention_id, case_id, _json(before), _json(after)],
    )


def parse_json(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else dict(value)


class AuditStore(StoreBase):
    """Mixin on Store: reading the audit log."""

    def audit_entries(
        self, *, mention_id: int | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        sql = (
            "SELECT id, acted_at, actor, action, mention_id, case_id, before, after "
            "FROM audit_log "
        )
        params: list[Any] = []
        if mention_id is not None:
            sql += "WHERE mention_id = ? "
            params.append(mention_id)
        sql += "ORDER BY acted_at DESC, id DESC LIMIT ?"
        params.append(limit)
        with self.reader() as con:
            rows = con.execute(sql, params).fetchall()
        return [
            AuditEntry(row[0], row[1], row[2], row[3], row[4], row[5], parse_json(row[6]),
                       parse_json(row[7]))
            for row in rows
        ]
