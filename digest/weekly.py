"""The weekly digest of each school: compose, queue once per (school, ISO week), preview."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crawler.config import Config, School
from crawler.errors import UnknownNameError
from crawler.store import Store
from digest.compose import ComposedDigest, compose_digest
from digest.mailer import outbox_dir, sender
from digest.outbox import queue_messages
from digest.report import WeekDigest, build_digest
from digest.weeks import Week


@dataclass(frozen=True)
class DigestOutcome:
    school_id: str
    digest: WeekDigest
    composed: ComposedDigest
    queued: bool  # False: this school's digest for the week was queued before
    eml_path: Path | None


def select_schools(config: Config, school_id: str | None) -> list[School]:
    if school_id is None:
        return list(config.school)
    school = config.get_school(school_id)
    if school is None:
        known = ", ".join(s.id for s in config.school)
        raise UnknownNameError(f"no school with id {school_id!r} (known: {known})")
    return [school]


def compose_digests(
    config: Config, store: Store, week: Week, schools: Sequence[School]
) -> list[tuple[WeekDigest, ComposedDigest]]:
    composed = []
    for school in schools:
        digest = build_digest(config, store, school, week)
        composed.append((digest, compose_digest(digest, sender(config), tuple(school.leads))))
    return composed


def queue_digests(
    config: Config, store: Store, week: Week, schools: Sequence[School] | None = None
) -> list[DigestOutcome]:
    """Composes each school's digest and queues the ones not queued before for that week."""
    composed = compose_digests(config, store, week, schools or config.school)
    result = queue_messages(store, [c.message for _, c in composed], outbox_dir(config))
    return [
        DigestOutcome(
            school_id=digest.school_id,
            digest=digest,
            composed=message,
            queued=message.message.message_id in result.queued,
            eml_path=result.eml_paths.get(message.message.message_id),
        )
        for digest, message in composed
    ]
