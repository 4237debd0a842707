"""Property tests for feedpub.dates (Hypothesis, as dateutil's ``tests/property/``).

(a) Aware datetime → German text in several styles → ``parse_date`` gives it back. Only
    instants that exist in Berlin can be written, so we draw UTC instants and convert them.
    A wall time that happens twice (the last Sunday of October, 02:00–02:59) reads back as
    its first occurrence, the documented rule; for those the property checks the wall time
    and the +02:00 offset instead of the instant.
(b) Any text → an aware Europe/Berlin datetime or a ValueError, never another exception.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedpub.dates import BERLIN, format_date_line, parse_date, parse_date_line

SETTINGS = settings(max_examples=200, deadline=None)
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)

# Our own spellings, not the module's tables, so a wrong table entry shows up here.
MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
MONTHS_SHORT = [
    "Jan.",
    "Feb.",
    "Mrz.",
    "Apr.",
    "Mai",
    "Jun.",
    "Jul.",
    "Aug.",
    "Sept.",
    "Okt.",
    "Nov.",
    "Dez.",
]
WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
WEEKDAYS_SHORT = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]

# --- (a) datetime → text → datetime -----------------------------------------------------------

FIRST = datetime(1990, 1, 1, tzinfo=UTC)
LAST = datetime(2100, 12, 31, 22, 59, tzinfo=UTC)  # still 2100 in Berlin
MINUTES = int((LAST - FIRST).total_seconds() // 60)


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _transition(year: int, month: int) -> datetime:
    """EU rule since 1996: clocks change at 01:00 UTC on the last Sunday of March/October."""
    return datetime.combine(_last_sunday(year, month), datetime.min.time(), UTC) + timedelta(
        hours=1
    )


any_instant = st.integers(0, MINUTES).map(lambda m: FIRST + timedelta(minutes=m))
# Random minutes over 110 years almost never land next to a clock change: aim there too.
near_change = st.builds(
    lambda year, month, minutes: _transition(year, month) + timedelta(minutes=minutes),
    st.integers(1996, 2100),
    st.sampled_from([3, 10]),
    st.integers(-150, 150),
)
berlin_times = st.one_of(any_instant, near_change).map(lambda utc: utc.astimezone(BERLIN))
spaces = st.sampled_from([" ", "\u00a0", "\u202f", "  "])

Style = Callable[[datetime, str], str]

# Each style writes date and time the way press releases do; sp is the space to use.
TIMED_STYLES: dict[str, Style] = {
    "numeric": lambda d, sp: f"{d:%d.%m.%Y},{sp}{d:%H:%M}{sp}Uhr",
    "numeric short": lambda d, sp: f"{d.day}.{d.month}.{d.year}{sp}-{sp}{d.hour}.{d:%M}{sp}Uhr",
    "month name": lambda d, sp: (
        f"{d.day}.{sp}{MONTHS[d.month - 1]}{sp}{d.year},{sp}um{sp}{d:%H:%M}{sp}Uhr"
    ),
    "weekday": lambda d, sp: (
        f"{WEEKDAYS[d.weekday()]},{sp}den{sp}{d.day}.{sp}{MONTHS[d.month - 1]}{sp}{d.year},"
        f"{sp}{d:%H.%M}{sp}Uhr"
    ),
    "short names": lambda d, sp: (
        f"{WEEKDAYS_SHORT[d.weekday()]},{sp}{d.day}.{sp}{MONTHS_SHORT[d.month - 1]}{sp}"
        f"{d.year}{sp}{d:%H:%M}"
    ),
    "ISO": lambda d, sp: f"{d:%Y-%m-%dT%H:%M}",
    "canonical": lambda d, sp: format_date_line(d, with_time=True),
}
DATE_STYLES: dict[str, Style] = {
    "numeric": lambda d, sp: f"{d:%d.%m.%Y}",
    "month name": lambda d, sp: f"{d.day}.{sp}{MONTHS[d.month - 1]}{sp}{d.year}",
    "weekday": lambda d, sp: f"{WEEKDAYS[d.weekday()]},{sp}{d:%d.%m.%Y}",
    "ISO": lambda d, sp: f"{d:%Y-%m-%d}",
    "canonical": lambda d, sp: format_date_line(d, with_time=False),
}


def _first_occurrence(local: datetime) -> datetime:
    """The instant a wall time means: the first one when it happens twice."""
    return local.replace(fold=0)


@SETTINGS
@given(berlin_times, st.sampled_from(sorted(TIMED_STYLES)), spaces)
@example(datetime(2024, 10, 27, 1, 30, tzinfo=UTC).astimezone(BERLIN), "numeric", " ")
@example(datetime(2024, 10, 27, 0, 30, tzinfo=UTC).astimezone(BERLIN), "ISO", " ")
@example(datetime(2024, 3, 31, 1, 0, tzinfo=UTC).astimezone(BERLIN), "weekday", "\u202f")
def test_timed_text_round_trip(local: datetime, style: str, sp: str) -> None:
    text = TIMED_STYLES[style](local, sp)
    got = parse_date(text, now=NOW)
    assert got.tzinfo is BERLIN, text
    assert got.replace(tzinfo=None) == local.replace(tzinfo=None, fold=0), text
    assert got.utcoffset() == _first_occurrence(local).utcoffset(), text
    if local.fold == 0:
        assert got.astimezone(UTC) == local.astimezone(UTC), text
    else:  # the second 02:xx reads back as the first, one hour earlier
        assert got.astimezone(UTC) == local.astimezone(UTC) - timedelta(hours=1), text
    line = parse_date_line(text)
    assert line.has_time and line.absolute, text
    assert line.value.astimezone(UTC) == got.astimezone(UTC), text


@SETTINGS
@given(berlin_times, st.sampled_from(sorted(DATE_STYLES)), spaces)
def test_date_only_text_round_trip(local: datetime, style: str, sp: str) -> None:
    text = DATE_STYLES[style](local, sp)
    got = parse_date(text, now=NOW)
    midnight = datetime(local.year, local.month, local.day, tzinfo=BERLIN)
    assert got.tzinfo is BERLIN, text
    assert got.replace(tzinfo=None) == midnight.replace(tzinfo=None), text
    assert got.utcoffset() == midnight.utcoffset(), text
    assert not parse_date_line(text).has_time, text


@SETTINGS
@given(st.dates(date(1900, 1, 1), date(2199, 12, 31)))
def test_two_digit_years_are_the_closest_century(day: date) -> None:
    """``10.07.99`` is 1999, ``10.07.24`` 2024: the year closest to this one (ties: the past)."""
    this_year = datetime.now(BERLIN).year
    got = parse_date(f"{day:%d.%m.%y}", now=NOW).date()
    assert (got.month, got.day, got.year % 100) == (day.month, day.day, day.year % 100)
    assert this_year - 50 <= got.year < this_year + 50


# --- (b) anything in, datetime or ValueError out ------------------------------------------------

PIECES = [
    "10",
    "07",
    "2024",
    "24",
    "31",
    "0",
    "99",
    "13",
    "25",
    "60",
    "99999999999999999999",
    ".",
    ":",
    ",",
    "-",
    "–",
    "/",
    "+",
    " ",
    "\u00a0",
    "\u202f",
    "T",
    "Z",
    "Uhr",
    "um",
    "am",
    "den",
    "dem",
    "vom",
    "bis",
    "zum",
    "Juli",
    "Jul.",
    "März",
    "Jänner",
    "Mai",
    "Montag",
    "Mi.",
    "Sonnabend",
    "heute",
    "gestern",
    "morgen",
    "übermorgen",
    "h",
    "std",
    "min",
    "sek",
    "MEZ",
    "pm",
]
texts = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.lists(st.sampled_from(PIECES) | st.text("0123456789.:- ", max_size=6), max_size=10).map(
        " ".join
    ),
)


@SETTINGS
@given(texts)
@example("99999999999999999999:7.9")  # once an OverflowError from datetime()
@example(
    "1:7499999999999999999999999999999999999999999999Juli1:99"
)  # once decimal.InvalidOperation
def test_any_text_gives_a_datetime_or_value_error(text: str) -> None:
    try:
        got = parse_date(text, now=NOW)
    except ValueError as exc:
        assert str(exc), "an error must say what is wrong"
    else:
        assert got.tzinfo is BERLIN
        assert got.utcoffset() is not None
    try:
        line = parse_date_line(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert line.absolute
        assert line.value.tzinfo is BERLIN


# --- (c) the fast paths say what dateutil says --------------------------------------------------

# Near the forms parse_parts reads without dateutil (feedpub.dates._fast_parts), and near misses.
fast_texts = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", "", "Montag", "Mi", "sonnabend", "MITTWOCH", "Termin", "den", "am"]),
    st.sampled_from(["", ".", ",", ".,", " "]),
    st.sampled_from([" ", "", "  ", "\u00a0"]),
    st.sampled_from(["", "", "den ", "dem "]),
    st.integers(0, 35).map(str) | st.sampled_from(["01", "007"]),
    st.sampled_from([".", ". ", "", ".\u00a0"]),
    st.sampled_from(
        ["07.", "7.", "13.", "0.", "Juli", "Jul.", "JULI", "Mrz.", "Maerz", "Sept", "Juliane", "x"]
    ),
    st.sampled_from(["", "", "2024", "24", " 2024", "0024", "202"]),
    st.sampled_from(["", "", ", 14 Uhr", " 14:30", ", um 9.05 Uhr", " 25 Uhr", ",14:30 UHR"]),
    st.sampled_from(["", " ", "."]),
)


@SETTINGS
@given(fast_texts)
@example("Montag, den 8. Juli 2024 um 10 Uhr")
def test_fast_paths_agree_with_dateutil(text: str) -> None:
    from feedpub.dates import _fast_parts, _full_parts

    fast = _fast_parts(text)
    if fast is not None:
        assert fast == _full_parts(text), text
