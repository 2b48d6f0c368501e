"""Every queue message is checked before any work: a queue trusts nothing in Redis.

Anyone who can write to Redis can put anything on a queue: no body, bytes that are not JSON, a
message for an actor no worker has, a job missing its fields, a 5 MB argument. The broker
(schoolwatch/queue/broker.py) checks each message it fetches against the schema below; one that
fails goes to the dead letters once, is logged by id and size only (never its content), and is
never run, here or by any other worker. A message that passes is still only data: a worker's
own config decides how it crawls (schoolwatch/queue/worker.py).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from schoolwatch.queue.payload import VERSION

CRAWL_QUEUE = "crawl"
INGEST_QUEUE = "ingest"
CRAWL_ACTOR = "crawl_source"
INGEST_ACTOR = "ingest_result"
ACTORS = {CRAWL_QUEUE: CRAWL_ACTOR, INGEST_QUEUE: INGEST_ACTOR}
# A crawl job is a few sources of one site, their schools and what the crawl resumes from (each
# source's stored addresses: a long forum thread has thousands); a result carries the pages'
# bodies (compressed), so it may be far larger.
MAX_BYTES = {CRAWL_QUEUE: 16 * 1024 * 1024, INGEST_QUEUE: 256 * 1024 * 1024}


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Envelope(_Shape):
    """What Dramatiq itself needs of a message."""

    queue_name: StrictStr
    actor_name: StrictStr
    message_id: StrictStr = Field(max_length=100)
    message_timestamp: StrictInt
    args: list[Any] = Field(min_length=1, max_length=1)
    kwargs: dict[str, Any] = Field(max_length=0)
    options: dict[str, Any]


class _NamedSource(_Shape):
    name: StrictStr = Field(max_length=200)


class CrawlJobShape(_Shape):
    version: StrictInt
    job_id: StrictStr = Field(max_length=200)
    sources: list[_NamedSource] = Field(min_length=1, max_length=100)
    schools: list[dict[str, Any]] = Field(min_length=1)
    validators: list[dict[str, Any]]
    known_urls: dict[str, list[StrictStr]]
    state: dict[str, Any]


class ResultShape(_Shape):
    version: StrictInt
    job_id: StrictStr = Field(max_length=200)
    sources: list[StrictStr] = Field(min_length=1, max_length=100)
    worker: StrictStr = Field(max_length=300)
    runs: list[dict[str, Any]]
    documents: StrictStr  # the MentionBatch's Arrow IPC stream, base64: read whole at ingest
    validators: list[dict[str, Any]]
    state: dict[str, Any]
    failure: StrictStr | None = None


SHAPES: dict[str, type[_Shape]] = {CRAWL_QUEUE: CrawlJobShape, INGEST_QUEUE: ResultShape}


def canonical(queue_name: str) -> str:
    """"crawl" for "crawl" and its delay queue "crawl.DQ"."""
    return queue_name.removesuffix(".DQ")


def message_problem(data: bytes | None, queue_name: str) -> str | None:
    """Why this message, fetched from `queue_name`, must not be run; None when it may. The
    reason never quotes the message (it is an outsider's text)."""
    queue = canonical(queue_name)
    if data is None:
        return "no body"
    if len(data) > MAX_BYTES[queue]:
        return f"larger than the {MAX_BYTES[queue]:,}-byte limit of the {queue} queue"
    try:
        fields = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return "not JSON"
    if not isinstance(fields, dict):
        return "not a JSON object"
    try:
        envelope = Envelope.model_validate(fields)
    except ValidationError as exc:
        return f"not a queue message ({_fields(exc)})"
    if canonical(envelope.queue_name) != queue:
        return "addressed to another queue"
    if envelope.actor_name != ACTORS[queue]:
        return f"for an unknown actor (this queue runs {ACTORS[queue]} only)"
    if "redis_message_id" not in envelope.options:
        return "no redis_message_id"
    payload = envelope.args[0]
    if not isinstance(payload, dict):
        return "its argument is not a JSON object"
    try:
        shape = SHAPES[queue].model_validate(payload)
    except ValidationError as exc:
        return f"its {'job' if queue == CRAWL_QUEUE else 'result'} lacks or mistypes " \
               f"{_fields(exc)}"
    if shape.version != VERSION:  # type: ignore[attr-defined]
        return f"format {shape.version} (this version reads {VERSION})"  # type: ignore[attr-defined]
    return None


def _fields(exc: ValidationError) -> str:
    """The names of the fields that failed (our schema's names, never the message's values)."""
    names = sorted({str(error["loc"][0]) if error["loc"] else "the message"
                    for error in exc.errors()})
    shown = ", ".join(names[:5])
    return shown if len(shown) <= 200 else shown[:200] + "…"
