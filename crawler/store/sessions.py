"""Web inbox sessions and failed logins (migration 0085).

A session is a row keyed by the SHA-256 of the opaque id in the cookie; it ends when the row goes
(logout, password reset, user removal, "log out everywhere") or when it expires. The failed
logins are rows too, so every `serve` process and every restart sees the same counts. Callers
pass hashes, never the id, the email typed or the client's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.store.base import StoreBase
from crawler.store.users import User, end_sessions_of, normalise_email, user_from_row, user_sql


@dataclass(frozen=True)
class WebSession:
    user: User
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class LoginFailures:
    by_email: int
    by_address: int


class SessionStore(StoreBase):
    """Mixin on Store: the web_sessions and login_failures tables."""

    def open_session(
        self, id_sha256: str, user_id: int, csrf: str, at: datetime, lifetime: timedelta,
        *, replaces: str | None = None,
    ) -> None:
        """A new session for a user who has just logged in; the one the browser held before
        (`replaces`) ends in the same transaction, so a planted id never becomes logged in."""
        with self.transaction() as con:
            con.execute("DELETE FROM web_sessions WHERE expires_at <= ? OR id_sha256 = ?",
                        [at, replaces or ""])
            con.execute(
                "INSERT INTO web_sessions (id_sha256, user_id, csrf, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)", [id_sha256, user_id, csrf, at, at + lifetime])

    def session(self, id_sha256: str, at: datetime) -> WebSession | None:
        """The live session with this id and its user (one read), or None."""
        with self.reader() as con:
            rows = con.execute(
                user_sql("u") + ", s.csrf, s.expires_at FROM web_sessions s "
                "JOIN users u ON u.id = s.user_id WHERE s.id_sha256 = ? AND s.expires_at > ?",
                [id_sha256, at],
            ).fetchall()
        if not rows:
            return None
        return WebSession(user_from_row(rows[0][:6]), rows[0][6], rows[0][7])

    def end_session(self, id_sha256: str) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM web_sessions WHERE id_sha256 = ?", [id_sha256])

    def end_sessions(self, email: str) -> int:
        """Ends every session of this user ("log out everywhere"); how many there were."""
        with self.transaction() as con:
            return end_sessions_of(con, normalise_email(email))

    # ---- failed logins -------------------------------------------------------------------

    def login_failures(self, email_key: str, address_key: str, since: datetime) -> LoginFailures:
        with self.reader() as con:
            rows = con.execute(
                "SELECT count(*) FILTER (WHERE email_key = ?), "
                "count(*) FILTER (WHERE address_key = ?) FROM login_failures "
                "WHERE failed_at > ?", [email_key, address_key, since]).fetchall()
        return LoginFailures(int(rows[0][0]), int(rows[0][1]))

    def record_login_failure(
        self, email_key: str, address_key: str, at: datetime, forget_before: datetime
    ) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM login_failures WHERE failed_at <= ?", [forget_before])
            con.execute("INSERT INTO login_failures (email_key, address_key, failed_at) "
                        "VALUES (?, ?, ?)", [email_key, address_key, at])

    def clear_login_failures(self, email_key: str) -> int:
        """Forgets the failed logins typed with this email (`user unlock`): they count neither
        against the account nor against the addresses they came from."""
        with self.transaction() as con:
            count = con.execute("SELECT count(*) FROM login_failures WHERE email_key = ?",
                                [email_key]).fetchall()[0][0]
            con.execute("DELETE FROM login_failures WHERE email_key = ?", [email_key])
        return int(count)

