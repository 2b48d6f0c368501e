"""The words of the domain, declared once: risk levels, categories, sentiments, the statuses of
a crawl run, a takedown case and a mention in the inbox; the UK time zone and the clock.

Each is a StrEnum, so a member is its stored string ("high" == Risk.HIGH) and the store, the
classifier, the digest, the report and the CLI all speak the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    def model_order(cls) -> tuple[Risk, ...]:
        """The risk head's class order: the declaration order, least urgent first."""
        return tuple(cls)

    @classmethod
    def most_urgent_first(cls) -> tuple[Risk, ...]:
        """The order the inbox, the digest and the report list them in."""
        return (cls.HIGH, cls.MEDIUM, cls.LOW, cls.NONE)

    @property
    def colour(self) -> str:
        """The badge and border colour of this risk in messages and the report."""
        return {"high": "#b91c1c", "medium": "#c2410c", "low": "#a16207", "none": "#6b7280"}[
            self.value
        ]

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
    # An edit that adds criticism or abuse to an encyclopedia article about the school.
    VANDALISM = "vandalism"
    COMPLAINT = "complaint"
    MEDIA_ENQUIRY = "media_enquiry"
    INSPECTION = "inspection"


class Sentiment(StrEnum):
    """The tone of a mention (declared in the model's class order)."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"

    @classmethod
    def model_order(cls) -> tuple[Sentiment, ...]:
        """The sentiment head's class order: the declaration order."""
        return tuple(cls)

    @classmethod
    def shown_order(cls) -> tuple[Sentiment, ...]:
        """The order the digest, the report and their charts show them in: good news first."""
        return (cls.POSITIVE, cls.NEUTRAL, cls.NEGATIVE)

    @property
    def label(self) -> str:
        """The words a page shows: "Negative tone"."""
        return f"{self.value.capitalize()} tone"

    @property
    def colour(self) -> str:
        """Its bar's colour in the digest's and the report's charts."""
        return {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}[self.value]


# A mention the classifier has not reached yet: it has no sentiment and no risk.
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_LABEL = "Not yet classified"
UNCLASSIFIED_COLOUR = "#cfd8dc"
# The sentiment counts a digest or report shows, in order, unclassified last.
SENTIMENTS_SHOWN: tuple[str, ...] = (*Sentiment.shown_order(), UNCLASSIFIED)


def sentiment_label(name: str) -> str:
    """"Positive" ... "Not yet classified": a count or a chart bar's word for a sentiment."""
    return UNCLASSIFIED_LABEL if name == UNCLASSIFIED else Sentiment(name).value.capitalize()


def sentiment_colour(name: str) -> str:
    return UNCLASSIFIED_COLOUR if name == UNCLASSIFIED else Sentiment(name).colour


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


@dataclass(frozen=True)
class SpiderEntry:
    """One kind of source: the spider class that reads it (a dotted path, loaded by the engine
    as Scrapy loads any component), the `options` it reads (docs/sources.md describes them;
    any other is a typo), what it is, in words a lead reads ("a Reddit search"), and whether
    its mentions are edits to an article about the school rather than posts."""

    spider: str
    label: str
    options: tuple[str, ...] = ()
    article_edits: bool = False


FORUM_SELECTOR_OPTIONS = ("post", "author", "date", "text", "permalink", "title", "next",
                          "thread_links", "quotes", "drop")
# The spider registry: each kind of source a config may name, declared here once. The ground
# holds it (as names, importing no spider) because the config is checked against it on load;
# spiders.SPIDERS, SOURCE_KINDS and SOURCE_OPTIONS are read off it.
SPIDER_REGISTRY: dict[str, SpiderEntry] = {
    "feed": SpiderEntry("spiders.feed.FeedSpider", "a news or alerts feed"),
    "forum": SpiderEntry("spiders.forum.ForumSpider", "a forum",
                         ("platform", "order", *FORUM_SELECTOR_OPTIONS)),
    "reviews": SpiderEntry("spiders.reviews.ReviewsSpider", "a review site", ("next",)),
    "reddit": SpiderEntry("spiders.reddit.RedditSpider", "a Reddit search",
                          ("query", "subreddit", "base_url")),
    "wikipedia": SpiderEntry("spiders.wikipedia.WikipediaSpider", "a Wikipedia article",
                             ("api", "limit"), article_edits=True),
    "page": SpiderEntry("spiders.page.PageSpider", "a web page"),
    "ofsted": SpiderEntry("spiders.ofsted.OfstedSpider", "Ofsted's reports"),
    "parent_view": SpiderEntry("spiders.parent_view.ParentViewSpider", "Ofsted Parent View"),
}
SOURCE_KINDS = tuple(SPIDER_REGISTRY)
SOURCE_OPTIONS = {kind: entry.options for kind, entry in SPIDER_REGISTRY.items()}
# What each kind of source is, in words a lead reads ("reddit-ashcombe, a Reddit search").
SOURCE_KIND_LABELS = {kind: entry.label for kind, entry in SPIDER_REGISTRY.items()}
# Kinds whose mentions are what an edit added to an article about the school (a Wikipedia
# revision), which the classifier reads as edits to a public page, not as posts.
ARTICLE_EDIT_KINDS = frozenset(kind for kind, entry in SPIDER_REGISTRY.items()
                               if entry.article_edits)
# Forum engines a source may name (spiders/platforms/ describes each).
PLATFORM_NAMES = ("phpbb", "xenforo", "vbulletin", "smf", "discourse", "mumsnet", "generic")
