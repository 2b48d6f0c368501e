"""Screen prints: the pictures of pages kept as evidence (one row per attempt), and what the
evidence pack of a case reads in one go."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from crawler.ground.errors import CaseError
from crawler.ground.screenprint import ScreenPrint
from crawler.ground.vocab import Risk
from crawler.store.audit import parse_json, record_action
from crawler.store.base import StoreBase, draw_ids, now

FILE_KINDS = ("png", "pdf")
META_COLUMNS = (
    "id, mention_id, case_id, requested_url, final_url, http_status, captured_at, captured_by, "
    "png_sha256, pdf_sha256, octet_length(png) AS png_bytes, octet_length(pdf) AS pdf_bytes, "
    "error"
)


def _records(cursor: Any) -> list[dict[str, Any]]:
    columns = [column[0] for column in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


class ScreenPrintStore(StoreBase):
    def record_screen_print(
        self,
        mention_id: int,
        url: str,
        actor: str,
        shot: ScreenPrint | None = None,
        error: str | None = None,
        case_id: int | None = None,
    ) -> int:
        """Keeps one attempt: the files and their hashes, or why there are none; audited."""
        with self.transaction(wait=15.0) as con:
            (print_id,) = draw_ids(con, "screen_prints_id", 1)
            con.execute(
                "INSERT INTO screen_prints (id, mention_id, case_id, requested_url, final_url, "
                "http_status, captured_at, captured_by, png, png_sha256, pdf, pdf_sha256, "
                "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [print_id, mention_id, case_id, url, shot.final_url if shot else None,
                 shot.http_status if shot else None, shot.captured_at if shot else now(),
                 actor, shot.png if shot else None, shot.png_sha256 if shot else None,
                 shot.pdf if shot else None, shot.pdf_sha256 if shot else None,
                 None if shot else (error or "no screen print")],
            )
            after: dict[str, Any] = {"screen_print": print_id}
            if shot:
                after.update(http_status=shot.http_status, png_sha256=shot.png_sha256,
                             pdf_sha256=shot.pdf_sha256, final_url=shot.final_url)
            else:
                after["error"] = error
            record_action(con, actor, "screen_print", mention_id=mention_id, case_id=case_id,
                          after=after)
        return int(print_id)

    def screen_prints(self, mention_id: int) -> list[dict[str, Any]]:
        """Every attempt for the mention, newest first, without the files."""
        with self.reader() as con:
            return _records(con.execute(
                f"SELECT {META_COLUMNS} FROM screen_prints WHERE mention_id = ? "
                "ORDER BY captured_at DESC, id DESC", [mention_id]))

    def screen_print_file(self, print_id: int, kind: str) -> tuple[int, bytes] | None:
        """(mention id, the file's bytes), or None when there is no such file."""
        if kind not in FILE_KINDS:
            return None
        with self.reader() as con:
            rows = con.execute(
                f"SELECT mention_id, {kind} FROM screen_prints WHERE id = ? AND {kind} IS NOT NULL",
                [print_id]).fetchall()
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def wanting_screen_prints(self, since: datetime, limit: int) -> list[tuple[int, str]]:
        """High-risk mentions first seen since `since` with no screen print attempted yet:
        (id, url), newest first, at most `limit`."""
        return [
            (row[0], row[1]) for row in self.query(
                "SELECT id, url FROM mentions WHERE risk = ? AND first_seen_at >= ? "
                "AND id NOT IN (SELECT mention_id FROM screen_prints) "
                "ORDER BY first_seen_at DESC, id DESC LIMIT ?",
                [Risk.HIGH, since, limit],
            ).rows
        ]

    def case_evidence(self, case_id: int) -> dict[str, Any]:
        """Everything an evidence pack holds for a case, read in one transaction: the case and
        its events, the mention, its stored bytes, its screen prints with their files, and the
        audit log of the mention and the case."""
        with self.reader() as con:
            cases = _records(con.execute(
                "SELECT id, mention_id, school_id, url, status, opened_at, updated_at, "
                "reported_at, closed_at, last_checked_at, last_check FROM cases WHERE id = ?",
                [case_id]))
            if not cases:
                raise CaseError(f"no case with id {case_id}")
            case = cases[0]
            mention = _records(con.execute(
                "SELECT id, school_id, school_name, source, source_kind, url, final_url, title, "
                "author, text, published_at, first_seen_at, fetched_at, http_status, "
                "raw_sha256, risk, sentiment, categories, status, status_reason "
                "FROM mentions WHERE id = ?", [case["mention_id"]]))[0]
            raw = con.execute(
                "SELECT content_type, body_zlib FROM raw_responses WHERE sha256 = ? LIMIT 1",
                [mention["raw_sha256"]]).fetchall()
            prints = _records(con.execute(
                f"SELECT {META_COLUMNS}, png, pdf FROM screen_prints WHERE mention_id = ? "
                "AND error IS NULL ORDER BY captured_at, id", [case["mention_id"]]))
            events = _records(con.execute(
                "SELECT event_at, kind, status, note, http_status, raw_sha256 FROM case_events "
                "WHERE case_id = ? ORDER BY event_at", [case_id]))
            audit = _records(con.execute(
                "SELECT acted_at, actor, action, case_id, before, after FROM audit_log "
                "WHERE mention_id = ? OR case_id = ? ORDER BY acted_at, id",
                [case["mention_id"], case_id]))
        for entry in audit:
            entry["before"] = parse_json(entry["before"])
            entry["after"] = parse_json(entry["after"])
        return {"case": case, "mention": mention,
                "raw": (raw[0][0], zlib.decompress(raw[0][1])) if raw else None,
                "screen_prints": prints, "events": events, "audit": audit}

    def record_pack(self, case_id: int, mention_id: int, actor: str, sha256: str) -> None:
        """Who made an evidence pack of the case, and the pack's own SHA-256."""
        with self.transaction(wait=15.0) as con:
            record_action(con, actor, "evidence_pack", mention_id=mention_id, case_id=case_id,
                          after={"sha256": sha256})
