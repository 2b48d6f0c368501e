"""The status rules of the inbox: what a person decided about a mention, and what follows.

Statuses: new (nobody has looked), follow_up (looked, not finished), handled (dealt with),
false_positive (not about us / not a concern), case_opened (a takedown case follows it).
Handled and false-positive mentions leave the digest's "needs action" and the report's
unresolved list; false positives are never alerted.
"""

from __future__ import annotations

from crawler.ground.errors import TriageError
from crawler.ground.vocab import ACTION_RISKS, MentionStatus, Risk

RESOLVED = frozenset({MentionStatus.HANDLED, MentionStatus.FALSE_POSITIVE})
# What a person may set by hand; case_opened comes only from opening a takedown case.
SETTABLE = (MentionStatus.HANDLED, MentionStatus.FALSE_POSITIVE, MentionStatus.FOLLOW_UP,
            MentionStatus.NEW)
LABELS = {
    MentionStatus.NEW: "New",
    MentionStatus.HANDLED: "Handled",
    MentionStatus.FALSE_POSITIVE: "False positive",
    MentionStatus.FOLLOW_UP: "Follow up",
    MentionStatus.CASE_OPENED: "Case opened",
}


def parse_status(value: str) -> MentionStatus:
    try:
        return MentionStatus(value)
    except ValueError:
        known = ", ".join(status.value for status in MentionStatus)
        raise TriageError(f"unknown status {value!r} (one of: {known})") from None


def is_resolved(status: str | None) -> bool:
    return (status or MentionStatus.NEW) in RESOLVED


def needs_action(risk: str | None, status: str | None) -> bool:
    """High or medium risk, and nobody has resolved it yet."""
    return risk in ACTION_RISKS and not is_resolved(status)


# The alert rule's words: only high-risk mentions alert, and never one a person marked as a false
# positive. The rule itself is written once, in the store's SQL (Store.high_risk_unalerted).
ALERT_RISK = Risk.HIGH
NEVER_ALERTED = MentionStatus.FALSE_POSITIVE


def check_change(new: str, reason: str | None) -> MentionStatus:
    """The status a person asked for, refused when it cannot be set by hand or lacks a reason."""
    status = parse_status(new)
    if status not in SETTABLE:
        raise TriageError("a mention is marked case_opened by opening a takedown case")
    if status == MentionStatus.FALSE_POSITIVE and not (reason or "").strip():
        raise TriageError("say why it is a false positive (a reason is required)")
    return status
