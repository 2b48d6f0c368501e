from datetime import UTC, datetime

import pytest

from crawler.ground.dates import clean_date_text, parse_date

# A Friday, noon in London (GMT); one summer moment checks the BST offset.
FETCHED = datetime(2025, 11, 21, 12, 0, tzinfo=UTC)
SUMMER = datetime(2025, 7, 10, 11, 0, tzinfo=UTC)  # 12:00 BST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yesterday at 14:32", datetime(2025, 11, 20, 14, 32, tzinfo=UTC)),
        ("Today 08:05", datetime(2025, 11, 21, 8, 5, tzinfo=UTC)),
        ("3 days ago", datetime(2025, 11, 18, 12, 0, tzinfo=UTC)),
        ("3 yr. ago", datetime(2022, 11, 21, 12, 0, tzinfo=UTC)),
        ("12 Mar", datetime(2025, 3, 12, 0, 0, tzinfo=UTC)),
        ("Tue 17-Nov-20 09:12:45", datetime(2020, 11, 17, 9, 12, 45, tzinfo=UTC)),
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("12th Jun 2025, 08:57", datetime(2025, 6, 12, 7, 57, tzinfo=UTC)),  # BST
        ("Posted: Wed Jun 02, 2010 11:01 pm", datetime(2010, 6, 2, 22, 1, tzinfo=UTC)),
        ("« on: September 19, 2007, 01:08:14 PM »", datetime(2007, 9, 19, 12, 8, 14, tzinfo=UTC)),
        (" » Wed Jan 02, 2013 7:14 pm ", datetime(2013, 1, 2, 19, 14, tzinfo=UTC)),
        ("21.01.2009, 05:42", datetime(2009, 1, 21, 5, 42, tzinfo=UTC)),
        ("am 26/10/13, 03:48 pm", datetime(2013, 10, 26, 14, 48, tzinfo=UTC)),
    ],
)
def test_board_dates_resolve_against_the_fetch_time_in_london(text, expected):
    assert parse_date(text, FETCHED) == expected


def test_relative_dates_in_summer_are_british_summer_time():
    assert parse_date("Yesterday at 14:32", SUMMER) == datetime(2025, 7, 9, 13, 32, tzinfo=UTC)


def test_a_date_without_a_year_is_never_in_the_future():
    assert parse_date("24 Dec", FETCHED) == datetime(2024, 12, 24, 0, 0, tzinfo=UTC)


def test_labels_and_ordinals_are_cleaned_but_words_are_kept():
    assert clean_date_text("Posted on: 3rd March 2021") == "3 March 2021"
    assert parse_date("not a date at all", FETCHED) is None
