"""The web inbox's response time with 100k mentions in the store: a page of 50, filtered.

Builds a store of --rows mentions over five schools and a year (classified: a mix of risks and
sentiments; a tenth triaged); then, in child processes, serves it with uvicorn on a port-0
socket, logs in as a lead of one school and times whole HTTP requests (open the DuckDB file,
query, render, close) for each view after one warm-up. It does so for this tree and for the
code at --baseline (git archive) on the same store, alternating --rounds times, and prints the
median of each beside the other and their ratio.

    .venv/bin/python bench/inbox.py [--rows 100000] [--repeats 5] [--baseline REF] [--smoke]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from _baseline import baseline_tree

from crawler.ground.config import config_from_dict
from crawler.ground.items import Document, Match, MatchedDocument
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
# The inbox before it opened the store once per request (issue 21 item 8): the session and the
# page each opened the DuckDB file.
BASELINE = "601e9dc"


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
    # Imported here: the --time-only child runs against the baseline tree, which may predate it.
    from crawler.ground.items import CrawlResult

    store.write_crawl(CrawlResult(
        schools=SCHOOLS, sources=[(f"source-{n}", "feed", "https://x/", None) for n in range(7)],
        runs=[], documents=documents, validators=[]))
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


def timed(opener: urllib.request.OpenerDirector, url: str, repeats: int) -> list[float]:
    with opener.open(url) as response:  # warm-up
        response.read()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with opener.open(url) as response:
            body = response.read()
        times.append(time.perf_counter() - started)
    assert b"mention" in body
    return times


def views() -> list[tuple[str, str]]:
    since = (datetime.now(UTC) - timedelta(days=90)).date()
    return [
        ("newest 50 (one school's 20k)", "/mentions"),
        ("filtered: risk=medium, status=new", "/mentions?risk=medium&status=new"),
        ("filtered: sentiment, source, date",
         f"/mentions?sentiment=negative&source=source-3&since={since}"),
        ("full-text search, 2 words", "/mentions?q=phonics+governors"),
        ("filtered page 20", "/mentions?risk=low&page=20"),
    ]


def time_views(folder: Path, repeats: int) -> dict[str, list[float]]:
    """Serves the store in `folder` with whichever schoolwatch is on the path (this tree's, or
    the baseline's), logs in and times each view."""
    config = _config(folder)
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
    try:
        return {label: timed(opener, base + path, repeats) for label, path in views()}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _config(folder: Path) -> Any:
    os.environ.setdefault("SCHOOLWATCH_SECRET_KEY", "bench-" + "k" * 40)
    return config_from_dict({
        "store": {"path": str(folder / "store.duckdb")},
        "school": [{"id": sid, "name": name} for sid, name in SCHOOLS],
    }, "bench.toml", base_dir=folder)


def run_child(code: Path, folder: Path, repeats: int) -> dict[str, list[float]]:
    """Times the views in a child process importing schoolwatch from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    child = subprocess.run(
        [sys.executable, __file__, "--time-only", str(folder), "--repeats", str(repeats)],
        capture_output=True, text=True, env=env, cwd=code, check=False)
    if child.returncode != 0:
        raise SystemExit(f"timing the code in {code} failed:\n{child.stderr[-2000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2,
                        help="Alternate baseline and this tree this many times (noise shows).")
    parser.add_argument("--baseline", default=BASELINE,
                        help="git ref of the code to compare with (default: the inbox before "
                             "one open per request, issue 21 item 8).")
    parser.add_argument("--smoke", action="store_true",
                        help="2,000 mentions, one repeat, one round: checks the bench runs.")
    parser.add_argument("--time-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_only is not None:
        print(json.dumps(time_views(args.time_only, args.repeats)))
        return
    if args.smoke:
        args.rows, args.repeats, args.rounds = 2000, 1, 1
    folder = Path(tempfile.mkdtemp(prefix="inbox-bench-"))
    try:
        config = _config(folder)
        store = Store(config.store.path)
        started = time.perf_counter()
        build(store, args.rows)
        print(f"store: {args.rows:,} mentions, 5 schools, built in "
              f"{time.perf_counter() - started:.0f}s "
              f"({config.store.path.stat().st_size / 1e6:.0f} MB)")
        here = Path(__file__).resolve().parents[1]
        old = baseline_tree(args.baseline, folder / "baseline")
        if old is None:
            print(f"baseline {args.baseline} is not in this clone's history: timing this tree "
                  "only")
        times: dict[str, dict[str, list[float]]] = {"baseline": {}, "this tree": {}}
        for _ in range(args.rounds):
            for name, code in (("baseline", old), ("this tree", here)):
                if code is None:
                    continue
                for label, samples in run_child(code, folder, args.repeats).items():
                    times[name].setdefault(label, []).extend(samples)
        print(f"median of {args.repeats} x {args.rounds} requests after a warm-up, page of 50, "
              f"lead of one school; baseline = {args.baseline}, same store, same machine:")
        print(f"  {'view':<36} {'baseline':>9} {'this tree':>10} {'ratio':>6}")
        for label, _ in views():
            new = statistics.median(times["this tree"][label]) * 1000
            if old is None:
                print(f"  {label:<36} {'-':>9} {new:8.1f}ms")
                continue
            before = statistics.median(times["baseline"][label]) * 1000
            print(f"  {label:<36} {before:7.1f}ms {new:8.1f}ms {new / before:6.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
