-- Queue jobs whose results the ingest consumer has written (docs/scaling.md). A job delivered
-- twice (a worker killed after sending, a Redis restart) is written once: the ingest looks its
-- id up here in the transaction that writes the result.
CREATE TABLE ingested_jobs (
    job_id      VARCHAR PRIMARY KEY,
    source      VARCHAR NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL
);
