from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.ground.config import ConfigError
from crawler.store import ClassificationRow, Store, write_classifications
from schoolwatch.cases import open_case, update_case
from tests.store_helpers import Post, unattended_config, write_posts

OLD = "Old post about Hollins Green Primary and the car park queue at pick-up time, from spring."
CASED = "Hollins Green Primary teacher named and insulted in a thread we asked to be removed."
NEW = "New post about Hollins Green Primary: the nativity play was lovely this year."


def _age(store: Store, mention_id: int, days: int) -> None:
    with store.writer() as con:
        con.execute(
            "UPDATE mention_records SET first_seen_at = ? WHERE id = ?",
            [datetime.now(UTC) - timedelta(days=days), mention_id],
        )


def _count(store: Store, table: str) -> int:
    return store.query(f"SELECT count(*) FROM {table}").rows[0][0]


def test_purge_deletes_old_mentions_and_their_evidence_but_keeps_open_cases(
    unattended_store: Store,
) -> None:
    store = unattended_store
    old, cased, closed, new = write_posts(store, [
        Post(url="http://f.test/old", text=OLD),
        Post(url="http://f.test/cased", text=CASED),
        Post(url="http://f.test/closed", text=CASED + " Closed."),
        Post(url="http://f.test/new", text=NEW),
    ])
    for mention_id in (old, cased, closed):
        _age(store, mention_id, 400)
    write_classifications(store, [
        ClassificationRow(old, "negative", 0.9, "low", (), {}, "v1"),
        ClassificationRow(new, "positive", 0.9, "none", (), {}, "v1"),
    ])
    update_case(store, open_case(store, cased, "asked for removal").id, "reported")
    update_case(store, open_case(store, closed).id, "refused")

    result = store.purge(keep_days=365)

    assert (result.mentions, result.cases, result.kept_for_cases) == (2, 1, 1)
    assert result.raw_responses == 2
    remaining = store.query("SELECT id FROM mention_records ORDER BY id").rows
    assert remaining == [(cased,), (new,)]
    assert store.query("SELECT mention_id FROM classifications").rows == [(new,)]
    assert store.query("SELECT mention_id, status FROM cases").rows == [(cased, "reported")]
    # Every remaining mention still has its raw bytes; nothing unreferenced is left.
    assert store.query(
        "SELECT count(*) FROM mention_records m LEFT JOIN raw_responses r "
        "ON r.sha256 = m.raw_sha256 WHERE r.sha256 IS NULL").rows == [(0,)]
    assert _count(store, "raw_responses") == 2
    # No text or address of a purged post remains anywhere.
    dump = str(store.query("SELECT * FROM purged_mentions").rows)
    assert "f.test/old" not in dump and "car park" not in dump


def test_the_case_evidence_goes_once_the_case_closes(unattended_store: Store) -> None:
    store = unattended_store
    (cased,) = write_posts(store, [Post(url="http://f.test/cased", text=CASED)])
    _age(store, cased, 400)
    case = open_case(store, cased)
    assert store.purge(keep_days=30).mentions == 0
    update_case(store, case.id, "removed")
    assert store.purge(keep_days=30).mentions == 1
    assert _count(store, "mention_records") == 0
    assert _count(store, "case_events") == 0


def test_a_purged_post_still_online_does_not_come_back_as_new(unattended_store: Store) -> None:
    store = unattended_store
    (old,) = write_posts(store, [Post(url="http://f.test/old", text=OLD)])
    _age(store, old, 100)
    store.purge(keep_days=90)
    assert write_posts(store, [Post(url="http://f.test/old", text=OLD)]) == []
    assert write_posts(store, [Post(url="http://f.test/copy", text=OLD)]) == []
    assert write_posts(store, [Post(url="http://f.test/new", text=NEW)]) != []


def test_keep_days_is_validated(tmp_path: Path) -> None:
    config = unattended_config(tmp_path, store={"path": "s.duckdb", "keep_days": 365})
    assert config.store.keep_days == 365
    assert unattended_config(tmp_path).store.keep_days is None
    with pytest.raises(ConfigError, match=r"store\.keep_days"):
        unattended_config(tmp_path, store={"keep_days": 0})


def test_retention_names_every_table_keyed_by_mention_or_holding_evidence(
    unattended_store: Store,
) -> None:
    from crawler.store.retention import EVIDENCE_TABLES, MENTION_TABLES

    def tables_with(column: str) -> set[str]:
        return {
            row[0]
            for row in unattended_store.query(
                "SELECT c.table_name FROM information_schema.columns c "
                "JOIN information_schema.tables t ON t.table_name = c.table_name "
                "AND t.table_schema = c.table_schema WHERE c.column_name = ? "
                "AND t.table_type = 'BASE TABLE' AND c.table_schema = 'main'",
                [column],
            ).rows
        }

    assert tables_with("mention_id") == set(MENTION_TABLES)
    assert tables_with("raw_sha256") == set(EVIDENCE_TABLES)
