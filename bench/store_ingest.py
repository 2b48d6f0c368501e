"""Store ingest rate for 100k mentions through Store.write_crawl (dedupe, ids from a sequence,
Arrow batches, one transaction), beside its ceiling: a raw Arrow insert of the same rows into the
same tables (mention_records and raw_responses), with nothing computed, in the same run. Each is
timed in a fresh store, after one warm-up, and the median of --repeats runs is reported. Then a
re-crawl of the same rows (nothing new) and row-by-row executemany, for scale.

    .venv/bin/python bench/store_ingest.py [--rows 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from crawler.items import Document, Match, MatchedDocument, SourceRun
from crawler.store import Store


def documents(count: int) -> list[MatchedDocument]:
    now = datetime.now(UTC)
    body = b"<rss>" + b"x" * 2000 + b"</rss>"  # one feed response shared by its entries
    sha = hashlib.sha256(body).hexdigest()
    made = []
    for n in range(count):
        text = f"Post {n}: Hollins Green Primary School parents evening was well organised. " * 3
        made.append(
            MatchedDocument(
                document=Document(
                    url=f"https://forum.example/t/{n // 20}#p{n}",
                    title=f"Thread {n}",
                    text=text,
                    fetched_at=now,
                    final_url="https://forum.example/feed",
                    http_status=200,
                    raw_sha256=sha,
                    raw_body=body,
                ),
                source="bench",
                source_kind="feed",
                canonical_url=f"https://forum.example/t/{n}",
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
                matches=[Match("hg", "Hollins Green Primary School", "text", 9, text[:60])],
            )
        )
    return made


def write(store: Store, batch: list[MatchedDocument]) -> None:
    store.write_crawl(
        schools=[("hg", "Hollins Green Primary School")],
        sources=[("bench", "feed", "https://forum.example/feed", None)],
        runs=[SourceRun(source="bench", started_at=datetime.now(UTC))],
        documents=batch,
        validators=[],
    )


def row_by_row(store: Store, batch: list[MatchedDocument]) -> float:
    started = time.perf_counter()
    with store.writer() as con:
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO mention_records (id, school_id, url, source, source_kind, title, "
            "first_seen_at, fetched_at, final_url, http_status, raw_sha256, text, content_hash, "
            "matched_alias, match_field, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, 1)",
            [
                (
                    10_000_000 + i,
                    "hg",
                    m.canonical_url + "?rbr",
                    m.source,
                    m.source_kind,
                    m.document.title,
                    m.document.fetched_at,
                    m.document.fetched_at,
                    m.document.final_url,
                    200,
                    m.document.raw_sha256,
                    m.document.text,
                    m.content_hash + "r",
                    "x",
                    "text",
                )
                for i, m in enumerate(batch)
            ],
        )
        con.execute("COMMIT")
    return time.perf_counter() - started


def ceiling_tables(batch: list[MatchedDocument]) -> dict[str, pa.Table]:
    """The rows write_crawl stores for `batch`, as ready Arrow tables (built before timing)."""
    ts = pa.timestamp("us", tz="UTC")
    docs = [m.document for m in batch]
    first = docs[0]
    n = len(batch)
    mentions = pa.table(
        {
            "id": pa.array(range(1, n + 1), pa.int64()),
            "school_id": pa.array(["hg"] * n),
            "url": pa.array([m.canonical_url for m in batch]),
            "source": pa.array([m.source for m in batch]),
            "source_kind": pa.array([m.source_kind for m in batch]),
            "platform": pa.array([d.platform for d in docs], pa.string()),
            "title": pa.array([d.title for d in docs]),
            "author": pa.array([d.author for d in docs], pa.string()),
            "published_at": pa.array([d.published_at for d in docs], ts),
            "first_seen_at": pa.array([d.fetched_at for d in docs], ts),
            "fetched_at": pa.array([d.fetched_at for d in docs], ts),
            "final_url": pa.array([d.final_url for d in docs]),
            "http_status": pa.array([d.http_status for d in docs], pa.int32()),
            "raw_sha256": pa.array([d.raw_sha256 for d in docs]),
            "text": pa.array([d.text for d in docs]),
            "content_hash": pa.array([m.content_hash for m in batch]),
            "matched_alias": pa.array([m.matches[0].alias for m in batch]),
            "match_field": pa.array([m.matches[0].field for m in batch]),
            "match_context": pa.array([m.matches[0].context for m in batch]),
            "rating": pa.array([d.rating for d in docs], pa.float64()),
            "extra": pa.array([None] * n, pa.string()),
            "version": pa.array([1] * n, pa.int32()),
        }
    )
    raw = pa.table(
        {
            "sha256": [first.raw_sha256],
            "url": [first.final_url],
            "http_status": pa.array([first.http_status], pa.int32()),
            "content_type": pa.array([first.content_type], pa.string()),
            "fetched_at": pa.array([first.fetched_at], ts),
            "size_bytes": pa.array([len(first.raw_body)], pa.int64()),
            "body_zlib": pa.array([zlib.compress(first.raw_body, 6)], pa.binary()),
        }
    )
    return {"mention_records": mentions, "raw_responses": raw}


def raw_arrow_insert(store: Store, tables: dict[str, pa.Table]) -> float:
    started = time.perf_counter()
    with store.writer() as con:
        con.execute("BEGIN")
        for table, rows in tables.items():
            con.register("_rows", rows)
            names = ", ".join(rows.column_names)
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _rows")
            con.unregister("_rows")
        con.execute("COMMIT")
    return time.perf_counter() - started


def fresh_store(folder: str, name: str) -> Store:
    store = Store(Path(folder) / f"{name}.duckdb")
    store.migrate()
    return store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    batch = documents(args.rows)
    tables = ceiling_tables(batch)
    crawl_times: list[float] = []
    raw_times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(args.repeats + 1):  # the first of each is a warm-up
            store = fresh_store(folder, f"crawl{attempt}")
            started = time.perf_counter()
            write(store, batch)
            elapsed = time.perf_counter() - started
            stored = store.query("SELECT count(*) FROM mention_records").rows[0][0]
            assert stored == args.rows, stored
            ceiling = fresh_store(folder, f"raw{attempt}")
            raw = raw_arrow_insert(ceiling, tables)
            if attempt:
                crawl_times.append(elapsed)
                raw_times.append(raw)
        crawl = statistics.median(crawl_times)
        raw = statistics.median(raw_times)
        print(f"write_crawl: {args.rows:,} mentions in {crawl:.3f}s = {args.rows / crawl:,.0f} "
              f"rows/s (median of {args.repeats} after a warm-up; runs: "
              + ", ".join(f"{t:.3f}" for t in crawl_times) + ")")
        print(f"raw Arrow insert of the same rows: {raw:.3f}s = {args.rows / raw:,.0f} rows/s "
              "(runs: " + ", ".join(f"{t:.3f}" for t in raw_times) + ")")
        print(f"write_crawl reaches {raw / crawl:.0%} of the raw Arrow ceiling")

        started = time.perf_counter()
        write(store, batch)
        again = time.perf_counter() - started
        print(f"re-crawl of the same {args.rows:,} (dedupe, nothing new): {again:.2f}s")

        sample = batch[:2000]
        slow = row_by_row(store, sample)
        print(
            f"row-by-row executemany: {len(sample):,} rows in {slow:.2f}s = "
            f"{len(sample) / slow:,.0f} rows/s"
        )


if __name__ == "__main__":
    main()
