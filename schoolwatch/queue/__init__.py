"""Crawling on several machines: source crawls as Dramatiq jobs on a Redis broker.

Three roles (docs/scaling.md has the picture):

- the dispatcher (`schoolwatch run` with [queue]) reads what each crawl starts from out of the
  store (validators, stored URLs, resume points) and enqueues one job per source crawl;
- workers (`schoolwatch worker`, on any machine) run the job with the same child-process runner
  as a local crawl, never open the store, and put the result on the ingest queue;
- the ingest (`schoolwatch ingest`, or inside `run`) writes each result in one transaction and
  acknowledges it only after COMMIT; a job written before is skipped, so redelivery is harmless.
"""
