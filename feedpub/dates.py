"""German date text → timezone-aware datetime in Europe/Berlin: the date parser.

:func:`parse_parts` reads what a text says about a date. The most common forms are read by
two regexes of ours (:func:`_fast_parts`); every other text is rewritten by
:func:`feedpub.dateutil_de.normalise` (ranges, ``14.30 Uhr``, ISO, ``heute``), read by
python-dateutil with German tables, and checked against our grammar (:data:`_GRAMMAR`), with
the same result for what both paths read (the tests run both). :func:`resolve` fills in what
the text leaves out and checks weekday and daylight saving; :func:`parse_date`,
:func:`parse_date_text` and :func:`parse_date_line` are the entry points. Dates in running text
are found by :mod:`feedpub.textdates`, which reads each with this parser. This module knows
nothing of files or HTML: it raises ``ValueError`` and callers add the file and line.

Rules worth knowing (they are also in the README):

* Two-digit years are the year closest to this one (``10.07.24`` is 2024, ``10.07.99`` 1999).
* Every digit is read by a pattern of ours (:data:`_GRAMMAR`): dateutil alone skips what it
  does not understand ("18;00 Uhr" would be midnight), feedpub refuses it.
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
from typing import Any

from feedpub.dateutil_de import (
    BERLIN,
    INFO,
    MAX_YEAR,
    MIN_YEAR,
    MONTH_NAMES,
    PARSER,
    WEEKDAY_NAMES,
    GermanParserInfo,
    names_relative_day,
    normalise,
    spellings,
    two_digit_year,
)

# The date vocabulary is defined beside dateutil's tables (feedpub.dateutil_de) and is part of
# this module's interface: callers import it from here.
__all__ = [
    "BERLIN",
    "MAX_YEAR",
    "MIN_YEAR",
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "DateParts",
    "GermanParserInfo",
    "ParsedDate",
    "UnreadableDate",
    "format_date_line",
    "parse_date",
    "parse_date_line",
    "parse_date_text",
    "parse_parts",
    "resolve",
    "two_digit_year",
]

_SPACES = re.compile(r"\s+")


class UnreadableDate(ValueError):
    """A text that is no date at all (words the grammar does not know), as opposed to a date
    that is wrong (``31.02.2024``, no year, ``heute``): the date-line finder then looks for
    a date among the words, and gives the wrong date's own message otherwise."""


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
        weekday = INFO.weekday(g["weekday"])
        if weekday is None:
            return None
    if g["month_name"] is not None:
        month = INFO.month(g["month_name"])
        if month is None:
            return None
        year = int(g["long_year"]) if g["long_year"] else None
    else:
        month = int(g["month"])
        year = None
        if g["year"]:  # "0024" is the year 24, as dateutil reads it (and then refused)
            year = INFO.convertyear(int(g["year"]), century_specified=len(g["year"]) > 2)
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


# What the normalised text of a date may be made of (see feedpub.dateutil_de.normalise):
# fillers, a weekday, a date, a clock time, a weekday after the date. dateutil skips what it
# does not understand ("18;00" → 18 and 00, "1430" → 14:30, "10.45h" → 10.27 hours); a text
# outside this grammar is refused instead, so every digit is read by a pattern of ours.
# Case-insensitive.
_GRAMMAR_WEEKDAY = rf"(?:{spellings(GermanParserInfo.WEEKDAYS)})\.?"
_GRAMMAR_MONTH = rf"(?:{spellings(GermanParserInfo.MONTHS)})\.?"
_GRAMMAR_DATE = (
    r"(?:\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})?\.?"
    r"|\d{1,2}(?P<sep>[/-])\d{1,2}(?P=sep)(?:\d{4}|\d{2})"
    rf"|\d{{1,2}}\.?\s?{_GRAMMAR_MONTH}(?:\s\d{{4}}\.?)?)"
)
_GRAMMAR_CLOCK = r"(?:um\s)?\d{1,2}:\d{2}(?::\d{2})?"
_GRAMMAR = re.compile(
    rf"(?:(?:am|vom|den|dem)\s)?(?:{_GRAMMAR_WEEKDAY}\s?,?\s?(?:(?:den|dem)\s)?)?"
    rf"(?:{_GRAMMAR_DATE}(?:\s?[,-]?\s?{_GRAMMAR_CLOCK})?(?:\s?,\s?{_GRAMMAR_WEEKDAY})?"
    rf"|{_GRAMMAR_CLOCK})?",
    re.IGNORECASE,
)


