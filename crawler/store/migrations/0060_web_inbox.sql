-- The web inbox (issue 11): users, what a person decided about each mention, notes, corrections
-- kept as labelled feedback, and an audit log of every action.

CREATE SEQUENCE users_id;
CREATE TABLE users (
    id            BIGINT NOT NULL,
    email         VARCHAR NOT NULL,     -- lower case; unique (kept by crawler.store)
    password_hash VARCHAR NOT NULL,     -- argon2id, never the password
    role          VARCHAR NOT NULL,     -- lead | viewer | admin
    schools       VARCHAR[] NOT NULL,   -- the schools a lead or viewer sees; admin sees all
    created_at    TIMESTAMPTZ NOT NULL
);

-- One row per mention a person has triaged; a mention without a row is 'new'.
-- status: new | handled | false_positive | follow_up | case_opened
CREATE TABLE mention_triage (
    mention_id  BIGINT NOT NULL,
    status      VARCHAR NOT NULL,
    reason      VARCHAR,               -- why (required for false_positive)
    assigned_to VARCHAR,               -- a user's email
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  VARCHAR NOT NULL
);

CREATE TABLE mention_notes (
    mention_id BIGINT NOT NULL,
    author     VARCHAR NOT NULL,
    noted_at   TIMESTAMPTZ NOT NULL,
    note       VARCHAR NOT NULL
);

-- A person's correction of the classifier: labelled data a school can retrain on.
-- field: sentiment | risk | categories; value as text (categories: JSON array).
CREATE TABLE mention_feedback (
    mention_id    BIGINT NOT NULL,
    field         VARCHAR NOT NULL,
    model_value   VARCHAR,
    value         VARCHAR NOT NULL,
    model_version VARCHAR,
    corrected_by  VARCHAR NOT NULL,
    corrected_at  TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE audit_log_id;
CREATE TABLE audit_log (
    id         BIGINT NOT NULL,
    acted_at   TIMESTAMPTZ NOT NULL,
    actor      VARCHAR NOT NULL,       -- a user's email, or 'cli:<login>' for the commands
    action     VARCHAR NOT NULL,       -- status | assign | note | correct | open_case | user_add...
    mention_id BIGINT,
    case_id    BIGINT,
    before     JSON,
    after      JSON
);

-- The mentions view gains the triage status and the people's corrections: sentiment and risk
-- are the latest correction when there is one; the classifier's own are model_sentiment/_risk.
CREATE OR REPLACE VIEW mentions AS
WITH corrected AS (
    SELECT mention_id, field, arg_max(value, corrected_at) AS value
    FROM mention_feedback GROUP BY mention_id, field
)
SELECT m.id, m.school_id, s.name AS school_name, m.source, m.source_kind, m.platform,
       m.url, m.title, m.author, m.published_at, m.fetched_at, m.first_seen_at, m.text,
       m.matched_alias, m.match_field, m.match_context, m.rating, m.final_url,
       m.http_status, m.raw_sha256, m.version,
       coalesce(cs.value, c.sentiment) AS sentiment, c.sentiment_score,
       coalesce(cr.value, c.risk) AS risk, c.categories, c.risk_reasons, c.model_version,
       coalesce(t.status, 'new') AS status, t.reason AS status_reason, t.assigned_to,
       c.sentiment AS model_sentiment, c.risk AS model_risk
FROM mention_records m
LEFT JOIN schools s ON s.id = m.school_id
LEFT JOIN classifications c ON c.mention_id = m.id
LEFT JOIN mention_triage t ON t.mention_id = m.id
LEFT JOIN corrected cs ON cs.mention_id = m.id AND cs.field = 'sentiment'
LEFT JOIN corrected cr ON cr.mention_id = m.id AND cr.field = 'risk';
