"""Reading publication dates from sidecars, page metadata and article text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

from .datafiles import load_yaml

DateSource = Literal["sidecar", "page", "text", "fallback"]
# "day": the source gave year, month and day; "month": year and month only;
# "year-inferred": month and day from the text, year worked out from context;
# "year-assumed": month and day from the text, no year anywhere: the latest such
# day on or before the raw file's date is assumed; "none": no date could be read
# (a fallback date stands in).
DatePrecision = Literal["day", "month", "year-inferred", "year-assumed", "none"]

# News pages about Chinese places print times in China Standard Time.
CHINA_TZ = timezone(timedelta(hours=8), "CST")
EARLIEST_YEAR = 1950
LATEST_YEAR_AHEAD = 1  # a page may be dated at most one year after today

MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"

ISO_DATETIME = re.compile(
    r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})\b", re.I)
DAY_MONTH_YEAR = re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+(\d{{4}})\b", re.I)
MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b", re.I)
YEAR = re.compile(r"(?<![\d-])(19[5-9]\d|20\d\d)(?![\d-])")


@dataclass(frozen=True, slots=True)
class ReadDate:
    """A date as read, before it becomes the article's timestamp."""

    value: datetime
    source: DateSource
    precision: DatePrecision
    note: str = ""


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 51 -> "51st"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plausible(year: int, today: date) -> bool:
    return EARLIEST_YEAR <= year <= today.year + LATEST_YEAR_AHEAD


def _tz(text: str | None) -> timezone:
    if not text:
        return CHINA_TZ
    if text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def parse_date_string(text: str, today: date) -> tuple[datetime, DatePrecision] | None:
    """Parse one date value (ISO, "Apr 19, 2023", "19 April 2023", "2023年4月19日", "2023-04")."""
    text = text.strip()
    found = ISO_DATETIME.search(text)
    if found:
        year, month, day, hour, minute, second, zone = found.groups()
        try:
            value = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                tzinfo=_tz(zone),
            )
        except ValueError:
            return None
        return (value, "day") if plausible(value.year, today) else None
    for pattern, order in ((CHINESE_DATE, "ymd"), (MONTH_DAY_YEAR, "mdy"), (DAY_MONTH_YEAR, "dmy")):
        found = pattern.search(text)
        if not found:
            continue
        parts = found.groups()
        if order == "ymd":
            year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
        elif order == "mdy":
            month, day, year = _month(parts[0]), int(parts[1]), int(parts[2])
        else:
            day, month, year = int(parts[0]), _month(parts[1]), int(parts[2])
        try:
            value = datetime(year, month, day, tzinfo=CHINA_TZ)
        except ValueError:
            return None
        return (value, "day") if plausible(year, today) else None
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if found and 1 <= int(found.group(2)) <= 12 and plausible(int(found.group(1)), today):
        return datetime(int(found.group(1)), int(found.group(2)), 1, tzinfo=CHINA_TZ), "month"
    return None


def _month(name: str) -> int:
    key = name.lower().rstrip(".")
    return MONTHS.get(key, MONTHS.get(key[:3], 0))


def find_month_day(text: str) -> tuple[int, int] | None:
    """The first "December 1st" / "May 9" in a dateline."""
    found = MONTH_DAY.search(text)
    if not found:
        return None
    month, day = _month(found.group(1)), int(found.group(2))
    if not 1 <= day <= 31 or not month:
        return None
    return month, day


def infer_year(text: str, month: int, day: int, today: date) -> tuple[int, str] | None:
    """Work out the year of a month-and-day dateline from the rest of the text.

    In order of trust: "the Nth anniversary of (the establishment of) diplomatic
    relations between China and X" with the year relations began (a data file);
    "the Nth anniversary of ... established/signed in YYYY"; a year the text says
    is "this year"; else the latest plausible year the text names.
    """
    relations = {
        str(k).lower(): int(v)
        for k, v in (load_yaml("diplomatic_relations.yaml").get("established") or {}).items()
    }
    for found in re.finditer(
        r"(\d+)(?:st|nd|rd|th)\s+anniversary of (?:the )?(?:establishment of )?diplomatic relations"
        r" between ([A-Z][\w ]+?) and ([A-Z][\w ]+?)\b(?=[\s,.;])",
        text,
    ):
        nth = int(found.group(1))
        for country in (found.group(2), found.group(3)):
            year = relations.get(country.strip().lower())
            if year and plausible(year + nth, today):
                return (
                    year + nth,
                    f"the {ordinal(nth)} anniversary of diplomatic relations with {country.strip()}",
                )
    for found in re.finditer(
        r"\b(?:in|since)\s+(19\d\d|20\d\d)\b[^.]{0,200}?[.;]?[^.]{0,200}?\b(\d+)(?:st|nd|rd|th)\s+anniversary\b",
        text,
    ):
        year = int(found.group(1)) + int(found.group(2))
        if plausible(year, today):
            return year, "an anniversary of an event dated in the text"
    for found in re.finditer(
        r"(\d+)(?:st|nd|rd|th)\s+anniversary\b[^.]{0,200}?\b(?:in|since)\s+(19\d\d|20\d\d)\b", text
    ):
        year = int(found.group(2)) + int(found.group(1))
        if plausible(year, today):
            return year, "anniversary of an event dated in the text"
    for found in re.finditer(
        r"\b(?:this year|the year)\b[^.]{0,40}?\b(19\d\d|20\d\d)\b"
        r"|\b(19\d\d|20\d\d)\b[^.]{0,20}?\bthis year\b",
        text,
        re.I,
    ):
        year = int(found.group(1) or found.group(2))
        if plausible(year, today):
            return year, "the year the text calls this year"
    years = [int(y) for y in YEAR.findall(text) if plausible(int(y), today) and int(y) <= today.year]
    if years:
        return max(years), "the latest year the text names"
    return None


def assume_year(month: int, day: int, mtime: float) -> int:
    """The latest year in which month/day falls on or before the file's date."""
    reference = datetime.fromtimestamp(mtime, tz=UTC).date()
    year = reference.year
    while year > reference.year - 8:
        try:
            if date(year, month, day) <= reference:
                return year
        except ValueError:  # 29 February
            pass
        year -= 1
    return reference.year


def fallback_date(mtime: float) -> ReadDate:
    """No date could be read: the raw file's modification day (UTC), marked as such."""
    moment = datetime.fromtimestamp(mtime, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return ReadDate(moment, "fallback", "none", "no date in the article; file date used")
