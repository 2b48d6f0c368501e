-- Takedown cases: a mention someone asked a platform to remove, followed until it is gone.
-- status: open (noted, not yet reported) | reported | removed | refused.
-- removed and refused close the case; until then retention keeps the mention's evidence.
CREATE TABLE cases (
    id              BIGINT NOT NULL,
    mention_id      BIGINT NOT NULL,
    school_id       VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,
    opened_at       TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    reported_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    last_checked_at TIMESTAMPTZ,
    last_check      VARCHAR          -- what the last re-check saw, in words
);

-- Every change of status and every re-check, with the bytes the re-check received.
CREATE TABLE case_events (
    case_id     BIGINT NOT NULL,
    event_at    TIMESTAMPTZ NOT NULL,
    kind        VARCHAR NOT NULL,    -- opened | status | check
    status      VARCHAR NOT NULL,    -- the case status after this event
    note        VARCHAR,
    http_status INTEGER,             -- re-checks only
    raw_sha256  VARCHAR              -- re-checks only: the response kept in raw_responses
);
