-- What a source's spider remembers between runs beyond its stored mentions: the last page
-- reached in each forum thread, the last wiki revision seen, a watched page's last text.
CREATE TABLE crawl_state (
    source     VARCHAR NOT NULL,
    key        VARCHAR NOT NULL,
    value      VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
