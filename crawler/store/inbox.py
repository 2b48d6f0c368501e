"""What people decide about mentions: status, assignment, notes, corrections; and the inbox's
reads (filtered pages, counts, one mention with its evidence, the weekly chart, feedback).

Every filter is a fixed SQL fragment with a parameter: no SQL is ever built from input text.
A `schools` scope of None means every school (an admin); otherwise only those schools are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from crawler.ground.errors import TriageError
from crawler.ground.inbox_status import RESOLVED, check_change
from crawler.ground.vocab import ACTION_RISKS, MentionStatus, Risk, Sentiment
from crawler.store.audit import record_action
from crawler.store.base import StoreBase

PAGE_SIZE = 50
CORRECTABLE = {"sentiment": tuple(Sentiment), "risk": Risk.most_urgent_first()}
# How the inbox may be ordered: the lead's default puts what needs action first.
NEEDS_ACTION_FIRST = "needs_action"
NEWEST_FIRST = "newest"
ORDERS = (NEEDS_ACTION_FIRST, NEWEST_FIRST)
# Unresolved high risk, then unresolved medium risk, then everything else (0, 1, 2): the
# digest's "needs action" rule (crawler.ground.inbox_status.needs_action) as a sort key.
_ACTION_RANK = (
    "CASE WHEN status IN (SELECT unnest(?::VARCHAR[])) THEN {rest} "
    + " ".join(f"WHEN risk = ? THEN {rank}" for rank in range(len(ACTION_RISKS)))
    + " ELSE {rest} END"
).format(rest=len(ACTION_RISKS))
_ACTION_RANK_PARAMS = [sorted(RESOLVED), *ACTION_RISKS]

LIST_COLUMNS = (
    "id, school_id, school_name, source, source_kind, url, title, author, "
    "coalesce(published_at, first_seen_at) AS happened_at, first_seen_at, sentiment, risk, "
    "categories, status, assigned_to, left(text, 240) AS snippet"
)


@dataclass(frozen=True)
class InboxFilter:
    school: str | None = None
    status: str | None = None
    risk: str | None = None
    category: str | None = None
    sentiment: str | None = None
    source: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    q: str | None = None  # every word must occur in the title or text (case ignored)
    assigned_to: str | None = None
    order: str = NEEDS_ACTION_FIRST


@dataclass
class InboxPage:
    rows: list[dict[str, Any]]
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # per status, other filters applied


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(
    f: InboxFilter, schools: Sequence[str] | None, *, with_status: bool = True
) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    if schools is not None:
        conditions.append("school_id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(schools))
    fixed = [
        ("school_id = ?", f.school),
        ("risk = ?", f.risk),
        ("list_contains(categories, ?)", f.category),
        ("sentiment = ?", f.sentiment),
        ("source = ?", f.source),
        ("assigned_to = ?", f.assigned_to),
    ]
    if with_status:
        fixed.append(("status = ?", f.status))
    for fragment, value in fixed:
        if value:
            conditions.append(fragment)
            params.append(value)
    if f.since:
        conditions.append("coalesce(published_at, first_seen_at) >= ?")
        params.append(datetime.combine(f.since, datetime.min.time(), UTC))
    if f.until:
        conditions.append("coalesce(published_at, first_seen_at) < ?")
        params.append(datetime.combine(f.until + timedelta(days=1), datetime.min.time(), UTC))
    for word in (f.q or "").split()[:8]:
        conditions.append("(coalesce(title, '') || ' ' || text) ILIKE ? ESCAPE '\\'")
        params.append(_like(word))
    return ("WHERE " + " AND ".join(conditions) + " ") if conditions else "", params


def _order_by(f: InboxFilter) -> tuple[str, list[Any]]:
    if f.order == NEWEST_FIRST:
        return "ORDER BY happened_at DESC, id DESC ", []
    return f"ORDER BY {_ACTION_RANK}, happened_at DESC, id DESC ", list(_ACTION_RANK_PARAMS)


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    columns = [column[0] for column in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _triage_row(con: duckdb.DuckDBPyConnection, mention_id: int) -> dict[str, Any]:
    rows = con.execute(
        "SELECT status, reason, assigned_to FROM mention_triage WHERE mention_id = ?",
        [mention_id],
    ).fetchall()
    if not rows:
        return {"status": MentionStatus.NEW.value, "reason": None, "assigned_to": None}
    return {"status": rows[0][0], "reason": rows[0][1], "assigned_to": rows[0][2]}


def _write_triage(
    con: duckdb.DuckDBPyConnection, mention_id: int, state: dict[str, Any], actor: str
) -> None:
    con.execute("DELETE FROM mention_triage WHERE mention_id = ?", [mention_id])
    con.execute(
        "INSERT INTO mention_triage (mention_id, status, reason, assigned_to, updated_at, "
        "updated_by) VALUES (?, ?, ?, ?, ?, ?)",
        [mention_id, state["status"], state["reason"], state["assigned_to"], datetime.now(UTC),
         actor],
    )


def _school_of(
    con: duckdb.DuckDBPyConnection, mention_id: int, schools: Sequence[str] | None
) -> str:
    rows = con.execute(
        "SELECT school_id FROM mention_records WHERE id = ?", [mention_id]
    ).fetchall()
    if not rows or (schools is not None and rows[0][0] not in schools):
        raise TriageError(f"no mention with id {mention_id}")
    return rows[0][0]


def mark_case_opened(
    con: duckdb.DuckDBPyConnection, mention_id: int, case_id: int, actor: str
) -> None:
    """In the transaction that opens a takedown case: the mention's status follows."""
    before = _triage_row(con, mention_id)
    after = {**before, "status": MentionStatus.CASE_OPENED.value, "reason": None}
    _write_triage(con, mention_id, after, actor)
    record_action(con, actor, "open_case", mention_id=mention_id, case_id=case_id,
                  before=before, after=after)


