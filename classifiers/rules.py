"""Detectors where a rule beats a model: personal data, named pupils, staff allegations, threats.

Each detector returns the matched phrase (what a person checks) or None. Bump RULES_VERSION
whenever a pattern or a decision rule (decide.py) changes: it is part of every Classification's
model_version, so `classify --pending` re-tags what older rules decided.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from crawler.ground import personal_data

RULES_VERSION = "5"  # 5: crossing risk heads reordered; Wikipedia edits adding criticism

# ---------------------------------------------------------------- personal data
# The patterns live in crawler.ground.personal_data, shared with the email redaction.
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


# ---------------------------------------------------------------- evidence cues
# Words that carry each category, used to pick the sentence a reason quotes: among the post's
# sentences the model scores for a category, one that holds a cue wins over one that does not,
# so "Has anyone appealed before?" is never quoted as the safeguarding evidence of a post that
# says the child was hit. Cues never decide a category on their own.
_CUE_WORDS = {
    "safeguarding": (
        r"abus\w*|assault\w*|attack\w*|hit|hits|hitting|slapp?\w*|punch\w*|kick\w*|beat(?:en)?|"
        r"hurt|harm\w*|injur\w*|bruis\w*|bleed\w*|hospital|self[- ]harm\w*|suicid\w*|neglect\w*|"
        r"rap(?:e|ed|ist)|sexual\w*|groom\w*|touch\w*|safeguard\w*|unsafe|danger\w*|bull(?:y|ied|"
        r"ying|ies)|police|social services|missing|restrain\w*|lock(?:ed)? in|scared|frightened|"
        r"crying|cries|knife|weapon|violen\w*|strangl\w*|chok\w*|pushed|shoved|grabb?ed"
    ),
    "threat": (
        r"kill\w*|stab\w*|shoot\w*|shot|bomb\w*|murder\w*|batter\w*|smash\w*|burn\w*|knife|"
        r"gun|weapon|threat\w*|watch (?:your|ur) back|dead|hurt|beat\w*|punch\w*|regret|"
        r"get you|deserves?|lesson|violen\w*|attack\w*"
    ),
    "harassment": (
        r"harass\w*|abus\w*|troll\w*|insult\w*|vile|disgusting|pathetic|idiot\w*|stupid|useless|"
        r"liar|lying|scum|bitch\w*|cow|witch|incompetent|shame\w*|name and shame|hate|"
        r"sack\w*|fired?|disgrace\w*|clown\w*|joke|horrible|nasty|rude|attack\w*|campaign"
    ),
    "allegation": (
        r"allegation\w*|alleg\w*|accus\w*|hit|slapp?\w*|grabb?\w*|push\w*|shout\w*|scream\w*|"
        r"abus\w*|assault\w*|touch\w*|inappropriat\w*|racis\w*|bull(?:y|ied|ying|ies)|lie[sd]?|"
        r"lying|dishonest|cover\w*[- ]up|suspend\w*|sack\w*|dismiss\w*|arrest\w*|police|"
        r"charged|convicted|misconduct|investigat\w*|humiliat\w*|favourit\w*|drunk|steal\w*|"
        r"stole|fraud|restrain\w*|hurt\w*|rough\w*|sexual\w*|affair|relationship"
    ),
    "extremism_hate": (
        r"racis\w*|racial\w*|race|n[- ]word|slur\w*|homophob\w*|transphob\w*|islamophob\w*|"
        r"antisemit\w*|nazi\w*|far[- ]right|extrem\w*|radical\w*|prevent|hate\w*|bigot\w*|"
        r"muslim\w*|jew\w*|black|white|asian|gay|lesbian|trans|immigra\w*|monkey|terror\w*|"
        r"sexis\w*|misogyn\w*|discriminat\w*|prejudice|lgbt\w*|pride|religio\w*|colour"
    ),
    "complaint": (
        r"complain\w*|disappoint\w*|terrible|awful|poor\w*|appall\w*|shocking|unacceptable|"
        r"ridiculous|useless|rubbish|worst|bad|fail\w*|not happy|unhappy|fed up|frustrat\w*|"
        r"angry|annoy\w*|upset|concern\w*|problem\w*|issue\w*|no one|nobody|never|ignor\w*|"
        r"didn't|don't|won't|can't|doesn't|isn't|wasn't|haven't|hasn't|not|no|lack\w*|"
        r"excuse\w*|waste|mess|chaos|unfair|wrong|struggl\w*|refus\w*|shame|sadly"
    ),
    "media_enquiry": (
        r"journalist\w*|reporter\w*|newspaper|press|media|bbc|itv|channel|news|story|"
        r"writing (?:a|an) (?:piece|article|story)|article|feature|documentary|programme|"
        r"get in touch|contact me|speak to|hear from|interview\w*|producer|researcher"
    ),
    "inspection": (
        r"ofsted|inspect\w*|inspector\w*|outstanding|requires improvement|\bRI\b|inadequate|"
        r"special measures|good rating|graded|grade|judg\w*|report|estyn|isi|framework|"
        r"deep dive|single[- ]word"
    ),
}
CUES = {
    name: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for name, words in _CUE_WORDS.items()
}


def has_cue(category: str, text: str) -> bool:
    pattern = CUES.get(category)
    return bool(pattern and pattern.search(text))
