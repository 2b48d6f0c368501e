"""Crawl rate: schoolwatch's forum spider over a local 2,000-page site with politeness off, as a
ratio to `scrapy bench` (Scrapy's own follow-all-links spider) measured in the same run.

    .venv/bin/python bench/crawl_rate.py [--threads 2000] [--bench-seconds 10]

Both crawls run on this machine against local servers, so the ratio is what it costs to
extract posts, match schools and write mentions compared with Scrapy doing nothing per page.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crawler.app.crawling import crawl
from crawler.config import load_config
from crawler.store import Store

THREADS_PER_BOARD_PAGE = 50
POSTS_PER_THREAD = 5


def board_page(number: int, boards: int) -> str:
    first = number * THREADS_PER_BOARD_PAGE
    links = "".join(
        f'<li><a class="thread" href="/t/{n}">Thread {n}</a></li>'
        for n in range(first, first + THREADS_PER_BOARD_PAGE)
    )
    nxt = f'<a class="next" href="/board/{number + 1}">Next</a>' if number + 1 < boards else ""
    return f"<html><body><ul>{links}</ul>{nxt}</body></html>"


def thread_page(number: int) -> str:
    posts = "".join(
        f'<div class="post" id="p{k}"><a class="permalink" href="/t/{number}#p{k}">#{k}</a>'
        f'<span class="who">parent{number % 97}_{k}</span>'
        f'<span class="when">2026-11-{1 + k:02d}T0{k}:15:00Z</span><div class="body">'
        f"Post {k} in thread {number}. Our DD started reception at Hollins Green Primary in "
        f"September and the teachers have been lovely; the one-way system at pick-up is a pain "
        f"but the head listened at the parents' forum. {'More detail. ' * 12}</div></div>"
        for k in range(POSTS_PER_THREAD)
    )
    return f"<html><head><title>T{number}</title></head><body><h1>Thread {number}</h1>{posts}"


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    boards = 40

    def do_GET(self) -> None:
        match = re.fullmatch(r"/(board|t)/(\d+)", self.path)
        if match is None:
            body, status = b"not found", 404
        elif match.group(1) == "board":
            body, status = board_page(int(match.group(2)), self.boards).encode(), 200
        else:
            body, status = thread_page(int(match.group(2))).encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def schoolwatch_rate(threads: int) -> tuple[float, int, float]:
    boards = threads // THREADS_PER_BOARD_PAGE
    _Site.boards = boards
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    selectors = (
        'post = ".post"\ntext = ".body"\nauthor = ".who::text"\ndate = ".when::text"\n'
        'permalink = "a.permalink::attr(href)"\ntitle = "h1::text"\n'
        'next = "a.next::attr(href)"\nthread_links = "a.thread::attr(href)"\n'
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.toml"
        path.write_text(
            '[store]\npath = "bench.duckdb"\n[crawl]\ndelay = "0s"\nper_site = 16\n'
            f"obey_robots = false\nretries = 0\nmax_pages = {threads + boards + 10}\n"
            '[[school]]\nid = "hg"\nname = "Hollins Green Primary School"\n'
            'aliases = ["Hollins Green Primary"]\n'
            f'[[source]]\nname = "bench-forum"\nkind = "forum"\nurl = "{base}/board/0"\n'
            f'platform = "generic"\n[source.options]\n{selectors}'
        )
        config = load_config(path)
        started = time.perf_counter()
        report = crawl(config, config.source)
        wall = time.perf_counter() - started
        run = report.runs[0]
        stored = Store(config.store.path).query("SELECT count(*) FROM mentions").rows[0][0]
    server.shutdown()
    crawling = (run.finished_at - run.started_at).total_seconds()
    print(f"schoolwatch forum crawl: {run.pages_fetched} pages, {stored} mentions stored, "
          f"{crawling:.1f}s crawling, {wall:.1f}s in all (child process start and store write)")
    return run.pages_fetched / crawling, run.pages_fetched, run.pages_fetched / wall


def scrapy_bench_rate(seconds: int) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    )
    log = result.stderr
    pages = int(re.search(r"'response_received_count': (\d+)", log).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", log).group(1))
    print(f"scrapy bench: {pages} pages in {elapsed:.1f}s")
    return pages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--bench-seconds", type=int, default=10)
    args = parser.parse_args()
    ours, _pages, ours_overall = schoolwatch_rate(args.threads)
    theirs = scrapy_bench_rate(args.bench_seconds)
    print(f"schoolwatch: {ours:.0f} pages/s while crawling ({ours_overall:.0f} pages/s overall)")
    print(f"scrapy bench: {theirs:.0f} pages/s")
    print(f"ratio schoolwatch / scrapy bench: {ours / theirs:.2f} "
          f"(overall, with start-up and the store write: {ours_overall / theirs:.2f})")


if __name__ == "__main__":
    main()
