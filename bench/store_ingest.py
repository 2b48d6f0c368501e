"""Store ingest rate for 100k mentions through Store.write_crawl (Arrow batch, one transaction),
beside row-by-row executemany into the same table, measured in one run.

    .venv/bin/python bench/store_ingest.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    batch = documents(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb")
        store.migrate()
        started = time.perf_counter()
        write(store, batch)
        elapsed = time.perf_counter() - started
        stored = store.query("SELECT count(*) FROM mention_records").rows[0][0]
        rate = stored / elapsed
        print(f"write_crawl: {stored:,} mentions in {elapsed:.2f}s = {rate:,.0f} rows/s")

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
        print(f"ratio write_crawl / executemany: {(stored / elapsed) / (len(sample) / slow):.0f}x")


if __name__ == "__main__":
    main()
