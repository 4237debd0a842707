"""Where running text (a paragraph of a release) names days, for ``<time datetime>``.

:func:`find_dates` finds where a paragraph names a day, with its weekday and time if written
next to it, and reads each place with the date parser (:mod:`feedpub.dates`): the regex here
(:data:`_TEXT_DATE`) only says where to look; :func:`~feedpub.dates.parse_parts` and
:func:`~feedpub.dates.resolve` decide what it means and whether it is a date at all, so a text
date means what the same date line would. A year-less date ("am 12. Juli") takes its year from
the day the release was published (:func:`year_for`, :data:`RECENT_PAST`). Pure: text and a
reference day in, spans and datetimes out; :mod:`feedpub.content` turns them into HTML.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import NamedTuple

from feedpub.dates import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    GermanParserInfo,
    ParsedDate,
    parse_parts,
    resolve,
)
from feedpub.dateutil_de import range_start_year

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


# Right after a date without its time: a time we cannot read ("18;00 Uhr", "18 00 Uhr",
# "10,30 Uhr", "10.45h") or digits that may belong to it ("10.07.20 30"). Every digit of a
# date and its time must be read, so such a date stays plain text.
_UNREAD_TIME = re.compile(
    r"\s*[,–-]?\s*(?i:um\s+|gegen\s+|ab\s+)?\d{1,2}\s?[;,. ]?\s?\d{0,2}\s*(?i:uhr|h)\b"
)
_DIGIT_AFTER = re.compile(r"[ .,:;/-]?\d")


def _unread_after(text: str, end: int) -> bool:
    """True when a date ending at ``end`` is followed by a time or digits we cannot read; digits
    only count after a date that ends in one ("10. Juli 24 Gäste" is a day and a number)."""
    if _UNREAD_TIME.match(text, end):
        return True
    return text[end - 1].isdigit() and _DIGIT_AFTER.match(text, end) is not None


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
        return resolve(parts, text, reference, year)
    except ValueError:
        return None


def _read_time(text: str, day: date) -> ParsedDate | None:
    """A time alone (the end of "10 bis 12 Uhr") on ``day``, or None."""
    try:
        parts = parse_parts(text)
        if parts.relative_days != 0 or parts.month is not None:
            return None
        return resolve(parts, text, day)
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
                range_start_year(
                    (parts.month, parts.day), None, (last.month, last.day), str(last.year)
                )
            )
        start = resolve(parts, start_text, reference, year)
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
    found without it; a date followed by a time or digits that cannot be read is not found. A
    year-less date takes its year from ``reference``, the day the text was published (see
    :func:`year_for`). With ``limit``, the first ``limit`` dates only, and the text after
    them is not searched.
    """
    if not _has_digit(text) or limit == 0:
        return []  # every date has a digit: much text is done here
    found: list[TextDate] = []
    previous_end = 0
    for match in _TEXT_DATE.finditer(text):
        spans = _spans(match, text, reference, previous_end)
        if spans and not spans[-1].has_time and _unread_after(text, spans[-1].end):
            continue  # "10.07.2024, 18;00 Uhr", "10.07.20 30": a digit we cannot read
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
