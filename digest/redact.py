"""Personal data out of what we email: phone numbers, emails, postcodes, addresses, pupils' names.

Only excerpts and titles in messages are redacted; the full text stays in the store behind the
link, as evidence. The detectors lean towards redacting too much: a lost word in an excerpt costs
little, a child's name in an inbox costs a lot.
"""

from __future__ import annotations

import re

from crawler.ground import personal_data

PHONE = "[phone removed]"
EMAIL = "[email removed]"
POSTCODE = "[postcode removed]"
ADDRESS = "[address removed]"
NAME = "[name removed]"

# Broad forms of the shared patterns: a miss here would leak personal data into an email.
_PHONE = personal_data.PHONE
_EMAIL = personal_data.EMAIL
_POSTCODE = personal_data.POSTCODE_BROAD
_ADDRESS = personal_data.STREET_BROAD

# A capitalised given name, optionally with a surname; not a sentence word like "The".
_NAME = r"(?!(?:The|This|That|They|She|He|His|Her|Our|My|We|It|In|At|On|A|An|And|But)\b)" \
        r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?:\s[A-Z][a-z]+(?:-[A-Z][a-z]+)?)?"
_YEAR_GROUP = personal_data.YEAR_GROUP_BROAD
_RELATION = (
    r"(?i:(?:my|our|her|his|their|a|the)\s+)?"
    r"(?i:son|daughter|child|kid|boy|girl|lad|pupil|student|nephew|niece|grandson|granddaughter|"
    r"stepson|stepdaughter|DS|DD|DC|DS\d|DD\d)"
    r"(?i:'s|’s)?(?:\s+(?i:friend|mate|classmate|best\sfriend))?"
)
_PUPIL_PATTERNS = [
    # "Tom in Year 4", "Aisha from reception", "Tom (Year 4)", "Tom, Y6,"
    re.compile(rf"\b(?P<name>{_NAME})(?=\s*(?:,\s*|\(\s*|\s(?i:in|from|of)\s){_YEAR_GROUP})"),
    # "Aisha (7)", "Aisha, 7,", "Tom aged 9"
    re.compile(
        rf"\b(?P<name>{_NAME})(?=\s*(?:\(\s*\d{{1,2}}\s*\)|,\s*\d{{1,2}}\b(?!\s*(?:%|am|pm))"
        rf"|\s(?i:aged|age)\s\d{{1,2}}\b))"
    ),
    # "my son Tom", "my DD's friend Aisha", "pupil Jack Smith", "a boy called Tom"
    re.compile(rf"\b{_RELATION}\s+(?:(?i:called|named)\s+)?(?P<name>{_NAME})"),
]


def redact(text: str | None) -> str:
    """The text with personal data replaced by a bracketed note of what was removed."""
    if not text:
        return ""
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _ADDRESS.sub(ADDRESS, text)
    text = _POSTCODE.sub(POSTCODE, text)
    for pattern in _PUPIL_PATTERNS:
        text = pattern.sub(_replace_name, text)
    return text


def _replace_name(match: re.Match[str]) -> str:
    start, end = match.span("name")
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + NAME + whole[end - offset :]
