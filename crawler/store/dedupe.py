"""The crawl's dedupe, in SQL: which rows of a batch are new mentions, edits of stored ones,
sightings of a post already known, or nothing to write.

The batch arrives as one registered Arrow table, `_keys`: the crawl's MentionBatch (one row per
(document, school matched)) with each row's position in it (`pos`). The plan reads school_id,
the canonical url, source, content_hash and raw_sha256 of it. `plan_mentions` judges each
(school, url) once, into the temporary table `_plan`:

- the batch's own duplicates: the first source to bring an address in this batch owns it; a later
  row from that source is a newer copy (the last one wins), a row from another source is a
  sighting of whatever the address becomes;
- an address already stored: unchanged (same content hash), a sighting (another source's excerpt
  of it is not an edit of the post) or an edit (a new version);
- an address retention purged stays deleted (matched by its URL's or its text's hash), so a page
  that still lists the post does not bring it back as a new mention (and a new alert);
- the same text already stored for the school, or brought earlier in this batch at another
  address, is a sighting of that mention; otherwise the row is a new mention.

`_plan` holds one row per address: `key_order` (the batch position of its first row: the order
the batch brought the addresses in, and the order new ids are drawn in), `pos` (the row that is
stored), `several` (whether more than one source brought it), `action` (new, updated, unchanged,
sighting, purged), the stored mention it is or repeats (`existing_id`, `mention_id`) and, for a
repeat of a new mention's text, that mention's `key_order` (`text_of`). Strings stay in `_keys`,
joined back by position: the plan itself is a few integers per address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

# The plan's actions that other statements read (the others only matter inside _PLAN).
NEW = "new"
UPDATED = "updated"
SIGHTING = "sighting"

_PLAN = f"""
CREATE TEMP TABLE _plan AS
WITH addresses AS (
    SELECT school_id, url, min(pos) AS key_order, max(pos) AS last_pos,
           min(source) <> max(source) AS several
    FROM _keys GROUP BY school_id, url
), owned AS (
    -- brought by several sources: the first owns the address, its last row is the newest copy
    SELECT a.key_order, max(k.pos) AS pos
    FROM addresses a
    JOIN _keys f ON f.pos = a.key_order
    JOIN _keys k ON k.school_id = a.school_id AND k.url = a.url AND k.source = f.source
    WHERE a.several
    GROUP BY a.key_order
), batch AS (
    SELECT a.key_order, k.pos, a.several, k.school_id, k.url, k.source, k.content_hash
    FROM addresses a LEFT JOIN owned o ON o.key_order = a.key_order
    JOIN _keys k ON k.pos = coalesce(o.pos, a.last_pos)
), same_text AS (
    SELECT m.school_id, m.content_hash, min(m.id) AS id
    FROM mention_records m SEMI JOIN batch b
      ON b.school_id = m.school_id AND b.content_hash = m.content_hash
    GROUP BY m.school_id, m.content_hash
), purged AS (
    SELECT b.key_order FROM batch b JOIN purged_mentions p
      ON p.school_id = b.school_id AND p.url_sha256 = sha256(b.url)
    UNION
    SELECT b.key_order FROM batch b JOIN purged_mentions p
      ON p.school_id = b.school_id AND p.content_hash = b.content_hash
), judged AS (
    SELECT b.key_order, b.pos, b.several, b.school_id, b.content_hash, m.id AS existing_id,
        CASE
            WHEN m.id IS NOT NULL THEN  -- another source's excerpt is not an edit
                CASE WHEN m.content_hash = b.content_hash THEN 'unchanged'
                     WHEN m.source <> b.source THEN '{SIGHTING}'
                     ELSE '{UPDATED}' END
            WHEN p.key_order IS NOT NULL THEN 'purged'
            WHEN t.id IS NOT NULL THEN '{SIGHTING}'
            ELSE 'fresh'
        END AS verdict,
        coalesce(m.id, t.id) AS seen_id
    FROM batch b
    LEFT JOIN mention_records m ON m.school_id = b.school_id AND m.url = b.url
    LEFT JOIN purged p ON p.key_order = b.key_order
    LEFT JOIN same_text t ON t.school_id = b.school_id AND t.content_hash = b.content_hash
), first_fresh AS (
    SELECT school_id, content_hash, min(key_order) AS text_of
    FROM judged WHERE verdict = 'fresh' GROUP BY school_id, content_hash
)
SELECT j.key_order, j.pos, j.several, j.existing_id,
    CASE WHEN j.verdict <> 'fresh' THEN j.verdict
         WHEN f.text_of = j.key_order THEN '{NEW}'
         ELSE '{SIGHTING}' END AS action,
    CASE WHEN j.verdict = 'fresh' AND f.text_of <> j.key_order THEN f.text_of END AS text_of,
    CASE WHEN j.verdict <> 'fresh' THEN j.seen_id END AS mention_id
FROM judged j
LEFT JOIN first_fresh f
  ON j.verdict = 'fresh' AND f.school_id = j.school_id AND f.content_hash = j.content_hash
