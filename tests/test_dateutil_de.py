"""Tests for feedpub.dateutil_de: the two-digit-year rule and the rewrites before dateutil.

Whether a whole date text means the right day is tested in tests/test_dates.py (every row goes
through these rewrites when the fast path cannot read it); here are what the rewrites promise
on their own: a range means its start, ``Uhr`` and ISO become what dateutil reads, relative
days are taken out, and what no rewrite can save is refused with its reason.
"""

from __future__ import annotations

import pytest

from feedpub.dateutil_de import INFO, names_relative_day, normalise, two_digit_year


@pytest.mark.parametrize(
    ("year", "this_year", "expected"),
    [
        (26, 2026, 2026),
        (75, 2026, 2075),  # 49 years ahead, 51 back
        (76, 2026, 1976),  # 50 years either way: the past
        (99, 2026, 1999),
        (0, 2099, 2100),  # into the next century
        (49, 2099, 2049),  # 2049 and 2149 are both 50 years off: the past
        (50, 2099, 2050),  # 49 years back, 51 ahead
    ],
)
def test_two_digit_year_is_the_closest(year: int, this_year: int, expected: int) -> None:
    assert two_digit_year(year, this_year) == expected


def test_a_year_with_its_century_stays_as_written() -> None:
    assert INFO.convertyear(24, century_specified=True) == 24
    assert INFO.convertyear(2024) == 2024


@pytest.mark.parametrize(
    ("text", "normal", "relative"),
    [
        ("8. bis 10. Juli 2024", "8. Juli 2024", None),
        ("30.06. bis 02.07.2024", "30.06.2024", None),
        ("28.12. bis 2.1.2025", "28.12.2024", None),  # across New Year: the year before
        ("9:00 bis 12:00 Uhr", "9:00", None),
        ("2024-07-10T14:30", "10.07.2024 14:30:00", None),
        ("2024/7/10", "10.7.2024", None),
        ("heute, 14:30 Uhr", "14:30", 0),
        ("gestern", "", -1),
        ("10.07.", "10. 07.", None),  # dateutil reads "10.07" as a day only
    ],
)
def test_normalise(text: str, normal: str, relative: int | None) -> None:
    assert normalise(text) == (normal, relative)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("20240710", "20240710 is too long"),
        ("14:30 Uhr 16:00 Uhr", "more than one time"),
        ("heute oder morgen", "more than one relative day (heute, morgen)"),
        ("10.13.2024", "13 is not a month"),
        ("32.01.2024", "32 is not a day"),
        ("10.07.202", "the year 202 needs four digits"),
        ("12. bis 10. Juli 2024", "the range ends before it starts"),
        ("30.02. bis 02.03.2024", "is not a real date range"),
    ],
)
def test_normalise_refuses(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        normalise(text)


def test_names_relative_day() -> None:
    assert names_relative_day("Heute, 14 Uhr")
    assert not names_relative_day("14 Uhr")
    assert not names_relative_day("heutewerk")  # whole words only
