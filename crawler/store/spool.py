"""Fetched results are never lost to a busy store: each crawl's write is spooled to a file
beside the store before the store is opened, and the file goes only once its write committed.

A store stays locked while any other process holds it (a second command, a notebook or the
DuckDB CLI left open). The crawl then keeps its spool file and says so; the next crawl, or any
command that writes, writes every spooled crawl first, oldest first, recording each run with a
warning that says why it was written late.

The spool holds our own objects (pickled; the documents inside as one Arrow IPC stream, see
MentionBatch): it lives beside the store, whose folder is trusted as much as the store itself is.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from crawler.ground.errors import BatchFormatError, StoreLockedError
from crawler.ground.items import CrawlResult, MentionBatch, SourceRun
from crawler.store.base import LOCK_WAIT_WRITE
from crawler.store.mentions import MentionStore, WriteResult

SUFFIX = ".crawl"


@dataclass
class SpoolWrite:
    """What writing the spool did: the named crawl's result, and how many older crawls went."""

    result: WriteResult | None
    runs: list[SourceRun] = field(default_factory=list)  # the named crawl's, counts filled in
    earlier: int = 0


class SpoolStore(MentionStore):
    @property
    def spool_folder(self) -> Path:
        return self.path.parent / f"{self.path.name}.spool"

    def spooled(self) -> list[Path]:
        """Crawls fetched but not yet written, oldest first."""
        if not self.spool_folder.is_dir():
            return []
        return sorted(self.spool_folder.glob(f"*{SUFFIX}"))

    def spool_crawl(self, crawl: CrawlResult) -> Path:
        """Writes the crawl to its spool file (whole or not at all) and returns the path."""
        self.spool_folder.mkdir(parents=True, exist_ok=True)
        stamp = crawl.ended_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.spool_folder / f"{stamp}-{os.getpid()}{SUFFIX}"
        partial = path.with_suffix(".partial")
        with partial.open("wb") as handle:
            pickle.dump(crawl, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        return path

    def write_spooled(
        self, current: Path | None = None, wait: float = LOCK_WAIT_WRITE
    ) -> SpoolWrite:
        """Writes every spooled crawl, oldest first, each in its own transaction, deleting each
        file once its write committed. Raises StoreLockedError (naming what is kept) when the
        store stays locked; whatever was not written stays spooled for the next chance."""
        outcome = SpoolWrite(result=None)
        for path in self.spooled():
            crawl = _load(path)
            if path != current:
                late = (
                    f"written late: the store was busy when this crawl ended at "
                    f"{crawl.ended_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, so its results "
                    "waited in the spool"
                )
                for run in crawl.runs:
                    if late not in run.warnings:
                        run.warnings.append(late)
            try:
                result = self.write_crawl(crawl, wait=wait)
            except StoreLockedError as exc:
                kept = self.spooled()
                documents = sum(_document_count(p) for p in kept)
                raise StoreLockedError(
                    f"{exc}. Nothing fetched is lost: {len(kept)} crawl(s) with {documents} "
                    f"document(s) are kept in {self.spool_folder} and will be written by the "
                    "next crawl or command that writes"
                ) from None
            path.unlink()
            if path == current:
                outcome.result, outcome.runs = result, crawl.runs
            else:
                outcome.earlier += 1
        return outcome


def _document_count(path: Path) -> int:
    try:
        return _load(path).documents.documents
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, BatchFormatError):
        return 0


class _SpoolUnpickler(pickle.Unpickler):
    """Reads spool files of earlier versions too, whose crawl was a `SpooledCrawl` with the
    same fields (its end time named `spooled_at`, and maybe no series)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("crawler.store.spool", "SpooledCrawl"):
            return CrawlResult
        return super().find_class(module, name)


def _load(path: Path) -> CrawlResult:
    with path.open("rb") as handle:
        crawl: CrawlResult = _SpoolUnpickler(handle).load()
    fields = vars(crawl)
    if "spooled_at" in fields:
        crawl.ended_at = fields.pop("spooled_at")
    fields.setdefault("series", [])
    if not isinstance(crawl.documents, MentionBatch):  # spooled as objects, before the columns
        crawl.documents = MentionBatch.of(crawl.documents)
    return crawl
