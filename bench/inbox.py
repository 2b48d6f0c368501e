"""The web inbox's response time with 100k mentions in the store: a page of 50, filtered.

Builds a store of --rows mentions over five schools and a year (classified: a mix of risks and
sentiments; a tenth triaged), serves it with uvicorn on a port-0 socket in this process, logs in
as a lead of one school, and times whole HTTP requests (open the DuckDB file, query, render,
close) for each view after one warm-up; prints the median of --repeats.

    .venv/bin/python bench/inbox.py [--rows 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from crawler.ground.config import config_from_dict
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument
from crawler.store import ClassificationRow, Store
from schoolwatch.web.app import create_app
from schoolwatch.web.auth import hash_password
from schoolwatch.web.server import bind

SCHOOLS = [(f"school-{n}", f"School Number {n} Primary") for n in range(5)]
WORDS = ("parents", "evening", "uniform", "homework", "lunch", "queue", "bullying", "teacher",
         "trip", "fete", "ofsted", "reading", "phonics", "playground", "car", "park", "head",
         "governors", "sports", "day")
RISKS = ["none"] * 14 + ["low"] * 3 + ["medium"] * 2 + ["high"]
PASSWORD = "bench password 123"


def build(store: Store, rows: int) -> None:
    rng = random.Random(11)
    now = datetime.now(UTC)
    body = b"<rss>" + b"x" * 2000 + b"</rss>"
    sha = hashlib.sha256(body).hexdigest()
    documents = []
    for n in range(rows):
        school_id, name = SCHOOLS[n % len(SCHOOLS)]
        text = f"{name}: " + " ".join(rng.choice(WORDS) for _ in range(40)) + f" post {n}"
        documents.append(MatchedDocument(
            document=Document(
                url=f"https://forum.example/t/{n}", title=f"Thread {n} about {name}", text=text,
                fetched_at=now, final_url="https://forum.example/feed", http_status=200,
                raw_sha256=sha, raw_body=body,
                published_at=now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
            ),
            source=f"source-{n % 7}", source_kind="feed",
            canonical_url=f"https://forum.example/t/{n}",
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            matches=[Match(school_id, name, "text", 0, text[:60])],
        ))
    sources = [(f"source-{n}", "feed", "https://x/", None) for n in range(7)]
    store.write_crawl(CrawlResult(runs=[], documents=documents, schools=SCHOOLS, sources=sources))
    ids = [row[0] for row in store.query("SELECT id FROM mention_records").rows]
    tags = []
    for mention_id in ids:
        risk = rng.choice(RISKS)
        tags.append(ClassificationRow(
            mention_id, rng.choice(["negative", "neutral", "positive"]), 0.8, risk,
            ("complaint",) if risk != "none" else (), {}, "bench"))
    store.write_classifications(tags)
    triaged = rng.sample(ids, len(ids) // 10)
    for number, status in enumerate(("handled", "false_positive", "follow_up")):
        chosen = triaged[number::3]
        with store.transaction() as con:
            con.execute(
                "INSERT INTO mention_triage (mention_id, status, reason, assigned_to, "
                "updated_at, updated_by) SELECT unnest(?::BIGINT[]), ?, 'bench', NULL, now(), "
                "'bench'", [chosen, status])
    store.add_user("lead@bench.example", hash_password(PASSWORD), "lead", ["school-1"], "bench")


def timed(opener: urllib.request.OpenerDirector, url: str, repeats: int) -> float:
    with opener.open(url) as response:  # warm-up
        response.read()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with opener.open(url) as response:
            body = response.read()
        times.append(time.perf_counter() - started)
    assert b"mention" in body
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--smoke", action="store_true",
                        help="500 mentions, one repeat: checks the bench runs (make test).")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.repeats = 500, 1
    folder = Path(tempfile.mkdtemp(prefix="inbox-bench-"))
    os.environ.setdefault("SCHOOLWATCH_SECRET_KEY", "bench-" + "k" * 40)
    config = config_from_dict({
        "store": {"path": str(folder / "store.duckdb")},
        "school": [{"id": sid, "name": name} for sid, name in SCHOOLS],
    }, "bench.toml", base_dir=folder)
    store = Store(config.store.path)
    started = time.perf_counter()
    build(store, args.rows)
    print(f"store: {args.rows:,} mentions, 5 schools, built in {time.perf_counter() - started:.0f}s"
          f" ({config.store.path.stat().st_size / 1e6:.0f} MB)")

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(base + "/login") as response:
        token = response.read().decode().split('name="csrf_token" value="')[1].split('"')[0]
    form = urllib.parse.urlencode({"email": "lead@bench.example", "password": PASSWORD,
                                   "csrf_token": token}).encode()
    with opener.open(base + "/login", data=form) as response:
        assert response.url.endswith("/mentions"), response.url

    views = [
        ("newest 50 (one school's 20k)", "/mentions"),
        ("filtered: risk=medium, status=new", "/mentions?risk=medium&status=new"),
        ("filtered: sentiment, source, date", "/mentions?sentiment=negative&source=source-3"
         f"&since={(datetime.now(UTC) - timedelta(days=90)).date()}"),
        ("full-text search, 2 words", "/mentions?q=phonics+governors"),
        ("filtered page 20", "/mentions?risk=low&page=20"),
    ]
    print(f"median of {args.repeats} requests after a warm-up, page of 50, lead of one school:")
    for label, path in views:
        print(f"  {label:<36} {timed(opener, base + path, args.repeats) * 1000:7.1f} ms")
    server.should_exit = True
    thread.join(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
