-- What the scheduler ran and when, so a restart knows what is due and what was missed.
-- slot: the time a run was due (a digest's Monday 07:00); started/finished: when it ran.
CREATE TABLE schedule_runs (
    job         VARCHAR NOT NULL,
    slot        TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,    -- running | ok | failed
    detail      VARCHAR
);
