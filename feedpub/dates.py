"""German date text → timezone-aware datetime in Europe/Berlin.

Built on python-dateutil's parser with German tables (:class:`GermanParserInfo`). A few small
normalising steps run first for what the tables cannot express (``14.30 Uhr``, ranges, ISO,
``heute``). This module knows nothing of files: it raises ``ValueError`` and callers add the
file and line.

Rules worth knowing (they are also in the README):

* Two-digit years are 2000–2099 (``10.07.24`` is 2024), whatever today's date is.
* A text without a time is 00:00 local time; ``has_time`` tells the two apart.
* Ranges (``8. bis 10. Juli 2024``, ``9:00 bis 12:00 Uhr``) mean their start.
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

    JUMP = [" ", ".", ",", ";", "-", "/", "'", "am", "den", "um", "vom", "t"]
    WEEKDAYS = [
        ("Mo", "Montag"),
        ("Di", "Dienstag"),
        ("Mi", "Mittwoch"),
        ("Do", "Donnerstag"),
        ("Fr", "Freitag"),
        ("Sa", "Samstag", "Sonnabend"),
        ("So", "Sonntag"),
    ]
    MONTHS = [
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
    HMS = [("h", "std"), ("min",), ("sek",)]
    AMPM: list[tuple[str, ...]] = []
    PERTAIN: list[str] = []
    UTCZONE: list[str] = []

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        # dateutil picks the century from today's date; a feed must not change its meaning
        # over the years, so two-digit years are always this century.
        if year < 100 and not century_specified:
            return 2000 + year
        return year


# One parser for the process: building it converts every table, which costs more than a parse.
_PARSER = du_parser.parser(GermanParserInfo())

_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"\s*[–—]\s*")
# "9:00 bis 12:00 Uhr", "9 - 12 Uhr", "9.30–11 Uhr": keep the start.
_TIME_RANGE = re.compile(
    r"(?<![\d.:])(\d{1,2}(?:[:.]\d{2})?)\s*(?:uhr\s*)?(?:bis|-)\s*\d{1,2}(?:[:.]\d{2})?\s*uhr\b",
    re.IGNORECASE,
)
# "14.30 Uhr" and "14:30 Uhr" → "14:30"; "14 Uhr" → "14:00".
_CLOCK_UHR = re.compile(r"(?<![\d.:])(\d{1,2})[:.](\d{2})\s*uhr\b", re.IGNORECASE)
_HOUR_UHR = re.compile(r"(?<![\d.:])(\d{1,2})\s*uhr\b", re.IGNORECASE)
# "8. bis 10. Juli 2024", "8.-10.07.2024": keep the start day.
_DAY_RANGE = re.compile(r"(?<![\d.:])(\d{1,2})\.?\s*(?:bis|-)\s*\d{1,2}\.", re.IGNORECASE)
# "10.07." (no year): dateutil reads "10.07" as a day only, so split the parts.
_DAY_MONTH = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(?![\d])")
# "10.07.2024", "1.7.24", "10.07.": checked before dateutil, which would silently swap day and
# month when one of them is too big for a month ("10.13.2024" → 13 October).
_NUMERIC_DATE = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(?:\d{4}|\d{2})?(?![\d:])")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
_RELATIVE = {"vorgestern": -2, "gestern": -1, "heute": 0, "morgen": 1, "übermorgen": 2}
_RELATIVE_WORD = re.compile(r"\b(" + "|".join(_RELATIVE) + r")\b", re.IGNORECASE)


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
    text = _DASHES.sub(" - ", text)
    relative: int | None = None
    words = _RELATIVE_WORD.findall(text)
    if len(words) > 1:
        raise ValueError(f"{text!r} names more than one relative day ({', '.join(words)})")
    if words:
        relative = _RELATIVE[words[0].lower()]
        text = _RELATIVE_WORD.sub(" ", text).strip(" ,")
    iso = _ISO.match(text)
    if iso:
        y, m, d, hh, mm, ss = iso.groups()
        text = f"{d}.{m}.{y}" + (f" {hh}:{mm}:{ss or '00'}" if hh else "")
    text = _TIME_RANGE.sub(r"\1 Uhr", text)
    text = _CLOCK_UHR.sub(r"\1:\2", text)
    text = _HOUR_UHR.sub(r"\1:00", text)
    text = _DAY_RANGE.sub(r"\1.", text)
    for match in _NUMERIC_DATE.finditer(text):
        day, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{shown!r}: {month} is not a month (1–12)")
        if not 1 <= day <= 31:
            raise ValueError(f"{shown!r}: {day} is not a day of a month (1–31)")
    text = _DAY_MONTH.sub(r"\1. \2.", text)
    return text, relative


@lru_cache(maxsize=8192)
def parse_parts(text: str) -> DateParts:
    """Read what ``text`` says about a date, without filling anything in.

    Cached: a folder of releases repeats the same few thousand date lines.
    Raises ValueError for text that is no date or names no day, month 13, 25:00 and the like.
    """
    shown = _SPACES.sub(" ", text).strip()
    if not shown:
        raise ValueError("empty date; expected a date such as 10.07.2024")
    normal, relative = _normalise(text)
    if not normal:
        if relative is None:  # pragma: no cover - _normalise only empties relative texts
            raise ValueError(f"no date in {shown!r}")
        return DateParts(None, None, None, None, None, None, None, relative)
    try:
        res, _ = _PARSER._parse(normal, dayfirst=True)  # noqa: SLF001 - see below
    except (ValueError, OverflowError, TypeError):
        res = None
    # We call dateutil's ``_parse`` rather than ``parse(default=...)`` on purpose: ``parse``
    # fills every unsaid part from ``default`` and so cannot tell "1. Juli" from "Juli" or
    # "Montag" (which it would turn into next Monday). ``_parse`` reports what the text said.
    if res is None or "uhr" in normal.lower():
        raise ValueError(f"{shown!r} is not a date; expected a date such as 10.07.2024")
    if res.tzoffset is not None or res.tzname is not None:
        raise ValueError(f"{shown!r} names a time zone; dates are always German local time")
    if res.ampm is not None:  # pragma: no cover - AMPM table is empty
        raise ValueError(f"{shown!r} uses am/pm; write 14:30 Uhr")
    has_date = res.day is not None or res.month is not None or res.year is not None
    if relative is not None and has_date:
        raise ValueError(f"{shown!r} mixes a relative day with a date")
    if relative is None and (res.day is None or res.month is None):
        if res.hour is not None and not has_date:  # a time alone: today at that time
            return DateParts(None, None, None, res.hour, res.minute, res.second, None, 0)
        raise ValueError(
            f"{shown!r} names no day; expected a date such as 10.07.2024 or 10. Juli 2024"
        )
    if res.hour is not None and not (0 <= res.hour <= 23):
        raise ValueError(f"{shown!r}: {res.hour} is not an hour (0–23)")
    if res.minute is not None and not (0 <= res.minute <= 59):  # pragma: no cover - dateutil
        raise ValueError(f"{shown!r}: {res.minute} is not a minute (0–59)")
    if res.microsecond:
        raise ValueError(f"{shown!r}: fractions of a second are not supported")
    return DateParts(
        res.year, res.month, res.day, res.hour, res.minute, res.second, res.weekday, relative
    )


def parse_date_text(text: str, *, now: datetime | None = None) -> ParsedDate:
    """Like :func:`parse_date`, but also says whether a time was given and the date absolute."""
    parts = parse_parts(text)
    shown = _SPACES.sub(" ", text).strip()
    if now is None:
        now = datetime.now(BERLIN)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(BERLIN).date()
    if parts.relative_days is not None:
        day = today + timedelta(days=parts.relative_days)
    else:
        assert parts.month is not None and parts.day is not None
        year = parts.year if parts.year is not None else today.year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"{shown!r}: the year {year} is out of range")
        try:
            day = date(year, parts.month, parts.day)
        except ValueError as exc:
            raise ValueError(
                f"{shown!r} is not a real date ({exc}); check day and month"
            ) from None
    if parts.weekday is not None and parts.weekday != day.weekday():
        raise ValueError(
            f"{shown!r}: {day:%d.%m.%Y} is a {WEEKDAY_NAMES[day.weekday()]}, "
            f"not a {WEEKDAY_NAMES[parts.weekday]}"
        )
    naive = datetime(  # noqa: DTZ001 - made aware right below, after the DST check
        day.year, day.month, day.day, parts.hour or 0, parts.minute or 0, parts.second or 0
    )
    value = naive.replace(tzinfo=BERLIN)  # fold=0: a repeated time is its first occurrence
    if value.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) != naive:
        raise ValueError(
            f"{shown!r}: {naive:%H:%M} does not exist on {naive:%d.%m.%Y} in Germany "
            "(clocks jump from 02:00 to 03:00 that night); write the real time, e.g. 03:00 Uhr"
        )
    absolute = parts.relative_days is None and parts.year is not None
    return ParsedDate(value, parts.hour is not None, absolute, parts)


def parse_date(text: str, *, now: datetime | None = None) -> datetime:
    """Normalise a German date text to an aware Europe/Berlin datetime.

    ``now`` (aware; default: the current time) supplies what the text leaves out: the year of
    ``8. Juli``, the day of ``14:30 Uhr`` and the meaning of ``heute``/``gestern``/``morgen``.
    Without a time the result is 00:00 local time. Raises ValueError with a message that says
    what was wrong and what a valid date looks like.
    """
    return parse_date_text(text, now=now).value


def parse_date_line(text: str) -> ParsedDate:
    """Parse the date line of a release file, which must name its day on its own.

    A relative (``heute``), year-less (``8. Juli``) or time-only (``14:30 Uhr``) date line
    would mean another day when the feed is built tomorrow or next year, so they are errors
    whose message says what to write instead.
    """
    parts = parse_parts(text)
    shown = _SPACES.sub(" ", text).strip()
    if parts.relative_days is not None and _RELATIVE_WORD.search(text) is None:
        raise ValueError(
            f"the date line {shown!r} has a time but no day; "
            "write the full date, e.g. 10.07.2024, 14:30 Uhr"
        )
    if parts.relative_days is not None:
        raise ValueError(
            f"the date line {shown!r} is relative and would change meaning tomorrow; "
            "write the full date, e.g. 10.07.2024"
        )
    if parts.year is None:
        raise ValueError(
            f"the date line {shown!r} has no year; write the full date, e.g. "
            f"{parts.day:02d}.{parts.month:02d}.2024"
        )
    return parse_date_text(text, now=_FIXED_NOW)


# The date line is absolute, so "now" never shows in its result; a constant keeps it pure.
_FIXED_NOW = datetime(2000, 1, 1, tzinfo=BERLIN)


def format_date_line(value: datetime, *, with_time: bool) -> str:
    """The canonical date line for ``value``: ``10.07.2024`` or ``10.07.2024, 14:30 Uhr``."""
    local = value.astimezone(BERLIN)
    text = f"{local:%d.%m.%Y}"
    if with_time:
        text += f", {local:%H:%M} Uhr"
    return text
