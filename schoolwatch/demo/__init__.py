"""`schoolwatch demo`: the whole pipeline, offline, on bundled sites about fictional schools."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from importlib import resources
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from crawler.ground.config import Config, load_config
from crawler.ground.errors import SchoolwatchError
from crawler.store import Store
from schoolwatch.demo.server import FixtureServer
from schoolwatch.ui import program

DEMO_CONFIG = """\
# Written by `schoolwatch demo`. The sites it names were served on 127.0.0.1 during the demo.
[store]
path = "schoolwatch.duckdb"

[crawl]
user_agent = "schoolwatch-demo (+mailto:orm@hollins-green.example.org)"
delay = "0s"            # our own fixture server: no need to be polite
timeout = "10s"
allow_private = true    # the demo's sites are on this machine

[web]
base_url = "http://127.0.0.1:8080"   # where `schoolwatch serve` answers: messages link here

[[school]]
id = "hollins-green"
name = "Hollins Green Primary School"
aliases = ["Hollins Green Primary", "HGPS"]
ambiguous = ["Hollins Green"]
exclude = ["Hollins Green Park"]
staff = ["Jane Alder"]
leads = ["orm@hollins-green.example.org"]

[[school]]
id = "st-aldhelms"
name = "St Aldhelm's C of E Academy"
aliases = ["St Aldhelm's"]
staff = ["Daniel Okafor"]
leads = ["office@st-aldhelms.example.org"]

[[source]]
name = "ashcombe-post"
kind = "feed"
url = "{base}/news/rss.xml"
every = "1h"

[[source]]
name = "google-alerts"
kind = "feed"
url = "{base}/alerts/feed.atom"
schools = ["hollins-green", "st-aldhelms"]
every = "1h"

[[source]]
name = "reddit-ashcombe"
kind = "feed"
url = "{base}/reddit/search.rss"
every = "30m"

[[source]]
name = "parents-forum"
kind = "forum"                      # the engine (Mumsnet-style) is detected from the markup
url = "{base}/forum/talk/primary_education/index.html"
every = "2h"

[[source]]
name = "school-reviews"
kind = "reviews"
url = "{base}/reviews/hollins-green-primary.html"
schools = ["hollins-green"]
every = "1d"

