"""The web inbox's pieces without a browser: highlighting, the session secret, the login
limiter, redirects after login, and sharing the store with a writer in another process."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import time
import urllib.error
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.store import Store
from schoolwatch.web.auth import (
    SECRET_ENV,
    LoginLimiter,
    hash_password,
    session_secret,
    verify_password,
)
from schoolwatch.web.highlight import highlight, reason_phrases
from schoolwatch.web.server import QueryStringScrubber
from schoolwatch.web.shared import safe_next
from tests.web_helpers import add_user, logged_in, seed, serving, write_config_file


def test_highlight_marks_alias_and_reasons_without_overlaps() -> None:
    text = "At Hollins Green Primary my son is being bullied. hollins green primary again."
    segments = highlight(text, "Hollins Green Primary", ["being bullied", "son is being"])
    assert "".join(part for part, _ in segments) == text
    marked = [(part, kind) for part, kind in segments if kind]
    assert marked == [("Hollins Green Primary", "alias"), ("son is being", "reason"),
                      ("hollins green primary", "alias")]
    assert highlight("", None, []) == []
    assert reason_phrases('{"threat": "at the gate"}') == {"threat": "at the gate"}
    assert reason_phrases("not json") == {}


def test_passwords_are_argon2id_and_short_ones_refused() -> None:
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$") and "a long enough password" not in hashed
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "a long enough passwore")
    assert not verify_password(None, "anything at all")
    with pytest.raises(ValueError, match="at least"):
        hash_password("short")


def test_the_session_secret_comes_from_the_environment_or_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    path = tmp_path / "state" / "session-secret"
    first = session_secret(path)
    assert len(first) >= 48 and session_secret(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.setenv(SECRET_ENV, "e" * 40)
    assert session_secret(path) == "e" * 40
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ValueError):
        session_secret(path)


def test_the_login_limiter_counts_failures_in_a_window(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    limiter = LoginLimiter(store, attempts=2, window=timedelta(minutes=15))
    limiter.failed("email:a", "address:1")
    assert not limiter.blocked("email:a", "address:1")
    limiter.failed("email:a", "address:1")
    assert limiter.blocked("email:a", "address:2") and not limiter.blocked("email:b", "address:2")
    # an address is blocked at four times the attempts, whatever emails it tries
    for n in range(7):
        limiter.failed(f"email:{n}", "address:3")
    assert not limiter.blocked("email:b", "address:3")
    limiter.failed("email:x", "address:3")
    assert limiter.blocked("email:b", "address:3")
    time.sleep(0.05)  # the same failures, seen through a window that has passed them
    assert not LoginLimiter(store, 2, window=timedelta(seconds=0.05)).blocked("email:a",
                                                                              "address:1")


@pytest.mark.parametrize(("target", "expected"), [
    ("/mentions/3?x=1", "/mentions/3?x=1"), ("//evil.example/", "/mentions"),
    ("https://evil.example/", "/mentions"), ("/\\evil.example", "/mentions"), (None, "/mentions"),
])
def test_after_login_only_local_paths_are_followed(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_the_inbox_waits_for_a_writer_in_another_process(tmp_path: Path) -> None:
    """`schoolwatch run` holds the store only for short writes: a request waits, then answers."""
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    seed(store)
    add_user(store, "lead@school.example")
    hold = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "con.execute('BEGIN'); print('locked', flush=True); time.sleep(2); con.close()")
    with serving(config_path, tmp_path) as url:
        opener = logged_in(url, "lead@school.example")
        writer = subprocess.Popen([sys.executable, "-c", hold, str(store.path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
            started = time.monotonic()
            with opener.open(url + "/mentions") as response:
                assert response.status == 200
                assert b"Worried about Hollins Green Primary" in response.read()
            assert time.monotonic() - started > 0.5
        finally:
            writer.wait(timeout=10)
            if writer.stdout is not None:
                writer.stdout.close()


def test_a_removed_user_is_logged_out_at_the_next_request(tmp_path: Path) -> None:
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    seed(store)
    add_user(store, "lead@school.example")
    with serving(config_path, tmp_path) as url:
        opener = logged_in(url, "lead@school.example")
        with opener.open(url + "/mentions") as response:
            assert response.url == url + "/mentions"
        store.remove_user("lead@school.example", "test")
        with opener.open(url + "/mentions") as response:
            assert response.url.startswith(url + "/login")
            assert b"Worried about" not in response.read()


def test_a_long_write_elsewhere_is_answered_503_not_a_crash(tmp_path: Path) -> None:
    config_path = write_config_file(tmp_path)
    store = Store(tmp_path / "store.duckdb")
    seed(store)
    add_user(store, "lead@school.example")
    hold = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(9); con.close()")
    with serving(config_path, tmp_path) as url:
        opener = logged_in(url, "lead@school.example")
        writer = subprocess.Popen([sys.executable, "-c", hold, str(store.path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
            with pytest.raises(urllib.error.HTTPError) as caught:
                opener.open(url + "/mentions")
            assert caught.value.code == 503
            assert b"try again in a moment" in caught.value.read()
            caught.value.close()
        finally:
            writer.wait(timeout=15)
            if writer.stdout is not None:
                writer.stdout.close()
        with opener.open(url + "/mentions") as response:  # and it recovers
            assert response.status == 200


def test_the_access_log_never_records_a_search() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/?q=Jane+Doe&risk=high", "1.1", 200), None,
    )
    assert QueryStringScrubber().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET / HTTP/1.1" 200'
