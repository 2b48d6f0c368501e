"""The takedown re-check: fetch each unresolved case's address once and say what is there.

It runs through the same engine as a crawl (crawler.engine.runner.run_spider), so it obeys the
same robots.txt rules, user agent, timeout, size cap and retries, and a failed fetch is the same
typed FetchError a crawl records as a source's last error.

A case counts as removed when its address answers 404/410, or answers 200 without the post's
words; anything else (a server error, a fetch that failed, robots.txt saying no) is
inconclusive and leaves the case as it was.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.ground.errors import RobotsDisallowedError
from crawler.ground.text import html_to_text
from spiders.base import describe_failure

GONE_STATUSES = (404, 410)
# Error answers are answers: they reach parse() instead of the errback (redirects still follow).
_ANSWERED_STATUSES = list(range(400, 600))
# Share of the post's 8-word runs that must still be on the page for it to count as there:
# low enough to survive a page that trims or re-wraps the text, high enough that a thread
# whose one post was deleted reads as gone.
PRESENT_SHARE = 0.3
SHINGLE = 8


@dataclass(frozen=True)
class RecheckTarget:
    """One case's address, and the words that were there."""

    case_id: int
    url: str
    title: str
    text: str


@dataclass(frozen=True)
class CheckResult:
    """What one re-check of a case's address saw."""

    case_id: int
    url: str
    http_status: int | None
    outcome: str  # removed | present | inconclusive
    detail: str
    body: bytes | None = None
    content_type: str | None = None
    final_url: str | None = None


class RecheckSpider(scrapy.Spider):
    name = "recheck"

    def __init__(self, targets: Sequence[RecheckTarget], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = list(targets)
        self.collected: list[CheckResult] = []

    async def start(self) -> AsyncIterator[Any]:
        for target in self.targets:
            yield scrapy.Request(
                target.url,
                callback=self.parse,
                errback=self.failed,
                cb_kwargs={"target": target},
                meta={"handle_httpstatus_list": _ANSWERED_STATUSES},
                dont_filter=True,
            )

    def parse(self, response: Response, target: RecheckTarget) -> None:
        content_type = response.headers.get(b"Content-Type")
        result = judge(
            target,
            response.status,
            response.body,
            content_type.decode("latin-1") if content_type else None,
            response.url,
        )
        self.logger.info("case %d %s: %s", target.case_id, target.url, result.detail)
        self.collected.append(result)

    def failed(self, failure: Failure) -> None:
        target: RecheckTarget = failure.request.cb_kwargs["target"]
        error = describe_failure(failure, target.url, self.settings)
        if isinstance(error, RobotsDisallowedError):
            detail = "robots.txt forbids re-checking"
        else:
            detail = f"could not fetch: {error}"
        self.logger.info("case %d %s: %s", target.case_id, target.url, detail)
        self.collected.append(CheckResult(target.case_id, target.url, None, "inconclusive", detail))


def judge(
    target: RecheckTarget, status: int, body: bytes, content_type: str | None, final_url: str
) -> CheckResult:
    """What an answer from the case's address means for the case."""

    def result(outcome: str, detail: str) -> CheckResult:
        return CheckResult(target.case_id, target.url, status, outcome, detail, body,
                           content_type, final_url)

    if status in GONE_STATUSES:
        return result("removed", f"gone: HTTP {status}")
    if status != 200:
        return result("inconclusive", f"HTTP {status}")
    page = html_to_text(body.decode("utf-8", errors="replace"))
    if text_still_present(target.text or target.title, page):
        return result("present", "still there (HTTP 200)")
    return result("removed", "gone: the post's text is no longer on the page (HTTP 200)")


def text_still_present(post: str, page: str) -> bool:
    """Whether most of the post's wording is still on the page (case and spacing ignored)."""
    post_words = re.findall(r"\w+", post.casefold())
    if not post_words:
        return True  # nothing to look for: never close a case on no evidence
    page_words = re.findall(r"\w+", page.casefold())
    size = min(SHINGLE, len(post_words))
    wanted = {tuple(post_words[i:i + size]) for i in range(len(post_words) - size + 1)}
    found = {tuple(page_words[i:i + size]) for i in range(len(page_words) - size + 1)}
    return len(wanted & found) / len(wanted) >= PRESENT_SHARE
