-- An interrupted crawl is a status of its own: runs stored before it was, marked only by a
-- "stopped early (...)" warning, get it, so the scheduler keeps retrying them on start.
UPDATE crawl_runs SET status = 'interrupted'
WHERE status <> 'failed' AND warnings LIKE '%stopped early%';
