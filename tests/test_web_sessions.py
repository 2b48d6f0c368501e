"""Sessions that end and logins that cannot be forced (issue 22 items 1, 3 and 4; issue 21's
`user reset-password`, `user unlock` and a limiter kept in the store).

Each inbox is served in this process by uvicorn on a port-0 socket (as `serve` does); two of them
over one store stand for two `serve` processes, since they share nothing but the store."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.ground.config import Config
from crawler.store import Store
from schoolwatch.cli import cli
from tests.inbox_client import LEAD, Browser, inbox_server
from tests.web_helpers import SECRET, add_user, seed, web_config, write_config_file


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOLWATCH_SECRET_KEY", SECRET)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = web_config(tmp_path)
    store = Store(config.store.path)
    seed(store)
    add_user(store, LEAD)
    return config


def test_logging_out_ends_the_session_for_a_copy_of_its_cookie(config: Config) -> None:
    with inbox_server(config) as url:
        browser = Browser(url)
        assert browser.log_in() == 200
        cookie = browser.session_cookie()
        assert Browser(url, cookie).get("/mentions")[1] == url + "/mentions"
        assert browser.post("/logout", {}) == 200  # redirected to the login page
        _, landed, html = Browser(url, cookie).get("/mentions")
        assert landed.startswith(url + "/login") and "Worried about" not in html


def test_the_cookie_is_an_opaque_id_new_at_each_login(config: Config) -> None:
    store = Store(config.store.path)
    password_hash = store.user_by_email(LEAD).password_hash  # type: ignore[union-attr]
    with inbox_server(config) as url:
        browser = Browser(url)
        browser.log_in()
        first = browser.session_cookie()
        browser.log_in()
        second = browser.session_cookie()
    assert first != second
    for cookie in (first, second):
        decoded = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
        assert b"uid" not in decoded and password_hash[-16:] not in cookie
        assert len(cookie) <= 64 and "." not in cookie
    # the store keeps a hash of the id, never the id; the replaced id is no session any more
    kept = {row[0] for row in store.query("SELECT id_sha256 FROM web_sessions").rows}
    assert first not in kept and second not in kept and len(kept) == 1


def test_log_out_everywhere_and_a_password_reset_end_every_session(
    config: Config, tmp_path: Path
) -> None:
    with inbox_server(config) as url:
        laptop, phone = Browser(url), Browser(url)
        laptop.log_in()
        phone.log_in()
        assert laptop.post("/logout/everywhere", {}) == 200
        assert phone.get("/mentions")[1].startswith(url + "/login")

        laptop.log_in()
        config_path = write_config_file(tmp_path)
        result = CliRunner().invoke(cli, ["user", "reset-password", LEAD, "--config",
                                          str(config_path), "--password-stdin"],
                                    input="a brand new password\n")
        assert result.exit_code == 0, result.output
        assert "1 session ended" in result.output
        assert laptop.get("/mentions")[1].startswith(url + "/login")
        assert laptop.log_in() == 401
        assert laptop.log_in(password="a brand new password") == 200


@pytest.mark.parametrize("email", ["a b@x.example", "x" * 250 + "@x.example", "", "no-at-sign",
                                   "lead@school.example\nforged line"])
def test_an_email_that_cannot_be_one_is_a_wrong_login_and_counted(
    config: Config, email: str
) -> None:
    with inbox_server(config) as url:
        statuses = [Browser(url).log_in(email=email, password="wrong password")
                    for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_failed_logins_are_logged_by_hash_on_one_line(
    config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="schoolwatch")
    with inbox_server(config) as url:
        Browser(url).log_in(email="lead@school.example\nCRITICAL forged", password="x" * 12)
        Browser(url).log_in(password="wrong password")
    failed = [r.getMessage() for r in caplog.records if "failed login" in r.getMessage()]
    assert len(failed) == 2
    assert all("email:" in line and "address:" in line for line in failed)
    assert all("\n" not in line and "school.example" not in line and "127.0.0.1" not in line
               for line in failed)


def test_the_limit_survives_a_restart_and_binds_every_server_until_unlock(
    config: Config, tmp_path: Path
) -> None:
    with inbox_server(config) as first:
        assert [Browser(first).log_in(password="wrong password") for _ in range(5)] == [401] * 5
    with inbox_server(config) as restarted, inbox_server(config) as beside:
        assert Browser(restarted).log_in() == 429
        assert Browser(beside).log_in() == 429
        result = CliRunner().invoke(cli, ["user", "unlock", LEAD, "--config",
                                          str(write_config_file(tmp_path))])
        assert result.exit_code == 0, result.output
        assert "5 failed logins forgotten" in result.output
        assert Browser(beside).log_in() == 200


def test_unlock_and_reset_name_an_unknown_user(tmp_path: Path) -> None:
    config_path = write_config_file(tmp_path)
    for args, stdin in ((["unlock"], None), (["reset-password", "--password-stdin"],
                                            "long enough password\n"), (["logout"], None)):
        result = CliRunner().invoke(cli, ["user", *args, "nobody@school.example", "--config",
                                          str(config_path)], input=stdin)
        assert result.exit_code != 0
        assert "no user nobody@school.example" in result.output
