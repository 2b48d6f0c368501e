"""Users of the web inbox: who may log in, with which role, for which schools.

The password hash is made by the caller (argon2, in schoolwatch.web.auth); the store never sees
a password.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from crawler.ground.errors import AuthError
from crawler.store.audit import record_action
from crawler.store.base import StoreBase

ROLES = ("lead", "viewer", "admin")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    password_hash: str
    role: str
    schools: tuple[str, ...]
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_act(self) -> bool:
        """Leads and admins triage; viewers only read."""
        return self.role in ("lead", "admin")

    def sees(self, school_id: str) -> bool:
        return self.is_admin or school_id in self.schools


def user_sql(alias: str = "") -> str:
    """The SELECT of a user's columns (before FROM), in user_from_row's order."""
    prefix = f"{alias}." if alias else ""
    return "SELECT " + ", ".join(prefix + name for name in (
        "id", "email", "password_hash", "role", "schools", "created_at")) + " "


_USER_SQL = user_sql() + "FROM users "


def user_from_row(row: tuple[Any, ...]) -> User:
    return User(row[0], row[1], row[2], row[3], tuple(row[4] or ()), row[5])


def end_sessions_of(con: duckdb.DuckDBPyConnection, email: str) -> int:
    """In the caller's transaction: ends every web session of the user with this email."""
    rows = con.execute(
        "DELETE FROM web_sessions WHERE user_id IN (SELECT id FROM users WHERE email = ?) "
        "RETURNING 1", [email]).fetchall()
    return len(rows)


class UserStore(StoreBase):
    """Mixin on Store: the users table."""

    def add_user(
        self, email: str, password_hash: str, role: str, schools: Sequence[str], actor: str
    ) -> User:
        email = normalise_email(email)
        if role not in ROLES:
            raise AuthError(f"role must be one of {', '.join(ROLES)} (not {role!r})")
        if role != "admin" and not schools:
            raise AuthError("a lead or viewer needs at least one --school")
        now = datetime.now(UTC)
        with self.transaction() as con:
            if con.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchall():
                raise AuthError(f"a user {email} exists already (remove it first)")
            user_id = con.execute("SELECT nextval('users_id')").fetchall()[0][0]
            con.execute(
                "INSERT INTO users (id, email, password_hash, role, schools, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [user_id, email, password_hash, role, list(schools), now],
            )
            record_action(con, actor, "user_add", after={"email": email, "role": role,
                                                          "schools": list(schools)})
        return User(user_id, email, password_hash, role, tuple(schools), now)

    def remove_user(self, email: str, actor: str) -> None:
        email = normalise_email(email)
        with self.transaction() as con:
            if not con.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchall():
                raise AuthError(f"no user {email}")
            end_sessions_of(con, email)
            con.execute("DELETE FROM users WHERE email = ?", [email])
            record_action(con, actor, "user_remove", before={"email": email})

    def users(self) -> list[User]:
        with self.reader() as con:
            rows = con.execute(_USER_SQL + "ORDER BY email").fetchall()
        return [user_from_row(row) for row in rows]

    def user_by_email(self, email: str) -> User | None:
        with self.reader() as con:
            rows = con.execute(_USER_SQL + "WHERE email = ?", [normalise_email(email)]).fetchall()
        return user_from_row(rows[0]) if rows else None

    def user_by_id(self, user_id: int) -> User | None:
        with self.reader() as con:
            rows = con.execute(_USER_SQL + "WHERE id = ?", [user_id]).fetchall()
        return user_from_row(rows[0]) if rows else None

    def reset_password(self, email: str, password_hash: str, actor: str) -> int:
        """A new password: every session of the user ends (how many did)."""
        email = normalise_email(email)
        with self.transaction() as con:
            if not con.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchall():
                raise AuthError(f"no user {email}")
            ended = end_sessions_of(con, email)
            con.execute("UPDATE users SET password_hash = ? WHERE email = ?",
                        [password_hash, email])
            record_action(con, actor, "user_reset_password", after={"email": email,
                                                                     "sessions_ended": ended})
        return ended

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replaces a hash (argon2 asks for a rehash when its parameters grow)."""
        with self.transaction() as con:
            con.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, user_id])


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or any(ch.isspace() for ch in email) or len(email) > 254:
        raise AuthError(f"{email!r} is not an email address")
    return email

