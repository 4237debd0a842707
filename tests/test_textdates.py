"""Tests for feedpub.textdates: where running text names days (find_dates), and the year of a
year-less date (year_for).

What the found dates become in HTML (``<time>``), with the big tables of paragraphs and of
texts that only look like dates, is in tests/test_content_dates.py; the properties are in
tests/property/test_content_dates_prop.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from feedpub import dates, dateutil_de, textdates
from feedpub.dates import MONTH_NAMES, parse_date, parse_date_text
from feedpub.textdates import find_dates, year_for
from tests.test_dates import DATE_CASES, NOW

REF = date(2024, 6, 20)


#: (id, month, day, publication day, expected year)
YEAR_CASES: list[tuple[str, int, int, date, int | None]] = [
    ("the issue's example", 7, 12, date(2024, 6, 20), 2024),
    ("the same day", 6, 20, date(2024, 6, 20), 2024),
    ("a few days before: a report", 6, 17, date(2024, 6, 20), 2024),
    ("December release, January: next year", 1, 10, date(2024, 12, 15), 2025),
    ("January release, last December", 12, 20, date(2025, 1, 10), 2024),
    ("120 days before is still recent", 2, 21, date(2024, 6, 20), 2024),
    ("121 days before is next year's", 2, 20, date(2024, 6, 20), 2025),
    ("seven months before: next year's", 3, 31, date(2026, 11, 4), 2027),
    ("a leap day in a leap year", 2, 29, date(2024, 1, 15), 2024),
    ("a leap day next year", 2, 29, date(2023, 12, 1), 2024),
    ("no leap day within a year", 2, 29, date(2025, 6, 1), None),
]
assert len({c[0] for c in YEAR_CASES}) == len(YEAR_CASES), "duplicate case id"


@pytest.mark.parametrize(
    ("month", "day", "reference", "expected"),
    [c[1:] for c in YEAR_CASES],
    ids=[c[0] for c in YEAR_CASES],
)
def test_year_for_year_less_dates(month: int, day: int, reference: date, expected: int | None):
    assert year_for(month, day, reference) == expected
    if expected is not None:  # find_dates uses exactly this rule
        found = find_dates(f"am {day}. {MONTH_NAMES[month - 1]}", reference=reference)
        assert [f.value.date() for f in found] == [date(expected, month, day)]
    else:
        assert find_dates(f"am {day}.{month}.", reference=reference) == []


def test_found_dates_are_the_date_lines_dates() -> None:
    """find_dates reads with the date line's parser: every date form of test_dates.py that it
    finds whole in a sentence means what parse_date says (year-less ones have their own rule,
    test_year_for_year_less_dates)."""
    compared = 0
    for text, _, _ in DATE_CASES:
        found = find_dates(f"Termin: {text} im Rathaus", reference=NOW.date())
        whole = [f for f in found if (f.start, f.end) == (8, 8 + len(text))]
        if len(found) == 1 and whole and parse_date_text(text, now=NOW).absolute:
            assert whole[0].value == parse_date(text, now=NOW), text
            compared += 1
    assert compared >= 30, f"only {compared} date forms compared"


def test_plain_dates_do_not_call_dateutil(monkeypatch: pytest.MonkeyPatch) -> None:
    """The common dd.mm.yyyy forms use dates.py's fast path, as date lines do."""

    def no_dateutil(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateutil was called")

    dates.parse_parts.cache_clear()
    monkeypatch.setattr(dateutil_de.PARSER, "_parse", no_dateutil)
    text = "am 10.07.2024 und am 11.07.2024, 14:30 Uhr und am 12.07.2024 um 9.15 Uhr"
    assert [f.value.isoformat() for f in find_dates(text, reference=REF)] == [
        "2024-07-10T00:00:00+02:00",
        "2024-07-11T14:30:00+02:00",
        "2024-07-12T09:15:00+02:00",
    ]


def test_text_without_digits_costs_no_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refuse:
        def finditer(self, text: str) -> None:
            raise AssertionError("scanned a paragraph without a digit")

    monkeypatch.setattr(textdates, "_TEXT_DATE", Refuse())
    assert find_dates("Im Juli und im August, jeden Montag, bis Ende März", reference=REF) == []
