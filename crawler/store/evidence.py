"""Evidence and crawl memory: raw responses (the bytes exactly as fetched, zlib-compressed, by
SHA-256), HTTP validators (ETag / Last-Modified per URL) and each spider's remembered state."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    pass

from crawler.ground.columns import arrow_timestamp, timestamp_array
from crawler.ground.items import Validators, stored_body
from crawler.store.base import StoreBase, insert_arrow, now


class EvidenceStore(StoreBase):
    def validators(self, urls: Sequence[str]) -> dict[str, Validators]:
        if not urls or not self.path.exists():
            return {}
        result = self.query(
            "SELECT url, etag, last_modified FROM http_validators WHERE url IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [list(urls)],
        )
        return {row[0]: Validators(*row) for row in result.rows}

    def crawl_state(self, sources: Sequence[str]) -> dict[str, dict[str, str]]:
        """Per source, what its spider remembered from the last run (see crawl_state)."""
        if not sources or not self.path.exists():
            return {}
        result = self.query(
            "SELECT source, key, value FROM crawl_state "
            "WHERE source IN (SELECT unnest(?::VARCHAR[]))",
            [list(sources)],
        )
        state: dict[str, dict[str, str]] = {}
        for source, key, value in result.rows:
            state.setdefault(source, {})[key] = value
        return state

    def raw_body(self, sha256: str) -> bytes | None:
        result = self.query("SELECT body_zlib FROM raw_responses WHERE sha256 = ?", [sha256])
        return zlib.decompress(result.rows[0][0]) if result.rows else None


@dataclass(frozen=True)
class RawResponse:
    """The exact bytes of one response, kept as evidence under their SHA-256."""

    sha256: str
    url: str
    http_status: int
    content_type: str | None
    fetched_at: datetime
    body: bytes


def write_raw_responses(con: duckdb.DuckDBPyConnection, responses: Sequence[RawResponse]) -> None:
    """Keeps each body once (zlib-compressed); bodies already stored are left as they are."""
    if not responses:
        return
    known = {
        row[0]
        for row in con.execute(
            "SELECT sha256 FROM raw_responses WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [[r.sha256 for r in responses]],
        ).fetchall()
    }
    first_copies: dict[str, RawResponse] = {}
    for response in responses:
        if response.sha256 not in known:
            first_copies.setdefault(response.sha256, response)
    if not first_copies:
        return
    fresh = list(first_copies.values())
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it

    batch = pa.table(
        {
            "sha256": pa.array([r.sha256 for r in fresh], pa.string()),
            "url": pa.array([r.url for r in fresh], pa.string()),
            "http_status": pa.array([r.http_status for r in fresh], pa.int32()),
            "content_type": pa.array([r.content_type for r in fresh], pa.string()),
            "fetched_at": timestamp_array([r.fetched_at for r in fresh]),
            "size_bytes": pa.array([len(r.body) for r in fresh], pa.int64()),
            "body_zlib": pa.array([stored_body(r.body) for r in fresh], pa.binary()),
        }
    )
    insert_arrow(con, "raw_responses", batch)


def write_validators(con: duckdb.DuckDBPyConnection, validators: Sequence[Validators]) -> None:
    if not validators:
        return
    # lazy: pyarrow loads only where a batch is built
    import pyarrow as pa  # here, not at the top: Arrow + numpy cost ~0.2 s; only writes need it
    urls = [v.url for v in validators]
    con.execute("DELETE FROM http_validators WHERE url IN (SELECT unnest(?::VARCHAR[]))", [urls])
    batch = pa.table(
        {
            "url": urls,
            "etag": [v.etag for v in validators],
            "last_modified": [v.last_modified for v in validators],
            "updated_at": pa.array([now()] * len(validators), type=arrow_timestamp()),
        }
    )
    insert_arrow(con, "http_validators", batch)


def write_state(con: duckdb.DuckDBPyConnection, state: dict[str, dict[str, str]]) -> None:
    """The spiders' keys given replace the stored ones. A few keys per source: lists as
    parameters, no Arrow, so a crawl that brings nothing new never loads pyarrow."""
    rows = [(source, key, value) for source, pairs in state.items() for key, value in pairs.items()]
    if not rows:
        return
    sources, keys, values = ([row[i] for row in rows] for i in range(3))
    given = "SELECT unnest(?::VARCHAR[]) AS source, unnest(?::VARCHAR[]) AS key"
    con.execute(
        f"DELETE FROM crawl_state USING ({given}) AS given "
        "WHERE crawl_state.source = given.source AND crawl_state.key = given.key",
        [sources, keys],
    )
    con.execute(
        "INSERT INTO crawl_state (source, key, value, updated_at) "
        "SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?",
        [sources, keys, values, now()],
    )
