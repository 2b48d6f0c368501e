"""Personal data in UK posts: one set of patterns for the risk rules and the email redaction.

Detection (classifiers.rules) wants precision, since a hit makes a post high risk; redaction
(digest.redact) wants recall, since a miss leaks a phone number into an email. So each pattern
has a strict form for detection and a broad form for redaction, and every broad form matches
at least what its strict form does (tests/test_personal_data.py holds them to that).
"""

from __future__ import annotations

import re

# A UK number in any spacing: 07700 900123, 07700-900-123, (0113) 496 0011, +44 7700 900123,
# +44 (0)7700 900123, 0044 7700 900123. Detection also checks the digits (is_uk_phone).
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?44[\s\-.]*(?:\(0\)[\s\-.]*)?|\(?0)\d[\d\s\-().]{7,16}\d"
)
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")

# Upper-case only and the letters Royal Mail uses: lower-case look-alikes ("y6 3rd") are everyday
# school talk. The broad form takes any case and spacing.
POSTCODE_STRICT = re.compile(r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2})\b")
POSTCODE_BROAD = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b", re.IGNORECASE)

# A house number makes a street a home address: "12 Mill Lane", "Flat 3, 12a St John's Road".
_STREET_TYPES = (
    "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Way|Drive|Dr|Gardens|Gdns|Terrace|Crescent|"
    "Court|Ct|Place|Pl|Grove|Row|Mews|Walk|Square|Sq|Parade|Rise|View|Hill"
)
# Words that also end place and school names ("3 Hollins Green"): removed from emails, but not
# enough to call a post high risk.
_MORE_STREET_TYPES = "Cl|Cres|Gr|Terr|Green|Fold|Brow|Croft|Meadow|Meadows|Park|Vale|Wharf|Yard"
STREET_STRICT = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"
)
STREET_BROAD = re.compile(
    rf"\b\d{{1,4}}[a-zA-Z]?,?\s+(?:[A-Z][\w'’-]*\.?\s+){{1,3}}"
    rf"(?:{_STREET_TYPES}|{_MORE_STREET_TYPES})\b\.?"
)


# A pupil is named with their year or class: "Tom in Year 4", "Noah in 4B", "Ruby from Oak class".
YEAR_GROUP_STRICT = (
    r"(?:(?:[Yy]ear|[Yy]r|Y)\s?\d{1,2}|[Rr]eception|[Nn]ursery|[Cc]lass\s+\w+|\d[A-Z]\b"
    r"|[A-Z][a-z]+\s+class|[Ff]orm\s+\w+)"
)
YEAR_GROUP_BROAD = (
    r"(?:(?i:(?:year|yr|y)\s?\d{1,2}\b|reception|nursery|class\s+\w+|form\s+\w+)"
    r"|\d[A-Za-z]\b|[A-Z][a-z]+\s+class)"
)


def is_uk_phone(candidate: str) -> bool:
    """A UK number's digits (01, 02, 03, 07 or 08), once +44 / 0044 is read as 0."""
    digits = re.sub(r"\D", "", candidate)
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        digits = digits[2:]
        digits = digits if digits.startswith("0") else "0" + digits
    if not digits.startswith("0") or len(digits) < 2:
        return False
    # 02, 03 and 07 numbers have 11 digits; some 01 and 08 numbers have 10.
    lengths = {"1": (10, 11), "2": (11,), "3": (11,), "7": (11,), "8": (10, 11)}
    return len(digits) in lengths.get(digits[1], ())


def find_personal_data(text: str) -> str | None:
    """The first phone number, email address, home address or postcode in the text."""
    for match in PHONE.finditer(text):
        if is_uk_phone(match.group()):
            return match.group().strip()
    for pattern in (EMAIL, STREET_STRICT, POSTCODE_STRICT):
        found = pattern.search(text)
        if found:
            return found.group().strip()
    return None
