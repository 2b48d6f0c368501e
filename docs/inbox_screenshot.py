"""Takes docs/inbox.png: the demo's store served by the inbox, in headless chromium.

    .venv/bin/python docs/inbox_screenshot.py [--out docs/inbox.png]

Runs `schoolwatch demo` into a temporary folder (offline fixture sites about two fictional
schools), marks two mentions as a lead would, serves the store on a port-0 socket, logs in as the
demo user and photographs the inbox.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from crawler.ground.config import load_config
from crawler.store import InboxFilter, Store
from schoolwatch.cli import cli
from schoolwatch.web.app import create_app
from schoolwatch.web.server import bind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "inbox.png")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="inbox-shot-"))
    os.environ.setdefault("SCHOOLWATCH_SECRET_KEY", "screenshot-" + "s" * 40)
    result = CliRunner().invoke(cli, ["demo", "--dir", str(folder)], terminal_width=160)
    assert result.exit_code == 0, result.output
    password = result.output.split("with password ", 1)[1].split()[0]
    config = load_config(folder / "schoolwatch.toml")
    store = Store(config.store.path)
    rows = store.inbox(InboxFilter(), None).rows
    low = [row["id"] for row in rows if row["risk"] == "low"]
    neutral = [row["id"] for row in rows if row["risk"] == "none" and row["sentiment"] == "neutral"]
    if low:
        store.set_status(low[:1], "handled", "demo@school.example")
    if neutral:
        store.set_status(neutral[:1], "false_positive", "demo@school.example",
                         reason="another school of the same name")

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(base + "/login")
        page.fill("input[name=email]", "demo@school.example")
        page.fill("input[name=password]", password)
        page.click("form.login button[type=submit]")
        page.wait_for_url(base + "/mentions")
        page.screenshot(path=str(args.out))
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
