"""The store: a DuckDB file, and the only package that holds SQL.

One module per table family, each a mixin of typed methods on `Store`: mentions (with versions
and sightings), evidence (raw responses, HTTP validators, crawl state), runs (crawls and the
scheduler's), classifications, cases, outbox, digests (what the digest and report read) and
retention; users, web sessions and failed logins, triage (statuses, notes, corrections) and
the audit log of the web inbox. Schema changes are named migrations in migrations/, recorded in
schema_migrations.
"""

from __future__ import annotations

from crawler.store.audit import AuditEntry, AuditStore
from crawler.store.base import (
    LOCK_WAIT_READ,
    LOCK_WAIT_WRITE,
    QueryResult,
    connect,
    migration_names,
)
from crawler.store.cases import CLOSED, UNRESOLVED, Case, CaseCheck, CaseStore
from crawler.store.channels import ChannelDelivery, ChannelStore, ClaimedDelivery
from crawler.store.classifications import (
    ClassificationRow,
    ClassificationStore,
    PendingMention,
    pending_classification,
    write_classifications,
)
from crawler.store.digests import DigestStore
from crawler.store.evidence import EvidenceStore, RawResponse, write_raw_responses
from crawler.store.inbox import InboxFilter, InboxPage, InboxStore
from crawler.store.mentions import MentionStore, WriteResult
from crawler.store.outbox import (
    ClaimedMessage,
    OutboxStore,
    OutgoingMessage,
    QueuedAlert,
    QueueResult,
)
from crawler.store.retention import PurgeResult, RetentionStore
from crawler.store.runs import RunStore
from crawler.store.screenprints import ScreenPrintStore
from crawler.store.series import SeriesStore
from crawler.store.sessions import LoginFailures, SessionStore, WebSession
from crawler.store.spool import SpoolStore, SpoolWrite
from crawler.store.users import User, UserStore


class Store(
    SpoolStore,
    MentionStore,
    EvidenceStore,
    RunStore,
    ClassificationStore,
    CaseStore,
    OutboxStore,
    ChannelStore,
    DigestStore,
    RetentionStore,
    UserStore,
    InboxStore,
    AuditStore,
    SeriesStore,
    ScreenPrintStore,
    SessionStore,
):
    """A DuckDB file of mentions. Each method opens the file for as short a time as it can."""


__all__ = [
    "CLOSED",
    "LOCK_WAIT_READ",
    "LOCK_WAIT_WRITE",
    "UNRESOLVED",
    "AuditEntry",
    "Case",
    "CaseCheck",
    "ChannelDelivery",
    "ClaimedDelivery",
    "ClaimedMessage",
    "ClassificationRow",
    "InboxFilter",
    "InboxPage",
    "LoginFailures",
    "OutgoingMessage",
    "PendingMention",
    "PurgeResult",
    "QueryResult",
    "QueueResult",
    "QueuedAlert",
    "RawResponse",
    "SpoolWrite",
    "Store",
    "User",
    "WebSession",
    "WriteResult",
    "connect",
    "migration_names",
    "pending_classification",
    "write_classifications",
    "write_raw_responses",
]
