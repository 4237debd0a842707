"""Tests for feedpub.dates: German date text → aware Europe/Berlin datetime.

Two tables, as dateutil's ``PARSER_TEST_CASES`` and feedparser's ``test_date_parsers.py``:
``DATE_CASES`` (text, expected ISO datetime with its UTC offset, note) and ``INVALID_CASES``
(text, a fragment the error message must contain, note). Every relative or year-less row is
read against the fixed ``NOW`` (Thursday, 26.11.2026, 10:00 in Berlin).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedpub import parse_date as public_parse_date
from feedpub.dates import (
    BERLIN,
    format_date_line,
    parse_date,
    parse_date_line,
    parse_date_text,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)  # a Thursday, winter time (+01:00)

# (text, expected local datetime with its offset, note)
DATE_CASES: list[tuple[str, str, str]] = [
    # --- numeric dates --------------------------------------------------------------------
    ("10.07.2024", "2024-07-10T00:00:00+02:00", "numeric dd.mm.yyyy"),
    ("1.7.2024", "2024-07-01T00:00:00+02:00", "one-digit day and month"),
    ("01.07.2024", "2024-07-01T00:00:00+02:00", "leading zeros"),
    ("10.07.24", "2024-07-10T00:00:00+02:00", "two-digit year"),
    ("1.7.24", "2024-07-01T00:00:00+02:00", "short day, month and year"),
    ("31.12.99", "1999-12-31T00:00:00+01:00", "two-digit 99 is 1999: the closest century"),
    ("01.01.00", "2000-01-01T00:00:00+01:00", "two-digit 00 is 2000"),
    ("10. 07. 2024", "2024-07-10T00:00:00+02:00", "spaces after the dots"),
    ("10/07/2024", "2024-07-10T00:00:00+02:00", "slashes, still day first"),
    ("10-07-2024", "2024-07-10T00:00:00+02:00", "hyphens, still day first"),
    ("  10.07.2024  ", "2024-07-10T00:00:00+02:00", "surrounding spaces"),
    ("10.07.2024\n", "2024-07-10T00:00:00+02:00", "trailing newline"),
    ("10.07.2024.", "2024-07-10T00:00:00+02:00", "full stop after the year"),
    ("13.12.2024", "2024-12-13T00:00:00+01:00", "day 13: only day-first fits"),
    ("12.01.2024", "2024-01-12T00:00:00+01:00", "both parts could be a month: day first"),
    ("29.02.2024", "2024-02-29T00:00:00+01:00", "leap day"),
    ("29.2.2000", "2000-02-29T00:00:00+01:00", "leap day of a year divisible by 400"),
    ("31.12.2024", "2024-12-31T00:00:00+01:00", "last day of the year"),
    ("01.01.2025", "2025-01-01T00:00:00+01:00", "first day of the year"),
    ("31.12.1999", "1999-12-31T00:00:00+01:00", "last day of the millennium"),
    ("01.01.1900", "1900-01-01T00:00:00+01:00", "smallest year accepted"),
    ("31.12.2199", "2199-12-31T00:00:00+01:00", "largest year accepted"),
    ("10.07.", "2026-07-10T00:00:00+02:00", "year-less numeric: year of now"),
    ("1.1.", "2026-01-01T00:00:00+01:00", "year-less, one digit each"),
    ("26.11.", "2026-11-26T00:00:00+01:00", "year-less: today"),
    # --- month names and abbreviations ----------------------------------------------------
    ("10. Januar 2024", "2024-01-10T00:00:00+01:00", "Januar"),
    ("10. Jan. 2024", "2024-01-10T00:00:00+01:00", "Jan."),
    ("10. Jänner 2024", "2024-01-10T00:00:00+01:00", "Austrian Jänner"),
    ("10. Jän. 2024", "2024-01-10T00:00:00+01:00", "Austrian Jän."),
    ("10. Februar 2024", "2024-02-10T00:00:00+01:00", "Februar"),
    ("10. Feb. 2024", "2024-02-10T00:00:00+01:00", "Feb."),
    ("10. Febr. 2024", "2024-02-10T00:00:00+01:00", "Febr."),
    ("10. März 2024", "2024-03-10T00:00:00+01:00", "März"),
    ("10. Maerz 2024", "2024-03-10T00:00:00+01:00", "Maerz without umlaut"),
    ("10. Mrz. 2024", "2024-03-10T00:00:00+01:00", "Mrz."),
    ("10. Mär. 2024", "2024-03-10T00:00:00+01:00", "Mär."),
    ("10. April 2024", "2024-04-10T00:00:00+02:00", "April, summer time"),
    ("10. Apr. 2024", "2024-04-10T00:00:00+02:00", "Apr."),
    ("10. Mai 2024", "2024-05-10T00:00:00+02:00", "Mai"),
    ("10. Juni 2024", "2024-06-10T00:00:00+02:00", "Juni"),
    ("10. Jun. 2024", "2024-06-10T00:00:00+02:00", "Jun."),
    ("10. Juli 2024", "2024-07-10T00:00:00+02:00", "Juli"),
    ("10. Jul. 2024", "2024-07-10T00:00:00+02:00", "Jul."),
    ("10. August 2024", "2024-08-10T00:00:00+02:00", "August"),
    ("10. Aug. 2024", "2024-08-10T00:00:00+02:00", "Aug."),
    ("10. September 2024", "2024-09-10T00:00:00+02:00", "September"),
    ("10. Sept. 2024", "2024-09-10T00:00:00+02:00", "Sept."),
    ("10. Sep. 2024", "2024-09-10T00:00:00+02:00", "Sep."),
    ("10. Oktober 2024", "2024-10-10T00:00:00+02:00", "Oktober"),
    ("10. Okt. 2024", "2024-10-10T00:00:00+02:00", "Okt."),
    ("10. November 2024", "2024-11-10T00:00:00+01:00", "November, winter time"),
    ("10. Nov. 2024", "2024-11-10T00:00:00+01:00", "Nov."),
    ("10. Dezember 2024", "2024-12-10T00:00:00+01:00", "Dezember"),
    ("10. Dez. 2024", "2024-12-10T00:00:00+01:00", "Dez."),
    ("10 Juli 2024", "2024-07-10T00:00:00+02:00", "no dot after the day"),
    ("10.Juli 2024", "2024-07-10T00:00:00+02:00", "no space after the dot"),
    ("10.Jul. 2024", "2024-07-10T00:00:00+02:00", "no space after the dot, abbreviated month"),
    ("10. JULI 2024", "2024-07-10T00:00:00+02:00", "month in capitals"),
    ("10. juli 2024", "2024-07-10T00:00:00+02:00", "month in lower case"),
    ("10. MÄRZ 2024", "2024-03-10T00:00:00+01:00", "capital umlaut"),
    ("8. Juli", "2026-07-08T00:00:00+02:00", "year-less named: year of now"),
    ("1. Mai", "2026-05-01T00:00:00+02:00", "year-less Mai"),
    ("24. Dezember", "2026-12-24T00:00:00+01:00", "year-less, later this year"),
    # --- weekdays -------------------------------------------------------------------------
    ("Montag, 8. Juli 2024", "2024-07-08T00:00:00+02:00", "Montag"),
    ("Dienstag, 9. Juli 2024", "2024-07-09T00:00:00+02:00", "Dienstag"),
    ("Mittwoch, 10. Juli 2024", "2024-07-10T00:00:00+02:00", "Mittwoch"),
    ("Donnerstag, 11. Juli 2024", "2024-07-11T00:00:00+02:00", "Donnerstag"),
    ("Freitag, 12. Juli 2024", "2024-07-12T00:00:00+02:00", "Freitag"),
    ("Samstag, 13. Juli 2024", "2024-07-13T00:00:00+02:00", "Samstag"),
    ("Sonnabend, 13. Juli 2024", "2024-07-13T00:00:00+02:00", "Sonnabend (north German)"),
    ("Sonntag, 14. Juli 2024", "2024-07-14T00:00:00+02:00", "Sonntag"),
    ("Mo., 08.07.2024", "2024-07-08T00:00:00+02:00", "Mo."),
    ("Di., 09.07.2024", "2024-07-09T00:00:00+02:00", "Di."),
    ("Mi., 10.07.2024", "2024-07-10T00:00:00+02:00", "Mi."),
    ("Do., 11.07.2024", "2024-07-11T00:00:00+02:00", "Do."),
    ("Fr., 12.07.2024", "2024-07-12T00:00:00+02:00", "Fr."),
    ("Sa., 13.07.2024", "2024-07-13T00:00:00+02:00", "Sa."),
    ("So., 14.07.2024", "2024-07-14T00:00:00+02:00", "So."),
    ("Mo 8.7.24", "2024-07-08T00:00:00+02:00", "short weekday without dot or comma"),
    ("MITTWOCH, 10. JULI 2024", "2024-07-10T00:00:00+02:00", "all capitals"),
    ("mittwoch, 10. juli 2024", "2024-07-10T00:00:00+02:00", "all lower case"),
    ("Montag, den 8. Juli 2024", "2024-07-08T00:00:00+02:00", "Montag, den"),
    ("Mittwoch, dem 10. Juli 2024", "2024-07-10T00:00:00+02:00", "Mittwoch, dem"),
    ("am 8. Juli 2024", "2024-07-08T00:00:00+02:00", "am"),
    ("am Montag, den 8. Juli 2024", "2024-07-08T00:00:00+02:00", "am Montag, den"),
    ("vom 10.07.2024", "2024-07-10T00:00:00+02:00", "vom"),
    ("10.07.2024, Mittwoch", "2024-07-10T00:00:00+02:00", "weekday after the date"),
    ("Donnerstag, 29. Februar 2024", "2024-02-29T00:00:00+01:00", "weekday of a leap day"),
    ("Donnerstag, 26.11.", "2026-11-26T00:00:00+01:00", "weekday with a year-less date"),
    # --- times ----------------------------------------------------------------------------
    ("10.07.2024, 14:30 Uhr", "2024-07-10T14:30:00+02:00", "HH:MM Uhr"),
    ("10.07.2024, 14.30 Uhr", "2024-07-10T14:30:00+02:00", "HH.MM Uhr"),
    ("10.07.2024 - 09.15 Uhr", "2024-07-10T09:15:00+02:00", "dash before the time"),
    ("10.07.2024, 14 Uhr", "2024-07-10T14:00:00+02:00", "full hour"),
    ("10.07.2024 um 14:30 Uhr", "2024-07-10T14:30:00+02:00", "um HH:MM Uhr"),
    ("10.07.2024, um 9 Uhr", "2024-07-10T09:00:00+02:00", "um H Uhr"),
    ("10.07.2024 14:30", "2024-07-10T14:30:00+02:00", "time without Uhr"),
    ("10.07.2024, 14:30Uhr", "2024-07-10T14:30:00+02:00", "Uhr without space"),
    ("10.07.2024, 14:30 uhr", "2024-07-10T14:30:00+02:00", "uhr in lower case"),
    ("10.07.2024, 14:30 UHR", "2024-07-10T14:30:00+02:00", "UHR in capitals"),
    ("10.07.2024, 0:00 Uhr", "2024-07-10T00:00:00+02:00", "explicit midnight"),
    ("10.07.2024, 23:59 Uhr", "2024-07-10T23:59:00+02:00", "last minute of the day"),
    ("10.07.2024, 14:30:15 Uhr", "2024-07-10T14:30:15+02:00", "seconds with Uhr"),
    ("10.07.2024 14:30:15", "2024-07-10T14:30:15+02:00", "seconds without Uhr"),
    ("Mittwoch, 10. Juli 2024, 14:30 Uhr", "2024-07-10T14:30:00+02:00", "weekday, name, time"),
    (
        "Mittwoch, den 10.07.2024, um 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "weekday, den, numeric, um",
    ),
    ("10. Juli 2024, 9.30 Uhr", "2024-07-10T09:30:00+02:00", "named month, H.MM Uhr"),
    ("10.07.24, 14.30 Uhr", "2024-07-10T14:30:00+02:00", "two-digit year with time"),
    ("31.12.2024, 23:59 Uhr", "2024-12-31T23:59:00+01:00", "last minute of the year"),
    ("1.1.2025, 0:01 Uhr", "2025-01-01T00:01:00+01:00", "first minutes of the year"),
    ("14:30 Uhr", "2026-11-26T14:30:00+01:00", "time alone: the day of now"),
    ("um 9 Uhr", "2026-11-26T09:00:00+01:00", "um H Uhr alone"),
    ("14.30 Uhr", "2026-11-26T14:30:00+01:00", "HH.MM Uhr alone"),
    ("Donnerstag, 14:30 Uhr", "2026-11-26T14:30:00+01:00", "time alone with today's weekday"),
    # --- ranges mean their start ----------------------------------------------------------
    ("8. bis 10. Juli 2024", "2024-07-08T00:00:00+02:00", "day range with bis"),
    ("8.–10. Juli 2024", "2024-07-08T00:00:00+02:00", "day range with en dash"),
    ("8.-10.07.2024", "2024-07-08T00:00:00+02:00", "numeric day range with hyphen"),
    ("8. - 10. Juli 2024", "2024-07-08T00:00:00+02:00", "day range, spaced hyphen"),
    ("vom 8. bis zum 10. Juli 2024", "2024-07-08T00:00:00+02:00", "vom … bis zum"),
    ("30.06. bis 02.07.2024", "2024-06-30T00:00:00+02:00", "numeric range across months"),
    ("30.6.–2.7.2024", "2024-06-30T00:00:00+02:00", "short numeric range, en dash"),
    ("30. Juni bis 2. Juli 2024", "2024-06-30T00:00:00+02:00", "named range across months"),
    ("10.07.2024 bis 12.07.2024", "2024-07-10T00:00:00+02:00", "two full dates with bis"),
    ("10.07.2024 – 12.07.2024", "2024-07-10T00:00:00+02:00", "two full dates, en dash"),
    ("28.12. bis 2.1.2025", "2024-12-28T00:00:00+01:00", "range across New Year"),
    (
        "28. Dezember bis 2. Januar 2025",
        "2024-12-28T00:00:00+01:00",
        "named range across New Year",
    ),
    ("9:00 bis 12:00 Uhr", "2026-11-26T09:00:00+01:00", "time range alone"),
    ("9 - 12 Uhr", "2026-11-26T09:00:00+01:00", "hour range alone"),
    ("10.07.2024, 9:00 bis 12:00 Uhr", "2024-07-10T09:00:00+02:00", "date and time range"),
    ("10.07.2024, 9:00–12:00 Uhr", "2024-07-10T09:00:00+02:00", "time range with en dash"),
    ("10.07.2024, 9 bis 12 Uhr", "2024-07-10T09:00:00+02:00", "hour range with bis"),
    ("10.07.2024, 14:30 – 16:00", "2024-07-10T14:30:00+02:00", "time range without Uhr"),
    ("10.07.2024, 14:30-16:00", "2024-07-10T14:30:00+02:00", "unspaced range without Uhr"),
    (
        "10.07.2024, 14:30 Uhr bis 16:00 Uhr",
        "2024-07-10T14:30:00+02:00",
        "Uhr on both ends",
    ),
    ("10.07.2024, 9.30-11 Uhr", "2024-07-10T09:30:00+02:00", "H.MM-H Uhr"),
    # --- ISO and year-first -----------------------------------------------------------------
    ("2024-07-10", "2024-07-10T00:00:00+02:00", "ISO date"),
    ("2024-07-10T14:30", "2024-07-10T14:30:00+02:00", "ISO date and time"),
    ("2024-07-10 14:30:00", "2024-07-10T14:30:00+02:00", "ISO with space and seconds"),
    ("2024-01-12", "2024-01-12T00:00:00+01:00", "ISO where day-first would swap"),
    ("2024-7-10", "2024-07-10T00:00:00+02:00", "year first, one-digit month"),
    ("2024/07/10", "2024-07-10T00:00:00+02:00", "year first with slashes"),
    ("2024-07-10, 14:30 Uhr", "2024-07-10T14:30:00+02:00", "ISO date, German time"),
    # --- relative words -------------------------------------------------------------------
    ("heute", "2026-11-26T00:00:00+01:00", "heute"),
    ("gestern", "2026-11-25T00:00:00+01:00", "gestern"),
    ("morgen", "2026-11-27T00:00:00+01:00", "morgen"),
    ("Heute", "2026-11-26T00:00:00+01:00", "Heute capitalised"),
    ("GESTERN", "2026-11-25T00:00:00+01:00", "GESTERN in capitals"),
    ("vorgestern", "2026-11-24T00:00:00+01:00", "vorgestern"),
    ("übermorgen", "2026-11-28T00:00:00+01:00", "übermorgen"),
    ("heute, 14:30 Uhr", "2026-11-26T14:30:00+01:00", "heute with time"),
    ("gestern, 9 Uhr", "2026-11-25T09:00:00+01:00", "gestern with full hour"),
    ("morgen um 10.15 Uhr", "2026-11-27T10:15:00+01:00", "morgen um H.MM Uhr"),
    ("heute, Donnerstag", "2026-11-26T00:00:00+01:00", "heute with its weekday"),
    # --- white space --------------------------------------------------------------------
    ("10.\u00a0Juli\u00a02024", "2024-07-10T00:00:00+02:00", "no-break spaces"),
    ("10.\u202fJuli 2024", "2024-07-10T00:00:00+02:00", "narrow no-break space"),
    ("10.07.2024,\u00a014:30\u00a0Uhr", "2024-07-10T14:30:00+02:00", "NBSP around the time"),
    ("10.07.2024, 14:30\u202fUhr", "2024-07-10T14:30:00+02:00", "narrow NBSP before Uhr"),
    ("10.\tJuli 2024", "2024-07-10T00:00:00+02:00", "tab"),
    ("Mittwoch,  10.  Juli   2024", "2024-07-10T00:00:00+02:00", "runs of spaces"),
    # --- daylight saving time -------------------------------------------------------------
    ("31.03.2024", "2024-03-31T00:00:00+01:00", "spring-forward day, midnight"),
    ("31.03.2024, 01:59 Uhr", "2024-03-31T01:59:00+01:00", "last minute before the gap"),
    ("31.03.2024, 03:00 Uhr", "2024-03-31T03:00:00+02:00", "first minute after the gap"),
    ("31.03.2024, 12:00 Uhr", "2024-03-31T12:00:00+02:00", "noon on spring-forward day"),
    ("30.03.2025, 01:30 Uhr", "2025-03-30T01:30:00+01:00", "2025 before the gap"),
    ("30.03.2025, 03:00 Uhr", "2025-03-30T03:00:00+02:00", "2025 after the gap"),
    ("27.10.2024", "2024-10-27T00:00:00+02:00", "fall-back day, midnight"),
    ("27.10.2024, 01:59 Uhr", "2024-10-27T01:59:00+02:00", "before the repeated hour"),
    ("27.10.2024, 02:00 Uhr", "2024-10-27T02:00:00+02:00", "repeated 02:00: first (+02)"),
    ("27.10.2024, 02:30 Uhr", "2024-10-27T02:30:00+02:00", "repeated 02:30: first (+02)"),
    ("27.10.2024, 02:59 Uhr", "2024-10-27T02:59:00+02:00", "repeated 02:59: first (+02)"),
    ("27.10.2024, 03:00 Uhr", "2024-10-27T03:00:00+01:00", "after the repeated hour"),
    ("26.10.2025, 02:30 Uhr", "2025-10-26T02:30:00+02:00", "2025 repeated hour"),
]

# (text, a fragment of the error message, note)
INVALID_CASES: list[tuple[str, str, str]] = [
    ("", "empty date", "empty"),
    ("   ", "empty date", "only spaces"),
    ("\u00a0", "empty date", "only a no-break space"),
    ("Juli", "names no day", "a month alone"),
    ("Juli 2024", "names no day", "month and year"),
    ("Montag", "names no day", "a weekday alone"),
    ("2024", "names no day", "a year alone"),
    ("am 10.", "names no day", "a day alone"),
    ("Montag, 10.", "names no day", "weekday and day"),
    ("Datum folgt", "is not a date", "placeholder text"),
    ("Berlin, 10.07.2024", "is not a date", "a place before the date"),
    ("10. July 2024", "is not a date", "English month"),
    ("10.07.2024 2:30 pm", "is not a date", "English am/pm"),
    ("morgen früh", "is not a date", "relative word with prose"),
    ("8.7.2024 9.7.2024", "is not a date", "two dates"),
    ("31.02.2024", "is not a real date", "31 February"),
    ("30.02.2024", "is not a real date", "30 February"),
    ("29.02.2023", "is not a real date", "29 February outside a leap year"),
    ("29.02.2100", "is not a real date", "2100 is no leap year"),
    ("31.04.2024", "is not a real date", "April has 30 days"),
    ("31. Juni 2024", "is not a real date", "June has 30 days, named"),
    ("2024-02-30", "is not a real date", "impossible ISO date"),
    ("31.02. bis 2.03.2024", "is not a real date", "impossible start of a range"),
    ("32.01.2024", "32 is not a day", "day 32"),
    ("0.07.2024", "0 is not a day", "day 0"),
    ("10.13.2024", "13 is not a month", "month 13, not swapped to 13 October"),
    ("10.00.2024", "0 is not a month", "month 0"),
    ("01/21/2000", "21 is not a month", "slashes: not swapped to 21 January (a typo of 01/01)"),
    ("01-21-2000", "21 is not a month", "dashes: not swapped to 21 January"),
    ("10/13/24", "13 is not a month", "two-digit year with slashes"),
    ("2024-13-01", "13 is not a month", "ISO month 13"),
    ("10.07.2024, 25:00 Uhr", "25 is not an hour", "hour 25"),
    ("10.07.2024, 24:00 Uhr", "24 is not an hour", "24:00 is not written in releases"),
    ("25:00 Uhr", "25 is not an hour", "hour 25 alone"),
    ("10.07.2024, 12:60 Uhr", "60 is not a minute", "minute 60"),
    ("10.07.2024, 14:30:99", "99 is not a second", "second 99"),
    ("10.07.2024 5 sek", "no hour", "seconds without an hour"),
    ("10.07.2024, 14:5 Uhr", "cannot read the time", "one-digit minutes"),
    ("Uhr", "cannot read the time", "Uhr alone"),
    ("10.07.2024, 14:30 Uhr, 16:00 Uhr", "more than one time", "two times"),
    ("Dienstag, 10. Juli 2024", "is a Mittwoch, not a Dienstag", "wrong weekday"),
    ("Mo., 10.07.2024", "is a Mittwoch, not a Montag", "wrong short weekday"),
    ("Samstag, 14.07.2024", "is a Sonntag, not a Samstag", "Saturday for a Sunday"),
    ("Freitag, 14:30 Uhr", "is a Donnerstag, not a Freitag", "time alone, wrong weekday"),
    ("heute, Mittwoch", "is a Donnerstag, not a Mittwoch", "heute with a wrong weekday"),
    ("31.03.2024, 02:30 Uhr", "does not exist", "in the spring-forward gap"),
    ("31.03.2024, 02:00 Uhr", "does not exist", "start of the gap"),
    ("30.03.2025, 02:59 Uhr", "does not exist", "end of the 2025 gap"),
    ("10.07.2024, 14:30 Uhr MESZ", "names a time zone", "time zone name"),
    ("2024-07-10T14:30+02:00", "names a time zone", "ISO with offset"),
    ("2024-07-10T14:30Z", "names a time zone", "ISO in UTC"),
    ("gestern und heute", "more than one relative day", "two relative days"),
    ("heute, 10.07.2024", "mixes a relative day with a date", "heute and a date"),
    ("10.07.0024", "out of range", "year 24 written with four digits"),
    ("10.07.2300", "out of range", "year too far ahead"),
    ("10.07.2", "needs four digits", "one-digit year"),
    ("10.07.202", "needs four digits", "three-digit year"),
    ("1.1.1", "needs four digits", "all one digit"),
    ("20240710", "too long", "compact year-first"),
    ("10072024", "too long", "compact day-first"),
    ("99999999999999999999:7.9", "too long", "absurd number (was OverflowError)"),
]


def _shown(text: str) -> str:
    return " ".join(text.split())


# --- the tables -------------------------------------------------------------------------------


def test_tables_have_no_duplicates() -> None:
    texts = [row[0] for row in DATE_CASES] + [row[0] for row in INVALID_CASES]
    duplicates = sorted({text for text in texts if texts.count(text) > 1})
    assert not duplicates, f"listed twice: {duplicates}"


def test_tables_are_big_enough() -> None:
    assert len(DATE_CASES) >= 120
    assert len(INVALID_CASES) >= 30


@pytest.mark.parametrize(("text", "expected", "note"), DATE_CASES, ids=[c[2] for c in DATE_CASES])
def test_parse_date(text: str, expected: str, note: str) -> None:
    want = datetime.fromisoformat(expected)
    got = parse_date(text, now=NOW)
    assert got.tzinfo is BERLIN, note
    assert got.replace(tzinfo=None) == want.replace(tzinfo=None), note
    assert got.utcoffset() == want.utcoffset(), note
    # Compare instants in UTC: PEP 495 makes a datetime in the repeated hour unequal to the
    # same instant with another tzinfo, so ``got == want`` would fail for the fold rows.
    assert got.astimezone(UTC) == want.astimezone(UTC), note


@pytest.mark.parametrize(
    ("text", "fragment", "note"), INVALID_CASES, ids=[c[2] for c in INVALID_CASES]
)
def test_parse_date_rejects(text: str, fragment: str, note: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text, now=NOW)
    message = str(info.value)
    assert fragment in message, note
    if _shown(text):  # the message quotes what was read, so the author finds it
        assert repr(_shown(text)) in message, note


# --- details of parse_date ----------------------------------------------------------------------


def test_public_name_is_the_same_function() -> None:
    assert public_parse_date is parse_date


def test_naive_now_is_refused() -> None:
    naive = datetime(2026, 11, 26, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_date("heute", now=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_date("10.07.2024", now=naive)


def test_now_is_read_in_berlin() -> None:
    # 23:30 UTC on the 26th is already the 27th in Berlin.
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert parse_date("heute", now=late) == datetime(2026, 11, 27, tzinfo=BERLIN)
    assert parse_date("14:30 Uhr", now=late) == datetime(2026, 11, 27, 14, 30, tzinfo=BERLIN)


def test_cache_does_not_keep_the_day() -> None:
    # parse_parts is cached; the day of "heute" must still follow each call's now.
    assert parse_date("heute", now=NOW).day == 26
    assert parse_date("heute", now=NOW + timedelta(days=3)).day == 29
    assert parse_date("8. Juli", now=NOW.replace(year=2030)).year == 2030


def test_relative_day_crosses_months_and_years() -> None:
    new_year = datetime(2027, 1, 1, 8, 0, tzinfo=BERLIN)
    assert parse_date("gestern", now=new_year) == datetime(2026, 12, 31, tzinfo=BERLIN)
    assert parse_date("morgen", now=new_year - timedelta(days=1)) == new_year.replace(hour=0)


def test_time_alone_in_the_gap_is_refused() -> None:
    spring = datetime(2024, 3, 31, 9, 0, tzinfo=BERLIN)
    with pytest.raises(ValueError, match="does not exist on 31.03.2024"):
        parse_date("02:30 Uhr", now=spring)


def test_year_less_leap_day_needs_a_leap_year() -> None:
    assert parse_date("29.02.", now=datetime(2028, 5, 1, tzinfo=BERLIN)).month == 2
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("29.02.", now=NOW)


def test_without_now_heute_is_today() -> None:
    got = parse_date("heute")
    assert got.tzinfo is BERLIN
    assert got.date() == datetime.now(BERLIN).date()
    assert (got.hour, got.minute, got.second) == (0, 0, 0)


def test_error_for_impossible_date_says_what_to_check() -> None:
    with pytest.raises(ValueError, match="check day and month"):
        parse_date("31.02.2024", now=NOW)


def test_gap_error_suggests_a_real_time() -> None:
    with pytest.raises(ValueError, match="write the real time, e.g. 03:00 Uhr"):
        parse_date("31.03.2024, 02:30 Uhr", now=NOW)


@pytest.mark.parametrize(
    ("text", "has_time"),
    [
        ("10.07.2024", False),
        ("10.07.2024, 0:00 Uhr", True),
        ("heute", False),
        ("heute, 9 Uhr", True),
        ("14:30 Uhr", True),
        ("8. bis 10. Juli 2024", False),
    ],
)
def test_has_time(text: str, has_time: bool) -> None:
    assert parse_date_text(text, now=NOW).has_time is has_time


# --- parse_date_line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("10.07.2024", "2024-07-10T00:00:00+02:00", False),
        ("10.07.2024, 14:30 Uhr", "2024-07-10T14:30:00+02:00", True),
        ("10.07.2024, 0:00 Uhr", "2024-07-10T00:00:00+02:00", True),
        ("Mittwoch, 10. Juli 2024", "2024-07-10T00:00:00+02:00", False),
        ("Mi., 10.07.2024 - 09.15 Uhr", "2024-07-10T09:15:00+02:00", True),
        ("8. bis 10. Juli 2024", "2024-07-08T00:00:00+02:00", False),
        ("27.10.2024, 02:30 Uhr", "2024-10-27T02:30:00+02:00", True),
        ("2024-07-10", "2024-07-10T00:00:00+02:00", False),
    ],
)
def test_parse_date_line_accepts_full_dates(text: str, expected: str, has_time: bool) -> None:
    parsed = parse_date_line(text)
    want = datetime.fromisoformat(expected)
    assert parsed.value.astimezone(UTC) == want.astimezone(UTC)
    assert parsed.value.utcoffset() == want.utcoffset()
    assert parsed.value.tzinfo is BERLIN
    assert parsed.has_time is has_time
    assert parsed.absolute


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("heute", ["is relative", "write the full date, e.g. 10.07.2024"]),
        ("gestern, 14:30 Uhr", ["is relative", "write the full date"]),
        ("morgen", ["is relative", "write the full date"]),
        ("8. Juli", ["has no year", "e.g. 08.07.2024"]),
        ("10.07.", ["has no year", "e.g. 10.07.2024"]),
        ("Mittwoch, 10. Juli", ["has no year", "e.g. 10.07.2024"]),
        ("14:30 Uhr", ["has a time but no day", "e.g. 10.07.2024, 14:30 Uhr"]),
        ("9:00 bis 12:00 Uhr", ["has a time but no day", "write the full date"]),
    ],
)
def test_parse_date_line_refuses_incomplete_dates(text: str, fragments: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        parse_date_line(text)
    message = str(info.value)
    assert repr(text) in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "fragment", "note"), INVALID_CASES, ids=[c[2] for c in INVALID_CASES]
)
def test_parse_date_line_rejects_invalid(text: str, fragment: str, note: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date_line(text)
    if "Donnerstag" not in fragment:  # those depend on now; the line refuses them as incomplete
        assert fragment in str(info.value), note


@pytest.mark.parametrize(("text", "expected", "note"), DATE_CASES, ids=[c[2] for c in DATE_CASES])
def test_parse_date_line_agrees_with_parse_date(text: str, expected: str, note: str) -> None:
    """A full date gives the same datetime as a line; anything else is refused as incomplete."""
    if parse_date_text(text, now=NOW).absolute:
        got = parse_date_line(text).value
        assert got.astimezone(UTC) == datetime.fromisoformat(expected).astimezone(UTC), note
    else:
        with pytest.raises(ValueError, match="write the full date"):
            parse_date_line(text)


def test_parse_date_line_does_not_depend_on_today() -> None:
    # "10.07." must be refused, not completed with the current year.
    with pytest.raises(ValueError, match="has no year"):
        parse_date_line("10.07.")
    assert parse_date_line("10.07.24").value.year == 2024


# --- format_date_line -------------------------------------------------------------------------


def test_format_date_line() -> None:
    value = datetime(2024, 7, 10, 14, 30, tzinfo=BERLIN)
    assert format_date_line(value, with_time=True) == "10.07.2024, 14:30 Uhr"
    assert format_date_line(value, with_time=False) == "10.07.2024"
    assert format_date_line(value.replace(hour=9, minute=5), with_time=True) == (
        "10.07.2024, 09:05 Uhr"
    )


def test_format_date_line_converts_to_berlin() -> None:
    late = datetime(2024, 7, 10, 22, 30, tzinfo=UTC)  # 00:30 on the 11th in Berlin
    assert format_date_line(late, with_time=True) == "11.07.2024, 00:30 Uhr"
    assert format_date_line(late, with_time=False) == "11.07.2024"


def test_format_date_line_refuses_naive() -> None:
    naive = datetime(2024, 7, 10, 14, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        format_date_line(naive, with_time=True)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 7, 10, 14, 30, tzinfo=BERLIN),
        datetime(2024, 3, 31, 3, 0, tzinfo=BERLIN),
        datetime(2024, 12, 31, 23, 59, tzinfo=BERLIN),
        datetime(2024, 10, 27, 2, 30, tzinfo=BERLIN),  # fold=0: the first 02:30
    ],
    ids=str,
)
def test_format_then_parse_round_trip(value: datetime) -> None:
    line = format_date_line(value, with_time=True)
    parsed = parse_date_line(line)
    assert parsed.value == value
    assert parsed.value.utcoffset() == value.utcoffset()
    assert parsed.has_time
    assert format_date_line(value, with_time=False) == line.split(",")[0]


def test_second_occurrence_of_a_repeated_time_reads_back_as_the_first() -> None:
    """Documented limit: the text cannot say which 02:30, so the first (+02:00) is meant."""
    second = datetime(2024, 10, 27, 1, 30, tzinfo=UTC).astimezone(BERLIN)  # 02:30+01:00
    assert second.fold == 1
    line = format_date_line(second, with_time=True)
    assert line == "27.10.2024, 02:30 Uhr"
    back = parse_date_line(line).value
    assert back.utcoffset() == timedelta(hours=2)
    assert back.astimezone(UTC) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "10.07.2024",
        "1.7.2024",
        "10.07.2024, 14:30 Uhr",
        "10.07.2024 - 09.15 Uhr",
        "10.07.2024 14:30 Uhr",
        "31.12.2026, 23:59 Uhr",
        " 29.02.2024 ",
    ],
)
def test_fast_path_agrees_with_dateutil(text: str) -> None:
    """parse_parts reads plain dd.mm.yyyy lines without dateutil; "am …" forces the full path."""
    from feedpub.dates import _PLAIN, parse_parts

    assert _PLAIN.match(text)
    assert not _PLAIN.match("am " + text)
    assert parse_parts(text) == parse_parts("am " + text)


def test_fast_paths_agree_with_dateutil_on_the_tables() -> None:
    """Every table text the fast paths read (plain dd.mm.yyyy, and the common forms with a
    weekday, a month name, no year or an hour) gives what the full path gives."""
    from feedpub.dates import _fast_parts, _full_parts

    read = [text for text, *_ in DATE_CASES + INVALID_CASES if _fast_parts(text) is not None]
    for text in read:
        assert _fast_parts(text) == _full_parts(text), text
    assert len(read) >= 100, f"the fast paths read only {len(read)} table texts"
    # And they read the common forms at all (a regex that matches nothing agrees too).
    for text in ("Mittwoch, 10. Juli 2024", "Mo., 8.7.24", "10. Juli, 14 Uhr", "10.07."):
        assert _fast_parts(text) is not None, text


def test_no_midnight_is_skipped_in_berlin() -> None:
    """dates.resolve skips the daylight-saving check for 00:00: Germany has always changed
    its clocks at night, never at midnight, in every year a date may have."""
    from feedpub.dates import MAX_YEAR, MIN_YEAR

    day = datetime(MIN_YEAR, 1, 1, tzinfo=BERLIN)
    while day.year <= MAX_YEAR:
        back = day.astimezone(UTC).astimezone(BERLIN)
        assert (back.day, back.hour, back.minute) == (day.day, 0, 0), day
        day = datetime.combine(day.date() + timedelta(days=1), day.time(), BERLIN)
