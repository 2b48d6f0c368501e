"""Shared personal-data patterns: whatever the risk rules detect, the email redaction removes."""

from __future__ import annotations

import pytest

from classifiers.rules import find_named_pupil
from crawler.ground.personal_data import find_personal_data, is_uk_phone
from digest.redact import redact

PERSONAL = [
    "ring me on 07700 900123 tonight",
    "mobile 07700-900-123",
    "call (0113) 496 0011 after six",
    "text +44 7700 900123",
    "or +44 (0)7700 900123",
    "0044 7700 900123 from abroad",
    "his number is 07700  900  461",
    "email jo.bloggs+school@example.co.uk",
    "they live at 12 Mill Lane near the school",
    "Flat 3, 12a Church Road",
    "postcode LS1 4AP",
    "postcode SW1A1AA",
]


@pytest.mark.parametrize("text", PERSONAL)
def test_what_detection_finds_redaction_removes(text: str) -> None:
    found = find_personal_data(text)
    assert found, text
    assert found not in redact(text)
    assert "removed]" in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "Year 6 SATs results were 82% this year",
        "the y6 3rd place trophy",
        "school opens at 08:45 and closes 15:15",
        "Ofsted URN 123456",
        "We hope Year 3 Hollins Green pupils enjoy it",
    ],
)
def test_everyday_school_talk_is_not_personal_data(text: str) -> None:
    assert find_personal_data(text) is None


@pytest.mark.parametrize(
    ("number", "valid"),
    [("07700 900123", True), ("+44 161 496 0000", True), ("0800 123 4567", True),
     ("0123 45", False), ("09876 543210", False), ("+44 (0)7700 900 12", False)],
)
def test_uk_phone_validation(number: str, valid: bool) -> None:
    assert is_uk_phone(number) is valid


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tom in Year 4 hit him", "Tom"),
        ("my DD's friend Aisha (7) is missing", "Aisha"),
        ("Noah in 4B cries daily", "Noah"),
        ("Ruby from Oak class was left outside", "Ruby"),
        ("Leo in form 7C was sent home", "Leo"),
        ("the Year 5 girl called Ruby", "Ruby"),
    ],
)
def test_a_pupil_the_rules_find_is_removed_from_emails(text: str, name: str) -> None:
    assert find_named_pupil(text), text
    assert name not in redact(text)
