"""Detectors where a rule beats a model: personal data, named pupils, staff allegations, threats.

Each detector returns the matched phrase (what a person checks) or None. Bump RULES_VERSION
whenever a pattern changes: it is part of every Classification's model_version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from crawler import personal_data

RULES_VERSION = "3"

# ---------------------------------------------------------------- personal data
# The patterns live in crawler.personal_data, shared with the email redaction.
find_personal_data = personal_data.find_personal_data


# ---------------------------------------------------------------- named pupil
# Common given names in England and Wales; a pupil's name only counts with class/year/age context
# so that "Grace before meals" or "We hope Year 6 enjoy it" stay clean.
_FIRST_NAMES = """
Aaliyah Aaron Abdul Abdullah Abigail Ada Adam Aden Adrian Ahmed Aidan Aisha Alana Albert Alex
Alexander Alexandra Alfie Alice Alicia Alisha Amaan Amber Amelia Amelie Amir Amy Ana Anna Annabel
Annie Anya Aria Ariana Archie Arlo Arthur Aryan Asher Ashton Aurora Austin Ava Ayaan Ayesha Bailey
Beatrice Bella Ben Benjamin Bethany Billy Blake Bobby Bonnie Brandon Brooke Caleb Callum Cameron
Carter Casey Cerys Charlie Charlotte Chloe Christopher Clara Cody Connor Corey Daisy Daniel
Daniela Darcy David Dexter Dylan Eden Edward Eleanor Elijah Eliza Elizabeth Ella Ellie Elliot
Elliott Eloise Elsie Emilia Emily Emma Erin Esme Ethan Eva Evan Evelyn Evie Ezra Faith Fatima
Felix Finlay Finley Finn Florence Francesca Freddie Freddy Freya Gabriel George Georgia Grace
Gracie Hannah Harley Harper Harriet Harrison Harry Harvey Hassan Hayden Heidi Henry Holly Hugo
Ibrahim Imogen Isaac Isabel Isabella Isabelle Isla Ivy Jack Jacob Jake James Jamie Jasmine Jay
Jayden Jessica Jenson Joe Joel John Jonah Jonathan Jordan Joseph Joshua Jude Julia Kai Katie
Kayden Keira Kian Kieran Kyle Lacey Laila Lara Laura Layla Leah Leo Leon Lewis Liam Lilly Lily
Logan Lola Louie Louis Luca Lucas Lucy Luke Lydia Mabel Maddison Madison Maisie Maisy Maria
Martha Maryam Mason Matilda Matthew Max Maya Megan Mia Michael Millie Mohammad Mohammed Molly
Muhammad Musa Myla Nancy Nathan Niamh Noah Oakley Olivia Ollie Oliver Orla Oscar Owen Paige
Penelope Phoebe Piper Poppy Priya Rafael Reggie Reuben Riley Robert Robyn Ronnie Rory Rosa
Rosie Ruby Ryan Sam Samuel Sara Sarah Scarlett Sebastian Sienna Sofia Sophia Sophie Stanley
Summer Teddy Theo Theodore Thomas Toby Tom Tommy Tyler Violet Willow Yusuf Zac Zach Zachary
Zain Zara Zoe
"""
NAMES = frozenset(_FIRST_NAMES.split())
_NAME = r"(?P<name>[A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
_YEAR = personal_data.YEAR_GROUP_STRICT
_AGE = r"\d{1,2}(?:\s?(?:yo|y/o|years?\s+old))?"
_PUPIL_PATTERNS = [
    re.compile(rf"\b{_NAME}\s+(?:in|from|of)\s+(?:the\s+)?{_YEAR}"),
    re.compile(rf"\b{_NAME}\s*\(\s*(?:aged?\s*)?{_AGE}\s*\)"),
    re.compile(rf"\b{_NAME},?\s+(?:aged?\s+)?{_AGE},"),
    re.compile(rf"\b{_NAME},?\s+aged?\s+{_AGE}\b"),
    re.compile(
        rf"\b{_YEAR}\s+(?:boy|girl|pupil|kid|child|student|lad|lass)\s+(?:called\s+)?{_NAME}"
    ),
]
_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Sir", "Mx")
# Words that are names but far more often a verb or month at the start of a sentence.
_SENTENCE_START_WORDS = frozenset({"Will", "May", "Hope", "Grace", "Faith", "Summer"})


def find_named_pupil(text: str) -> str | None:
    for pattern in _PUPIL_PATTERNS:
        for match in pattern.finditer(text):
            name = match.group("name")
            if name.split("-")[0] not in NAMES:
                continue
            before = text[: match.start("name")].rstrip()
            if before.split()[-1:] and before.split()[-1].rstrip(".") in _TITLES:
                continue  # "Mr Tom..." is staff, not a pupil
            at_start = not before or before[-1] in ".!?\n"
            if at_start and name in _SENTENCE_START_WORDS:
                continue
            return match.group().strip()
    return None


# ---------------------------------------------------------------- allegations against staff
_ACCUSATION = re.compile(
    r"\b(?:hit|hits|hitting|slapp\w*|punch\w*|kick\w*|grabb?\w*|push\w*|shov\w*|assault\w*|"
    r"abus\w*|touch\w*|grop\w*|affair|sleeping with|relationship with a (?:pupil|student)|"
    r"drunk|booze|alcohol|high on|drugs?|steal\w*|stole|stolen|theft|fraud|embezzl\w*|"
    r"arrest\w*|police|charged|bull(?:y|ies|ied|ying)|scream\w*|shout\w*|mock\w*|humiliat\w*|"
    r"inappropriat\w*|racist|sexist|homophobic|lie[sd]?|lying|cover\w* (?:it )?up|"
    r"restrain\w*|locked|hurt\w*|threaten\w*|harass\w*|nudes?|photos of|messag\w* pupils)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[^.!?\n]+[.!?]*")


@lru_cache(maxsize=512)
def _staff_pattern(staff: tuple[str, ...]) -> re.Pattern[str] | None:
    forms: set[str] = set()
    for raw in staff:
        name = " ".join(raw.split())
        if not name:
            continue
        forms.add(re.escape(name))
        parts = name.split()
        surname = parts[-1]
        # "Mrs Jane Okafor" is also written "Mrs Okafor"; "Jane Okafor" is also "Ms/Mrs Okafor".
        # A bare surname ("Hill") is too often an ordinary word to count on its own.
        if len(surname) > 1:
            titles = "|".join(_TITLES)
            forms.add(rf"(?:{titles})\.?\s+{re.escape(surname)}")
    if not forms:
        return None
    alternatives = "|".join(sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def find_staff_allegation(text: str, staff: Sequence[str]) -> str | None:
    """A configured staff name and an accusation in the same sentence (or the next one)."""
    pattern = _staff_pattern(tuple(staff))
    if pattern is None:
        return None
    sentences = [m.group().strip() for m in _CLAUSE.finditer(text) if m.group().strip()]
    for i, sentence in enumerate(sentences):
        if not pattern.search(sentence):
            continue
        # The accusation often follows in the next sentence: "Mr X again. He grabbed my son."
        for candidate in sentences[i : i + 2]:
            if _ACCUSATION.search(candidate):
                return sentence if candidate is sentence else f"{sentence} {candidate}"
    return None


# ---------------------------------------------------------------- explicit threats
_PERSON = r"(?:him|her|them|you|u|ya|the head|the teacher|that teacher|[A-Z][a-z]+)"
_THREATS = [
    re.compile(
        r"\b(?:I(?:'ll| will|'m going to| am going to|'m gonna| am gonna)|I'd|we(?:'ll| will))\s+"
        r"(?:\w+\s+){0,2}?(?:kill|stab|shoot|murder|batter|smash|hurt|punch|knock|deck|"
        r"strangle|burn|bomb|glass|slash|kick|beat)\b[^.!?\n]{0,40}",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:is|are|he's|she's|they're|you're)\s+(?:getting|gonna get|going to get)\s+"
        r"(?:battered|stabbed|shot|done in|kicked in|a kicking|a beating)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\bwatch (?:your|ur|his|her) back\b", re.IGNORECASE),
    re.compile(r"\b(?:we|I|everyone) knows? where (?:you|u|he|she|they) lives?\b", re.IGNORECASE),
    re.compile(r"\bburn\s(?:[^.!?\n]{1,50}?\s)?(?:down|to the ground)\b", re.IGNORECASE),
    re.compile(r"\bbring (?:a|his|her|my) (?:knife|blade|gun|machete)\b", re.IGNORECASE),
    re.compile(
        r"\b(?:going to|gonna|will) be a (?:shooting|bomb|stabbing|massacre)\b", re.IGNORECASE
    ),
    re.compile(
        r"\bdeserves? (?:a (?:good )?)?(?:kicking|beating|battering|slap|bullet)\b", re.IGNORECASE
    ),
    re.compile(rf"\b(?:teach|taught) {_PERSON} a lesson\b", re.IGNORECASE),
    re.compile(r"\bwait (?:till|until|til) I (?:see|get (?:hold of|my hands on))\b", re.IGNORECASE),
    re.compile(
        r"\b(?:you're|ur|you are|he's|she's) (?:dead|a dead (?:man|woman))\b", re.IGNORECASE
    ),
]


def find_threat(text: str) -> str | None:
    for pattern in _THREATS:
        match = pattern.search(text)
        if match:
            return match.group().strip()
    return None


# ---------------------------------------------------------------- harm to a child
# A parent reporting their own child hurt by others ("the boy hitting my son", "my DD has been
# pushed around for weeks") is a safeguarding concern (child-on-child abuse), whoever did it.
# The school-post training set has no such posts, so the model cannot learn it: a rule does.
_CHILD = (
    r"(?:my|our)\s+(?:(?:little|eldest|youngest|younger|older)\s+)?"
    r"(?:son|daughter|child|kid|boy|girl|lad|little one|ds\d?|dd\d?|dc\d?|dcs)\b(?:'s)?"
)
_HARMED = (
    r"(?:hit|hits|hitting|kick(?:ed|ing|s)?|punch(?:ed|ing|es)?|shov(?:ed|ing)|"
    r"push(?:ed|ing)? (?:around|over|down|into)|beat(?:en)? up|beating|strangl\w*|chok(?:ed|ing)|"
    r"assault\w*|attack(?:ed|ing)|bitten|bit|stabb\w*|bull(?:ied|ying)|"
    r"threaten(?:ed|ing)|groped|touched (?:inappropriately|up))"
)
_CHILD_HARM = [
    re.compile(rf"\b{_CHILD}[^.!?\n]{{0,80}}?\b(?:been|being|was|were|is|gets?|got|keeps? getting)"
               rf"\s+(?:\w+\s+){{0,2}}?{_HARMED}\b", re.IGNORECASE),
    re.compile(rf"\b{_HARMED}\s+{_CHILD}", re.IGNORECASE),
    re.compile(rf"\b(?:who|that|which|kids?|boys?|girls?|children)\s+(?:keeps?\s+|has been\s+|"
               rf"have been\s+)?{_HARMED}\s+{_CHILD}", re.IGNORECASE),
]


def find_child_harm(text: str) -> str | None:
    """The sentence in which the poster's own child is reported hurt by others."""
    for clause in _CLAUSE.finditer(text):
        sentence = clause.group()
        if any(pattern.search(sentence) for pattern in _CHILD_HARM):
            return sentence.strip()
    return None
