"""What flows between the stages: documents from spiders, matches, and per-source run records."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from crawler.ground.columns import (
    arrow_timestamp,
    attribute_columns,
    column,
    gc_paused,
    timestamp_array,
)
from crawler.ground.errors import BatchFormatError
from crawler.ground.vocab import RunStatus, now

if TYPE_CHECKING:
    import pyarrow as pa

# The request.meta key naming the source a request was made for (SourceSpider.request sets
# it): one crawler reads every source of a run, and this is how a response, an error or a
# retry finds its source again.
SOURCE_META = "schoolwatch_source"


@dataclass
class Document:
    """One post, feed entry, review or revision as a spider read it, before matching."""

    url: str
    title: str
    text: str
    fetched_at: datetime
    final_url: str
    http_status: int
    raw_sha256: str
    raw_body: bytes = field(repr=False)
    content_type: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    platform: str | None = None
    rating: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # the configured source whose spider read it (SourceSpider.document)

    def as_json(self) -> dict[str, Any]:
        """The user-facing fields, as `schoolwatch extract` prints them."""
        shown: dict[str, Any] = {
            "title": self.title,
            "url": self.url,
            "author": self.author,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "text": self.text,
        }
        if self.platform:
            shown["platform"] = self.platform
        if self.rating is not None:
            shown["rating"] = self.rating
        if self.extra:
            shown["extra"] = self.extra
        return shown


@dataclass(frozen=True)
class Match:
    """Where a school was found in a document."""

    school_id: str
    alias: str
    field: str  # "title" or "text"
    offset: int  # character offset of the match in that field
    context: str  # a few words either side, for a person to check


@dataclass
class MatchedDocument:
    """A document with every school it mentions; the store turns it into one mention per school."""

    document: Document
    source: str
    source_kind: str
    canonical_url: str
    content_hash: str
    matches: list[Match]


@dataclass
class SourceRun:
    """How one source's crawl went; stored in crawl_runs and shown in the crawl summary."""

    source: str
    started_at: datetime
    finished_at: datetime | None = None
    status: RunStatus = RunStatus.OK
    pages_fetched: int = 0
    unreadable_pages: int = 0  # fetched, but holding nothing this source kind can read
    items_seen: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_mentions: int = 0
    updated_mentions: int = 0

    @property
    def last_error(self) -> str | None:
        return self.errors[-1] if self.errors else None

    @property
    def failed(self) -> bool:
        return self.status == RunStatus.FAILED


@dataclass(frozen=True)
class Validators:
    """HTTP cache validators remembered for a URL."""

    url: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class SeriesPoint:
    """One measured value at one time (a Parent View question's agree share): a time series
    kept beside the mentions, never as one."""

    source: str
    school_id: str
    series: str  # e.g. parent_view
    observed_at: datetime  # when schoolwatch read it
    as_of: date | None  # the date the publisher gives the figures
    metric: str  # e.g. "submissions", "My child is happy at this school"
    value: float
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What `schoolwatch extract` prints for a measurement."""
        return {"series": self.series, "metric": self.metric, "value": self.value,
                "as_of": self.as_of.isoformat() if self.as_of else None, "detail": self.detail}


# ---- the matched documents of a crawl, as Arrow columns -----------------------------------------
#
# The batch is built once, where the crawl ends (in its child process, or in a queue worker's),
# from the pipeline's MatchedDocument items. From there it is only ever moved, never converted
# back to Python objects: pickled into the spool file and read back as Arrow IPC, carried in a
# queue result as Arrow IPC, registered with DuckDB as it is by `Store.write_crawl`. As 100,000
# Python objects the same crawl took about a second to pickle and two to three to read back.
#
# One row per (document, school matched), holding every column `mention_records` keeps of it,
# the page's content type (kept with its raw body), and the raw body itself, zlib-compressed as
# `raw_responses` stores it, on the first row that brought it only (rows of one page share it).

_DOCUMENTS = b"schoolwatch.documents"  # schema metadata: how many documents the rows come from


def stored_body(raw: bytes) -> bytes:
    """A response's bytes as the evidence keeps them (raw_responses.body_zlib)."""
    return zlib.compress(raw, 6)


