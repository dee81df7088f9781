"""Reading dates: date strings, a dateline's year, assumed years and the fallback (dates.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from digest_converter.dates import (
    CHINA_TZ,
    ReadDate,
    assume_year,
    fallback_date,
    find_month_day,
    infer_year,
    parse_date_string,
)

TODAY = date(2025, 6, 1)
CST = timedelta(hours=8)


def ts(year: int, month: int, day: int, hour: int = 12) -> float:
    return datetime(year, month, day, hour, tzinfo=UTC).timestamp()


# ---------------------------------------------------------------------- parse_date_string


def test_iso_date_and_time_without_offset_is_china_time() -> None:
    value, precision = parse_date_string("2024-08-30 10:15", TODAY)
    assert precision == "day"
    assert value == datetime(2024, 8, 30, 10, 15, tzinfo=CHINA_TZ)
    assert value.utcoffset() == CST
    assert value.isoformat() == "2024-08-30T10:15:00+08:00"


def test_iso_offset_is_kept() -> None:
    value, precision = parse_date_string("2023-05-18T09:30:00+08:00", TODAY)
    assert precision == "day"
    assert value.isoformat() == "2023-05-18T09:30:00+08:00"


@pytest.mark.parametrize(("text", "iso"), [
    ("2023-05-18T09:30:00-05:00", "2023-05-18T09:30:00-05:00"),
    ("2023-05-18T09:30:00-0500", "2023-05-18T09:30:00-05:00"),
    ("2023-05-18T09:30:00Z", "2023-05-18T09:30:00+00:00"),
    ("Updated: 2023/05/18 09:30", "2023-05-18T09:30:00+08:00"),
])
def test_other_offsets_and_separators(text: str, iso: str) -> None:
    value, precision = parse_date_string(text, TODAY)
    assert (value.isoformat(), precision) == (iso, "day")


@pytest.mark.parametrize("text", [
    "Apr 19, 2023",
    "April 19th, 2023",
    "19 April 2023",
    "2023\u5e744\u670819\u65e5",
    "\u53d1\u5e03\u65f6\u95f4\uff1a2023\u5e744\u670819\u65e5",
])
def test_day_precision_formats(text: str) -> None:
    assert parse_date_string(text, TODAY) == (datetime(2023, 4, 19, tzinfo=CHINA_TZ), "day")


def test_year_and_month_only() -> None:
    assert parse_date_string("2023-04", TODAY) == (datetime(2023, 4, 1, tzinfo=CHINA_TZ), "month")


@pytest.mark.parametrize("text", [
    "1900-01-01",
    "2100-01-01 08:00",
    "Apr 19, 1900",
    "19 April 2100",
    "1900\u5e744\u670819\u65e5",
    "2100-04",
    "2027-01-01",  # more than a year after TODAY
])
def test_implausible_years_rejected(text: str) -> None:
    assert parse_date_string(text, TODAY) is None


def test_next_year_is_still_plausible() -> None:
    assert parse_date_string("2026-03-01", TODAY) == (datetime(2026, 3, 1, tzinfo=CHINA_TZ), "day")


@pytest.mark.parametrize("text", ["2023-02-30", "2023-13", "2023\u5e7413\u670840\u65e5", "", "no date"])
def test_impossible_or_missing_dates(text: str) -> None:
    assert parse_date_string(text, TODAY) is None


def test_find_month_day() -> None:
    assert find_month_day("March 3rd") == (3, 3)
    assert find_month_day("Dec. 1") == (12, 1)
    assert find_month_day("no date") is None


# ---------------------------------------------------------------------- infer_year


def test_infer_year_from_diplomatic_relations_anniversary() -> None:
    text = (
        "Officials from Lanzhou and Cuneo met online to mark the 51st anniversary of the "
        "establishment of diplomatic relations between China and Italy, the city said."
    )
    year, reason = infer_year(text, 11, 6, TODAY)
    assert year == 2021  # relations established in 1970
    assert "Italy" in reason


def test_diplomatic_relations_beats_other_years() -> None:
    text = (
        "The two cities became sister cities in 2015. The event marked the 51st anniversary of "
        "diplomatic relations between China and Italy."
    )
    assert infer_year(text, 11, 6, TODAY)[0] == 2021


def test_infer_year_from_anniversary_of_an_event_dated_in_the_text() -> None:
    text = (
        "Harbin and Yekaterinburg celebrated the 21st anniversary of the sister-city agreement "
        "the two cities signed in 2000."
    )
    assert infer_year(text, 3, 3, TODAY) == (2021, "anniversary of an event dated in the text")


def test_infer_year_when_the_event_year_comes_before_the_anniversary() -> None:
    text = (
        "Harbin and Yekaterinburg have worked together since the two cities signed their "
        "agreement in 2000. On Wednesday they celebrated the 21st anniversary of the partnership."
    )
    assert infer_year(text, 3, 3, TODAY)[0] == 2021


def test_infer_year_this_year() -> None:
    text = "This year, 2023, marks a new start for trade between Harbin and Yekaterinburg."
    assert infer_year(text, 3, 3, TODAY) == (2023, "the year the text calls this year")


def test_infer_year_latest_named_year_not_in_the_future() -> None:
    text = "Trade grew in 2019 and again in 2022; a plan runs to 2030."
    assert infer_year(text, 3, 3, TODAY) == (2022, "the latest year the text names")


def test_infer_year_without_any_year() -> None:
    assert infer_year("Harbin welcomed guests from Yekaterinburg.", 3, 3, TODAY) is None


def test_infer_year_reason_uses_the_right_ordinal() -> None:
    text = "It marked the 51st anniversary of diplomatic relations between China and Italy."
    assert "51st anniversary" in infer_year(text, 11, 6, TODAY)[1]


# ---------------------------------------------------------------------- assume_year


def test_assume_year_december_dateline_in_a_january_file_is_last_year() -> None:
    assert assume_year(12, 31, ts(2024, 1, 5)) == 2023


def test_assume_year_same_day_and_earlier_day_are_this_year() -> None:
    assert assume_year(1, 5, ts(2024, 1, 5)) == 2024
    assert assume_year(1, 4, ts(2024, 1, 5)) == 2024
    assert assume_year(1, 6, ts(2024, 1, 5)) == 2023


def test_assume_year_29_february_goes_back_to_a_leap_year() -> None:
    assert assume_year(2, 29, ts(2023, 6, 1)) == 2020


# ---------------------------------------------------------------------- fallback_date


def test_fallback_date_is_marked() -> None:
    read = fallback_date(datetime(2024, 3, 15, 17, 42, 9, tzinfo=UTC).timestamp())
    assert isinstance(read, ReadDate)
    assert read.source == "fallback"
    assert read.precision == "none"
    assert read.value == datetime(2024, 3, 15, tzinfo=UTC)
    assert read.note
