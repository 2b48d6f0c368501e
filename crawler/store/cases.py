"""Takedown cases and their events (status changes and re-checks with the bytes received)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from crawler.ground.errors import CaseError
from crawler.ground.vocab import CLOSED_CASES, UNRESOLVED_CASES, CaseStatus
from crawler.store.base import StoreBase, draw_ids, now
from crawler.store.evidence import RawResponse, write_raw_responses
from crawler.store.inbox import mark_case_opened

UNRESOLVED = UNRESOLVED_CASES
CLOSED = CLOSED_CASES


@dataclass(frozen=True)
class Case:
    id: int
    mention_id: int
    school_id: str
    url: str
    status: CaseStatus
    opened_at: datetime
    updated_at: datetime
    reported_at: datetime | None
    closed_at: datetime | None
    last_checked_at: datetime | None
    last_check: str | None
    title: str | None
    note: str | None

    @property
    def unresolved(self) -> bool:
        return self.status in UNRESOLVED

    def age_days(self, at: datetime | None = None) -> int:
        end = self.closed_at or at or datetime.now(UTC)
        return max((end - self.opened_at).days, 0)


@dataclass(frozen=True)
class CaseCheck:
    """One re-check to record: what it saw, in words, and the response it received."""

    case_id: int
    removed: bool
    detail: str
    http_status: int | None
    response: RawResponse | None


def _case(row: tuple[Any, ...]) -> Case:
    return Case(row[0], row[1], row[2], row[3], CaseStatus(row[4]), *row[5:])


_CASE_SQL = """
SELECT c.id, c.mention_id, c.school_id, c.url, c.status, c.opened_at, c.updated_at,
       c.reported_at, c.closed_at, c.last_checked_at, c.last_check, m.title,
       (SELECT arg_max(e.note, e.event_at) FROM case_events e
        WHERE e.case_id = c.id AND e.note IS NOT NULL AND e.kind <> 'check') AS note
FROM cases c LEFT JOIN mention_records m ON m.id = c.mention_id
"""


class CaseStore(StoreBase):
    def open_case(self, mention_id: int, note: str | None = None, actor: str = "cli") -> int:
        """Opens a case on a mention and returns its id; refuses when the mention is unknown or
        already has one open. The mention's status becomes case_opened (audited as `actor`)."""
        stamp = now()
        with self.transaction() as con:
            mention = con.execute(
                "SELECT school_id, url FROM mention_records WHERE id = ?", [mention_id]
            ).fetchall()
            if not mention:
                raise CaseError(f"no mention with id {mention_id}")
            existing = con.execute(
                "SELECT id FROM cases WHERE mention_id = ? "
                "AND status IN (SELECT unnest(?::VARCHAR[]))",
                [mention_id, list(UNRESOLVED)],
            ).fetchall()
            if existing:
                raise CaseError(
                    f"mention {mention_id} already has case {existing[0][0]} open "
                    f"(use 'schoolwatch case update {existing[0][0]}')"
                )
            (case_id,) = draw_ids(con, "cases_id", 1)
            school_id, url = mention[0]
            con.execute(
                "INSERT INTO cases (id, mention_id, school_id, url, status, opened_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [case_id, mention_id, school_id, url, CaseStatus.OPEN, stamp, stamp],
            )
            _event(con, case_id, stamp, "opened", CaseStatus.OPEN, note)
            mark_case_opened(con, mention_id, case_id, actor)
        return case_id

    def set_case_status(
        self, case_id: int, status: CaseStatus, note: str | None = None
    ) -> None:
        stamp = now()
        with self.transaction() as con:
            if not con.execute("SELECT 1 FROM cases WHERE id = ?", [case_id]).fetchall():
                raise CaseError(f"no case with id {case_id}")
            _set_status(con, case_id, status, stamp)
            _event(con, case_id, stamp, "status", status, note)

    def get_case(self, case_id: int) -> Case:
        rows = self.query(_CASE_SQL + "WHERE c.id = ?", [case_id]).rows
        if not rows:
            raise CaseError(f"no case with id {case_id}")
        return _case(rows[0])

    def list_cases(
        self, *, school_id: str | None = None, unresolved_only: bool = False
    ) -> list[Case]:
        conditions, params = [], []
        if school_id is not None:
            conditions.append("c.school_id = ?")
            params.append(school_id)
        if unresolved_only:
            conditions.append("c.status IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(UNRESOLVED))
        where = ("WHERE " + " AND ".join(conditions) + " ") if conditions else ""
        rows = self.query(_CASE_SQL + where + "ORDER BY c.opened_at, c.id", params).rows
        return [_case(row) for row in rows]

    def case_events(self, case_id: int) -> list[dict[str, Any]]:
        return self.query(
            "SELECT event_at AS at, kind, status, note, http_status, raw_sha256 "
            "FROM case_events WHERE case_id = ? ORDER BY event_at",
            [case_id],
        ).records()

    def mention_texts(self, mention_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Title and text of each mention, '' where missing."""
        return {
            row[0]: (row[1] or "", row[2] or "")
            for row in self.query(
                "SELECT id, title, text FROM mention_records WHERE id IN "
                "(SELECT unnest(?::BIGINT[]))",
                [list(mention_ids)],
            ).rows
        }

    def record_checks(self, checks: Sequence[CaseCheck]) -> None:
        """Records re-checks in one transaction, keeping each response as evidence. A case
        closed by hand while the check was fetching keeps that decision."""
        stamp = now()
        with self.transaction() as con:
            for check in checks:
                sha256 = None
                if check.response is not None:
                    write_raw_responses(con, [check.response])
                    sha256 = check.response.sha256
                current = con.execute(
                    "SELECT status FROM cases WHERE id = ?", [check.case_id]
                ).fetchall()
                if not current or current[0][0] not in UNRESOLVED:
                    continue
                status = current[0][0]
                if check.removed:
                    status = CaseStatus.REMOVED
                    _set_status(con, check.case_id, status, stamp)
                con.execute(
                    "UPDATE cases SET last_checked_at = ?, last_check = ? WHERE id = ?",
                    [stamp, check.detail, check.case_id],
                )
                _event(con, check.case_id, stamp, "check", status, check.detail,
                       check.http_status, sha256)


def _set_status(
    con: duckdb.DuckDBPyConnection, case_id: int, status: CaseStatus, at: datetime
) -> None:
    con.execute(
        "UPDATE cases SET status = ?, updated_at = ?, "
        "reported_at = CASE WHEN ? THEN coalesce(reported_at, ?) ELSE reported_at END, "
        "closed_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?",
        [status, at, status == CaseStatus.REPORTED, at, status in CLOSED, at, case_id],
    )


def _event(
    con: duckdb.DuckDBPyConnection,
    case_id: int,
    at: datetime,
    kind: str,
    status: str,
    note: str | None,
    http_status: int | None = None,
    raw_sha256: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO case_events (case_id, event_at, kind, status, note, http_status, raw_sha256)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [case_id, at, kind, status, note, http_status, raw_sha256],
    )
