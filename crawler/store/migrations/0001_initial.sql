-- Mentions, their evidence, earlier versions, crawl runs and HTTP validators.
-- Uniqueness of (school_id, url) is kept by crawler.store (the only writer), not by an index:
-- indexes slow DuckDB bulk inserts and turn updates into delete+insert.

CREATE TABLE schools (
    id   VARCHAR NOT NULL,
    name VARCHAR NOT NULL
);

CREATE TABLE sources (
    name     VARCHAR NOT NULL,
    kind     VARCHAR NOT NULL,
    url      VARCHAR NOT NULL,
    platform VARCHAR
);

-- The bytes exactly as fetched (zlib-compressed), addressed by the SHA-256 of the raw body.
CREATE TABLE raw_responses (
    sha256       VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    http_status  INTEGER NOT NULL,
    content_type VARCHAR,
    fetched_at   TIMESTAMPTZ NOT NULL,
    size_bytes   BIGINT NOT NULL,
    body_zlib    BLOB NOT NULL
);

CREATE TABLE mention_records (
    id            BIGINT NOT NULL,
    school_id     VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_kind   VARCHAR NOT NULL,
    platform      VARCHAR,
    title         VARCHAR,
    author        VARCHAR,
    published_at  TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    final_url     VARCHAR NOT NULL,
    http_status   INTEGER NOT NULL,
    raw_sha256    VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    matched_alias VARCHAR NOT NULL,
    match_field   VARCHAR NOT NULL,
    match_context VARCHAR,
    rating        DOUBLE,
    extra         JSON,
    version       INTEGER NOT NULL
);

-- What a mention said before an edit replaced it.
CREATE TABLE mention_versions (
    mention_id   BIGINT NOT NULL,
    version      INTEGER NOT NULL,
    title        VARCHAR,
    text         VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    raw_sha256   VARCHAR NOT NULL,
    replaced_at  TIMESTAMPTZ NOT NULL
);

-- The same text seen at another address or through another source.
CREATE TABLE mention_sightings (
    mention_id BIGINT NOT NULL,
    source     VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE crawl_runs (
    id               BIGINT NOT NULL,
    source           VARCHAR NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    status           VARCHAR NOT NULL,
    pages_fetched    INTEGER NOT NULL,
    items_seen       INTEGER NOT NULL,
    new_mentions     INTEGER NOT NULL,
    updated_mentions INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    last_error       VARCHAR,
    warnings         VARCHAR
);

-- ETag / Last-Modified per fetched URL, so an unchanged feed costs a 304.
CREATE TABLE http_validators (
    url           VARCHAR NOT NULL,
    etag          VARCHAR,
    last_modified VARCHAR,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE VIEW mentions AS
SELECT m.id, m.school_id, s.name AS school_name, m.source, m.source_kind, m.platform,
       m.url, m.title, m.author, m.published_at, m.fetched_at, m.first_seen_at, m.text,
       m.matched_alias, m.match_field, m.match_context, m.rating, m.final_url,
       m.http_status, m.raw_sha256, m.version
FROM mention_records m
LEFT JOIN schools s ON s.id = m.school_id;
