"""Property-based tests (hypothesis) for the matcher, the date resolver, URL canonicalisation
and config loading: what must hold for every input, not only the examples we thought of."""

from __future__ import annotations

import contextlib
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.ground.config import config_from_dict, load_config, parse_duration
from crawler.ground.dates import parse_date
from crawler.ground.errors import ConfigError
from crawler.ground.matching import Matcher, SchoolTerms
from crawler.ground.urls import canonical_url

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# ---- the matcher -----------------------------------------------------------------------------

SCHOOL = SchoolTerms("hg", "Hollins Green Primary School", aliases=("HGPS",))
MATCHER = Matcher([SCHOOL])
# Filler words that can never spell the school's names, whatever their case or punctuation.
# (No street words: "Hollins Green Primary School Lane" is a road, rightly not the school.)
FILLER = st.lists(st.sampled_from(["the", "gate", "queue", "was", "long", "today", "kids",
                                   "parents", "on", "again", "!", ",", "..."]),
                  max_size=30).map(" ".join)
SEPARATORS = st.sampled_from([" ", "  ", "\n", " - ", ", ", " (", ") ", "\t"])


@FAST
@given(before=FILLER, after=FILLER, sep1=SEPARATORS, sep2=SEPARATORS,
       upper=st.booleans())
def test_the_full_name_is_found_anywhere_in_any_case(
    before: str, after: str, sep1: str, sep2: str, upper: bool
) -> None:
    name = SCHOOL.name.upper() if upper else SCHOOL.name
    text = f"{before}{sep1}{name}{sep2}{after}"
    (match,) = MATCHER.match("", text)
    assert match.school_id == "hg"
    assert text[match.offset:].casefold().startswith("hollins")


@FAST
@given(text=FILLER)
def test_text_without_the_names_never_matches(text: str) -> None:
    assert MATCHER.match(text, text) == []


@FAST
@given(title=FILLER, text=FILLER)
def test_matching_does_not_depend_on_case(title: str, text: str) -> None:
    text = f"{text} hgps {title}"
    assert [m.school_id for m in MATCHER.match(title, text)] == \
        [m.school_id for m in MATCHER.match(title.upper(), text.swapcase())]


# ---- the date resolver -----------------------------------------------------------------------

FETCHED = st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2035, 12, 31),
                       timezones=st.just(UTC))


@FAST
@given(moment=FETCHED)
def test_iso_stamps_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    assert parse_date(moment.isoformat(), moment) == moment
    assert parse_date(moment.strftime("%a, %d %b %Y %H:%M:%S +0000"), moment) == moment


@settings(max_examples=25, deadline=None)
@given(fetched=FETCHED, days=st.integers(min_value=1, max_value=300))
def test_a_date_without_a_year_is_never_after_the_fetch(fetched: datetime, days: int) -> None:
    written = fetched - timedelta(days=days)
    parsed = parse_date(written.strftime("%d %b"), fetched)
    assert parsed is not None and parsed <= fetched + timedelta(days=1)
    assert parsed >= fetched - timedelta(days=367)


@settings(max_examples=25, deadline=None)
@given(fetched=FETCHED, days=st.integers(min_value=2, max_value=25))
def test_relative_dates_count_back_from_the_fetch(fetched: datetime, days: int) -> None:
    parsed = parse_date(f"{days} days ago", fetched)
    assert parsed is not None
    assert abs((fetched - parsed) - timedelta(days=days)) <= timedelta(hours=2)


@FAST
@given(text=st.text(max_size=40), fetched=FETCHED)
def test_any_text_gives_a_date_or_none_never_an_error(text: str, fetched: datetime) -> None:
    result = parse_date(text, fetched)
    assert result is None or result.tzinfo is not None


# ---- URL canonicalisation --------------------------------------------------------------------

