"""What every source spider shares: its source, typed fetch errors, evidence, page budget."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.engine.guard import NonPublicAddress
from crawler.ground.config import CrawlSettings, Source
from crawler.ground.errors import (
    ConnectionFailedError,
    DnsLookupError,
    FetchError,
    FetchTimeoutError,
    HttpStatusError,
    NonPublicAddressError,
    ResponseTooLargeError,
    RobotsDisallowedError,
    ShortBodyError,
)
from crawler.ground.items import SOURCE_META, Document, SeriesPoint, SourceRun, Validators
from crawler.ground.matching import Matcher
from crawler.ground.urls import canonical_url
from crawler.ground.vocab import RunStatus


class SourceSpider(scrapy.Spider):
    """Base for the spiders of every source kind; one instance reads one configured source.
    Which kind a spider reads is declared once, in crawler.ground.vocab.SPIDER_REGISTRY.

    The engine reads every source of a run in one Scrapy crawler (crawler.engine.multiplex):
    a source spider is not the crawler's spider, so all it asks of Scrapy goes through its
    requests (their meta) and the crawler's settings."""

    handle_httpstatus_list: ClassVar[list[int]] = []

    def __init__(
        self,
        source: Source,
        run: SourceRun,
        *,
        matcher: Matcher | None = None,
        school_ids: set[str] | None = None,
        validators: dict[str, Validators] | None = None,
        max_pages: int | None = None,
        known_urls: set[str] | None = None,
        state: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.run = run
        self.matcher = matcher
        self.school_ids = school_ids
        self.known_validators = validators or {}
        self.new_validators: list[Validators] = []
        self.collected: list[Any] = []
        # Without a budget from the engine, the [crawl] default applies.
        self.max_pages = max_pages or source.page_budget(CrawlSettings())
        self.pages_requested = 0
        self.pages_parsed = 0
        self._body_hashes: dict[int, str] = {}
        # Canonical URLs of this source's stored mentions, and what the last run remembered
        # (thread pages reached, wiki revisions, page text); new_state is written back.
        self.known_urls = known_urls or set()
        self.state = state or {}
        self.new_state: dict[str, str] = {}
        self.series: list[SeriesPoint] = []  # measurements (Parent View), stored beside mentions

    # ---- requests ------------------------------------------------------------------------

    def request(
        self,
        url: str,
        callback: Callable[..., Any],
        *,
        conditional: bool = False,
        **kwargs: Any,
    ) -> scrapy.Request | None:
        """A request within this run's page budget, with errors recorded against the source."""
        if self.pages_requested >= self.max_pages:
            return None
        self.pages_requested += 1
        headers = dict(kwargs.pop("headers", {}) or {})
        known = self.known_validators.get(url) if conditional else None
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        # One crawler reads every source of a run: the request names its source, and carries
        # the statuses this spider reads itself (Scrapy looks for them on the crawl's spider).
        meta = {**(kwargs.pop("meta", None) or {}), SOURCE_META: self.source.name}
        if self.handle_httpstatus_list:
            meta.setdefault("handle_httpstatus_list", list(self.handle_httpstatus_list))
        return scrapy.Request(
            url, callback=callback, errback=self.record_failure, headers=headers, meta=meta,
            **kwargs,
        )

    def unchanged(self, response: Response) -> bool:
        """Conditional GET: a 304 means nothing new; any other answer brings new validators."""
        if response.status == 304:
            self.run.status = RunStatus.NOT_MODIFIED
            return True
        self.remember_validators(response)
        return False

    def remember_validators(self, response: Response) -> None:
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        if etag or modified:
            self.new_validators.append(
                Validators(
                    url=response.request.url if response.request else response.url,
                    etag=etag.decode("latin-1") if etag else None,
                    last_modified=modified.decode("latin-1") if modified else None,
                )
            )

    def record_failure(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else self.source.url
        error = describe_failure(failure, url, self.settings)
        self.run.errors.append(str(error))
        self.logger.info("%s failed: %s", self.source.name, error)

    def record_error(self, error: FetchError) -> None:
        """A page arrived but could not be read."""
        self.run.unreadable_pages += 1
        self.run.errors.append(str(error))

    def warn(self, message: str) -> None:
        if message not in self.run.warnings:
            self.run.warnings.append(message)

    def is_known(self, url: str) -> bool:
        return bool(self.known_urls) and canonical_url(url) in self.known_urls

    # ---- documents -----------------------------------------------------------------------

    def document(self, response: Response, **fields: Any) -> Document:
        """A document carrying the evidence of the response it came from."""
        key = id(response.body)
        digest = self._body_hashes.get(key)
        if digest is None:
            digest = hashlib.sha256(response.body).hexdigest()
            self._body_hashes = {key: digest}  # one response at a time: keep only the latest
        content_type = response.headers.get(b"Content-Type")
        fields.setdefault("fetched_at", datetime.now(UTC))
        return Document(
            source=self.source.name,
            final_url=response.url,
            http_status=response.status,
            raw_sha256=digest,
            raw_body=response.body,
            content_type=content_type.decode("latin-1") if content_type else None,
            **fields,
        )


def describe_failure(failure: Failure, url: str, settings: Any) -> FetchError:
    """One typed error per way a fetch fails, so a source's last error reads plainly."""
    exc = failure.value
    if isinstance(exc, FetchError):  # named by our own middlewares
        return exc
    if isinstance(exc, HttpError):
        return HttpStatusError(exc.response.url, exc.response.status)
    if isinstance(exc, NonPublicAddress):
        return NonPublicAddressError(str(exc))
    if isinstance(exc, IgnoreRequest) and "robots.txt" in str(exc):
        return RobotsDisallowedError(url)
    if isinstance(exc, DownloadTimeoutError | TimeoutError):
        return FetchTimeoutError(url, float(settings.getfloat("DOWNLOAD_TIMEOUT")))
    if isinstance(exc, CannotResolveHostError):
        return DnsLookupError(url)
    if isinstance(exc, DownloadConnectionRefusedError):
        return ConnectionFailedError(url, "connection refused")
    # Over the cap with a Content-Length: "max size" in the message. Streamed without one, the
    # handler cancels the body mid-way and the error carries no message at all.
    if isinstance(exc, DownloadCancelledError) and ("max size" in str(exc) or not str(exc)):
        return ResponseTooLargeError(url, settings.getint("DOWNLOAD_MAXSIZE"))
    if isinstance(exc, ResponseDataLossError):
        return ShortBodyError(url)
    if isinstance(exc, DownloadFailedError | DownloadCancelledError):
        return ConnectionFailedError(url, str(exc).split("\n")[0] or type(exc).__name__)
    return FetchError(f"{url}: {type(exc).__name__}: {exc}".rstrip(": "))
