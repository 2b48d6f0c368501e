"""Downloader middlewares that give fetch failures a name: redirect loops and chains, redirects
to other schemes, and Retry-After honoured on every retry (capped, per site) and recorded in the
source's run; and robots.txt and the per-site limit held when many requests reach a site at once."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from w3lib.url import safe_url_string

from crawler.engine.multiplex import source_spider
from crawler.ground.errors import RedirectError, RetryAfterTooLongError
from crawler.ground.outbound import FETCHED_SCHEMES
from crawler.ground.urls import site_key

MAX_RETRY_AFTER = "SCHOOLWATCH_MAX_RETRY_AFTER"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class NamedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with a loop (A → B → A, or A → A) and an endless chain named as
    such instead of vanishing in the duplicate filter."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        self._refuse_other_schemes(request, response)
        try:
            result = super().process_response(request, response)
        except IgnoreRequest as exc:
            if "max redirections" not in str(exc):
                raise
            chain = [*request.meta.get("redirect_urls", []), request.url]
            raise RedirectError(
                f"more than {self.max_redirect_times} redirects from {chain[0]}"
            ) from None
        if isinstance(result, Request):
            chain = result.meta.get("redirect_urls", [])
            if result.url in chain:
                raise RedirectError("redirect loop: " + " → ".join([*chain, result.url]))
        return result

    @staticmethod
    def _refuse_other_schemes(request: Request, response: Response) -> None:
        """A redirect to file:, data:, ftp: or any scheme but http(s) is refused by name, not
        left as a bare "HTTP 302" (Scrapy drops such a redirect and hands on the 302 itself)."""
        location = response.headers.get(b"Location")
        if (response.status not in REDIRECT_STATUSES or not location
                or request.meta.get("dont_redirect")):
            return
        target = urljoin(request.url, safe_url_string(location))
        scheme = urlsplit(target).scheme.lower()
        if scheme not in FETCHED_SCHEMES:
            raise RedirectError(
                f"{request.url} redirected to a {scheme or 'schemeless'}: URL, which is refused "
                f"(only {' and '.join(FETCHED_SCHEMES)} are fetched)")


class PerSiteLimitDownloader(Downloader):
    """Scrapy's downloader, holding every site to CONCURRENT_REQUESTS_PER_DOMAIN.

    Scrapy counts a download against its site's limit when the download's task first runs, but
    starts the site's queued requests in a loop that checks the limit before any of those tasks
    has run: requests that reach a site in the same turn of the event loop (every source of a
    site, at the start of a crawl) all went at once. Here a download counts from the moment it
    is started."""

    def _wait_for_download(self, slot: Slot, request: Request, queue_dfd: Any) -> Any:
        slot.transferring.add(request)  # Downloader._download removes it when done
        return super()._wait_for_download(slot, request, queue_dfd)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt check, when many requests to one site wait for its robots.txt.

    Scrapy hands the parsed robots.txt to the waiting requests through one Deferred, whose first
    waiter takes the result and passes None on: every request after the first that waited was
    let through unchecked (robots.txt obeyed for one source of a site, not the others). Here each
    waiter gets a Deferred of its own, answered with the parser (None when robots.txt could not
    be read, as Scrapy does) once the first request has it."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._waiting: dict[str, list[Deferred[Any]]] = {}

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        if isinstance(self._parsers.get(netloc), Deferred):
            waiter: Deferred[Any] = Deferred()
            self._waiting.setdefault(netloc, []).append(waiter)
            return await maybe_deferred_to_future(waiter)
        parser = None
        try:
            parser = await super().robot_parser(request)
        finally:
            for waiter in self._waiting.pop(netloc, []):
                waiter.callback(parser)
        return parser


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number ("120") or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """A 429 or 503 with Retry-After pauses that site (every request to its host) for as long
    as it asked, up to [crawl] max_retry_after, then retries; a longer wait is left for the next
    run. Each wait is a warning on the source's run. Without Retry-After, RetryMiddleware's
    usual retries apply."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.cap = crawler.settings.getfloat(MAX_RETRY_AFTER, 60.0)
        self.max_times = max(1, crawler.settings.getint("RETRY_TIMES", 2))
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        wait = self.not_before.get(site_key(request.url), 0.0) - time.monotonic()
        if wait > 0:
            # Imported here: importing the module must not install a reactor before Scrapy does.
            # lazy: importing the reactor installs it; Scrapy must choose which one first
            from twisted.internet import reactor

            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503) or request.meta.get("dont_retry"):
            return response
        seconds = retry_after_seconds(response.headers.get(b"Retry-After"))
        if seconds is None:
            return response
        site = site_key(request.url)
        if seconds > self.cap:
            raise RetryAfterTooLongError(
                f"{request.url} answered HTTP {response.status} with Retry-After {seconds:g}s, "
                f"more than the {self.cap:g}s cap ([crawl] max_retry_after): left for the next run"
            )
        # One count with RetryMiddleware's: every retry of this request waits as asked, and
        # none is added after these without the wait.
        times = request.meta.get("retry_times", 0)
        if times >= self.max_times:
            request.meta["dont_retry"] = True
            return response
        self.not_before[site] = max(self.not_before.get(site, 0.0), time.monotonic() + seconds)
        warn = getattr(source_spider(self.crawler, request), "warn", None)
        if warn is not None:
            warn(f"{site} answered HTTP {response.status} with Retry-After {seconds:g}s: "
                 f"waited {seconds:g}s before retrying")
        retry = request.replace(dont_filter=True)
        retry.meta["retry_times"] = times + 1
        return retry
