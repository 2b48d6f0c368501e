"""A killed parent leaves no crawl child running (issue 12 item 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from schoolwatch.demo.server import FixtureServer, send

ROOT = Path(__file__).resolve().parents[1]

PARENT = """
import multiprocessing, sys, threading, time
from schoolwatch.crawling import crawl
from crawler.ground.config import config_from_dict
from pathlib import Path

if __name__ == "__main__":
    folder = Path(sys.argv[2])
    config = config_from_dict({
        "store": {"path": str(folder / "store.duckdb")},
        "crawl": {"allow_private": True, "delay": "0s", "retries": 0, "timeout": "60s"},
        "school": [{"id": "hg", "name": "Hollins Green Primary School"}],
        "source": [{"name": "slow", "kind": "feed", "url": sys.argv[1]}],
    }, "t.toml", folder)
    threading.Thread(target=crawl, args=(config, config.source), daemon=True).start()
    while not multiprocessing.active_children():
        time.sleep(0.05)
    print(multiprocessing.active_children()[0].pid, flush=True)
    time.sleep(120)
"""


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def test_the_crawl_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    def hang(handler: object) -> None:
        time.sleep(40)
        send(handler, 200, b"<rss version='2.0'><channel></channel></rss>",  # type: ignore[arg-type]
             "application/rss+xml")

    with FixtureServer(routes={"/hang.xml": hang}) as server:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, f"{server.base_url}/hang.xml", str(tmp_path)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE, text=True,
        )
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 60
        while not server.hits.get("/hang.xml") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.hits.get("/hang.xml"), "the child never started fetching"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        parent.stdout.close()
        deadline = time.monotonic() + 40
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.2)
        gone = _gone(child)
        if not gone:
            os.kill(child, signal.SIGKILL)
        assert gone, "the crawl child outlived its parent"
        from crawler.store import Store

        statuses = Store(tmp_path / "store.duckdb").query("SELECT status FROM crawl_runs").rows
        assert statuses and statuses[0][0] in ("interrupted", "failed")  # recorded, not lost