def batch_schema() -> pa.Schema:
    """The batch's columns, in order. A batch read from elsewhere must have exactly these."""
    # lazy: pyarrow loads only where a batch is built or read
    import pyarrow as pa

    text = pa.string()
    return pa.schema([
        ("school_id", text), ("url", text), ("source", text), ("source_kind", text),
        ("platform", text), ("title", text), ("author", text),
        ("published_at", arrow_timestamp()), ("fetched_at", arrow_timestamp()),
        ("final_url", text), ("http_status", pa.int32()), ("content_type", text),
        ("raw_sha256", text), ("text", text), ("content_hash", text),
        ("matched_alias", text), ("match_field", text), ("match_context", text),
        ("rating", pa.float64()), ("extra", text),
        ("body_size", pa.int64()), ("body_zlib", pa.binary()),
    ])


@dataclass(eq=False)
class MentionBatch:
    """The matched documents of one crawl (see the module's docstring). `rows` is None when
    the crawl matched nothing: an empty batch needs no pyarrow."""

    rows: pa.Table | None = None
    documents: int = 0  # how many documents the rows come from (a document per school matched)

    @classmethod
    def of(cls, documents: Sequence[MatchedDocument]) -> MentionBatch:
        if not documents:
            return cls()
        with gc_paused():
            return cls(_columns(documents), len(documents))

    @classmethod
    def joined(cls, batches: Sequence[MentionBatch]) -> MentionBatch:
        """Several crawls' batches as one, in the order given (e.g. queue results written in
        one transaction)."""
        filled = [batch for batch in batches if batch.rows is not None]
        if len(filled) <= 1:
            return filled[0] if filled else cls()
        # lazy: pyarrow loads only where a batch is built or read
        import pyarrow as pa

        return cls(pa.concat_tables([batch.rows for batch in filled]),
                   sum(batch.documents for batch in filled))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MentionBatch):
            return NotImplemented
        if self.rows is None or other.rows is None:
            return self.rows is other.rows
        return self.documents == other.documents and self.rows.equals(other.rows)

    def __len__(self) -> int:
        """The rows: one per (document, school matched)."""
        return 0 if self.rows is None else self.rows.num_rows

    def to_ipc(self) -> bytes:
        """The batch as one Arrow IPC stream (its document count in the schema's metadata)."""
        if self.rows is None:
            return b""
        # lazy: pyarrow loads only where a batch is built or read
        import pyarrow as pa

        table = self.rows.replace_schema_metadata({_DOCUMENTS: str(self.documents).encode()})
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        return sink.getvalue().to_pybytes()

    @classmethod
    def from_ipc(cls, data: bytes) -> MentionBatch:
        """Reads `to_ipc`'s bytes back, checking them whole: the batch's exact columns, valid
        Arrow throughout. Raises BatchFormatError (naming no content) otherwise."""
        if not data:
            return cls()
        # lazy: pyarrow loads only where a batch is built or read
        import pyarrow as pa

        try:
            with pa.ipc.open_stream(data) as reader:
                table = reader.read_all()
            table.validate(full=True)
        except (pa.ArrowException, OSError, ValueError) as exc:  # Arrow raises all three
            raise BatchFormatError(f"not a readable batch of documents ({type(exc).__name__})"
                                   ) from None
        if not table.schema.equals(batch_schema()):
            raise BatchFormatError("a batch of documents with other columns than this version's")
        count = (table.schema.metadata or {}).get(_DOCUMENTS, b"")
        if not count.isdigit():
            raise BatchFormatError("a batch of documents that does not say how many it holds")
        return cls(table.replace_schema_metadata(None), int(count))

    def __getstate__(self) -> dict[str, Any]:
        return {"ipc": self.to_ipc()}  # pickling as Arrow IPC: a buffer, not 100k objects

    def __setstate__(self, state: dict[str, Any]) -> None:
        read = MentionBatch.from_ipc(state["ipc"])
        self.rows, self.documents = read.rows, read.documents


