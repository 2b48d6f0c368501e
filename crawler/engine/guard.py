"""Fetch-time guard: no request reaches a non-public address, whatever the config said and
wherever a redirect points (every redirect is a new request through this middleware). The rule
is the product's one outbound policy (crawler/ground/outbound.py: the host resolved and each
address checked); `[crawl] allow_private = true` turns it off."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.ground.outbound import url_refusal

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
        parts = urlsplit(request.url)
        key = (f"{parts.scheme}://{parts.netloc}".lower(), parts.port)
        if key not in self._resolved:  # the policy looks at the scheme and host, not the path
            self._resolved[key] = url_refusal(f"{key[0]}/", allow_private=False)
        problem = self._resolved[key]
        if problem is not None:
            raise NonPublicAddress(
                f"refused {request.url}: {problem} (set [crawl] allow_private = true to crawl "
                "your own network)"
            )
