"""Interim: today's Store with the inbox's table families, until the store package lands."""

from __future__ import annotations

from crawler.store import Store as _BaseStore
from crawler.store_audit import AuditStore
from crawler.store_triage import TriageStore
from crawler.store_users import UserStore


class Store(UserStore, TriageStore, AuditStore, _BaseStore):
    pass
