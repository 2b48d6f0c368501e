-- How much of a mention the classifier read: a huge post is classified on its first
-- read_chars characters (of text_chars), and the stored result says so.
ALTER TABLE classifications ADD COLUMN read_chars BIGINT;
ALTER TABLE classifications ADD COLUMN text_chars BIGINT;