[[source]]
name = "wikipedia-hgps"
kind = "wikipedia"
url = "{base}/wiki/Hollins_Green_Primary_School"
schools = ["hollins-green"]
every = "1h"
"""

EXAMPLE_QUERIES = [
    ("Mentions per school and source",
     "SELECT school_name, source, count(*) AS mentions FROM mentions GROUP BY ALL ORDER BY ALL"),
    ("The latest five, with evidence",
     "SELECT published_at, title, url, fetched_at, raw_sha256 FROM mentions "
     "ORDER BY published_at DESC LIMIT 5"),
    ("How each source's runs went", "SELECT source, status, pages_fetched, new_mentions, "
     "last_error FROM crawl_runs ORDER BY started_at"),
]


MARKER = ".schoolwatch-demo"


def prepare_folder(directory: Path) -> set[str]:
    """An empty folder for the demo. Never deletes what the demo did not make: a non-empty folder
    is used only when an earlier demo made it, and then only what that demo listed in its marker
    file is removed (anything added since stays). Returns the names kept."""
    if directory.exists() and not directory.is_dir():
        raise SchoolwatchError(f"{directory} is a file, not a folder: choose another --dir")
    if directory.is_dir() and any(directory.iterdir()):
        marker = directory / MARKER
        if not marker.is_file():
            raise SchoolwatchError(
                f"{directory} is not empty and no earlier demo made it: choose an empty or new "
                "--dir (the demo deletes nothing it did not create)"
            )
        for name in marker.read_text(encoding="utf-8").splitlines():
            made = directory / name
            if not name or "/" in name or "\\" in name or name in (".", "..", MARKER):
                continue
            if made.is_symlink() or made.is_file():
                made.unlink()
            elif made.is_dir():
                shutil.rmtree(made)
    directory.mkdir(parents=True, exist_ok=True)
    kept = {entry.name for entry in directory.iterdir()} - {MARKER}
    # Written first, so a demo stopped halfway can still be run again over its own folder.
    (directory / MARKER).write_text("", encoding="utf-8")
    return kept


def record_made(directory: Path, kept: set[str]) -> None:
    """Lists what this demo made: everything in its folder but what was there before it."""
    names = sorted(e.name for e in directory.iterdir() if e.name not in kept | {MARKER})
    (directory / MARKER).write_text("\n".join(names) + "\n", encoding="utf-8")


def sites_folder() -> Path:
    return Path(str(resources.files("schoolwatch.demo").joinpath("sites")))


def run_demo(
    directory: Path,
    *,
    console: Console,
    crawl_and_show: Callable[..., Any],
    show_result: Callable[..., Any],
) -> None:
    kept = prepare_folder(directory)
    with FixtureServer(sites_folder()) as server:
        console.print(f"[bold]schoolwatch demo[/]: fixture sites on {server.base_url}, "
                      f"data in [bold]{escape(str(directory))}/[/]\n")
        config_path = directory / "schoolwatch.toml"
        config_path.write_text(DEMO_CONFIG.format(base=server.base_url), encoding="utf-8")
        config = load_config(config_path)
        crawl_and_show(config)
        console.print("\n[bold]Second crawl[/] (nothing changed: expect 304s and no new rows)")
        crawl_and_show(config)
    store = Store(config.store.path)
    console.print("\n[bold]What was found[/]")
    show_result(store.mention_listing(), "table")
    _show_messages(config, store, directory, console)
    record_made(directory, kept)
    console.print("\n[bold]Try it yourself[/]")
    for title, sql in EXAMPLE_QUERIES:
        console.print(f"  [dim]# {title}[/]")
        console.print(f"  {program()} query --config {config_path} \"{sql}\"", highlight=False,
                      markup=False,
                      soft_wrap=True)


def _show_messages(config: Config, store: Store, directory: Path, console: Console) -> None:
    """Last week's digest of each school and any alerts, to the outbox only (no SMTP)."""
    # lazy: the digest (jinja2, matplotlib) loads only when the demo reaches it
    from digest.alerts import queue_alerts
    from digest.weekly import queue_digests
    from digest.weeks import Week

    week = Week.previous(datetime.now(UTC))
    console.print(f"\n[bold]Weekly digests[/] for {week.label} (outbox only: the demo sends "
                  "no mail)")
    for outcome in queue_digests(config, store, week):
        preview = directory / f"digest-{outcome.school_id}-{week.label}.html"
        preview.write_text(outcome.composed.preview_html, encoding="utf-8")
        console.print(f"  {outcome.composed.message.subject}", highlight=False, markup=False)
        console.print(f"    message: {outcome.eml_path}", highlight=False, soft_wrap=True,
                      markup=False)
        console.print(f"    preview: {preview}", highlight=False, soft_wrap=True, markup=False)
    queue_alerts(config, store)  # the crawl queued them already; this finds nothing new
    alerts = store.queued_alerts()
    if not alerts:
        console.print("  No high-risk alerts.")
    for number, alert in enumerate(alerts, 1):
        html = message_from_bytes(alert.body, policy=default).get_body(("html",))
        preview = directory / f"alert-{number}.html"
        if html is not None:
            preview.write_text(html.get_content(), encoding="utf-8")
        console.print(f"  [bold red]Alert[/]: {escape(alert.subject)}", highlight=False)
        console.print(f"    message: {alert.eml_path}", highlight=False, soft_wrap=True,
                      markup=False)
        console.print(f"    preview: {preview}", highlight=False, soft_wrap=True, markup=False)
