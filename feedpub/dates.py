"""German date text → timezone-aware datetime in Europe/Berlin.

Built on python-dateutil's parser with German tables (:class:`GermanParserInfo`). A few small
normalising steps run first for what the tables cannot express (``14.30 Uhr``, ranges, ISO,
``heute``). This module knows nothing of files: it raises ``ValueError`` and callers add the
file and line.

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


@lru_cache(maxsize=8192)
def parse_parts(text: str) -> DateParts:
    """Read what ``text`` says about a date, without filling anything in.

    Cached: a folder of releases repeats the same few thousand date lines.
    Raises ValueError for text that is no date or names no day, month 13, 25:00 and the like.
    """
    plain = _PLAIN.match(text)
    if plain:
        # The form nearly every date line has ("10.07.2024", "10.07.2024, 14:30 Uhr"), read
        # without dateutil: a tenth of the cost, the same result (the date table tests run both
        # paths). Out-of-range parts fall through to the full path and its messages.
        day, month, year, hour, minute = (int(g) if g else None for g in plain.groups())
        assert day is not None and month is not None and year is not None
        if 1 <= month <= 12 and 1 <= day <= 31 and (hour is None or hour <= 23):
            return DateParts(year, month, day, hour, minute, None, None, None)
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
    shown = _SPACES.sub(" ", text).strip()
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
            raise ValueError(f"{shown!r} is not a real date ({exc}); check day and month") from None
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
