-- Server-side sessions for the web inbox (issue 22): the cookie holds only an opaque random id;
-- the store keeps its SHA-256, so a copy of the store cannot be replayed as a cookie. Logging
-- out, a password reset, removing the user or "log out everywhere" delete the rows and the
-- session ends at the next request, in every `serve` process at once.
CREATE TABLE web_sessions (
    id_sha256  VARCHAR NOT NULL,      -- sha256 of the cookie's id, hex
    user_id    BIGINT NOT NULL,
    csrf       VARCHAR NOT NULL,      -- the forms' token for this session
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Failed logins, one row per attempt, for the login limiter: kept here (not in one process's
-- memory) so that a restart is not the way out and several `serve` processes agree.
-- Both keys are hashes ('email:<sha256>' of the normalised address typed, 'address:<sha256>'
-- of the client address): an attacker's typing is never stored or logged in clear.
CREATE TABLE login_failures (
    email_key   VARCHAR NOT NULL,
    address_key VARCHAR NOT NULL,
    failed_at   TIMESTAMPTZ NOT NULL
);
