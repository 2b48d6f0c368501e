"""Screen prints wired to the config and the store: at first sighting of high-risk mentions
(after each crawl), and on demand from a mention or a case."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from crawler.engine.screenprint import (
    CaptureLimits,
    CaptureRequest,
    capture,
    screen_prints_off,
)
from crawler.ground.config import Config
from crawler.ground.errors import CaseError, TriageError
from crawler.ground.screenprint import AUTOMATIC_ACTOR, ScreenPrint, ScreenPrintError
from crawler.ground.vocab import now
from crawler.store import Store
from digest.evidence_pack import build_pack

log = logging.getLogger(__name__)
# At first sighting: mentions first seen this long ago at most, this many per crawl at most
# (each takes a few seconds of a browser; the rest wait for the next crawl).
FIRST_SIGHTING_WINDOW = timedelta(days=2)
PER_CRAWL = 10


@dataclass(frozen=True)
class Taken:
    print_id: int
    error: str | None  # None: the PNG and PDF were kept


def capture_request(config: Config, url: str) -> CaptureRequest:
    return CaptureRequest(
        url=url,
        user_agent=config.crawl.user_agent,
        allow_private=config.crawl.allow_private,
        limits=CaptureLimits(timeout=config.evidence.timeout.total_seconds(),
                             max_bytes=config.crawl.max_bytes),
    )


def shoot(config: Config, url: str) -> tuple[ScreenPrint | None, str | None]:
    """(the screen print, None) or (None, why not); holds no store connection meanwhile."""
    off = screen_prints_off(config.evidence)
    if off:
        return None, off
    try:
        return capture(capture_request(config, url)), None
    except ScreenPrintError as exc:
        return None, str(exc)


def take_screen_print(config: Config, store: Store, mention_id: int, actor: str,
                      case_id: int | None = None,
                      schools: list[str] | None = None) -> Taken:
    """Captures the mention's page now and keeps the attempt (files, or why not)."""
    mention = store.mention(mention_id, schools)
    if mention is None:
        raise TriageError(f"no mention with id {mention_id}")
    shot, error = shoot(config, mention["url"])
    return Taken(store.record_screen_print(mention_id, mention["url"], actor, shot=shot,
                                           error=error, case_id=case_id), error)


def evidence_pack(store: Store, case_id: int, actor: str,
                  schools: list[str] | None = None) -> bytes:
    """The case's evidence pack (a zip); who made it is kept in the audit log."""
    evidence = store.case_evidence(case_id)
    if schools is not None and evidence["case"]["school_id"] not in schools:
        raise CaseError(f"no case with id {case_id}")
    pack = build_pack(evidence, actor)
    store.record_pack(case_id, evidence["case"]["mention_id"], actor,
                      hashlib.sha256(pack).hexdigest())
    return pack


def screen_prints_at_first_sighting(config: Config, store: Store) -> list[Taken]:
    """After a crawl: a screen print of each new high-risk mention's page (when on)."""
    if screen_prints_off(config.evidence):
        return []
    taken = []
    for mention_id, url in store.wanting_screen_prints(now() - FIRST_SIGHTING_WINDOW,
                                                       PER_CRAWL):
        result = take_screen_print(config, store, mention_id, AUTOMATIC_ACTOR)
        host = urlsplit(url).hostname or url
        if result.error:
            log.warning("no screen print of mention %d (%s): %s", mention_id, host, result.error)
        else:
            log.info("screen print of mention %d kept (%s)", mention_id, host)
        taken.append(result)
    return taken
