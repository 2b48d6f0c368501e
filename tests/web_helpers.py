"""A real store for the web inbox's tests: two schools, classified posts (one hostile), users;
and a `schoolwatch serve` child process on a port-0 socket."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.ground.config import Config, config_from_dict
from crawler.ground.items import CrawlResult, Document, Match, MatchedDocument
from crawler.ground.text import content_hash
from crawler.store import ClassificationRow, Store
from schoolwatch.web.auth import hash_password

PASSWORD = "correct horse battery"
SECRET = "test-secret-" + "x" * 40
SCHOOLS = [("hollins-green", "Hollins Green Primary School"), ("oakfield", "Oakfield Academy")]
HOSTILE_TEXT = (
    'Hollins Green Primary <script>document.title="pwned"</script> see '
    '<a href="javascript:alert(1)">this</a> <img src=x onerror="document.title=\'img\'">'
)


@dataclass(frozen=True)
class Seeded:
    high: int  # high risk, hollins-green: the one to triage
    medium: int  # medium risk, hollins-green
    hostile: int  # hostile markup and a javascript: url, hollins-green
    calm: int  # no risk, hollins-green
    other_school: int  # high risk, oakfield


def web_config(tmp_path: Path) -> Config:
    return config_from_dict({
        "store": {"path": str(tmp_path / "store.duckdb")},
        "crawl": {"user_agent": "schoolwatch-test", "delay": "0s", "timeout": "5s",
                  "retries": 0},
        "school": [
            {"id": "hollins-green", "name": "Hollins Green Primary School",
             "aliases": ["Hollins Green Primary"], "leads": ["lead@school.example"]},
            {"id": "oakfield", "name": "Oakfield Academy", "aliases": ["Oakfield"]},
        ],
        "web": {"base_url": "http://inbox.test/"},
    }, "test.toml", base_dir=tmp_path)


def write_config_file(tmp_path: Path) -> Path:
    path = tmp_path / "schoolwatch.toml"
    path.write_text(
        f'[store]\npath = "{tmp_path / "store.duckdb"}"\n'
        '[web]\nbase_url = "http://inbox.test"\n'
        '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
        'aliases = ["Hollins Green Primary"]\nleads = ["lead@school.example"]\n'
        '[[school]]\nid = "oakfield"\nname = "Oakfield Academy"\naliases = ["Oakfield"]\n',
        encoding="utf-8")
    return path


def _document(url: str, title: str, text: str, when: datetime, school_id: str,
              alias: str) -> MatchedDocument:
    body = f"<html><body><h1>{title}</h1><p>{text}</p></body></html>".encode()
    document = Document(
        url=url, title=title, text=text, fetched_at=datetime.now(UTC), final_url=url,
        http_status=200, raw_sha256=hashlib.sha256(body).hexdigest(), raw_body=body,
        content_type="text/html", published_at=when, author="a parent",
    )
    return MatchedDocument(document, "forum", "forum", url, content_hash(title, text),
                           [Match(school_id, alias, "text", 0, text[:40])])


def seed(store: Store, when: datetime | None = None) -> Seeded:
    """Writes five classified mentions as a crawl would; `when` defaults to two days ago."""
    when = when or datetime.now(UTC) - timedelta(days=2)
    posts = [
        ("http://forum.test/t/1", "Worried about Hollins Green Primary",
         "Hollins Green Primary: my son is being bullied every day and nobody helps him.",
         "hollins-green", "Hollins Green Primary"),
        ("http://forum.test/t/2", "Complaint about Hollins Green Primary",
         "Hollins Green Primary ignored my complaint about the lunch queue.",
         "hollins-green", "Hollins Green Primary"),
        ("javascript:alert(1)", "<b>Hollins Green Primary</b> <script>alert(1)</script>",
         HOSTILE_TEXT, "hollins-green", "Hollins Green Primary"),
        ("http://forum.test/t/4", "Hollins Green Primary fete",
         "The Hollins Green Primary summer fete was lovely.", "hollins-green",
         "Hollins Green Primary"),
        ("http://forum.test/t/5", "Oakfield threat",
         "Oakfield teacher threatened, someone posted an address.", "oakfield", "Oakfield"),
    ]
    documents = [_document(url, title, text, when - timedelta(hours=i), school, alias)
                 for i, (url, title, text, school, alias) in enumerate(posts)]
    result = store.write_crawl(CrawlResult(schools=SCHOOLS, sources=[("forum", "forum", "http://forum.test/",
                                                          None)],
                               runs=[], documents=documents, validators=[]))
    ids = {row[0]: row[1] for row in store.query(
        "SELECT url, id FROM mention_records ORDER BY id").rows}
    assert len(result.new_mention_ids) == len(posts)
    tags = [
        ("negative", "high", ("safeguarding",), {"safeguarding": "being bullied every day"}),
        ("negative", "medium", ("complaint",), {"complaint": "ignored my complaint"}),
        ("negative", "high", ("threat",), {}),
        ("positive", "none", (), {}),
        ("negative", "high", ("threat", "personal_data"), {"threat": "threatened"}),
    ]
    store.write_classifications([
        ClassificationRow(ids[url], sentiment, 0.9, risk, categories, reasons, "test-model")
        for (url, *_), (sentiment, risk, categories, reasons) in zip(posts, tags, strict=True)
    ])
    return Seeded(*(ids[url] for url, *_ in posts))


def add_user(store: Store, email: str, role: str = "lead",
             schools: tuple[str, ...] = ("hollins-green",)) -> None:
    store.add_user(email, hash_password(PASSWORD), role, schools, "test")


@contextmanager
def serving(config_path: Path, tmp_path: Path) -> Iterator[str]:
    """`schoolwatch serve --port 0` as a child process; yields its base URL."""
    env = {**os.environ, "SCHOOLWATCH_SECRET_KEY": SECRET, "PYTHONUNBUFFERED": "1",
           "HOME": str(tmp_path)}
    log_path = tmp_path / "serve.log"
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "schoolwatch.cli", "serve", "--config", str(config_path),
         "--port", "0"],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"http://127\.0\.0\.1:\d+", log_path.read_text(encoding="utf-8"))
            url = found.group(0) if found else None
            time.sleep(0.1)
        assert url, "serve did not start:\n" + log_path.read_text(encoding="utf-8")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def logged_in(url: str, email: str, password: str = PASSWORD) -> urllib.request.OpenerDirector:
    """A urllib opener holding a session cookie after logging in through the form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(url + "/login") as response:
        html = response.read().decode()
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token}).encode()
    with opener.open(url + "/login", data=data) as response:
        assert response.url.endswith("/mentions"), response.url
    return opener
