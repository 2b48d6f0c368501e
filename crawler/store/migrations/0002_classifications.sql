-- Sentiment and risk per mention, with the model version that produced them.
CREATE TABLE classifications (
    mention_id      BIGINT NOT NULL,
    sentiment       VARCHAR NOT NULL,   -- negative | neutral | positive
    sentiment_score DOUBLE NOT NULL,    -- probability of that label
    risk            VARCHAR NOT NULL,   -- none | low | medium | high
    categories      VARCHAR[] NOT NULL,
    risk_reasons    JSON,               -- {"category": "the phrase that triggered it"}
    model_version   VARCHAR NOT NULL,
    classified_at   TIMESTAMPTZ NOT NULL
);

CREATE OR REPLACE VIEW mentions AS
SELECT m.id, m.school_id, s.name AS school_name, m.source, m.source_kind, m.platform,
       m.url, m.title, m.author, m.published_at, m.fetched_at, m.first_seen_at, m.text,
       m.matched_alias, m.match_field, m.match_context, m.rating, m.final_url,
       m.http_status, m.raw_sha256, m.version,
       c.sentiment, c.sentiment_score, c.risk, c.categories, c.risk_reasons, c.model_version
FROM mention_records m
LEFT JOIN schools s ON s.id = m.school_id
LEFT JOIN classifications c ON c.mention_id = m.id;