def _columns(documents: Sequence[MatchedDocument]) -> pa.Table:
    # lazy: pyarrow loads only where a batch is built or read
    import pyarrow as pa

    rows = _one_per_school(documents)
    docs = [matched.document for matched, _ in rows]
    text = pa.string()
    matched = attribute_columns([matched for matched, _ in rows], [
        ("canonical_url", text), ("source", text), ("content_hash", text)])
    page = attribute_columns(docs, [
        ("platform", text), ("title", text), ("author", text), ("final_url", text),
        ("http_status", pa.int32()), ("content_type", text), ("raw_sha256", text),
        ("text", text), ("rating", pa.float64())])
    bodies: list[bytes | None] = []
    sizes: list[int | None] = []
    seen: set[str] = set()
    for doc in docs:  # each page's body once, on its first row
        if doc.raw_sha256 in seen:
            bodies.append(None)
            sizes.append(None)
        else:
            seen.add(doc.raw_sha256)
            bodies.append(stored_body(doc.raw_body))
            sizes.append(len(doc.raw_body))
    columns = {
        "school_id": column([match.school_id for _, match in rows], text),
        "url": matched["canonical_url"],
        "source": matched["source"],
        "source_kind": column([m.source_kind for m, _ in rows], text),
        "platform": page["platform"],
        "title": page["title"],
        "author": page["author"],
        "published_at": timestamp_array([d.published_at for d in docs]),
        "fetched_at": timestamp_array([d.fetched_at for d in docs]),
        "final_url": page["final_url"],
        "http_status": page["http_status"],
        "content_type": page["content_type"],
        "raw_sha256": page["raw_sha256"],
        "text": page["text"],
        "content_hash": matched["content_hash"],
        "matched_alias": column([match.alias for _, match in rows], text),
        "match_field": column([match.field for _, match in rows], text),
        "match_context": pa.array([match.context for _, match in rows], text),
        "rating": page["rating"],
        "extra": column([json.dumps(d.extra, default=str) if d.extra else None for d in docs],
                        text),
        "body_size": pa.array(sizes, pa.int64()),
        "body_zlib": pa.array(bodies, pa.binary()),
    }
    return pa.table(columns, schema=batch_schema())


def _one_per_school(documents: Sequence[MatchedDocument]) -> list[tuple[MatchedDocument, Any]]:
    """(document, match) for each school a document matched, in the crawl's order."""
    return [(matched, match) for matched in documents for match in matched.matches]


@dataclass
class CrawlResult:
    """What one crawl found, in the one shape it travels in: from the runner (or a queue
    worker) through the spool file or the queue's result message to `Store.write_crawl`.

    Per source: its run record, the matched documents, the conditional-GET validators to keep,
    its resume state and any series points. `schools` and `sources` are the configuration the
    write records beside it ((id, name) and (name, kind, url, platform)); whoever holds the
    config fills them in (`describing`)."""

    runs: list[SourceRun]
    # The matched documents as columns. Given as a list of MatchedDocument, they are turned
    # into columns here, at once: by whoever ends the crawl, not by the store.
    documents: MentionBatch = field(default_factory=MentionBatch)
    validators: list[Validators] = field(default_factory=list)
    state: dict[str, dict[str, str]] = field(default_factory=dict)
    series: list[SeriesPoint] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    ended_at: datetime = field(default_factory=now)

    def __post_init__(self) -> None:
        if not isinstance(self.documents, MentionBatch):
            self.documents = MentionBatch.of(self.documents)

    def describing(self, schools: Sequence[Any], sources: Sequence[Any]) -> CrawlResult:
        """The same result with the configured schools and sources (config.school,
        config.source) to record beside it."""
        return replace(
            self,
            schools=[(school.id, school.name) for school in schools],
            sources=[(s.name, s.kind, s.url, s.platform) for s in sources],
        )
