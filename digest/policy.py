"""What each risk category means and what typical school policy says to do about it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.ground.vocab import Category, Risk


@dataclass(frozen=True)
class Guidance:
    label: str
    action: str


# Most urgent first: an item's first category decides its headline action.
CATEGORIES: dict[Category, Guidance] = {
    Category.THREAT: Guidance(
        "Threat",
        "Call the police (999 if anyone is in immediate danger, 101 otherwise) and tell the "
        "Designated Safeguarding Lead. Keep the evidence.",
    ),
    Category.SAFEGUARDING: Guidance(
        "Safeguarding concern",
        "Tell the Designated Safeguarding Lead today and follow the safeguarding policy.",
    ),
    Category.NAMED_PUPIL: Guidance(
        "Named pupil",
        "Ask the poster or site to remove it and report it to the platform; do not reply "
        "publicly. Tell the DSL if the pupil may be at risk.",
    ),
    Category.PERSONAL_DATA: Guidance(
        "Personal data",
        "Ask for removal and report it to the platform; do not repeat the details anywhere.",
    ),
    Category.ALLEGATION: Guidance(
        "Allegation against staff",
        "Tell the head teacher (the chair of governors if it concerns the head), who follows "
        "the LADO route; do not investigate or respond online.",
    ),
    Category.EXTREMISM_HATE: Guidance(
        "Hate or extremism",
        "Report it to the platform (and to the police if it may be a hate crime); consider the "
        "Prevent duty with the DSL.",
    ),
    Category.HARASSMENT: Guidance(
        "Harassment",
        "Keep the evidence and report it to the platform; support the person targeted and "
        "follow the staff or pupil behaviour policy.",
    ),
    Category.VANDALISM: Guidance(
        "Criticism added to the school's article",
        "Check the edit on the article's history: abuse or opinion that is not sourced fact "
        "may be undone by anyone (on Wikipedia, report a repeat vandal at Administrator "
        "intervention against vandalism); otherwise raise it on the article's talk page. Keep "
        "the diff link as evidence.",
    ),
    Category.COMPLAINT: Guidance(
        "Complaint",
        "Invite the parent to talk to the school and point them to the complaints procedure; "
        "do not argue online.",
    ),
    Category.MEDIA_ENQUIRY: Guidance(
        "Media interest",
        "Pass it to the head teacher or press contact and agree a response before replying.",
    ),
    Category.INSPECTION: Guidance(
        "Inspection",
        "Let the head teacher know; usually nothing to do online.",
    ),
}

RISK_ORDER = {risk: risk.urgency for risk in Risk}


def risk_rank(risk: str | None) -> int:
    """0 for high ... 3 for none (unclassified counts as none); unknown words sort last."""
    return RISK_ORDER.get(risk or Risk.NONE, len(RISK_ORDER))


def ordered(categories: list[str] | tuple[str, ...] | None) -> list[str]:
    """Known categories first, most urgent first; unknown ones keep their order after them."""
    names = list(categories or [])
    rank = {name: index for index, name in enumerate(CATEGORIES)}
    return sorted(names, key=lambda name: rank.get(name, len(rank)))


def label(category: str) -> str:
    known = CATEGORIES.get(category)
    return known.label if known else category.replace("_", " ").capitalize()


_TELLS_DSL = re.compile(r"\btell the (?:DSL|Designated Safeguarding Lead)\b", re.IGNORECASE)
_DSL = r"(?:DSL|Designated Safeguarding Lead)"


def _without_telling_the_dsl(action: str) -> str:
    """The action once the DSL has already been told (one alert says it once, not three times)."""
    action = re.sub(rf"\s*Tell the {_DSL} if [^.]*\.", "", action)
    action = re.sub(rf"^Tell the {_DSL}(?: today)? and (\w)", lambda m: m.group(1).upper(), action)
    action = re.sub(rf",? and tell the {_DSL}(?=[.;,])", "", action)
    return action.strip()


def actions(categories: list[str] | tuple[str, ...] | None) -> list[str]:
    """One action per category present, most urgent first, without repeats; telling the DSL
    is said once, by the most urgent action that says it."""
    seen: list[str] = []
    told = False
    for name in ordered(categories):
        known = CATEGORIES.get(name)
        if not known:
            continue
        action = _without_telling_the_dsl(known.action) if told else known.action
        told = told or bool(_TELLS_DSL.search(known.action))
        if action and action not in seen:
            seen.append(action)
    return seen