class InboxStore(StoreBase):
    """Mixin on Store: the inbox's reads and the triage writes (each one short transaction)."""

    # ---- reads -----------------------------------------------------------------------------

    def inbox(
        self,
        f: InboxFilter,
        schools: Sequence[str] | None,
        *,
        limit: int = PAGE_SIZE,
        offset: int = 0,
    ) -> InboxPage:
        where, params = _where(f, schools)
        count_where, count_params = _where(f, schools, with_status=False)
        order, order_params = _order_by(f)
        with self.reader() as con:
            rows = _records(con.execute(
                f"SELECT {LIST_COLUMNS} FROM mentions {where}{order}LIMIT ? OFFSET ?",
                [*params, *order_params, limit, offset],
            ))
            counts = dict(con.execute(
                f"SELECT status, count(*) FROM mentions {count_where}GROUP BY status",
                count_params,
            ).fetchall())
        total = counts.get(f.status, 0) if f.status else sum(counts.values())
        return InboxPage(rows, total, {s.value: counts.get(s.value, 0) for s in MentionStatus})

    def inbox_export(self, f: InboxFilter, schools: Sequence[str] | None) -> list[dict[str, Any]]:
        where, params = _where(f, schools)
        order, order_params = _order_by(f)
        with self.reader() as con:
            return _records(con.execute(
                "SELECT id, school_id, coalesce(published_at, first_seen_at) AS happened_at, "
                "source, url, title, author, sentiment, risk, categories, status, "
                f"status_reason, assigned_to, text FROM mentions {where}{order}",
                [*params, *order_params],
            ))

    def inbox_choices(self, schools: Sequence[str] | None) -> dict[str, list[str]]:
        """The values the filters offer: sources and categories present in scope."""
        where, params = _where(InboxFilter(), schools)
        with self.reader() as con:
            sources = [r[0] for r in con.execute(
                f"SELECT DISTINCT source FROM mention_records {where}ORDER BY 1", params
            ).fetchall()]
            categories = [r[0] for r in con.execute(
                f"SELECT DISTINCT unnest(categories) FROM mentions {where}ORDER BY 1", params
            ).fetchall()]
        return {"sources": sources, "categories": categories}

    def mention(self, mention_id: int, schools: Sequence[str] | None) -> dict[str, Any] | None:
        """One mention from the view, with its versions, sightings, notes and cases; None when
        it does not exist or is outside the scope (the web answers 404 for both)."""
        with self.reader() as con:
            rows = _records(con.execute("SELECT * FROM mentions WHERE id = ?", [mention_id]))
            if not rows or (schools is not None and rows[0]["school_id"] not in schools):
                return None
            mention = rows[0]
            mention["versions"] = _records(con.execute(
                "SELECT version, title, text, fetched_at, raw_sha256, replaced_at "
                "FROM mention_versions WHERE mention_id = ? ORDER BY version DESC", [mention_id]))
            mention["sightings"] = _records(con.execute(
                "SELECT source, url, seen_at FROM mention_sightings WHERE mention_id = ? "
                "ORDER BY seen_at", [mention_id]))
            mention["notes"] = _records(con.execute(
                "SELECT author, noted_at, note FROM mention_notes WHERE mention_id = ? "
                "ORDER BY noted_at", [mention_id]))
            mention["cases"] = _records(con.execute(
                "SELECT id, status, opened_at, last_checked_at, last_check FROM cases "
                "WHERE mention_id = ? ORDER BY opened_at", [mention_id]))
            raw = con.execute(
                "SELECT content_type, size_bytes FROM raw_responses WHERE sha256 = ? LIMIT 1",
                [mention["raw_sha256"]]).fetchall()
            mention["raw_content_type"], mention["raw_size"] = raw[0] if raw else (None, None)
        return mention

    def weekly_counts(
        self, schools: Sequence[str] | None, since: datetime
    ) -> list[dict[str, Any]]:
        """Mentions per ISO week (Monday, London time) by sentiment and by risk."""
        where, params = _where(InboxFilter(), schools)
        where = (where + "AND " if where else "WHERE ") + (
            "coalesce(published_at, first_seen_at) >= ? "
        )
        with self.reader() as con:
            return _records(con.execute(
                "SELECT date_trunc('week', timezone('Europe/London', "
                "coalesce(published_at, first_seen_at)))::DATE AS week, "
                "coalesce(sentiment, 'unclassified') AS sentiment, "
                "coalesce(risk, 'unclassified') AS risk, count(*) AS n "
                f"FROM mentions {where}GROUP BY ALL ORDER BY week",
                [*params, since],
            ))

    def feedback_examples(self) -> list[dict[str, Any]]:
        """Every corrected mention with its labels after correction (the training data shape)."""
        with self.reader() as con:
            return _records(con.execute(
                "SELECT m.id AS mention_id, m.school_id, m.school_name, "
                "concat_ws('\n', m.title, m.text) AS text, m.sentiment, m.risk, m.categories, "
                "m.model_sentiment, m.model_risk, m.model_version, "
                "(SELECT list(DISTINCT f.field ORDER BY f.field) FROM mention_feedback f "
                " WHERE f.mention_id = m.id) AS corrected "
                "FROM mentions m WHERE m.id IN (SELECT mention_id FROM mention_feedback) "
                "ORDER BY m.id"
            ))

    def model_corrections(self) -> list[dict[str, Any]]:
        """What people taught the classifier: each mention whose risk a person corrected (with
        that risk) or marked a false positive (risk_corrected false), oldest first."""
        with self.reader() as con:
            return _records(con.execute(
                "SELECT m.id AS mention_id, concat_ws('\n', m.title, m.text) AS text, m.risk, "
                "m.status, m.id IN (SELECT mention_id FROM mention_feedback "
                "WHERE field = 'risk') AS risk_corrected "
                "FROM mentions m WHERE m.status = 'false_positive' "
                "OR m.id IN (SELECT mention_id FROM mention_feedback WHERE field = 'risk') "
                "ORDER BY m.id"
            ))

    # ---- writes ----------------------------------------------------------------------------

    def set_status(
        self,
        mention_ids: Sequence[int],
        status: str,
        actor: str,
        *,
        reason: str | None = None,
        schools: Sequence[str] | None = None,
    ) -> int:
        """Marks each mention (a bulk action is one transaction); returns how many changed."""
        new = check_change(status, reason)
        reason = (reason or "").strip() or None
        changed = 0
        with self.transaction(wait=15.0) as con:
            for mention_id in mention_ids:
                _school_of(con, mention_id, schools)
                before = _triage_row(con, mention_id)
                after = {**before, "status": new.value, "reason": reason}
                if after == before:
                    continue
                _write_triage(con, mention_id, after, actor)
                record_action(con, actor, "status", mention_id=mention_id, before=before,
                              after=after)
                changed += 1
        return changed

    def assign(
        self, mention_id: int, email: str | None, actor: str,
        schools: Sequence[str] | None = None,
    ) -> None:
        with self.transaction(wait=15.0) as con:
            school = _school_of(con, mention_id, schools)
            if email:
                user = con.execute(
                    "SELECT role, schools FROM users WHERE email = ?", [email]).fetchall()
                if not user or (user[0][0] != "admin" and school not in (user[0][1] or [])):
                    raise TriageError(f"{email} is not a user who can see this school")
            before = _triage_row(con, mention_id)
            after = {**before, "assigned_to": email or None}
            _write_triage(con, mention_id, after, actor)
            record_action(con, actor, "assign", mention_id=mention_id,
                          before={"assigned_to": before["assigned_to"]},
                          after={"assigned_to": after["assigned_to"]})

    def add_note(
        self, mention_id: int, note: str, actor: str, schools: Sequence[str] | None = None
    ) -> None:
        note = note.strip()
        if not note:
            raise TriageError("the note is empty")
        with self.transaction(wait=15.0) as con:
            _school_of(con, mention_id, schools)
            con.execute(
                "INSERT INTO mention_notes (mention_id, author, noted_at, note) "
                "VALUES (?, ?, ?, ?)", [mention_id, actor, datetime.now(UTC), note])
            record_action(con, actor, "note", mention_id=mention_id, after={"note": note})

    def correct(
        self, mention_id: int, field_name: str, value: str, actor: str,
        schools: Sequence[str] | None = None,
    ) -> None:
        """A person's sentiment or risk for the mention, kept as labelled feedback."""
        allowed = CORRECTABLE.get(field_name)
        if allowed is None or value not in allowed:
            raise TriageError(f"{field_name} cannot be set to {value!r}")
        with self.transaction(wait=15.0) as con:
            _school_of(con, mention_id, schools)
            current = con.execute(
                f"SELECT {'sentiment' if field_name == 'sentiment' else 'risk'}, "
                f"model_{field_name}, model_version FROM mentions WHERE id = ?",
                [mention_id]).fetchall()[0]
            con.execute(
                "INSERT INTO mention_feedback (mention_id, field, model_value, value, "
                "model_version, corrected_by, corrected_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [mention_id, field_name, current[1], value, current[2], actor,
                 datetime.now(UTC)])
            record_action(con, actor, "correct", mention_id=mention_id,
                          before={field_name: current[0]}, after={field_name: value})

