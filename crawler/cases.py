"""Takedown cases: a mention someone asked a platform to remove, followed until it is gone.

School policies promise that "checks will be carried out to ensure that the requested removals
are made": `recheck_cases` fetches each unresolved case's address and closes the case as removed
when the post answers 404/410 or its words are no longer on the page. The mention, its evidence
and every check's response stay in the store as the record of what was there and when it went.
"""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crawler.config import Config, CrawlSettings
from crawler.errors import CaseError
from crawler.store import Case, CaseCheck, RawResponse, Store
from crawler.text import html_to_text
from crawler.vocab import CaseStatus

log = logging.getLogger(__name__)

# The statuses a person records; open is where every case starts.
UPDATES = (CaseStatus.REPORTED, CaseStatus.REMOVED, CaseStatus.REFUSED)
GONE_STATUSES = (404, 410)
# Share of the post's 8-word runs that must still be on the page for it to count as there:
# low enough to survive a page that trims or re-wraps the text, high enough that a thread
# whose one post was deleted reads as gone.
_PRESENT_SHARE = 0.3
_SHINGLE = 8


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


def open_case(store: Store, mention_id: int, note: str | None = None) -> Case:
    """Opens a case on a mention; refuses when the mention is unknown or already has one open."""
    return store.get_case(store.open_case(mention_id, note))


def update_case(store: Store, case_id: int, status: str, note: str | None = None) -> Case:
    """Records a new status (reported, removed or refused); removed and refused close the case."""
    if status not in UPDATES:
        raise CaseError(f"status must be one of reported, removed, refused (not {status!r})")
    store.set_case_status(case_id, CaseStatus(status), note)
    return store.get_case(case_id)


def get_case(store: Store, case_id: int) -> Case:
    return store.get_case(case_id)


def list_cases(
    store: Store, *, school_id: str | None = None, unresolved_only: bool = False
) -> list[Case]:
    return store.list_cases(school_id=school_id, unresolved_only=unresolved_only)


def open_cases(store: Store, school_id: str) -> list[Case]:
    """A school's unresolved cases (open or reported), oldest first: what the digest lists."""
    return store.list_cases(school_id=school_id, unresolved_only=True)


def case_events(store: Store, case_id: int) -> list[dict[str, Any]]:
    return store.case_events(case_id)


# ---- re-checking ---------------------------------------------------------------------------


def recheck_cases(config: Config, store: Store | None = None) -> list[CheckResult]:
    """Fetches every unresolved case's address once and records what it saw.

    The fetching happens with the store closed; the results are written in one short transaction.
    """
    store = store or Store(config.store.path)
    cases = list_cases(store, unresolved_only=True)
    if not cases:
        return []
    texts = store.mention_texts([case.mention_id for case in cases])
    robots = _RobotsCache(config.crawl)
    results = []
    for case in cases:
        title, text = texts.get(case.mention_id, ("", ""))
        result = check_url(case.id, case.url, title, text, config.crawl, robots)
        log.info("case %d %s: %s", case.id, case.url, result.detail)
        results.append(result)
    store.record_checks([_as_check(result) for result in results])
    return results


def check_url(
    case_id: int,
    url: str,
    title: str,
    text: str,
    crawl: CrawlSettings,
    robots: _RobotsCache | None = None,
) -> CheckResult:
    if robots is not None and not robots.allowed(url):
        return CheckResult(case_id, url, None, "inconclusive", "robots.txt forbids re-checking")
    try:
        status, body, content_type, final_url = _fetch(url, crawl)
    except _FetchFailed as exc:
        return CheckResult(case_id, url, None, "inconclusive", f"could not fetch: {exc}")
    if status in GONE_STATUSES:
        return CheckResult(case_id, url, status, "removed", f"gone: HTTP {status}", body,
                           content_type, final_url)
    if status != 200:
        return CheckResult(case_id, url, status, "inconclusive", f"HTTP {status}", body,
                           content_type, final_url)
    page = html_to_text(body.decode("utf-8", errors="replace"))
    if text_still_present(text or title, page):
        return CheckResult(case_id, url, status, "present", "still there (HTTP 200)", body,
                           content_type, final_url)
    return CheckResult(case_id, url, status, "removed", "gone: the post's text is no longer "
                       "on the page (HTTP 200)", body, content_type, final_url)


def text_still_present(post: str, page: str) -> bool:
    """Whether most of the post's wording is still on the page (case and spacing ignored)."""
    post_words = re.findall(r"\w+", post.casefold())
    if not post_words:
        return True  # nothing to look for: never close a case on no evidence
    page_words = re.findall(r"\w+", page.casefold())
    size = min(_SHINGLE, len(post_words))
    wanted = {tuple(post_words[i:i + size]) for i in range(len(post_words) - size + 1)}
    found = {tuple(page_words[i:i + size]) for i in range(len(page_words) - size + 1)}
    return len(wanted & found) / len(wanted) >= _PRESENT_SHARE


class _FetchFailed(Exception):
    pass


def _fetch(url: str, crawl: CrawlSettings) -> tuple[int, bytes, str | None, str]:
    """One GET with the crawl's user agent, timeout and size cap; error statuses are answers."""
    request = urllib.request.Request(url, headers={"User-Agent": crawl.user_agent})
    timeout = crawl.timeout.total_seconds()
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _read_capped(exc, crawl.max_bytes), exc.headers.get(
                "Content-Type"), exc.geturl() or url
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _FetchFailed(str(reason)) from None
    with response:
        try:
            body = _read_capped(response, crawl.max_bytes)
        except (TimeoutError, OSError) as exc:
            raise _FetchFailed(str(exc)) from None
        return response.status, body, response.headers.get("Content-Type"), response.geturl()


def _read_capped(response: Any, max_bytes: int) -> bytes:
    body = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise _FetchFailed(f"response larger than the {max_bytes:,}-byte cap")
    return body


class _RobotsCache:
    """robots.txt per site, fetched with the same client, when [crawl] obey_robots is on."""

    def __init__(self, crawl: CrawlSettings) -> None:
        self.crawl = crawl
        self.parsers: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def allowed(self, url: str) -> bool:
        if not self.crawl.obey_robots:
            return True
        parts = urlsplit(url)
        site = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        if site not in self.parsers:
            self.parsers[site] = self._load(site)
        parser = self.parsers[site]
        return parser is None or parser.can_fetch(self.crawl.user_agent, url)

    def _load(self, site: str) -> urllib.robotparser.RobotFileParser | None:
        try:
            status, body, _, _ = _fetch(site + "/robots.txt", self.crawl)
        except _FetchFailed:
            return None
        if status != 200:
            return None  # no robots.txt (or an unreadable one) allows everything
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(body.decode("utf-8", errors="replace").splitlines())
        return parser


def _as_check(result: CheckResult) -> CaseCheck:
    response = None
    if result.body is not None and result.http_status is not None:
        response = RawResponse(
            hashlib.sha256(result.body).hexdigest(), result.final_url or result.url,
            result.http_status, result.content_type, datetime.now(UTC), result.body,
        )
    return CaseCheck(result.case_id, result.outcome == "removed", result.detail,
                     result.http_status, response)