"""


def plan_mentions(con: duckdb.DuckDBPyConnection) -> None:
    """Judges the registered `_keys` batch into the temporary table `_plan` (see above)."""
    con.execute("DROP TABLE IF EXISTS _plan")
    con.execute(_PLAN)


@dataclass
class Planned:
    """The mentions the plan writes, in batch order: new ones (their `key_order` and row) and
    edited ones (their row and stored id), with how many of each per source."""

    new_order: list[int]
    new_rows: list[int]
    updated_rows: list[int]
    updated_ids: list[int]
    new: dict[str, int]
    updated: dict[str, int]


def planned(con: duckdb.DuckDBPyConnection) -> Planned:
    """Reads back what `plan_mentions` decided to write (one query, through Arrow)."""
    # lazy: pyarrow loads only where a batch is built (it is, by now)
    import pyarrow.compute as pc

    table = con.sql(
        "SELECT p.action = $new AS is_new, p.key_order, p.pos, p.existing_id, k.source "
        "FROM _plan p JOIN _keys k ON k.pos = p.pos "
        "WHERE p.action IN ($new, $updated) ORDER BY p.key_order",
        params={"new": NEW, "updated": UPDATED},
    ).to_arrow_table()
    new = table.filter(table.column("is_new"))
    updated = table.filter(pc.invert(table.column("is_new")))
    return Planned(
        new_order=new.column("key_order").to_pylist(),
        new_rows=new.column("pos").to_pylist(),
        updated_rows=updated.column("pos").to_pylist(),
        updated_ids=updated.column("existing_id").to_pylist(),
        new=_per_source(new),
        updated=_per_source(updated),
    )


def _per_source(table: pa.Table) -> dict[str, int]:
    counted = table.column("source").value_counts().to_pylist()
    return {row["values"]: row["counts"] for row in counted}


def draw_mention_ids(con: duckdb.DuckDBPyConnection, count: int) -> list[int]:
    """`count` fresh mention ids, in the order drawn. Read through Arrow (loaded by the batch
    already): a third of the time of fetchall() for 100k ids."""
    drawn = con.sql("SELECT nextval('mention_records_id') FROM range($count)",
                    params={"count": count})
    return drawn.to_arrow_table().column(0).to_pylist()


def keep_versions(con: duckdb.DuckDBPyConnection, stamp: datetime) -> None:
    """What each edited mention said before this batch replaces it."""
    con.execute(
        "INSERT INTO mention_versions (mention_id, version, title, text, content_hash, "
        "fetched_at, raw_sha256, replaced_at) "
        "SELECT m.id, m.version, m.title, m.text, m.content_hash, m.fetched_at, m.raw_sha256, ? "
        "FROM mention_records m JOIN _plan p ON p.existing_id = m.id AND p.action = ? "
        "ORDER BY p.key_order",
        [stamp, UPDATED],
    )


def write_sightings(con: duckdb.DuckDBPyConnection, stamp: datetime) -> dict[str, int]:
    """Stores the batch's sightings not stored before, once each (mention, url, source);
    returns how many per source. `_new_ids` (key_order, id) holds the new mentions' ids.

    A sighting is an address judged a sighting in the plan, or a row of the batch from another
    source than the one that brought its address first (of whatever that address is: a new or
    a stored mention; of nothing when the address itself was a sighting or purged)."""
    con.execute(
        """
        CREATE TEMP TABLE _sightings AS
        SELECT DISTINCT s.mention_id, s.source, s.url FROM (
            SELECT coalesce(p.mention_id, n.id) AS mention_id, k.source, k.url
            FROM _plan p JOIN _keys k ON k.pos = p.pos
            LEFT JOIN _new_ids n ON n.key_order = p.text_of
            WHERE p.action = ?
            UNION ALL
            SELECT coalesce(n.id, p.existing_id), k.source, k.url
            FROM _plan p
            JOIN _keys first ON first.pos = p.key_order
            JOIN _keys k ON k.school_id = first.school_id AND k.url = first.url
                AND k.source <> first.source
            LEFT JOIN _new_ids n ON n.key_order = p.key_order
            WHERE p.several
        ) s
        WHERE s.mention_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM mention_sightings x
            WHERE x.mention_id = s.mention_id AND x.url = s.url AND x.source = s.source
        )
        """,
        [SIGHTING],
    )
    try:
        con.execute(
            "INSERT INTO mention_sightings (mention_id, source, url, seen_at) "
            "SELECT mention_id, source, url, ? FROM _sightings",
            [stamp],
        )
        return dict(con.execute(
            "SELECT source, count(*) FROM _sightings GROUP BY source ORDER BY source"
        ).fetchall())
    finally:
        con.execute("DROP TABLE _sightings")


def write_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """Stores the raw bodies the new and edited mentions were read from that the store lacks,
    in the order the batch first brought them. Per body, the page details (address, status,
    content type, time) are those of the last such row; the bytes come from a row of the batch
    that carries them (see MentionBatch: batches joined may carry a body more than once)."""
    con.execute(
        "INSERT INTO raw_responses (sha256, url, http_status, content_type, fetched_at, "
        "size_bytes, body_zlib) "
        "SELECT g.sha256, k.final_url, k.http_status, k.content_type, k.fetched_at, "
        "       b.body_size, b.body_zlib FROM ("
        "  SELECT k.raw_sha256 AS sha256, arg_max(p.pos, p.key_order) AS pos, "
        "         min(p.key_order) AS first FROM _plan p JOIN _keys k ON k.pos = p.pos "
        "  WHERE p.action IN (?, ?) GROUP BY k.raw_sha256) g "
        "ANTI JOIN raw_responses r ON r.sha256 = g.sha256 "
        "JOIN _keys k ON k.pos = g.pos "
        "JOIN (SELECT raw_sha256, any_value(body_size) AS body_size, "
        "             any_value(body_zlib) AS body_zlib "
        "      FROM _keys WHERE body_zlib IS NOT NULL GROUP BY raw_sha256) b "
        "  ON b.raw_sha256 = g.sha256 "
        "ORDER BY g.first",
        [NEW, UPDATED],
    )


def drop_plan(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS _plan")
