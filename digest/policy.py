"""What each risk category means and what typical school policy says to do about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    label: str
    action: str


# Most urgent first: an item's first category decides its headline action.
CATEGORIES: dict[str, Category] = {
    "threat": Category(
        "Threat",
        "Call the police (999 if anyone is in immediate danger, 101 otherwise) and tell the "
        "Designated Safeguarding Lead. Keep the evidence.",
    ),
    "safeguarding": Category(
        "Safeguarding concern",
        "Tell the Designated Safeguarding Lead today and follow the safeguarding policy.",
    ),
    "named_pupil": Category(
        "Named pupil",
        "Ask the poster or site to remove it and report it to the platform; do not reply "
        "publicly. Tell the DSL if the pupil may be at risk.",
    ),
    "personal_data": Category(
        "Personal data",
        "Ask for removal and report it to the platform; do not repeat the details anywhere.",
    ),
    "allegation": Category(
        "Allegation against staff",
        "Tell the head teacher (the chair of governors if it concerns the head), who follows "
        "the LADO route; do not investigate or respond online.",
    ),
    "extremism_hate": Category(
        "Hate or extremism",
        "Report it to the platform (and to the police if it may be a hate crime); consider the "
        "Prevent duty with the DSL.",
    ),
    "harassment": Category(
        "Harassment",
        "Keep the evidence and report it to the platform; support the person targeted and "
        "follow the staff or pupil behaviour policy.",
    ),
    "complaint": Category(
        "Complaint",
        "Invite the parent to talk to the school and point them to the complaints procedure; "
        "do not argue online.",
    ),
    "media_enquiry": Category(
        "Media interest",
        "Pass it to the head teacher or press contact and agree a response before replying.",
    ),
    "inspection": Category(
        "Inspection",
        "Let the head teacher know; usually nothing to do online.",
    ),
}

RISK_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}


def ordered(categories: list[str] | tuple[str, ...] | None) -> list[str]:
    """Known categories first, most urgent first; unknown ones keep their order after them."""
    names = list(categories or [])
    rank = {name: index for index, name in enumerate(CATEGORIES)}
    return sorted(names, key=lambda name: rank.get(name, len(rank)))


def label(category: str) -> str:
    known = CATEGORIES.get(category)
    return known.label if known else category.replace("_", " ").capitalize()


def actions(categories: list[str] | tuple[str, ...] | None) -> list[str]:
    """One action per category present, most urgent first, without repeats."""
    seen: list[str] = []
    for name in ordered(categories):
        known = CATEGORIES.get(name)
        if known and known.action not in seen:
            seen.append(known.action)
    return seen
