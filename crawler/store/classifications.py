"""What the classifier said about each mention: sentiment, risk, categories and reasons."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from crawler.ground.columns import arrow_timestamp
from crawler.store.base import StoreBase, insert_arrow, now


@dataclass(frozen=True)
class PendingMention:
    id: int
    school_id: str
    title: str
    text: str
    # The classification being replaced, if any: a re-tag after a model upgrade is counted and
    # reported (and its risk change), not silent.
    previous_version: str | None = None
    previous_risk: str | None = None
    source_kind: str = ""  # the kind of source it came from: a Wikipedia edit is read as one
    # Its `extra` lists text an edit added (a wiki revision's "added"); a revision that only
    # removed text (a revert) added nothing.
    edit_adds_text: bool = False


@dataclass(frozen=True)
class ClassificationRow:
    mention_id: int
    sentiment: str
    sentiment_score: float
    risk: str
    categories: tuple[str, ...]
    risk_reasons: dict[str, str]
    model_version: str
    read_chars: int | None = None  # how much of the post was read, when it was cut short
    text_chars: int | None = None


class ClassificationStore(StoreBase):
    def has_unclassified(self) -> bool:
        """Is any mention without a classification at all (a crawl that stopped before tagging)?
        One cheap query: no model is loaded to ask."""
        if not self.path.exists():
            return False
        sql = (
            "SELECT EXISTS (SELECT 1 FROM mention_records m "
            "LEFT JOIN classifications c ON c.mention_id = m.id WHERE c.mention_id IS NULL)"
        )
        return bool(self.query(sql).rows[0][0])

    def unclassified_ids(self) -> list[int]:
        """Mentions with no classification at all (by any model version)."""
        if not self.path.exists():
            return []
        return [row[0] for row in self.query(
            "SELECT m.id FROM mention_records m LEFT JOIN classifications c "
            "ON c.mention_id = m.id WHERE c.mention_id IS NULL ORDER BY m.id"
        ).rows]

    def pending_classification(
        self, model_version: str, *, everything: bool = False, ids: Sequence[int] | None = None
    ) -> list[PendingMention]:
        """Mentions never classified, or classified by another model version and not yet
        reviewed: what a person marked or corrected keeps the tags they saw (a new model
        version re-tags only mentions nobody has reviewed; `everything` re-tags all)."""
        sql = (
            "SELECT m.id, m.school_id, coalesce(m.title, ''), m.text, c.model_version, c.risk, "
            "m.source_kind, coalesce(json_array_length(m.extra, '$.added') > 0, false) "
            "FROM mention_records m "
            "LEFT JOIN classifications c ON c.mention_id = m.id "
        )
        params: list[Any] = []
        conditions = []
        if not everything:
            conditions.append(
                "(c.mention_id IS NULL OR (c.model_version <> ? AND m.id NOT IN ("
                "SELECT mention_id FROM mention_triage WHERE status <> 'new' "
                "UNION SELECT mention_id FROM mention_feedback)))"
            )
            params.append(model_version)
        if ids is not None:
            conditions.append("m.id IN (SELECT unnest(?::BIGINT[]))")
            params.append(list(ids))
        if conditions:
            sql += "WHERE " + " AND ".join(conditions) + " "
        rows = self.query(sql + "ORDER BY m.id", params).rows
        return [PendingMention(*row) for row in rows]

    def write_classifications(self, rows: Sequence[ClassificationRow]) -> None:
        """Replaces the classification of each mention given, in one transaction."""
        if not rows:
            return
        # lazy: pyarrow loads only where a batch is built
        import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
        stamp = now()
        batch = pa.table(
            {
                "mention_id": pa.array([r.mention_id for r in rows], pa.int64()),
                "sentiment": [str(r.sentiment) for r in rows],
                "sentiment_score": pa.array(
                    [float(r.sentiment_score) for r in rows], pa.float64()
                ),
                "risk": [str(r.risk) for r in rows],
                "categories": pa.array(
                    [[str(c) for c in r.categories] for r in rows], pa.list_(pa.string())
                ),
                "risk_reasons": [json.dumps(r.risk_reasons) for r in rows],
                "model_version": [r.model_version for r in rows],
                "read_chars": pa.array([r.read_chars for r in rows], pa.int64()),
                "text_chars": pa.array([r.text_chars for r in rows], pa.int64()),
                "classified_at": pa.array([stamp] * len(rows), arrow_timestamp()),
            }
        )
        with self.transaction() as con:
            con.register("_ids", pa.table({"id": batch.column("mention_id")}))
            con.execute("DELETE FROM classifications WHERE mention_id IN (SELECT id FROM _ids)")
            con.unregister("_ids")
            insert_arrow(con, "classifications", batch)


def pending_classification(
    store: ClassificationStore, model_version: str, *, everything: bool = False,
    ids: Sequence[int] | None = None,
) -> list[PendingMention]:
    """Store.pending_classification as a function (kept for callers of the old module)."""
    return store.pending_classification(model_version, everything=everything, ids=ids)


def write_classifications(store: ClassificationStore, rows: Sequence[ClassificationRow]) -> None:
    """Store.write_classifications as a function (kept for callers of the old module)."""
    store.write_classifications(rows)
