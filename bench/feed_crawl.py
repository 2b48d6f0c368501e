"""Feed crawl: 50 local feeds, fresh and all-304, against a minimal Scrapy + feedparser script.

    .venv/bin/python bench/feed_crawl.py [--feeds 50] [--entries 20] [--repeats 3] [--smoke]

Both sides fetch the same 50 feeds from one local server with the same Scrapy settings (16
requests at once, 16 per site, no delay, robots.txt not read, no retries, log level CRITICAL)
and both are timed as whole processes, start-up included:
- schoolwatch, fresh: a process running `schoolwatch.crawling.crawl` (spawned crawl child, spiders,
  matching, the store write), without classification;
- schoolwatch, all-304 re-crawl: the `schoolwatch crawl` command itself, which also runs the
  after-crawl step (classification when there is something to tag, alerts, delivery);
- minimal: one Scrapy spider that sends the same conditional GETs, parses each 200 with
  feedparser and keeps the validators in a JSON file; no store.
Peak memory is the largest resident set of the timed process or any process it waited for.
Each figure is the median (and min-max spread) of --repeats runs after one warm-up run; the
ratios come from the medians of this run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONCURRENCY = 16

MINIMAL = r'''
import json, sys
import feedparser, scrapy
from scrapy.crawler import CrawlerProcess

urls, state_path = json.loads(sys.argv[1]), sys.argv[2]
try:
    with open(state_path) as handle:
        known = json.load(handle)
except FileNotFoundError:
    known = {}
entries = []


class Feeds(scrapy.Spider):
    name = "feeds"
    handle_httpstatus_list = [304]

    async def start(self):
        for url in urls:
            etag = known.get(url)
            yield scrapy.Request(url, headers={"If-None-Match": etag} if etag else {})

    def parse(self, response):
        if response.status == 304:
            return
        known[response.url] = response.headers.get(b"ETag", b"").decode()
        for entry in feedparser.parse(response.body).entries:
            entries.append((entry.get("link"), entry.get("title"), entry.get("summary")))


process = CrawlerProcess({
    "LOG_LEVEL": "CRITICAL", "ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False,
    "CONCURRENT_REQUESTS": %(concurrency)d, "CONCURRENT_REQUESTS_PER_DOMAIN": %(concurrency)d,
    "DOWNLOAD_DELAY": 0, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
})
process.crawl(Feeds)
process.start()
with open(state_path, "w") as handle:
    json.dump(known, handle)
'''

# What the installed `schoolwatch` console script does (a file, so the crawl child re-imports it
# as __mp_main__, as it does for the real command).
CLI = """import sys
from schoolwatch.cli import main
if __name__ == "__main__":
    sys.exit(main())
"""

OURS = r"""
import sys
from crawler.ground.config import load_config
from schoolwatch.crawling import crawl

