"""The audit log in sentences: "lead@school marked this false positive: 'about the church,
not us'". The inbox's history and the evidence pack's summary read the same words; the raw
before/after stays in the store and in the pack's metadata for anyone who needs it.
"""

from __future__ import annotations

from typing import Any

from crawler.ground.inbox_status import LABELS
from crawler.ground.vocab import CaseStatus, MentionStatus, Risk, Sentiment


def _quoted(text: Any) -> str:
    return "'" + " ".join(str(text).split()) + "'"


def _status_words(value: Any) -> str:
    try:
        return LABELS[MentionStatus(value)].lower()
    except ValueError:
        return str(value)


def _case_words(value: Any) -> str:
    try:
        return CaseStatus(value).label
    except ValueError:
        return str(value)


def _level_words(field: str, value: Any) -> str:
    try:
        return (Risk(value) if field == "risk" else Sentiment(value)).label.lower()
    except ValueError:
        return str(value)


def describe_action(
    actor: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    case_id: int | None = None,
) -> str:
    """One plain sentence for one audit entry."""
    before, after = before or {}, after or {}
    if action == "status":
        status = after.get("status")
        if status == MentionStatus.NEW:
            return f"{actor} moved this back to new"
        sentence = f"{actor} marked this {_status_words(status)}"
        reason = after.get("reason")
        return sentence + (f": {_quoted(reason)}" if reason else "")
    if action == "assign":
        if after.get("assigned_to"):
            return f"{actor} assigned this to {after['assigned_to']}"
        was = before.get("assigned_to")
        return f"{actor} took this off {was}" if was else f"{actor} left this unassigned"
    if action == "note":
        return f"{actor} added a note: {_quoted(after.get('note', ''))}"
    if action == "correct":
        for field in ("risk", "sentiment"):
            if field in after:
                return (f"{actor} corrected the {field} from "
                        f"{_level_words(field, before.get(field))} to "
                        f"{_level_words(field, after[field])}")
    if action == "open_case":
        return f"{actor} opened takedown case {case_id}"
    if action == "case_status":
        sentence = f"{actor} set takedown case {case_id} to {_case_words(after.get('status'))}"
        return sentence + (f": {_quoted(after['note'])}" if after.get("note") else "")
    if action == "screen_print":
        return f"{actor} took a screen print of the page" + (
            f" (HTTP {after['http_status']})" if after.get("http_status") else "")
    if action == "evidence_pack":
        return f"{actor} downloaded the evidence pack for takedown case {case_id}"
    return f"{actor}: {action.replace('_', ' ')}"
