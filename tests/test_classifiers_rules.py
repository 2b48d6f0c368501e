"""The rule detectors on their own (no model): cheap, exhaustive-ish cases."""

from __future__ import annotations

import pytest

from classifiers.rules import (
    find_child_harm,
    find_named_pupil,
    find_personal_data,
    find_staff_allegation,
    find_threat,
)


@pytest.mark.parametrize(
    "text",
    [
        "call 07700 900123",
        "ring +447700900321 now",
        "text 07700-900-654",
        "on 0161 496 0732",
        "0044 7700 900123 any time",
        "my email is lisa.t@example.net",
        "we're at 7 Orchard Way",
        "postcode HV12 3LP",
    ],
)
def test_personal_data_found(text: str) -> None:
    assert find_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "raised £2,000 for the hospice",
        "the 2023-2024 school year",
        "Year 6 y6 3rd place",
        "scores 12 14 15 18 19 20",
        "from 9 to 3.15 daily",
    ],
)
def test_everyday_numbers_are_not_personal_data(text: str) -> None:
    assert find_personal_data(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Tom in Year 4 hit him",
        "my DD's friend Aisha (7) is missing",
        "Leo, 9, walks home alone",
        "Poppy aged 6 was left outside",
        "the Year 5 girl called Ruby",
        "Noah in 4B cries daily",
    ],
)
def test_named_pupil_found(text: str) -> None:
    assert find_named_pupil(text)


@pytest.mark.parametrize(
    "text",
    [
        "Will Year 6 get reports?",
        "Grace before meals is new",
        "We hope Year 6 enjoy it",
        "Mr Tom in Year 4 is lovely",
        "Reading in Year 3 has improved",
    ],
)
def test_named_pupil_lookalikes_are_ignored(text: str) -> None:
    assert find_named_pupil(text) is None


def test_allegation_only_for_configured_staff_in_title_or_full_form() -> None:
    text = "Mrs Jane Okafor shoved my son into a wall."
    assert find_staff_allegation(text, ["Jane Okafor"])
    assert find_staff_allegation("Mrs Okafor shoved my son.", ["Jane Okafor"])
    assert find_staff_allegation(text, []) is None
    assert find_staff_allegation("Mrs Okafor is retiring, what a career.", ["Mrs Okafor"]) is None
    # A surname that is an ordinary word is not matched on its own.
    assert find_staff_allegation("He pushed the pram up the hill.", ["Mr Hill"]) is None


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to smash his car up tonight",
        "Watch your back",
        "We know where she lives",
        "Somebody should burn the school to the ground",
        "he's getting battered at 3:15",
    ],
)
def test_threats_found(text: str) -> None:
    assert find_threat(text)


@pytest.mark.parametrize(
    "text",
    [
        "Year 6 absolutely killed it in their SATs",
        "I could murder a coffee",
        "Don't shoot me but I like the homework policy",
        "Someone is going to get hurt crossing",
    ],
)
def test_figures_of_speech_are_not_threats(text: str) -> None:
    assert find_threat(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "My son (year 4) has been pushed around in the playground for weeks.",
        "The kid who keeps hitting my son is in Year 5.",
        "My DD is being bullied every single day and nobody at the school cares.",
        "A group of Year 6 boys punched my son on the way home.",
        "our little one got kicked in the stomach at lunch",
        "My daughter was attacked in the toilets.",
    ],
)
def test_a_parent_reporting_their_child_hurt_is_found(text: str) -> None:
    assert find_child_harm(text)


@pytest.mark.parametrize(
    "text",
    [
        "Anti-bullying week was brilliant, well done everyone!",
        "A boy said something nasty to my son and it was dealt with same day.",
        "My son loves football club on Tuesdays.",
        "Mr Baptiste hit the roof when he saw the mess.",
        "My daughter's teacher is brilliant at tackling bullying.",
        "The school hit its targets this year, my son says.",
    ],
)
def test_bullying_words_without_a_hurt_child_are_not(text: str) -> None:
    assert find_child_harm(text) is None
