-- Screen prints (issue 21): a picture of the page as it was, the evidence a governor, a police
-- officer or a platform's report form accepts. One row per attempt: a capture that failed keeps
-- its reason (error) and no files, so the mention page says why and nothing retries in a loop.
-- Each file's SHA-256 is of the bytes stored here, so a pack can be checked against the store.
CREATE SEQUENCE screen_prints_id;
CREATE TABLE screen_prints (
    id            BIGINT NOT NULL,
    mention_id    BIGINT NOT NULL,
    case_id       BIGINT,              -- taken from a case's page
    requested_url VARCHAR NOT NULL,
    final_url     VARCHAR,             -- after redirects
    http_status   INTEGER,
    captured_at   TIMESTAMPTZ NOT NULL,
    captured_by   VARCHAR NOT NULL,    -- a user's email, or 'schoolwatch' at first sighting
    png           BLOB,                -- the full page (height capped), PNG
    png_sha256    VARCHAR,
    pdf           BLOB,                -- the page printed, PDF
    pdf_sha256    VARCHAR,
    error         VARCHAR              -- why there is no picture (in words)
);
