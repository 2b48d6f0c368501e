"""Fetch-time guard: no request reaches a non-public address, whatever the config said and
wherever a redirect points (every redirect is a new request through this middleware). The host
is resolved here and each address checked; `[crawl] allow_private = true` turns it off."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.ground.netcheck import literal_address, resolved_problem, url_problem

ALLOW_PRIVATE = "SCHOOLWATCH_ALLOW_PRIVATE"


class NonPublicAddress(IgnoreRequest):
    """The request would reach this machine, a private network or a cloud metadata service."""


class PublicOnlyMiddleware:
    def __init__(self) -> None:
        self._resolved: dict[tuple[str, int | None], str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> PublicOnlyMiddleware:
        if crawler.settings.getbool(ALLOW_PRIVATE):
            raise NotConfigured("private addresses allowed by [crawl] allow_private")
        return cls()

    def process_request(self, request: Request) -> None:
        problem = url_problem(request.url)
        if problem is None:
            parts = urlsplit(request.url)
            host = parts.hostname or ""
            if literal_address(host) is None:
                key = (host, parts.port)
                if key not in self._resolved:
                    self._resolved[key] = resolved_problem(host, parts.port)
                problem = self._resolved[key]
        if problem is not None:
            raise NonPublicAddress(
                f"refused {request.url}: {problem} (set [crawl] allow_private = true to crawl "
                "your own network)"
            )
