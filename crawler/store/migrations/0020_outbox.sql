-- Every email schoolwatch composes (digests and alerts), and which mentions have been alerted.
-- Exactly-once is kept by the writer (digest.outbox, through crawler.store): one digest per
-- (school, ISO week), one alert per mention, a message marked sent only after SMTP accepted it.

CREATE TABLE email_messages (
    message_id      VARCHAR NOT NULL,   -- the Message-ID header, without the angle brackets
    kind            VARCHAR NOT NULL,   -- digest | alert
    school_id       VARCHAR NOT NULL,
    week            VARCHAR,            -- ISO week of a digest, e.g. 2026-W47; NULL for alerts
    subject         VARCHAR NOT NULL,
    sender          VARCHAR NOT NULL,
    recipients      VARCHAR[] NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    attempts        INTEGER NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    last_error      VARCHAR,
    claimed_until   TIMESTAMPTZ,        -- a sender is working on it; others leave it alone
    eml_path        VARCHAR,            -- the copy written to the outbox folder
    body            BLOB NOT NULL       -- the message exactly as it is sent
);

CREATE TABLE alerted_mentions (
    mention_id BIGINT NOT NULL,
    school_id  VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    queued_at  TIMESTAMPTZ NOT NULL
);
