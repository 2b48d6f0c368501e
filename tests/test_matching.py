"""School matching: spelling variants, lookalikes, ambiguous names, exclusions, many schools."""

from __future__ import annotations

import pytest

from crawler.ground.matching import Matcher, SchoolTerms, normalise

HOLLINS = SchoolTerms(
    "hollins-green",
    "Hollins Green Primary School",
    aliases=("Hollins Green Primary", "HGPS"),
    ambiguous=("Hollins Green",),
    exclude=("Hollins Green Park", "Hollins Green Primary Care Centre"),
)
ST_MARYS = SchoolTerms("st-marys", "St Mary's C of E Primary School", aliases=("St Mary's CE",))
SMITH = SchoolTerms("smith-jones", "Smith & Jones Academy")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher([HOLLINS, ST_MARYS, SMITH])


def ids(matcher: Matcher, text: str, title: str = "") -> list[str]:
    return [match.school_id for match in matcher.match(title, text)]


@pytest.mark.parametrize(
    "text",
    [
        "We love HOLLINS GREEN PRIMARY SCHOOL!",
        "hollins-green primary's new head",
        "Anyone at Hollins Green Primary?",
        "Saint Mary's C of E Primary School nativity",
        "St. Marys CofE Primary School nativity",
        "St Mary’s Church of England Primary School",
        "results at smith and jones academy",
        "results at Smith & Jones Academy",
        "Café at HGPS, lovely",
    ],
)
def test_names_match_across_spellings(matcher: Matcher, text: str) -> None:
    assert ids(matcher, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Parkrun at Hollins Green Park on Saturday",  # excluded phrase
        "Hollins Green Primary Care Centre opens late on Thursdays",  # excluded phrase
        "Lost dog near Hollins Green bus stop",  # ambiguous, no school context
        "The Hollins Greenway cycle path is open",  # not a whole phrase
        "HGPSX is a GPS brand",
        "St Mary's church fete is on Sunday",  # a different St Mary's
    ],
)
def test_lookalikes_do_not_match(matcher: Matcher, text: str) -> None:
    assert ids(matcher, text) == [], text


def test_ambiguous_name_counts_only_with_school_context(matcher: Matcher) -> None:
    assert ids(matcher, "My DD is in year 3 at Hollins Green and loves her teacher") == [
        "hollins-green"
    ]
    assert ids(matcher, "Traffic in Hollins Green is terrible at rush hour") == []


def test_a_real_mention_beside_an_excluded_phrase_still_counts(matcher: Matcher) -> None:
    text = "After Hollins Green Park we walked to Hollins Green Primary for the fair"
    (match,) = matcher.match("", text)
    assert match.alias == "Hollins Green Primary"
    assert text[match.offset:].startswith("Hollins Green Primary")


def test_match_records_alias_field_offset_and_context(matcher: Matcher) -> None:
    text = "Long post. " * 20 + "Honestly St. Mary's CE is the best school around. " + "More. " * 20
    (match,) = matcher.match("Which school?", text)
    assert match.school_id == "st-marys"
    assert match.alias == "St Mary's CE"
    assert match.field == "text"
    assert text[match.offset:match.offset + 12] == "St. Mary's C"
    assert "St. Mary's CE is the best school" in match.context
    assert len(match.context) < 200


def test_title_match_is_preferred_and_each_school_reported_once(matcher: Matcher) -> None:
    matches = matcher.match("HGPS or St Mary's CE?", "HGPS, HGPS and Hollins Green Primary School")
    assert [(m.school_id, m.field) for m in matches] == [
        ("hollins-green", "text"),  # the full name in the text beats an alias in the title
        ("st-marys", "title"),
    ]


def test_one_pass_serves_a_thousand_schools() -> None:
    schools = [
        SchoolTerms(f"school-{n}", f"Oakfield {n} Primary School", aliases=(f"Oakfield {n}",))
        for n in range(1000)
    ]
    matcher = Matcher([*schools, HOLLINS])
    text = ("The governors of Oakfield 734 Primary School met on Tuesday. Hollins Green Primary "
            "sent a team. Oakfield 7340 does not exist. ") * 5
    assert ids(matcher, text) == ["hollins-green", "school-734"]
    assert ids(matcher, "Nothing about any school here.") == []


def test_only_restricts_to_the_sources_schools(matcher: Matcher) -> None:
    text = "HGPS and Smith & Jones Academy"
    assert [m.school_id for m in matcher.match("", text, only={"smith-jones"})] == ["smith-jones"]


def test_normalise() -> None:
    assert normalise("St. Mary’s C.E. & Café—Year 6!") == "st marys c e and cafe year 6"


NO_EXCLUDES = SchoolTerms(
    "hollins-green", "Hollins Green Primary School", aliases=("Hollins Green Primary",),
    ambiguous=("Hollins Green",),
)


@pytest.mark.parametrize(
    "text",
    [
        "Hollins Green Primary Care Centre has a flu clinic on Saturday",
        "Hollins Green Cricket Club won on Saturday, great for the kids",
        "Hollins Green Academy of Dance show had the children in tears",
        "Roadworks on Hollins Green Road outside the primary",
        "Hollins Green Retail Park is busy at school pick up time",
        "Hollins Green Methodist Church runs a parents and toddlers group",
        "Hollins Green FC under 9s need a coach, parents welcome",
    ],
)
def test_namesake_organisations_are_recognised_without_an_exclude_list(text: str) -> None:
    assert ids(Matcher([NO_EXCLUDES]), text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "Hollins Green is RI now and the head is leaving",
        "Queue at the Hollins Green gate was ridiculous this morning",
        "Has anyone done work experience through Hollins Green?",
        "Looking at secondaries: Hollins Green or Kingsway?",
        "Hollins Green's nativity is on the 14th",  # the possessive is the name too
    ],
)
def test_short_name_cues_of_real_posts_count(text: str) -> None:
    assert ids(Matcher([NO_EXCLUDES]), text) == ["hollins-green"], text


def test_the_disambiguation_hook_runs_only_on_ambiguous_hits_the_words_leave_open() -> None:
    calls: list[tuple[str, str, str]] = []

    def sure(before: str, hit: str, after: str) -> float:
        calls.append((before, hit, after))
        return 0.95

    matcher = Matcher([NO_EXCLUDES], disambiguate=sure)
    assert ids(matcher, "Our DD's first week at Hollins Green went really well") == [
        "hollins-green"
    ]
    assert calls == [("our dds first week at", "hollins green", "went really well")]
    calls.clear()
    assert ids(matcher, "Hollins Green Primary nativity, lovely") == ["hollins-green"]
    assert ids(matcher, "My DD in year 3 at Hollins Green loves it") == ["hollins-green"]
    assert ids(matcher, "Hollins Green Cricket Club open day") == []
    assert calls == []  # names, context words and namesakes decide without the hook

    unsure = Matcher([NO_EXCLUDES], disambiguate=lambda before, hit, after: 0.5)
    assert ids(unsure, "Our DD's first week at Hollins Green went really well") == []