config = load_config(sys.argv[1])
report = crawl(config, config.source)
assert not report.failed, [run.last_error for run in report.failed]
"""


def feed_body(number: int, entries: int) -> bytes:
    items = []
    for k in range(entries):
        school = "Hollins Green Primary" if k % 2 == 0 else "the primary school up the road"
        items.append(
            f"<item><title>Story {k} from feed {number}</title>"
            f"<link>https://news{number}.example.org/story/{k}</link>"
            f"<guid>feed{number}-story{k}</guid>"
            f"<pubDate>Mon, 0{1 + k % 9} Nov 2026 09:{k:02d}:00 GMT</pubDate>"
            f"<description>Parents at {school} say the new pick-up rules leave children "
            f"waiting in the rain; the head said the school would review them. "
            f"{'Background paragraph. ' * 10}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Feed {number}</title><link>https://news{number}.example.org/</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


class _Server(ThreadingHTTPServer):
    # A listen backlog like a real web server's (http.server's default is 5): with 50 sources
    # connecting at once, a backlog of 5 drops connection attempts, and TCP's retry after a
    # second or more would be timed instead of the crawl.
    request_queue_size = 128


def serve(feeds: int, entries: int) -> tuple[ThreadingHTTPServer, str]:
    bodies = {f"/feed/{n}.xml": feed_body(n, entries) for n in range(feeds)}
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def write_config(folder: Path, base: str, feeds: int) -> Path:
    sources = "".join(
        f'[[source]]\nname = "feed-{n}"\nkind = "feed"\nurl = "{base}/feed/{n}.xml"\n'
        for n in range(feeds)
    )
    path = folder / "bench.toml"
    path.write_text(
        '[store]\npath = "bench.duckdb"\n'
        f'[crawl]\ndelay = "0s"\nper_site = {CONCURRENCY}\nobey_robots = false\nretries = 0\n'
        # The feeds are local (127.0.0.1): without allow_private the guard refuses them all.
        'allow_private = true\n'
        '[[school]]\nid = "hg"\nname = "Hollins Green Primary School"\n'
        'aliases = ["Hollins Green Primary"]\n' + sources
    )
    return path


def timed(command: list[str]) -> tuple[float, float]:
    """Seconds and peak MiB (largest RSS of the process or anything it waited for)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env()
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:3]} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def measure(label: str, run: Callable[[], tuple[float, float]], repeats: int) -> float:
    run()  # warm-up: disk caches, bytecode
    samples = [run() for _ in range(repeats)]
    seconds = [s for s, _ in samples]
    peak = max(m for _, m in samples)
    median = statistics.median(seconds)
    print(f"{label:<42} median {median:6.2f}s  spread {min(seconds):.2f}-{max(seconds):.2f}s"
          f"  peak {peak:5.0f} MiB  (n={repeats})", flush=True)
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help="3 feeds, one repeat: checks the bench runs (make test).")
    args = parser.parse_args()
    if args.smoke:
        args.feeds, args.entries, args.repeats = 3, 4, 1
    server, base = serve(args.feeds, args.entries)
    urls = [f"{base}/feed/{n}.xml" for n in range(args.feeds)]
    python = sys.executable
    minimal = MINIMAL % {"concurrency": CONCURRENCY}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cli = root / "schoolwatch"
        cli.write_text(CLI)
        counter = iter(range(10_000))

        def fresh_folder() -> Path:
            folder = root / f"run{next(counter)}"
            folder.mkdir()
            return folder

        def ours_fresh() -> tuple[float, float]:
            config = write_config(fresh_folder(), base, args.feeds)
            return timed([python, "-c", OURS, str(config)])

        def minimal_fresh() -> tuple[float, float]:
            state = fresh_folder() / "validators.json"
            return timed([python, "-c", minimal, json.dumps(urls), str(state)])

        primed = write_config(fresh_folder(), base, args.feeds)
        timed([python, "-c", OURS, str(primed)])
        primed_state = fresh_folder() / "validators.json"
        timed([python, "-c", minimal, json.dumps(urls), str(primed_state)])

        def ours_304() -> tuple[float, float]:
            return timed([python, str(cli), "crawl", "--config", str(primed)])

        def minimal_304() -> tuple[float, float]:
            return timed([python, "-c", minimal, json.dumps(urls), str(primed_state)])

        print(f"{args.feeds} local feeds of {args.entries} entries, half naming the school")
        ours_new = measure("schoolwatch fresh crawl (no classification)", ours_fresh, args.repeats)
        theirs_new = measure("minimal Scrapy + feedparser, fresh", minimal_fresh, args.repeats)
        ours_same = measure("schoolwatch crawl command, all 304", ours_304, args.repeats)
        theirs_same = measure("minimal Scrapy + feedparser, all 304", minimal_304, args.repeats)
    server.shutdown()
    print(f"ratio fresh, schoolwatch / minimal: {ours_new / theirs_new:.2f}x (target <= 3x)")
    print(f"ratio all-304, schoolwatch / minimal: {ours_same / theirs_same:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
