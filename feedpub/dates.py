"""German date text → timezone-aware datetime in Europe/Berlin.

Built on python-dateutil's parser with German tables (:class:`GermanParserInfo`). A few small
normalising steps run first for what the tables cannot express (``14.30 Uhr``, ranges, ISO,
``heute``); the most common forms are read without dateutil, with the same result
(:func:`_fast_parts`). :func:`find_dates` finds the dates in running text and reads each with
the same code. This module knows nothing of files or HTML: it raises ``ValueError`` and
callers add the file and line.

Rules worth knowing (they are also in the README):

* Two-digit years are 2000–2099 (``10.07.24`` is 2024), whatever today's date is.
* A text without a time is 00:00 local time; ``has_time`` tells the two apart.
* Ranges (``8. bis 10. Juli 2024``, ``30.06. bis 02.07.2024``, ``9:00 bis 12:00 Uhr``) mean
  their start; a start without a year takes the end's (``28.12. bis 2.1.2025`` is 28.12.2024).
* Numeric dates are day first (``10.07.2024``) unless they start with a four-digit year
  (``2024-07-10``, ``2024/7/10``: ISO order). Runs of five or more digits (``20240710``) are
  refused rather than guessed.
* Years have four digits or two; ``10.07.4`` and ``10.07.202`` are typing errors.
* A weekday that contradicts the date is an error, never silently ignored.
* Daylight saving: a local time that does not exist (``31.03.2024, 02:30 Uhr``: clocks jump from
  02:00 to 03:00) is an error that names the gap; a time that happens twice (the last Sunday
  of October, 02:00–02:59) means the first occurrence, summer time (+02:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil import parser as du_parser

BERLIN = ZoneInfo("Europe/Berlin")

#: Years outside this range are typing errors in a press release (``10.07.0024``).
MIN_YEAR, MAX_YEAR = 1900, 2199

WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTH_NAMES = (
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
)


class GermanParserInfo(du_parser.parserinfo):
    """dateutil's tables in German.

    English words are left out on purpose: ``am`` is German for "on the", not a.m., and a
    press office never writes "of" or "th".
    """

    # types-python-dateutil declares the tables as pairs or triples, but dateutil accepts any
    # number of spellings per entry; hence the ``type: ignore`` on the wider tables.
    JUMP = [" ", ".", ",", ";", "-", "/", "'", "am", "den", "dem", "um", "vom", "t"]
    WEEKDAYS: list[tuple[str, ...]] = [  # type: ignore[assignment]
        ("Mo", "Montag"),
        ("Di", "Dienstag"),
        ("Mi", "Mittwoch"),
        ("Do", "Donnerstag"),
        ("Fr", "Freitag"),
        ("Sa", "Samstag", "Sonnabend"),
        ("So", "Sonntag"),
    ]
    MONTHS: list[tuple[str, ...]] = [  # type: ignore[assignment]
        ("Jan", "Januar", "Jän", "Jänner"),
        ("Feb", "Febr", "Februar"),
        ("Mär", "Mrz", "März", "Maerz"),
        ("Apr", "April"),
        ("Mai",),
        ("Jun", "Juni"),
        ("Jul", "Juli"),
        ("Aug", "August"),
        ("Sep", "Sept", "September"),
        ("Okt", "Oktober"),
        ("Nov", "November"),
        ("Dez", "Dezember"),
    ]
    HMS: list[tuple[str, ...]] = [("h", "std"), ("min",), ("sek",)]  # type: ignore[assignment]
    AMPM: list[tuple[str, str]] = []
    PERTAIN: list[str] = []
    UTCZONE: list[str] = []

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        # dateutil picks the century from today's date; a feed must not change its meaning
        # over the years, so two-digit years are always this century.
        if year < 100 and not century_specified:
            return 2000 + year
        return year


# One parser for the process: building it converts every table, which costs more than a parse.
_INFO = GermanParserInfo()
_PARSER = du_parser.parser(_INFO)

_SPACES = re.compile(r"\s+")
# En dash, em dash, hyphen, non-breaking hyphen, figure dash and minus all mean "bis" in a range.
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212]\s*")
# "20240710", "10072024": day-first or year-first? We cannot tell, so we refuse to guess.
_LONG_NUMBER = re.compile(r"\d{5,}")
# "14:30-16:00" without "Uhr": dateutil would read "-16:00" as a UTC offset. Not after a
# letter, so ISO "2024-07-10T14:30-02:00" keeps its offset (and is refused for it).
_CLOCK_RANGE = re.compile(r"(?<![\w.:])(\d{1,2}:\d{2})\s*(?:bis|-)\s*\d{1,2}:\d{2}(?![\d:])")
# "9:00 bis 12:00 Uhr", "9 - 12 Uhr", "9.30–11 Uhr": keep the start.
_TIME_RANGE = re.compile(
    r"(?<![\d.:])(\d{1,2}(?:[:.]\d{2})?)\s*(?:uhr\s*)?(?:bis|-)\s*\d{1,2}(?:[:.]\d{2})?\s*uhr\b",
    re.IGNORECASE,
)
# "14.30 Uhr", "14:30 Uhr" → "14:30"; "14:30:15 Uhr" → "14:30:15"; "14 Uhr" → "14:00".
_CLOCK_UHR = re.compile(r"(?<![\d.:])(\d{1,2})[:.](\d{2}(?::\d{2})?)\s*uhr\b", re.IGNORECASE)
_HOUR_UHR = re.compile(r"(?<![\d.:])(\d{1,2})\s*uhr\b", re.IGNORECASE)
# "30.06. bis 02.07.2024", "10.07.2024 - 12.07.2024": keep the start; a start without a year
# takes the end's year (the year before when the range crosses New Year: "28.12. bis 2.1.2025").
_NUMERIC_DATE_RANGE = re.compile(
    r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?\s*(?:bis|-)\s*(?:zum\s+)?"
    r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?![\d:])",
    re.IGNORECASE,
)
# "30. Juni bis 2. Juli 2024", "30. Juni 2024 - 2. Juli 2024": the same with month names.
_NAMED_DATE_RANGE = re.compile(
    r"(?<![\d.:])(\d{1,2})\.?\s*([^\W\d_]{3,})\.?\s*(\d{4})?\s*(?:bis|-)\s*(?:zum\s+)?"
    r"(\d{1,2})\.?\s*([^\W\d_]{3,})\.?\s*(\d{4})?(?!\d)",
    re.IGNORECASE,
)
# "8. bis 10. Juli 2024", "8.-10.07.2024", "vom 8. bis zum 10. Juli": keep the start day.
_DAY_RANGE = re.compile(
    r"(?<![\d.:])(\d{1,2})\.?\s*(?:bis|-)\s*(?:zum\s+)?\d{1,2}\.", re.IGNORECASE
)
# "10.07." (no year): dateutil reads "10.07" as a day only, so split the parts.
_DAY_MONTH = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(?![\d])")
# "10.07.2024", "1.7.24", "10.07.": checked before dateutil, which would silently swap day and
# month when one of them is too big for a month ("10.13.2024" → 13 October) and would read a
# one-digit year as 200x ("10.07.4").
_NUMERIC_DATE = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(\d+)?(?![\d:])")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
# "2024-7-10", "2024/07/10", "2024.07.10": with dayfirst=True dateutil reads these as year, day,
# month (10 July becomes 7 October), so turn them into "10.7.2024" first.
_YEAR_FIRST = re.compile(r"(?<![\w.:/-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/-])")
# Two clock times ("14:30 Uhr 16:00 Uhr"): dateutil would silently keep the last one. Not after
# "+" or "-": "14:30+02:00" is a time and a UTC offset, refused below for the offset.
_CLOCK = re.compile(r"(?<![\d:+-])\d{1,2}:\d{2}")
_DAY_DOT_WORD = re.compile(r"(?<![\d.])(\d{1,2})\.(?=[^\W\d_])")
_RELATIVE = {"vorgestern": -2, "gestern": -1, "heute": 0, "morgen": 1, "übermorgen": 2}
_RELATIVE_WORD = re.compile(r"\b(" + "|".join(_RELATIVE) + r")\b", re.IGNORECASE)


def _start_year(
    start: tuple[int, int], start_year: str | None, end: tuple[int, int], end_year: str | None
) -> str:
    """The year of a range's start: its own, else the end's (minus one across New Year)."""
    if start_year is not None or end_year is None:
        return start_year or ""
    year = _INFO.convertyear(int(end_year), len(end_year) > 2)
    return str(year - 1 if start > end else year)


def _numeric_range_start(match: re.Match[str]) -> str:
    day, month, year, end_day, end_month, end_year = match.groups()
    start, end = (int(month), int(day)), (int(end_month), int(end_day))
    return f"{day}.{month}.{_start_year(start, year, end, end_year)}"


def _named_range_start(match: re.Match[str]) -> str:
    day, month, year, end_day, end_month, end_year = match.groups()
    month_no, end_month_no = _INFO.month(month), _INFO.month(end_month)
    if month_no is None or end_month_no is None:
        return match[0]  # not two month names: leave it for dateutil to judge
    start, end = (month_no, int(day)), (end_month_no, int(end_day))
    return f"{day}. {month} {_start_year(start, year, end, end_year)}".rstrip()


@dataclass(frozen=True, slots=True)
class DateParts:
    """What a date text says, before ``now`` fills the gaps. Fields are None when unsaid."""

    year: int | None
    month: int | None
    day: int | None
    hour: int | None
    minute: int | None
    second: int | None
    weekday: int | None
    #: Days from today for ``heute``/``gestern``/``morgen``; None for an absolute date.
    relative_days: int | None


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """The result of :func:`parse_date_text`: the datetime and how much the text said."""

    value: datetime
    has_time: bool
    #: True when the text names a date on its own: day, month and year, nothing relative.
    absolute: bool
    parts: DateParts


def _normalise(text: str) -> tuple[str, int | None]:
    """Rewrite what dateutil's tables can't express; return the text and the relative days."""
    text = shown = _SPACES.sub(" ", text).strip()
    long_number = _LONG_NUMBER.search(text)
    if long_number:
        raise ValueError(
            f"{shown!r}: {long_number[0]} is too long for a day, month, year or time; "
            "write the date with dots, e.g. 10.07.2024"
        )
    text = _DASHES.sub(" - ", text)
    relative: int | None = None
    words = _RELATIVE_WORD.findall(text)
    if len(words) > 1:
        raise ValueError(f"{shown!r} names more than one relative day ({', '.join(words)})")
    if words:
        relative = _RELATIVE[words[0].lower()]
        text = _RELATIVE_WORD.sub(" ", text).strip(" ,")
    iso = _ISO.match(text)
    if iso:
        y, m, d, hh, mm, ss = iso.groups()
        text = f"{d}.{m}.{y}" + (f" {hh}:{mm}:{ss or '00'}" if hh else "")
    text = _YEAR_FIRST.sub(r"\4.\3.\1", text)
    # "10.Jul. 2024": dateutil reads "10.Juli" but not "10.Jul." (two dots in one token).
    text = _DAY_DOT_WORD.sub(r"\1. ", text)
    # Most date lines have no range and no "Uhr": skip those rewrites cheaply.
    lower = text.lower()
    is_range = "-" in text or "bis" in lower
    if is_range:
        text = _CLOCK_RANGE.sub(r"\1", text)
        text = _TIME_RANGE.sub(r"\1 Uhr", text)
    if "uhr" in lower:
        text = _CLOCK_UHR.sub(r"\1:\2", text)
        text = _HOUR_UHR.sub(r"\1:00", text)
    if len(_CLOCK.findall(text)) > 1:
        raise ValueError(f"{shown!r} names more than one time; write one, e.g. 14:30 Uhr")
    if is_range:
        text = _NUMERIC_DATE_RANGE.sub(_numeric_range_start, text)
        text = _NAMED_DATE_RANGE.sub(_named_range_start, text)
        text = _DAY_RANGE.sub(r"\1.", text)
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = int(match[1]), int(match[2]), match[3]
        if not 1 <= month <= 12:
            raise ValueError(f"{shown!r}: {month} is not a month (1–12)")
        if not 1 <= day <= 31:
            raise ValueError(f"{shown!r}: {day} is not a day of a month (1–31)")
        if year is not None and len(year) not in (2, 4):
            raise ValueError(
                f"{shown!r}: the year {year} needs four digits (or two), e.g. 10.07.2024"
            )
    text = _DAY_MONTH.sub(r"\1. \2.", text)
    return text, relative


# dd.mm.yyyy with an optional ", HH:MM Uhr" (or " - HH.MM Uhr"): see parse_parts.
_PLAIN = re.compile(
    r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:(?:,|\s-|\s)\s*(\d{1,2})[:.]([0-5]\d)\s*Uhr)?\s*\Z"
)


# The other forms date lines and running text use most: a weekday, a month name, a year-less
# day, an hour: "Mittwoch, 10. Juli 2024", "Mo., 8.7.24", "10. Juli, 14 Uhr", "10.07., 9 Uhr",
# "Montag, den 8. Juli 2024 14:30". Read without dateutil too (see _fast_parts).
_COMMON = re.compile(
    r"\s*(?:(?P<weekday>[^\W\d_]{2,10})\.?,?\s+(?:de[nm]\s+)?)?"
    r"(?P<day>\d{1,2})\.(?:(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})?"
    r"|\s*(?P<month_name>[^\W\d_]{3,9})\.?(?:\s+(?P<long_year>\d{4}))?)"
    r"(?:(?:,\s*|\s+)(?:um\s+)?(?P<hour>\d{1,2})"
    r"(?:(?:[:.](?P<minute>[0-5]\d))?\s*[Uu]hr|:(?P<colon_minute>[0-5]\d)))?\s*\Z"
)


def _fast_parts(text: str) -> DateParts | None:
    """What parse_parts' full path would say, for the most common forms; None for the rest.

    Nearly every date line and most dates in running text have one of these forms; reading
    them without dateutil costs a tenth as much, with the same result (the tests run both
    paths on tables and on generated texts). Out-of-range parts and words that are no month
    or weekday fall through to the full path and its messages.
    """
    plain = _PLAIN.match(text)
    if plain:
        # "10.07.2024", "10.07.2024, 14:30 Uhr", "10.07.2024 - 09.15 Uhr"
        day, month, year, hour, minute = (int(g) if g else None for g in plain.groups())
        assert day is not None and month is not None and year is not None
        if 1 <= month <= 12 and 1 <= day <= 31 and (hour is None or hour <= 23):
            return DateParts(year, month, day, hour, minute, None, None, None)
        return None
    common = _COMMON.match(text)
    if common is None:
        return None
    g = common.groupdict()
    weekday = None
    if g["weekday"] is not None:
        weekday = _INFO.weekday(g["weekday"])
        if weekday is None:
            return None
    if g["month_name"] is not None:
        month = _INFO.month(g["month_name"])
        if month is None:
            return None
        year = int(g["long_year"]) if g["long_year"] else None
    else:
        month = int(g["month"])
        year = None
        if g["year"]:  # "0024" is the year 24, as dateutil reads it (and then refused)
            year = _INFO.convertyear(int(g["year"]), century_specified=len(g["year"]) > 2)
    day = int(g["day"])
    hour = minute = None
    if g["hour"] is not None:
        # The full path reads "14 Uhr" as 14:00, so minute is 0, not None.
        hour, minute = int(g["hour"]), int(g["minute"] or g["colon_minute"] or 0)
    if not (1 <= month <= 12 and 1 <= day <= 31 and (hour is None or hour <= 23)):
        return None
    return DateParts(year, month, day, hour, minute, None, weekday, None)


@lru_cache(maxsize=8192)
def parse_parts(text: str) -> DateParts:
    """Read what ``text`` says about a date, without filling anything in.

    Cached: a folder of releases repeats the same few thousand date lines.
    Raises ValueError for text that is no date or names no day, month 13, 25:00 and the like.
    """
    fast = _fast_parts(text)
    if fast is not None:
        return fast
    return _full_parts(text)


def _full_parts(text: str) -> DateParts:
    """parse_parts for every form: normalising steps, then dateutil."""
    shown = _SPACES.sub(" ", text).strip()
    if not shown:
        raise ValueError("empty date; expected a date such as 10.07.2024")
    normal, relative = _normalise(text)
    if not normal:
        if relative is None:  # pragma: no cover - _normalise only empties relative texts
            raise ValueError(f"no date in {shown!r}")
        return DateParts(None, None, None, None, None, None, None, relative)
    try:
        res, _ = _PARSER._parse(normal, dayfirst=True)  # type: ignore[attr-defined]  # see below
    except (ValueError, ArithmeticError, IndexError, TypeError):
        # dateutil's own errors are ValueErrors, but absurd numbers reach int() and Decimal
        # ("99999:7.9" → OverflowError, decimal.InvalidOperation): they are no date either.
        res = None
    # We call dateutil's ``_parse`` rather than ``parse(default=...)`` on purpose: ``parse``
    # fills every unsaid part from ``default`` and so cannot tell "1. Juli" from "Juli" or
    # "Montag" (which it would turn into next Monday). ``_parse`` reports what the text said.
    if "uhr" in normal.lower():
        raise ValueError(f"{shown!r}: cannot read the time; write it as 14:30 Uhr or 14 Uhr")
    if res is None:
        raise ValueError(f"{shown!r} is not a date; expected a date such as 10.07.2024")
    if res.tzoffset is not None or res.tzname is not None:
        raise ValueError(f"{shown!r} names a time zone; dates are always German local time")
    if res.ampm is not None:  # pragma: no cover - AMPM table is empty
        raise ValueError(f"{shown!r} uses am/pm; write 14:30 Uhr")
    if res.hour is None and (res.minute is not None or res.second is not None):
        raise ValueError(f"{shown!r} names minutes or seconds but no hour; write 14:30 Uhr")
    if res.hour is not None and not (0 <= res.hour <= 23):
        raise ValueError(f"{shown!r}: {res.hour} is not an hour (0–23)")
    if res.minute is not None and not (0 <= res.minute <= 59):
        raise ValueError(f"{shown!r}: {res.minute} is not a minute (0–59)")
    if res.second is not None and not (0 <= res.second <= 59):
        raise ValueError(f"{shown!r}: {res.second} is not a second (0–59)")
    if res.microsecond:
        raise ValueError(f"{shown!r}: fractions of a second are not supported")
    has_date = res.day is not None or res.month is not None or res.year is not None
    if relative is not None and has_date:
        raise ValueError(f"{shown!r} mixes a relative day with a date")
    if relative is None and (res.day is None or res.month is None):
        if res.hour is not None and not has_date:  # a time alone: today at that time
            return DateParts(None, None, None, res.hour, res.minute, res.second, res.weekday, 0)
        raise ValueError(
            f"{shown!r} names no day; expected a date such as 10.07.2024 or 10. Juli 2024"
        )
    return DateParts(
        res.year, res.month, res.day, res.hour, res.minute, res.second, res.weekday, relative
    )


def parse_date_text(text: str, *, now: datetime | None = None) -> ParsedDate:
    """Like :func:`parse_date`, but also says whether a time was given and the date absolute."""
    if now is None:
        now = datetime.now(BERLIN)
    elif now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got the naive datetime {now!r}")
    parts = parse_parts(text)
    return _resolve(parts, text, now.astimezone(BERLIN).date())


def _resolve(parts: DateParts, text: str, today: date, year: int | None = None) -> ParsedDate:
    """Fill in what ``parts`` leaves out and check the result (weekday, daylight saving).

    ``today`` gives the day of a relative or time-only text; a year-less date takes ``year``,
    else the year of ``today``. Raises ValueError naming ``text`` as the reader wrote it.
    """
    if parts.relative_days is not None:
        day = today + timedelta(days=parts.relative_days)
    else:
        assert parts.month is not None and parts.day is not None
        if parts.year is not None:
            year = parts.year
        elif year is None:
            year = today.year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"{_shown(text)!r}: the year {year} is out of range")
        try:
            day = date(year, parts.month, parts.day)
        except ValueError as exc:
            raise ValueError(
                f"{_shown(text)!r} is not a real date ({exc}); check day and month"
            ) from None
    if parts.weekday is not None and parts.weekday != day.weekday():
        raise ValueError(
            f"{_shown(text)!r}: {day:%d.%m.%Y} is a {WEEKDAY_NAMES[day.weekday()]}, "
            f"not a {WEEKDAY_NAMES[parts.weekday]}"
        )
    hour, minute = parts.hour or 0, parts.minute or 0
    # fold=0: a time that happens twice is its first occurrence.
    value = datetime(day.year, day.month, day.day, hour, minute, parts.second or 0, tzinfo=BERLIN)
    # Midnight is never skipped in Berlin (tests/test_dates.py checks 1900–2199), so a day
    # without a time needs no check: the common case in running text.
    back = value if hour == minute == 0 else value.astimezone(UTC).astimezone(BERLIN)
    if (back.day, back.hour, back.minute) != (day.day, hour, minute):
        raise ValueError(
            f"{_shown(text)!r}: {value:%H:%M} does not exist on {value:%d.%m.%Y} in Germany "
            "(clocks jump from 02:00 to 03:00 that night); write the real time, e.g. 03:00 Uhr"
        )
    absolute = parts.relative_days is None and parts.year is not None
    return ParsedDate(value, parts.hour is not None, absolute, parts)


def _shown(text: str) -> str:
    """``text`` as error messages quote it: one line, spaces collapsed."""
    return _SPACES.sub(" ", text).strip()


def parse_date(text: str, *, now: datetime | None = None) -> datetime:
    """Normalise a German date text to an aware Europe/Berlin datetime.

    ``now`` (aware; default: the current time) supplies what the text leaves out: the year of
    ``8. Juli``, the day of ``14:30 Uhr`` and the meaning of ``heute``/``gestern``/``morgen``.
    Without a time the result is 00:00 local time. Raises ValueError with a message that says
    what was wrong and what a valid date looks like.
    """
    return parse_date_text(text, now=now).value


def parse_date_line(text: str, *, what: str = "date line") -> ParsedDate:
    """Parse the date line of a release file, which must name its day on its own.

    A relative (``heute``), year-less (``8. Juli``) or time-only (``14:30 Uhr``) date line
    would mean another day when the feed is built tomorrow or next year, so they are errors
    whose message says what to write instead. ``what`` names the text in those messages: the
    ``Aktualisiert:`` line of a release follows the same rules for the same reason.
    """
    parts = parse_parts(text)
    shown = _SPACES.sub(" ", text).strip()
    if parts.relative_days is not None and _RELATIVE_WORD.search(text) is None:
        raise ValueError(
            f"the {what} {shown!r} has a time but no day; "
            "write the full date, e.g. 10.07.2024, 14:30 Uhr"
        )
    if parts.relative_days is not None:
        raise ValueError(
            f"the {what} {shown!r} is relative and would change meaning tomorrow; "
            "write the full date, e.g. 10.07.2024"
        )
    if parts.year is None:
        raise ValueError(
            f"the {what} {shown!r} has no year; write the full date, e.g. "
            f"{parts.day:02d}.{parts.month:02d}.2024"
        )
    return parse_date_text(text, now=_FIXED_NOW)


# The date line is absolute, so "now" never shows in its result; a constant keeps it pure.
_FIXED_NOW = datetime(2000, 1, 1, tzinfo=BERLIN)


def format_date_line(value: datetime, *, with_time: bool) -> str:
    """The canonical date line for ``value``: ``10.07.2024`` or ``10.07.2024, 14:30 Uhr``."""
    if value.utcoffset() is None:
        # astimezone() would silently read a naive value as the machine's local time.
        raise ValueError(f"value must be timezone-aware, got the naive datetime {value!r}")
    local = value.astimezone(BERLIN)
    text = f"{local:%d.%m.%Y}"
    if with_time:
        text += f", {local:%H:%M} Uhr"
    return text


# --- Dates in running text ---------------------------------------------------------------------
#
# find_dates() finds where a paragraph names a day (with its weekday and time, if written next
# to it) and reads each place with the parser above: the regex below only says where to look,
# parse_parts() and _resolve() decide what it means and whether it is a date at all.

#: A year-less date ("am 12. Juli") up to this long before the publication is that recent day;
#: later than that it is the next one (a December release's "10. Januar" is next January).
RECENT_PAST = timedelta(days=120)


def _words(spellings: list[tuple[str, ...]]) -> str:
    """A regex alternation of the parser's spellings; a dot may follow an abbreviation only.

    A full month name ends a sentence ("am 8. Juli."): that dot is the sentence's, not part
    of the date.
    """
    names = sorted({s for entry in spellings for s in entry}, key=len, reverse=True)
    full = {*MONTH_NAMES, "Maerz", "Jänner"}
    return "|".join(re.escape(name) + (r"\b" if name in full else r"(?:\.|\b)") for name in names)


_WEEKDAY_WORD = (
    r"(?:(?i:"
    + "|".join(re.escape(n) for n in (*WEEKDAY_NAMES, "Sonnabend"))
    # "Mo." and friends need their dot and capital: "so" and "Do" are too often other words.
    + r")\b|"
    + "|".join(rf"{n}\." for entry in GermanParserInfo.WEEKDAYS for n in entry if len(n) == 2)
    + r")"
)
# "Montag, den ", "Mi., ", "Freitag ": a weekday that belongs to the date after it.
_WEEKDAY_BEFORE = rf"{_WEEKDAY_WORD},?\s+(?:de[nm]\s+)?"
# Any case, as the parser reads them ("10. JULI 2024" in a heading).
_MONTH_WORD = rf"(?i:{_words(GermanParserInfo.MONTHS)})"
# Most patterns below come twice: whole, and without their first digit for _TEXT_DATE, which
# matches that digit first (see there). ``day`` is the day's or hour's digits, ``year4`` the
# digits of an ISO year.
_ONE_TWO, _FOUR = r"\d{1,2}", r"\d{4}"
_REST_OF_ONE_TWO, _REST_OF_FOUR = r"\d?", r"\d{3}"


def _day_month(day: str = _ONE_TWO, year4: str = _FOUR) -> str:
    """A day and month: "10.07.2024", "10.07.24", "10.07.", "10. Juli 2024", "10.Jul.", ISO
    (with its time: "2024-07-10T14:30"; one with a UTC offset is no local time, so no date).

    "1.2.3", "10.07.2024.1" and "10.07.202" are no dates; a year written apart from a month
    name must have four digits ("10. Juli 24 Gäste" is the 10th of July and 24 guests). A day
    without its dot needs the year ("10 Juli 2024"; "10 Mai-Bäume" is a number).
    """
    year = r"\s+\d{4}(?!\d|[.,:]\d)"
    return (
        rf"(?:{day}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}})?(?!\w|[.,:]\d)"
        rf"|{day}(?:\.\s*{_MONTH_WORD}(?:{year})?|\s+{_MONTH_WORD}{year})"
        rf"|{year4}-\d{{2}}-\d{{2}}(?:T\d{{2}}:\d{{2}}(?::\d{{2}})?)?(?![\w:+-]))"
    )


_UHR = r"(?i:uhr)\b"


def _clock(hour: str = _ONE_TWO) -> str:
    """A clock time: "14:30", "14:30 Uhr", "14.30 Uhr", "14 Uhr", "14:30:15"; without "Uhr"
    only with a colon."""
    return rf"{hour}(?:(?:[:.]\d{{2}}(?::\d{{2}})?)?\s*{_UHR}|:\d{{2}}(?::\d{{2}})?(?![\d:]))"


_TIME_RANGE_SEP = r"(?:\s*[-–—]\s*|\s+bis\s+)"


def _time(hour: str = _ONE_TWO) -> str:
    """A time or a range of times: "14 Uhr", "10:00 bis 14:00 Uhr", "10 - 12 Uhr"."""
    return (
        rf"(?:{hour}(?:[:.]\d{{2}})?(?:\s*{_UHR})?{_TIME_RANGE_SEP}{_clock()}"
        rf"|{_clock(hour)})"
    )


_DATE = rf"(?:{_WEEKDAY_BEFORE})?{_day_month()}"
# "bis", "bis zum", "bis einschließlich", a dash: a range of days.
_DATE_RANGE_SEP = r"(?:\s*[-–—]\s*|\s+bis\s+(?:(?:zum|einschließlich)\s+)?)"
# Between a date and its time: "10.07.2024, 14 Uhr", "8. Juli um 10 Uhr", "…, von 10 bis".
_TIME_AFTER = r"(?:\s*,\s*|\s+[-–]\s+|\s+)(?:(?:um|ab|von|gegen)\s+)?"
# Between a time and its date: "14:30 Uhr am 3. März", "10 Uhr am Montag, 8. Juli". Only
# "am": after a comma the time may well belong to the sentence before ("bis 18 Uhr, am …").
_TIME_BEFORE = r"\s+am\s+"
# Where running text names a day. The match starts at a digit, so the regex engine skips
# from digit to digit in C: it does so only for a pattern that starts with a character set,
# hence "[0-9]" first and each branch written without its first digit. The group of a
# branch's first part therefore starts one character late: use match.start() for it. A
# weekday before that digit ("Montag, den 8. Juli") is looked up by find_dates.
_TEXT_DATE = re.compile(
    # Not inside a word or a number ("K12.3.", "1.10.07.", "v2.10.24").
    r"[0-9](?<![\w.,:/+-][0-9])(?:"
    # "14:30 Uhr am 3. März", "von 10 bis 12 Uhr am Montag, 8. Juli"
    rf"(?P<tf_time>{_time(_REST_OF_ONE_TWO)}){_TIME_BEFORE}(?P<tf_date>{_DATE})"
    # "8. bis 10. Juli 2024", "8. bis Mittwoch, 10. Juli", "8.-10.07.2024"
    rf"|(?P<dr_start>{_REST_OF_ONE_TWO}\.){_DATE_RANGE_SEP}(?P<dr_end>{_DATE})"
    # "10.07.2024", "30.06. bis 02.07.2024", "10.07.2024, 9 Uhr", "…, von 10 bis 14 Uhr"
    rf"|(?P<date>{_day_month(_REST_OF_ONE_TWO, _REST_OF_FOUR)})"
    rf"(?:{_DATE_RANGE_SEP}(?P<date_end>{_DATE})|{_TIME_AFTER}(?P<time>{_time()}))?"
    r")"
)
# The parts of a time range, to mark its start and end apart.
_TIME_PARTS = re.compile(
    rf"(?P<first>\d{{1,2}}(?:[:.]\d{{2}})?(?:\s*{_UHR})?){_TIME_RANGE_SEP}(?P<last>{_clock()})"
)
_WEEKDAY_PREFIX = re.compile(_WEEKDAY_BEFORE)
# A weekday that ends right where a date starts (searched with endpos = the date's start).
_WEEKDAY_ENDING = re.compile(rf"(?<![\w.]){_WEEKDAY_BEFORE}\Z")
# Words after which digits are a number, not a date: "§ 12.3.", "Nr. 1.2.", "Version 2.10.24".
_NUMBER_WORDS = frozenset(
    "§ Abs. Art. Nr. Ziff. Tel. Fax Az. Kap. S. Kapitel Abschnitt Version Telefon Seite "
    "Aktenzeichen Nummer Ziffer".split()
)
# What a weekday before a date ends with ("Montag,", "Mo.", "den", "Sonnabend", "MONTAG");
# "dem" is tested apart, as "m" ends the far more common "am", "vom" and "zum".
_WEEKDAY_LAST = frozenset(",.gdnGDN")


class TextDate(NamedTuple):
    """A date that :func:`find_dates` found: ``text[start:end]`` names ``value``.

    A named tuple rather than a frozen dataclass: a paragraph may make several, and a tuple
    is made at a third of the cost.
    """

    start: int
    end: int
    #: Aware, Europe/Berlin; 00:00 local time when the text names no time.
    value: datetime
    has_time: bool


def year_for(month: int, day: int, reference: date) -> int | None:
    """The year a year-less day means in a text published on ``reference``.

    The day is the one in the :data:`RECENT_PAST` before ``reference`` or the next one after
    it: a release of 20.06.2024 means 12.07.2024 by "12. Juli" and 17.06.2024 by "17. Juni";
    one of 15.12.2024 means 10.01.2025 by "10. Januar". None when there is no such day within
    a year (a 29 February outside leap years).
    """
    earliest = reference - RECENT_PAST
    for year in (earliest.year, earliest.year + 1, earliest.year + 2):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= earliest:
            return year
    return None


def _read(text: str, reference: date) -> ParsedDate | None:
    """``text`` read as a day on its own, or None when it is none (or names no day)."""
    try:
        parts = parse_parts(text)
        if parts.relative_days is not None or parts.month is None or parts.day is None:
            return None  # a time alone, or "heute": not a day of its own
        year = parts.year
        if year is None:
            year = year_for(parts.month, parts.day, reference)
            if year is None:
                return None
        return _resolve(parts, text, reference, year)
    except ValueError:
        return None


def _read_time(text: str, day: date) -> ParsedDate | None:
    """A time alone (the end of "10 bis 12 Uhr") on ``day``, or None."""
    try:
        parts = parse_parts(text)
        if parts.relative_days != 0 or parts.month is not None:
            return None
        return _resolve(parts, text, day)
    except ValueError:
        return None


def _without_weekday(text: str) -> str:
    prefix = _WEEKDAY_PREFIX.match(text)
    return text[prefix.end() :] if prefix else text


def _range(
    start_text: str, end_text: str, reference: date, *, day_only: bool
) -> tuple[ParsedDate, ParsedDate] | None:
    """The first and last day of "8. bis 10. Juli 2024"; None unless both read, in order.

    The end is read on its own, and so is a start with its month ("30.06.", "30. Juni"); a
    start without year takes the end's (the year before across New Year: "28.12. bis
    2.1.2025"). A start that is a day alone ("8." of "8. bis 10. Juli") is read by the
    parser's range rules, which take month and year from the end.
    """
    end = _read(end_text, reference)
    if end is None:
        return None
    last = end.value.date()
    try:
        if day_only:
            # What the parser's range rule does ("8. bis 10. Juli 2024" → "8. Juli 2024"), done
            # here, where we know where the end's day is: its day, weekday and the words in
            # between ("bis zum") are no part of the start.
            core = _without_weekday(end_text)
            day_digits = len(core) - len(core.lstrip("0123456789"))
            if day_digits > 2:
                return None  # "8. bis 2024-07-10" is no range
            parts = parse_parts(start_text[:-1] + core[day_digits:])
        else:
            parts = parse_parts(start_text)
        if parts.month is None or parts.day is None or parts.relative_days is not None:
            return None
        year = parts.year
        if year is None:
            year = int(
                _start_year((parts.month, parts.day), None, (last.month, last.day), str(last.year))
            )
        start = _resolve(parts, start_text, reference, year)
    except ValueError:
        return None
    if start.value.date() > last:
        return None
    return start, end


def find_dates(text: str, *, reference: date, limit: int | None = None) -> list[TextDate]:
    """Where ``text`` (running text, e.g. a paragraph) names days, in order, not overlapping.

    Found are dates with day and month, each with the weekday and the time written next to it
    ("Montag, den 8. Juli 2024 um 10 Uhr", "14:30 Uhr am 3. März", "Mi., 10.07.2024, 9 Uhr");
    ranges give their first and last day or time apart ("8." and "10. Juli 2024" of
    "8. bis 10. Juli 2024"; "10:00" and "14:00 Uhr" of "10:00 bis 14:00 Uhr"). Each is read
    by the same parser as the date line, so what it refuses is not found: impossible dates
    (31.02.2024), a weekday that contradicts the date, text without a day ("Juli", "2024"),
    relative days ("heute"), and numbers that only look like dates ("1.2.3", "§ 12.3."). A
    time that cannot be read (25 Uhr, a time that daylight saving skips) leaves the date
    found without it. A year-less date takes its year from ``reference``, the day the text
    was published (see :func:`year_for`). With ``limit``, the first ``limit`` dates only,
    and the text after them is not searched.
    """
    if not _has_digit(text) or limit == 0:
        return []  # every date has a digit: much text is done here
    found: list[TextDate] = []
    previous_end = 0
    for match in _TEXT_DATE.finditer(text):
        spans = _spans(match, text, reference, previous_end)
        if spans:
            found.extend(spans)
            previous_end = spans[-1].end
            if limit is not None and len(found) >= limit:
                return found[:limit]  # a range's second end may be one too many
    return found


def _has_digit(text: str) -> bool:
    # Ten substring tests (memchr in C) take a tenth of the time of one regex search for \d.
    return (
        "0" in text
        or "1" in text
        or "2" in text
        or "3" in text
        or "4" in text
        or "5" in text
        or "6" in text
        or "7" in text
        or "8" in text
        or "9" in text
    )


def _is_number(before: str) -> bool:
    """True when the text ``before`` a match (right-stripped) makes it a number, not a date.

    "0123 12.10.24" and "0171/12.10.24" are telephone numbers; "§ 12.3." and "Nr. 1.2."
    are numbers by the word before them.
    """
    if before.rstrip("/-").rstrip()[-1:].isdigit():
        return True
    word = before.rsplit(None, 1)[-1] if before else ""
    return word.lstrip("(„\"'[").rstrip(":") in _NUMBER_WORDS


def _spans(match: re.Match[str], text: str, reference: date, previous_end: int) -> list[TextDate]:
    """The dates one match of :data:`_TEXT_DATE` names (none, one or two).

    ``previous_end`` is where the last date found ends: a weekday before this one may not
    reach into it.
    """
    start = match.start()
    tf_date, dr_start, dr_end, date_end, time = match.group(
        "tf_date", "dr_start", "dr_end", "date_end", "time"
    )
    # Plain string tests first: the regex searches below are needed only for a few dates.
    before = text[max(previous_end, start - 32) : start].rstrip()
    if tf_date is not None:  # "14:30 Uhr am 3. März"
        if _is_number(before):
            return []
        time_text = text[start : match.end("tf_time")]
        return _dated_time(tf_date, match.start("tf_date"), time_text, start, reference)
    weekday = None
    if before[-1:] in _WEEKDAY_LAST or before.endswith("dem"):
        weekday = _WEEKDAY_ENDING.search(text, max(previous_end, start - 32), start)
    if weekday is not None:
        start = weekday.start()
    elif _is_number(before):
        return []
    first = "dr_start" if dr_start is not None else "date"
    first_text = text[start : match.end(first)]
    last, last_text = ("dr_end", dr_end) if dr_end is not None else ("date_end", date_end)
    if last_text is not None:
        both = _range(first_text, last_text, reference, day_only=dr_start is not None)
        if both is not None:
            return [
                TextDate(start, match.end(first), both[0].value, both[0].has_time),
                TextDate(match.start(last), match.end(last), both[1].value, both[1].has_time),
            ]
        # Not a range after all (a typo in one end): what reads on its own is still a day.
        found = []
        for span_start, span_end in ((start, match.end(first)), match.span(last)):
            parsed = _read(text[span_start:span_end], reference)
            if parsed is not None:
                found.append(TextDate(span_start, span_end, parsed.value, parsed.has_time))
        return found
    if time is not None:
        return _dated_time(first_text, start, time, match.start("time"), reference)
    parsed = _read(first_text, reference)
    return [] if parsed is None else [TextDate(start, match.end(), parsed.value, parsed.has_time)]


def _dated_time(
    day_text: str, day_start: int, time_text: str, time_start: int, reference: date
) -> list[TextDate]:
    """A day with its time or range of times, written in either order."""
    day_end = day_start + len(day_text)
    whole = (min(day_start, time_start), max(day_end, time_start + len(time_text)))
    times = _TIME_PARTS.fullmatch(time_text)
    # Read as a date line: the day, then the time; of a range its start, as the parser does.
    first = time_text if times is None else times["first"]
    if not (":" in first or "uhr" in first.lower()):
        first += " Uhr"  # "10" of "10 bis 12 Uhr"
    parsed = _read(f"{day_text}, {first}", reference)
    if parsed is not None and times is None:
        return [TextDate(*whole, parsed.value, True)]
    if parsed is not None and times is not None:
        last = _read_time(times["last"], parsed.value.date())
        if last is not None and last.value > parsed.value:
            # The first span ends after the first time, the second starts at the last one:
            # "<Mittwoch, 10.07.2024, von 10:00> bis <14:00 Uhr>", "<10> bis <12 Uhr am 3. März>".
            first_end = time_start + times.end("first")
            last_start = time_start + times.start("last")
            return [
                TextDate(whole[0], first_end, parsed.value, True),
                TextDate(last_start, whole[1], last.value, True),
            ]
    # The time is no time on that day (25 Uhr, 02:30 on the night clocks jump): the day alone.
    day = _read(day_text, reference)
    return [] if day is None else [TextDate(day_start, day_end, day.value, day.has_time)]
