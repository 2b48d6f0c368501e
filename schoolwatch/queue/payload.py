"""Jobs and results as JSON: what a worker needs to crawl a job's sources (several sources of one
site, see dispatch.py), and what the ingest writes.

Plain JSON on purpose: a message read from Redis is never unpickled. A result's documents travel
as the crawl's MentionBatch, one Arrow IPC stream, base64-encoded, read back with its columns
checked whole (evidence bytes inside, zlib-compressed, once per body however many documents
share it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from crawler.engine.runner import CrawlInputs
from crawler.ground.config import CrawlSettings, School, Source
from crawler.ground.items import (
    CrawlResult,
    MentionBatch,
    SeriesPoint,
    SourceRun,
    Validators,
)
from crawler.ground.vocab import RunStatus

# 3: a result's documents are one Arrow IPC stream (MentionBatch); 2: a job carries a list of
# sources; 1 carried one
VERSION = 3


def _plain(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in a queue message")


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_plain))


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ---- jobs --------------------------------------------------------------------------------------


def encode_job(job_id: str, sources: Sequence[Source], schools: list[School],
               crawl: CrawlSettings, inputs: CrawlInputs) -> dict[str, Any]:
    return _json(
        {
            "version": VERSION,
            "job_id": job_id,
            "sources": [source.model_dump() for source in sources],
            "schools": [school.model_dump() for school in schools],
            "crawl": crawl.model_dump(),
            "validators": [asdict(v) for v in inputs.validators.values()],
            "known_urls": {source.name: sorted(inputs.known_urls.get(source.name, set()))
                           for source in sources},
            "state": {source.name: inputs.state[source.name] for source in sources
                      if inputs.state.get(source.name)},
        }
    )


def decode_job(job: dict[str, Any]) -> tuple[str, list[Source], list[School], CrawlSettings,
                                             CrawlInputs]:
    if job.get("version") != VERSION:
        raise ValueError(f"job format {job.get('version')!r}; this worker reads {VERSION}")
    sources = [Source.model_validate(source) for source in job["sources"]]
    inputs = CrawlInputs(
        validators={v["url"]: Validators(**v) for v in job["validators"]},
        known_urls={name: set(urls) for name, urls in job["known_urls"].items()},
        state={name: dict(pairs) for name, pairs in job["state"].items()},
    )
    schools = [School.model_validate(school) for school in job["schools"]]
    return job["job_id"], sources, schools, CrawlSettings.model_validate(job["crawl"]), inputs


def job_sources(job: dict[str, Any]) -> list[str]:
    """The names of a job's sources, for logs and queue states (the job was checked for them
    on arrival, see checks.py)."""
    return [str(source.get("name", "?")) for source in job.get("sources", [])] or ["?"]


# ---- results -----------------------------------------------------------------------------------


def encode_result(job_id: str, sources: Sequence[str], worker: str, collected: CrawlResult
                  ) -> dict[str, Any]:
    return _json(
        {
            "version": VERSION,
            "job_id": job_id,
            "sources": list(sources),
            "worker": worker,
            "runs": [asdict(run) for run in collected.runs],
            "documents": base64.b64encode(collected.documents.to_ipc()).decode(),
            "validators": [asdict(v) for v in collected.validators],
            "state": collected.state,
            "series": [asdict(point) for point in collected.series],
            "ended_at": collected.ended_at,
            "failure": None,
        }
    )


def encode_failure(job_id: str, sources: Sequence[str], worker: str, started: datetime,
                   error: str) -> dict[str, Any]:
    """A dead-lettered job's result: a failed run per source, so each shows the error."""
    runs = [SourceRun(source=source, started_at=started, finished_at=started,
                      status=RunStatus.FAILED, errors=[error]) for source in sources]
    collected = CrawlResult(runs=runs)
    result = encode_result(job_id, sources, worker, collected)
    result["failure"] = error
    return result


def decode_result(result: dict[str, Any]) -> CrawlResult:
    if result.get("version") != VERSION:
        raise ValueError(f"result format {result.get('version')!r}; this ingest reads {VERSION}")
    documents = MentionBatch.from_ipc(base64.b64decode(result["documents"], validate=True))
    runs = []
    for raw in result["runs"]:
        fields = dict(raw)
        fields["started_at"] = _when(fields["started_at"])
        fields["finished_at"] = _when(fields.get("finished_at"))
        fields["status"] = RunStatus(fields["status"])
        runs.append(SourceRun(**fields))
    return CrawlResult(
        runs=runs,
        documents=documents,
        validators=[Validators(**v) for v in result["validators"]],
        state={source: dict(pairs) for source, pairs in result["state"].items()},
        series=[_series_point(point) for point in result.get("series", [])],
        **({"ended_at": _when(result["ended_at"])} if result.get("ended_at") else {}),
    )


def _series_point(raw: dict[str, Any]) -> SeriesPoint:
    fields = dict(raw)
    fields["observed_at"] = _when(fields["observed_at"])
    fields["as_of"] = date.fromisoformat(fields["as_of"]) if fields.get("as_of") else None
    return SeriesPoint(**fields)