def _check_grammar(normal: str, shown: str) -> None:
    """Refuse a normalised date text that holds anything our grammar does not read."""
    if _GRAMMAR.fullmatch(normal) is None:
        raise UnreadableDate(
            f"{shown!r}: cannot read every part of it as a date and time; write the date as "
            "10.07.2024 or 10. Juli 2024 and the time as 14:30 Uhr"
        )


def _full_parts(text: str) -> DateParts:
    """parse_parts for every form: normalising steps, then dateutil, then our checks."""
    shown = _shown(text)
    if not shown:
        raise ValueError("empty date; expected a date such as 10.07.2024")
    normal, relative = normalise(text)
    if not normal:
        if relative is None:  # pragma: no cover - normalise only empties relative texts
            raise ValueError(f"no date in {shown!r}")
        return DateParts(None, None, None, None, None, None, None, relative)
    res = _dateutil(normal)
    if "uhr" in normal.lower():
        raise ValueError(f"{shown!r}: cannot read the time; write it as 14:30 Uhr or 14 Uhr")
    if res is None:
        raise UnreadableDate(f"{shown!r} is not a date; expected a date such as 10.07.2024")
    _check_clock(res, shown)
    has_date = res.day is not None or res.month is not None or res.year is not None
    if relative is not None and has_date:
        raise ValueError(f"{shown!r} mixes a relative day with a date")
    if relative is None and (res.day is None or res.month is None):
        if res.hour is not None and not has_date:  # a time alone: today at that time
            _check_grammar(normal, shown)
            return DateParts(None, None, None, res.hour, res.minute, res.second, res.weekday, 0)
        raise ValueError(
            f"{shown!r} names no day; expected a date such as 10.07.2024 or 10. Juli 2024"
        )
    _check_grammar(normal, shown)
    return DateParts(
        res.year, res.month, res.day, res.hour, res.minute, res.second, res.weekday, relative
    )


# dateutil's private result type (a _result with year, month, … hour, tzoffset, ampm).
_DateutilResult = Any


def _dateutil(normal: str) -> _DateutilResult | None:
    """What dateutil reads in a normalised text, or None when it reads nothing.

    We call dateutil's ``_parse`` rather than ``parse(default=...)`` on purpose: ``parse``
    fills every unsaid part from ``default`` and so cannot tell "1. Juli" from "Juli" or
    "Montag" (which it would turn into next Monday). ``_parse`` reports what the text said.
    """
    try:
        res, _ = PARSER._parse(normal, dayfirst=True)  # type: ignore[attr-defined]  # see above
    except (ValueError, ArithmeticError, IndexError, TypeError):
        # dateutil's own errors are ValueErrors, but absurd numbers reach int() and Decimal
        # ("99999:7.9" → OverflowError, decimal.InvalidOperation): they are no date either.
        return None
    return res


def _check_clock(res: _DateutilResult, shown: str) -> None:
    """Refuse a time zone, am/pm, and a time dateutil read whose parts are out of range."""
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


def parse_date_text(text: str, *, now: datetime | None = None) -> ParsedDate:
    """Like :func:`parse_date`, but also says whether a time was given and the date absolute."""
    if now is None:
        now = datetime.now(BERLIN)
    elif now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got the naive datetime {now!r}")
    parts = parse_parts(text)
    return resolve(parts, text, now.astimezone(BERLIN).date())


def resolve(parts: DateParts, text: str, today: date, year: int | None = None) -> ParsedDate:
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
    shown = _shown(text)
    if parts.relative_days is not None and not names_relative_day(text):
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
