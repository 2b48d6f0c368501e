-- Alerts and digests for chat channels and webhooks (Teams, Slack, Google Chat, JSON, Apprise),
-- kept with the same rule as email: recorded before it is sent, sent until the channel accepts
-- it, never queued twice for the same (channel, mention) or (channel, school, week).

CREATE TABLE channel_deliveries (
    delivery_id     VARCHAR NOT NULL,   -- kind.channel.school.fingerprint
    channel         VARCHAR NOT NULL,   -- [[channel]] name
    kind            VARCHAR NOT NULL,   -- alert | digest
    school_id       VARCHAR NOT NULL,
    week            VARCHAR,            -- ISO week of a digest; NULL for alerts
    risk            VARCHAR,            -- the highest risk an alert carries
    title           VARCHAR NOT NULL,
    payload         JSON NOT NULL,      -- what is said, before the channel's own format
    created_at      TIMESTAMPTZ NOT NULL,
    not_before      TIMESTAMPTZ,        -- held by quiet hours until then (never a high risk)
    sent_at         TIMESTAMPTZ,
    attempts        INTEGER NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    last_error      VARCHAR,
    claimed_until   TIMESTAMPTZ
);

CREATE TABLE channel_alerted (
    channel     VARCHAR NOT NULL,
    mention_id  BIGINT NOT NULL,
    delivery_id VARCHAR NOT NULL,
    queued_at   TIMESTAMPTZ NOT NULL
);
