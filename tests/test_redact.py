"""Personal data is removed from what we email: phones, emails, postcodes, addresses, names."""

from __future__ import annotations

import pytest

from digest.redact import redact


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Ring 07700 900123 after six", "07700 900123"),
        ("Ring 07700900123 after six", "07700900123"),
        ("call +44 7700 900 123 now", "+44 7700 900 123"),
        ("office on (0161) 496 0000.", "(0161) 496 0000"),
        ("landline 020 7946 0958", "020 7946 0958"),
        ("or +44 (0)161 496 0000", "+44 (0)161 496 0000"),
        ("dial 0161-496-0000", "0161-496-0000"),
        ("email jo.bloggs+school@example.co.uk please", "jo.bloggs+school@example.co.uk"),
        ("near OL16 1AB by the", "OL16 1AB"),
        ("post to sw1a1aa today", "sw1a1aa"),
        ("she lives at 12 Mill Lane, Ashcombe", "12 Mill Lane"),
        ("Flat 3, 12a St John's Road is theirs", "12a St John's Road"),
    ],
)
def test_contact_details_and_addresses_are_removed(text: str, gone: str) -> None:
    redacted = redact(text)
    assert gone not in redacted
    assert "removed]" in redacted


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tom in Year 4 was pushed over", "Tom"),
        ("Tom (Year 4) came home crying", "Tom"),
        ("Aisha from reception is scared", "Aisha"),
        ("my DD's friend Aisha (7) was left outside", "Aisha"),
        ("Aisha, 7, was left outside", "Aisha"),
        ("Jack aged 9 was excluded", "Jack"),
        ("my son Oliver Smith says the teacher shouted", "Oliver Smith"),
        ("a boy called Tom keeps hitting her", "Tom"),
        ("our daughter Mia-Rose hates lunch", "Mia-Rose"),
    ],
)
def test_pupils_named_in_context_are_removed(text: str, name: str) -> None:
    redacted = redact(text)
    assert name not in redacted
    assert "[name removed]" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "Hollins Green Primary pupils raise £2,000 for the Vale hospice in 2026",
        "Parents angry over the one-way system on Mill Lane at 8.45",
        "Head teacher Jane Alder said she was proud of every class",
        "Ofsted visited in Year 2025 and 1200 pupils sat SATs at 9am",
        "The school said it would review the arrangements after half term.",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redacts_several_kinds_in_one_text() -> None:
    text = "Tom in Year 4 lives at 4 Oak Avenue M1 1AE, mum on 07700 900123 or mum@example.org"
    assert redact(text) == (
        "[name removed] in Year 4 lives at [address removed] [postcode removed], mum on "
        "[phone removed] or [email removed]"
    )


def test_empty_text() -> None:
    assert redact(None) == ""
    assert redact("") == ""
