-- What retention deleted, as hashes only, so a page that still lists an old post does not bring
-- it back as a new mention. No text, no address: nothing personal is kept.
CREATE TABLE purged_mentions (
    school_id    VARCHAR NOT NULL,
    url_sha256   VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    purged_at    TIMESTAMPTZ NOT NULL
);
