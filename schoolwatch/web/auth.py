"""Passwords (argon2id), session ids, CSRF tokens, the server's secret and the login limit.

Passwords are hashed here and nowhere else, never logged and never stored in clear. A session
cookie holds an opaque random id; the store keeps its hash (crawler/store/sessions.py). The
server's secret, from $SCHOOLWATCH_SECRET_KEY or a file generated outside the repository (mode
600) on first use, keys the hashes by which failed logins are counted and logged.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from crawler.ground.vocab import now
from crawler.store import Store

SECRET_ENV = "SCHOOLWATCH_SECRET_KEY"
DEFAULT_SECRET_FILE = Path("~/.local/state/schoolwatch/session-secret")
MIN_PASSWORD = 10
LOGIN_WINDOW = timedelta(minutes=15)
_hasher = PasswordHasher()
# A hash to verify against when the email is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def session_secret(secret_file: Path | None) -> str:
    """$SCHOOLWATCH_SECRET_KEY, else the secret file (created with 32 random bytes if absent)."""
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        if len(from_env) < 32:
            raise ValueError(f"${SECRET_ENV} must be at least 32 characters")
        return from_env
    path = (secret_file or DEFAULT_SECRET_FILE).expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def new_session_id() -> str:
    """The opaque id a session cookie carries: 256 random bits, nothing else."""
    return secrets.token_urlsafe(32)


def session_key(session_id: str) -> str:
    """What the store keeps of a session id: its SHA-256 (a copy of the store logs nobody in)."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def login_email(typed: str) -> str | None:
    """The email as users are stored (lower case), or None when the text cannot be one (spaces,
    control characters, no single @, longer than 254): such a login fails like a wrong one."""
    email = typed.strip().lower()
    local, at, domain = email.rpartition("@")
    if (not at or not local or not domain or len(email) > 254 or "@" in local
            or any(ch.isspace() or not ch.isprintable() for ch in email)):
        return None
    return email


def hashed(kind: str, value: str, secret: str) -> str:
    """"email:…" / "address:…": a keyed hash that names what a failed login came from in the
    store and the log without keeping what an attacker typed, or an address, in clear."""
    digest = hmac.new(secret.encode(), value.encode("utf-8", "replace"), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:24]}"


class LoginLimiter:
    """At most `attempts` failed logins per email typed, and `attempts * per_address_factor` per
    client address, in a sliding window; counted in the store so that every `serve` process
    agrees and a restart clears nothing. A success does not reset the address's count."""

    per_address_factor = 4

    def __init__(self, store: Store, attempts: int, window: timedelta = LOGIN_WINDOW) -> None:
        self.store = store
        self.attempts = attempts
        self.window = window

    def blocked(self, email_key: str, address_key: str) -> bool:
        counts = self.store.login_failures(email_key, address_key, now() - self.window)
        return (counts.by_email >= self.attempts
                or counts.by_address >= self.attempts * self.per_address_factor)

    def failed(self, email_key: str, address_key: str) -> None:
        at = now()
        self.store.record_login_failure(email_key, address_key, at, at - self.window)
