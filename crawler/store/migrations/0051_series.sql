-- Measurements over time that are not mentions: Parent View's share of parents agreeing with
-- each question, and its response count, one row per (metric, reading). A reading is only
-- stored when the published figures changed.

CREATE TABLE series_points (
    source      VARCHAR NOT NULL,
    school_id   VARCHAR NOT NULL,
    series      VARCHAR NOT NULL,   -- parent_view
    observed_at TIMESTAMPTZ NOT NULL,
    as_of       DATE,               -- the date the publisher gives the figures
    metric      VARCHAR NOT NULL,   -- "submissions", or the question ("Q1. My child is happy...")
    value       DOUBLE NOT NULL,    -- the count, or the percentage agreeing (strongly + agree)
    detail      JSON                -- the full answer split
);
