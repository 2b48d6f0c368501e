"""The words of the domain, declared once: risk levels, categories, sentiments, the statuses of
a crawl run, a takedown case and a mention in the inbox; the UK time zone and the clock.

Each is a StrEnum, so a member is its stored string ("high" == Risk.HIGH) and the store, the
classifier, the digest, the report and the CLI all speak the same words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The one clock: an aware UTC datetime."""
    return datetime.now(UTC)


class Risk(StrEnum):
    """How soon a mention needs a person, in ascending order (the model's class order)."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @classmethod
    def most_urgent_first(cls) -> tuple[Risk, ...]:
        return (cls.HIGH, cls.MEDIUM, cls.LOW, cls.NONE)

    @property
    def urgency(self) -> int:
        """0 for high ... 3 for none: a sort key, most urgent first."""
        return Risk.most_urgent_first().index(self)

    @property
    def needs_action(self) -> bool:
        return self in (Risk.HIGH, Risk.MEDIUM)

    @property
    def label(self) -> str:
        """The words a page shows: "High risk", "No risk"."""
        return "No risk" if self is Risk.NONE else f"{self.value.capitalize()} risk"


# Risks that put a mention under "needs action" in the digest and the report.
ACTION_RISKS = (Risk.HIGH, Risk.MEDIUM)


class Category(StrEnum):
    """Why a mention matters, in the order a classification lists them."""

    SAFEGUARDING = "safeguarding"
    THREAT = "threat"
    HARASSMENT = "harassment"
    NAMED_PUPIL = "named_pupil"
    PERSONAL_DATA = "personal_data"
    ALLEGATION = "allegation"
    EXTREMISM_HATE = "extremism_hate"
    COMPLAINT = "complaint"
    MEDIA_ENQUIRY = "media_enquiry"
    INSPECTION = "inspection"


class Sentiment(StrEnum):
    """The tone of a mention (the model's class order)."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"

    @property
    def label(self) -> str:
        """The words a page shows: "Negative tone"."""
        return f"{self.value.capitalize()} tone"


class RunStatus(StrEnum):
    """How one source's crawl went."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # every address answered 304
    WARNING = "warning"
    PARTIAL = "partial"  # some pages could not be read
    FAILED = "failed"  # nothing could be read
    INTERRUPTED = "interrupted"  # stopped early (shutdown, signal): the next start retries it


# Runs that count as failures in the digest's and the report's source lines.
FAILED_RUN_STATUSES = (RunStatus.FAILED, RunStatus.PARTIAL)


class JobStatus(StrEnum):
    """How one of the scheduler's jobs went (schedule_runs)."""

    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"


class CaseStatus(StrEnum):
    """A takedown case: open (noted), reported (asked), then removed or refused (closed)."""

    OPEN = "open"
    REPORTED = "reported"
    REMOVED = "removed"
    REFUSED = "refused"

    @property
    def unresolved(self) -> bool:
        return self in UNRESOLVED_CASES

    @property
    def label(self) -> str:
        """The words a page shows: "reported to the platform"."""
        return _CASE_LABELS[self]


_CASE_LABELS = {
    CaseStatus.OPEN: "open, not yet reported",
    CaseStatus.REPORTED: "reported to the platform",
    CaseStatus.REMOVED: "removed",
    CaseStatus.REFUSED: "refused",
}
UNRESOLVED_CASES = (CaseStatus.OPEN, CaseStatus.REPORTED)
CLOSED_CASES = (CaseStatus.REMOVED, CaseStatus.REFUSED)


class MentionStatus(StrEnum):
    """What a person decided about a mention in the inbox."""

    NEW = "new"
    HANDLED = "handled"
    FALSE_POSITIVE = "false_positive"
    FOLLOW_UP = "follow_up"
    CASE_OPENED = "case_opened"


# The kinds of source a config may name, one spider each (spiders.SPIDERS maps them to classes).
SOURCE_KINDS = ("feed", "forum", "reviews", "reddit", "wikipedia", "page", "ofsted", "parent_view")
# What each kind of source is, in words a lead reads ("reddit-ashcombe, a Reddit search").
SOURCE_KIND_LABELS = {
    "feed": "a news or alerts feed",
    "forum": "a forum",
    "reviews": "a review site",
    "reddit": "a Reddit search",
    "wikipedia": "a Wikipedia article",
    "page": "a web page",
    "ofsted": "Ofsted's reports",
    "parent_view": "Ofsted Parent View",
}
# The `options` each source kind reads (docs/sources.md describes them); any other is a typo.
FORUM_SELECTOR_OPTIONS = ("post", "author", "date", "text", "permalink", "title", "next",
                          "thread_links", "quotes", "drop")
SOURCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "feed": (),
    "forum": ("platform", "order", *FORUM_SELECTOR_OPTIONS),
    "reviews": ("next",),
    "reddit": ("query", "subreddit", "base_url"),
    "wikipedia": ("api", "limit"),
    "page": (),
    "ofsted": (),
    "parent_view": (),
}
# Forum engines a source may name (spiders/platforms/ describes each).
PLATFORM_NAMES = ("phpbb", "xenforo", "vbulletin", "smf", "discourse", "mumsnet", "generic")
