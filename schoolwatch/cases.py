"""Takedown cases: a mention someone asked a platform to remove, followed until it is gone.

School policies promise that "checks will be carried out to ensure that the requested removals
are made": `recheck_cases` fetches each unresolved case's address through the crawl engine
(spiders/recheck.py) and closes the case as removed when the post answers 404/410 or its words
are no longer on the page. The mention, its evidence and every check's response stay in the
store as the record of what was there and when it went.
"""

from __future__ import annotations

import hashlib
from typing import Any

from crawler.engine.runner import run_spider
from crawler.ground.config import Config
from crawler.ground.errors import CaseError
from crawler.ground.vocab import CaseStatus, now
from crawler.store import Case, CaseCheck, RawResponse, Store
from spiders.recheck import CheckResult, RecheckTarget, text_still_present

__all__ = [
    "UPDATES",
    "Case",
    "CheckResult",
    "case_events",
    "get_case",
    "list_cases",
    "open_case",
    "open_cases",
    "recheck_cases",
    "text_still_present",
    "update_case",
]

# The statuses a person records; open is where every case starts.
UPDATES = (CaseStatus.REPORTED, CaseStatus.REMOVED, CaseStatus.REFUSED)
RECHECK_SPIDER = "spiders.recheck.RecheckSpider"


def open_case(
    store: Store, mention_id: int, note: str | None = None, actor: str = "cli"
) -> Case:
    """Opens a case on a mention; refuses when the mention is unknown or already has one open."""
    return store.get_case(store.open_case(mention_id, note, actor))


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


def recheck_cases(config: Config, store: Store | None = None) -> list[CheckResult]:
    """Fetches every unresolved case's address once and records what it saw, in case order.

    The fetching happens with the store closed; the results are written in one short transaction.
    """
    store = store or Store(config.store.path)
    cases = store.list_cases(unresolved_only=True)
    if not cases:
        return []
    texts = store.mention_texts([case.mention_id for case in cases])
    targets = [
        RecheckTarget(case.id, case.url, *texts.get(case.mention_id, ("", ""))) for case in cases
    ]
    collected: list[CheckResult] = run_spider(config.crawl, RECHECK_SPIDER, targets=targets)
    order = {case.id: index for index, case in enumerate(cases)}
    results = sorted(collected, key=lambda result: order[result.case_id])
    store.record_checks([_as_check(result) for result in results])
    return results


def _as_check(result: CheckResult) -> CaseCheck:
    response = None
    if result.body is not None and result.http_status is not None:
        response = RawResponse(
            hashlib.sha256(result.body).hexdigest(), result.final_url or result.url,
            result.http_status, result.content_type, now(), result.body,
        )
    return CaseCheck(result.case_id, result.outcome == "removed", result.detail,
                     result.http_status, response)