WORD = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
PARAMS = st.lists(st.tuples(WORD, WORD), max_size=5, unique_by=lambda pair: pair[0])


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = ".".join(draw(st.lists(WORD, min_size=2, max_size=3)))
    path = "/".join(draw(st.lists(WORD, max_size=3)))
    query = urlencode(draw(PARAMS))
    return f"{scheme}://{host}/{path}" + (f"?{query}" if query else "")


@FAST
@given(url=urls())
def test_canonical_urls_are_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@FAST
@given(url=urls(), tracking=st.lists(st.sampled_from(
    ["utm_source", "utm_medium", "fbclid", "gclid", "mc_cid"]), min_size=1, unique=True))
def test_tracking_parameters_never_change_the_canonical_url(url: str, tracking: list[str]) -> None:
    joiner = "&" if "?" in url else "?"
    tracked = url + joiner + urlencode([(name, "x1") for name in tracking])
    assert canonical_url(tracked) == canonical_url(url)


@FAST
@given(params=PARAMS, shuffle=st.randoms())
def test_query_order_does_not_matter(params: list[tuple[str, str]], shuffle: object) -> None:
    shuffled = list(params)
    shuffle.shuffle(shuffled)  # type: ignore[attr-defined]
    first = canonical_url("https://forum.example.org/t?" + urlencode(params))
    assert canonical_url("https://forum.example.org/t?" + urlencode(shuffled)) == first


# ---- config loading --------------------------------------------------------------------------

SCHOOLS = [{"id": "hg", "name": "Hollins Green Primary School"}]


@FAST
@given(amount=st.integers(min_value=1, max_value=10_000),
       unit=st.sampled_from(["s", "m", "h", "d", "w"]))
def test_durations_with_a_unit_read_exactly(amount: int, unit: str) -> None:
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    assert parse_duration(f"{amount}{unit}").total_seconds() == amount * seconds


@FAST
@given(number=st.one_of(st.integers(min_value=1, max_value=10**6),
                        st.floats(min_value=0.1, max_value=1e6)))
def test_a_bare_number_is_never_a_duration(number: float) -> None:
    with pytest.raises(ValueError, match="no unit"):
        parse_duration(number)


@FAST
@given(sources=st.lists(st.fixed_dictionaries({
    "name": st.text(min_size=0, max_size=12),
    "kind": st.sampled_from(["feed", "forum", "telepathy"]),
    "url": st.one_of(urls(), st.text(max_size=20),
                     st.sampled_from(["http://127.0.0.1/", "http://169.254.169.254/",
                                      "file:///etc/passwd"])),
    "every": st.one_of(st.sampled_from(["1h", "30m", "soon"]), st.integers(0, 100)),
}), max_size=4))
def test_any_config_loads_or_fails_with_a_config_error(sources: list[dict[str, object]]) -> None:
    raw = {"school": SCHOOLS, "source": sources}
    try:
        config = config_from_dict(raw, "prop.toml", Path("."))
    except ConfigError as error:
        assert str(error).startswith("prop.toml: ")
        assert "more problem" not in str(error)
        return
    for source in config.source:
        assert source.url.startswith(("http://", "https://"))
        assert source.every.total_seconds() > 0


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_file_contents_load_or_fail_with_a_config_error(
    tmp_path: Path, data: bytes
) -> None:
    path = tmp_path / "any.toml"
    path.write_bytes(data)
    with contextlib.suppress(ConfigError):  # any other exception fails the test
        load_config(path)


@FAST
@given(count=st.integers(min_value=2, max_value=6))
def test_every_problem_is_listed_and_counted_from_one(count: int) -> None:
    sources = [{"name": f"s{n}", "kind": "feed", "url": "https://x.example.org/",
                "every": 6} for n in range(count)]
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"school": SCHOOLS, "source": sources}, "c.toml", Path("."))
    message = str(caught.value)
    assert f"{count} problems" in message
    for n in range(count):
        assert f"source 's{n}' (#{n + 1}).every" in message
