"""Crawl rate: schoolwatch's forum crawl against a plain Scrapy spider on the same local forum.

    .venv/bin/python bench/crawl_rate.py [--threads 600] [--repeats 3] [--scrapy-bench] [--smoke]

Both sides crawl the same local forum (board pages of 50 thread links, threads of 5 posts) with
the same Scrapy settings: the ones `crawler.engine.settings.scrapy_settings` builds from the
[crawl] below (16 requests at once and 16 per site, no delay, robots.txt not read, no retries,
log level CRITICAL); the plain spider only drops schoolwatch's item pipelines. Both follow the
thread links and next-page links and read the same fields of every post (title, text without
quotes, author, date, permalink) with the same CSS selectors.

What is timed, on both sides: the crawl itself, from the spider's start to its close (pages
per second). Excluded on both sides: process start-up, imports and, for schoolwatch, the one
store write after the crawl (shown separately, with the whole-process time, for context).
Each side runs in a fresh process per repeat; figures are the median and min-max spread of
--repeats runs after one warm-up run, and the ratio comes from the medians of this run.
`--scrapy-bench` also prints `scrapy bench` (Scrapy's own follow-all-links site), as context
only: it is a different site doing different work.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

THREADS_PER_BOARD_PAGE = 50
POSTS_PER_THREAD = 5
SELECTORS = {
    "post": ".post", "text": ".body", "author": ".who::text", "date": ".when::text",
    "permalink": "a.permalink::attr(href)", "title": "h1::text", "next": "a.next::attr(href)",
    "thread_links": "a.thread::attr(href)",
}

OURS = r"""
import json, sys, time
started = time.perf_counter()
from schoolwatch.crawling import crawl
from crawler.ground.config import load_config

config = load_config(sys.argv[1])
report = crawl(config, config.source)
run = report.runs[0]
assert not report.failed, run.last_error
print(json.dumps({
    "pages": run.pages_fetched, "items": run.items_seen, "mentions": len(report.new_mention_ids),
    "crawl": (run.finished_at - run.started_at).total_seconds(),
    "process": time.perf_counter() - started,
}))
"""

PLAIN = r"""
import json, sys, time
started = time.perf_counter()
import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess

from crawler.ground.config import load_config
from crawler.engine.settings import scrapy_settings

config = load_config(sys.argv[1])
selectors = json.loads(sys.argv[2])
start_url = config.source[0].url
counts = {"pages": 0, "items": 0}


class PlainForum(scrapy.Spider):
    name = "plain-forum"

    async def start(self):
        yield scrapy.Request(start_url)

    def parse(self, response):
        counts["pages"] += 1
        posts = response.css(selectors["post"])
        if not posts:
            yield from response.follow_all(css=selectors["thread_links"][: -len("::attr(href)")])
        title = " ".join(response.css(selectors["title"]).get(default="").split())
        for index, post in enumerate(posts):
            body = post.css(selectors["text"])
            text = " ".join(" ".join(body.xpath(".//text()").getall()).split())
            permalink = post.css(selectors["permalink"]).get()
            yield {
                "url": response.urljoin(permalink) if permalink else f"{response.url}#{index}",
                "title": title,
                "text": text,
                "author": post.css(selectors["author"]).get(),
                "date": post.css(selectors["date"]).get(),
            }
        next_page = response.css(selectors["next"]).get()
        if next_page:
            yield response.follow(next_page)


def scraped(item, response, spider):
    counts["items"] += 1


settings = scrapy_settings(config.crawl)
settings["ITEM_PIPELINES"] = {}
process = CrawlerProcess(settings)
crawler = process.create_crawler(PlainForum)
crawler.signals.connect(scraped, signal=signals.item_scraped)
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({
    **counts, "crawl": stats["elapsed_time_seconds"], "process": time.perf_counter() - started,
}))
"""


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


class _Server(ThreadingHTTPServer):
    # A listen backlog like a real web server's (http.server's default is 5): with 50 sources
    # connecting at once, a backlog of 5 drops connection attempts, and TCP's retry after a
    # second or more would be timed instead of the crawl.
    request_queue_size = 128


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


def write_config(folder: Path, base: str, threads: int, boards: int) -> Path:
    options = "".join(f'{key} = "{value}"\n' for key, value in SELECTORS.items())
    path = folder / "bench.toml"
    path.write_text(
        '[store]\npath = "bench.duckdb"\n[crawl]\ndelay = "0s"\nper_site = 16\n'
        'allow_private = true\n'
        f"obey_robots = false\nretries = 0\nmax_pages = {threads + boards + 10}\n"
        '[[school]]\nid = "hg"\nname = "Hollins Green Primary School"\n'
        'aliases = ["Hollins Green Primary"]\n'
        f'[[source]]\nname = "bench-forum"\nkind = "forum"\nurl = "{base}/board/0"\n'
        f'platform = "generic"\n[source.options]\n{options}'
    )
    return path


def run_side(script: str, args: list[str]) -> dict[str, float]:
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": root},
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def scrapy_bench_rate(seconds: int) -> float:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
        capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
    )
    log = result.stderr
    pages = int(re.search(r"'response_received_count': (\d+)", log).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", log).group(1))
    return pages / elapsed


def summary(label: str, samples: list[dict[str, float]]) -> float:
    rates = [s["pages"] / s["crawl"] for s in samples]
    median = statistics.median(rates)
    process = statistics.median(s["process"] for s in samples)
    print(f"{label:<26} {samples[0]['pages']:.0f} pages, {samples[0]['items']:.0f} items: "
          f"median {median:6.1f} pages/s, spread {min(rates):.1f}-{max(rates):.1f} "
          f"(n={len(samples)}); whole process median {process:.1f}s", flush=True)
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scrapy-bench", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="50 threads, one repeat: checks the bench runs (make test).")
    args = parser.parse_args()
    if args.smoke:
        args.threads, args.repeats = 50, 1
    boards = max(1, args.threads // THREADS_PER_BOARD_PAGE)
    _Site.boards = boards
    server = _Server(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    ours: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeats + 1):  # the first of each side is the warm-up
            folder = Path(scratch) / str(repeat)
            folder.mkdir()  # a fresh store each time: every post is new
            config = str(write_config(folder, base, args.threads, boards))
            ours.append(run_side(OURS, [config]))
            plain.append(run_side(PLAIN, [config, json.dumps(SELECTORS)]))
    server.shutdown()
    ours_rate = summary("schoolwatch forum crawl", ours[1:])
    plain_rate = summary("plain Scrapy spider", plain[1:])
    print(f"schoolwatch stored {ours[-1]['mentions']:.0f} mentions (store write and start-up "
          "are in the whole-process time only)")
    print(f"ratio schoolwatch / plain Scrapy: {ours_rate / plain_rate:.2f}x (target >= 0.85x)")
    if args.scrapy_bench:
        print(f"context, scrapy bench (its own site and work): {scrapy_bench_rate(10):.0f} pages/s")


if __name__ == "__main__":
    main()
