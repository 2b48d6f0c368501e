-- Ids come from sequences instead of max(id) + 1 read inside each writer. Each sequence is
-- advanced past the ids an existing store already holds, so old rows keep theirs.
CREATE SEQUENCE mention_records_id;
SELECT max(nextval('mention_records_id')) FROM range((SELECT coalesce(max(id), 0) FROM mention_records));

CREATE SEQUENCE crawl_runs_id;
SELECT max(nextval('crawl_runs_id')) FROM range((SELECT coalesce(max(id), 0) FROM crawl_runs));

CREATE SEQUENCE cases_id;
SELECT max(nextval('cases_id')) FROM range((SELECT coalesce(max(id), 0) FROM cases));
