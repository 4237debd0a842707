"""python-dateutil taught German: its tables, the two-digit-year rule, and the rewrites that run
before it for what the tables cannot express.

:class:`GermanParserInfo` gives dateutil German weekdays and months and reads a two-digit year
as the one closest to this year (:func:`two_digit_year`). :func:`normalise` rewrites a date
text so that dateutil reads it as meant: spaces and dashes made one, ``heute``/``gestern``
taken out, ISO and year-first dates turned day-first, ``14.30 Uhr`` made ``14:30``, a range of
days or times cut to its start (``8. bis 10. Juli 2024`` → ``8. Juli 2024``), and day and
month checked before dateutil could swap them. It raises ``ValueError`` for what no rewrite
can save (``20240710``, two times, month 13). :mod:`feedpub.dates` calls it on the text its
fast path cannot read, then dateutil, then checks what dateutil read against its grammar.

The words and limits of German dates live here too (:data:`BERLIN`, :data:`WEEKDAY_NAMES`,
:data:`MONTH_NAMES`, the year range), below both parsers; :mod:`feedpub.dates` exports them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
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
        # A two-digit year is the one closest to this year ("10.07.99" is 1999, "10.07.24"
        # 2024); a tie (50 years either way) goes to the past. See two_digit_year.
        if year < 100 and not century_specified:
            return two_digit_year(year)
        return year


def spellings(table: list[tuple[str, ...]], *, shortest: int = 1) -> str:
    """A regex alternation of a table's spellings (``GermanParserInfo.MONTHS`` or
    ``.WEEKDAYS``), longest first so that "Juli" wins over "Jul"; ``shortest`` leaves out the
    shorter ones ("Mo", "Di" are too often other words)."""
    names = (name for entry in table for name in sorted(entry, key=len, reverse=True))
    return "|".join(re.escape(name) for name in names if len(name) >= shortest)


def two_digit_year(year: int, this_year: int | None = None) -> int:
    """The four-digit year closest to ``this_year`` (default: now in Berlin) ending in ``year``.

    In 2026 that is 2000–2075 for 00–75 and 1976–1999 for 76–99 (76: 1976 and 2076 are both
    50 years away; a tie goes to the past, as a press release mostly looks back).
    """
    if this_year is None:
        this_year = datetime.now(BERLIN).year
    base = this_year // 100 * 100
    candidates = [base - 100 + year, base + year, base + 100 + year]
    return min(candidates, key=lambda c: (abs(c - this_year), c))


#: The tables and the parser, one for the process: building them converts every table, which
#: costs more than a parse.
INFO = GermanParserInfo()
PARSER = du_parser.parser(INFO)

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
    r"(?<![\d.:])(\d{1,2})\.\s*(?:bis|-)\s*(?:zum\s+)?(\d{1,2})\.", re.IGNORECASE
)
# "10.07." (no year): dateutil reads "10.07" as a day only, so split the parts.
_DAY_MONTH = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(?![\d])")
# "10.07.2024", "1.7.24", "10.07.": checked before dateutil, which would silently swap day and
# month when one of them is too big for a month ("10.13.2024" → 13 October) and would read a
# one-digit year as 200x ("10.07.4").
# Day first, also with "/" or "-" (dateutil, dayfirst or not, swaps day and month when the
# month cannot be one: "01/21/2000" would be 21 January; here 21 is refused as a month).
_NUMERIC_DATE = re.compile(r"(?<![\d.:/-])(\d{1,2})([./-])(\d{1,2})\2(\d+)?(?![\d:/-])")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
# "2024-7-10", "2024/07/10", "2024.07.10": with dayfirst=True dateutil reads these as year, day,
# month (10 July becomes 7 October), so turn them into "10.7.2024" first.
_YEAR_FIRST = re.compile(r"(?<![\w.:/-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/-])")
# Two clock times ("14:30 Uhr 16:00 Uhr"): dateutil would silently keep the last one. Not after
# "+" or "-": "14:30+02:00" is a time and a UTC offset, refused below for the offset.
_CLOCK = re.compile(r"(?<![\d:+-])\d{1,2}:\d{2}")
_DAY_DOT_WORD = re.compile(r"(?<![\d.])(\d{1,2})\.(?=[^\W\d_])")
#: The relative days a text may name, with their offset from today (then refused in a date
#: line, an ``Aktualisiert:`` line and running text).
RELATIVE_DAYS = {"vorgestern": -2, "gestern": -1, "heute": 0, "morgen": 1, "übermorgen": 2}
RELATIVE_WORD = re.compile(r"\b(" + "|".join(RELATIVE_DAYS) + r")\b", re.IGNORECASE)


def range_start_year(
    start: tuple[int, int], start_year: str | None, end: tuple[int, int], end_year: str | None
) -> str:
    """The year of a range's start: its own, else the end's (minus one across New Year)."""
    if start_year is not None or end_year is None:
        return start_year or ""
    year = INFO.convertyear(int(end_year), len(end_year) > 2)
    return str(year - 1 if start > end else year)


def _numeric_range_start(match: re.Match[str]) -> str:
    day, month, year, end_day, end_month, end_year = match.groups()
    start, end = (int(month), int(day)), (int(end_month), int(end_day))
    start_year = range_start_year(start, year, end, end_year)
    _check_range(match[0], (start_year, *start), (end_year, *end))
    return f"{day}.{month}.{start_year}"


def _check_range(
    text: str, start: tuple[str | None, int, int], end: tuple[str | None, int, int]
) -> None:
    """A range means its start only when both ends are real days, in order (year, month, day;
    a year may be unsaid: then the start's, or the end's)."""
    start_year = start[0] or end[0]
    end_year = end[0] or start[0]
    try:
        first = date(
            INFO.convertyear(int(start_year), len(start_year) > 2) if start_year else 2000,
            start[1],
            start[2],
        )
        last = date(
            INFO.convertyear(int(end_year), len(end_year) > 2) if end_year else 2000,
            end[1],
            end[2],
        )
    except ValueError:
        raise ValueError(
            f"{text!r} is not a real date range (both ends must be real days); write one date"
        ) from None
    if first > last:
        raise ValueError(f"{text!r}: the range ends before it starts; write one date")


def _named_range_start(match: re.Match[str]) -> str:
    day, month, year, end_day, end_month, end_year = match.groups()
    month_no, end_month_no = INFO.month(month), INFO.month(end_month)
    if month_no is None or end_month_no is None:
        return match[0]  # not two month names: leave it for dateutil to judge
    start, end = (month_no, int(day)), (end_month_no, int(end_day))
    start_year = range_start_year(start, year, end, end_year)
    _check_range(match[0], (start_year or None, *start), (end_year, *end))
    return f"{day}. {month} {start_year}".rstrip()


def _day_range_start(match: re.Match[str]) -> str:
    """ "8. bis 10." → "8.": only when the start's day comes before the end's."""
    if int(match[1]) >= int(match[2]):
        raise ValueError(f"{match[0]!r}: the range ends before it starts; write one date")
    return f"{match[1]}."


def normalise(text: str) -> tuple[str, int | None]:
    """Rewrite what dateutil's tables can't express; return the text and the relative days
    (``heute`` 0, ``gestern`` -1, …; None for none)."""
    text = shown = _SPACES.sub(" ", text).strip()
    long_number = _LONG_NUMBER.search(text)
    if long_number:
        raise ValueError(
            f"{shown!r}: {long_number[0]} is too long for a day, month, year or time; "
            "write the date with dots, e.g. 10.07.2024"
        )
    text, relative = _take_relative_day(_DASHES.sub(" - ", text), shown)
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
        text = _DAY_RANGE.sub(_day_range_start, text)
    _check_numeric_dates(text, shown)
    return _DAY_MONTH.sub(r"\1. \2.", text), relative


def names_relative_day(text: str) -> bool:
    """Whether ``text`` holds ``heute``, ``gestern``, ``morgen`` or the like."""
    return RELATIVE_WORD.search(text) is not None


def _take_relative_day(text: str, shown: str) -> tuple[str, int | None]:
    """``text`` without its relative day, and that day's offset (None for none)."""
    words = RELATIVE_WORD.findall(text)
    if len(words) > 1:
        raise ValueError(f"{shown!r} names more than one relative day ({', '.join(words)})")
    if not words:
        return text, None
    return RELATIVE_WORD.sub(" ", text).strip(" ,"), RELATIVE_DAYS[words[0].lower()]


def _check_numeric_dates(text: str, shown: str) -> None:
    """Refuse a numeric date whose month, day or year cannot be one (``10.13.2024``)."""
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = int(match[1]), int(match[3]), match[4]
        if not 1 <= month <= 12:
            raise ValueError(f"{shown!r}: {month} is not a month (1–12)")
        if not 1 <= day <= 31:
            raise ValueError(f"{shown!r}: {day} is not a day of a month (1–31)")
        if year is not None and len(year) not in (2, 4):
            raise ValueError(
                f"{shown!r}: the year {year} needs four digits (or two), e.g. 10.07.2024"
            )
