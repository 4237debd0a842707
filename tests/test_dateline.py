"""Tests for feedpub.dateline: the one complete date on a date line with words around it.

Two tables in the style of tests/test_dates.py. ``ACCEPTED`` rows are (text, expected ISO
datetime with its UTC offset, the date text read, what was ignored before it, what was ignored
after it, note); ``REFUSED`` rows are (text, a fragment the error message must contain, note).
Places, names and numbers are invented; the shapes come from issue 10 and the research notes
on real press releases (brief/dateline-forms.md: A–F are its patterns, "trap n" its traps).

Refused rows with the fragment "" were wrong readings found by trying typos (a time glued to a
word, a range whose end is no day, a weekday set off by a colon): any clear refusal is right.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import feedpub
from feedpub.dateline import DateLine, find_date_line

# (text, expected, date_text, before, after, note)
ACCEPTED: list[Any] = [
    # --- a place before the date (C) ----------------------------------------------------------
    ("Stralsund, 10.07.2024", "2024-07-10T00:00:00+02:00", "10.07.2024", "Stralsund,", "", "place"),
    (
        "Greifswald, den 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Greifswald, den",
        "",
        "place, den",
    ),
    (
        "Bergen, den 10. Juli 2024",
        "2024-07-10T00:00:00+02:00",
        "10. Juli 2024",
        "Bergen, den",
        "",
        "place, den, month name",
    ),
    ("Wolgast, 1.7.2024", "2024-07-01T00:00:00+02:00", "1.7.2024", "Wolgast,", "", "one digits"),
    (
        "Loitz, den 3. Jan. 2025",
        "2025-01-03T00:00:00+01:00",
        "3. Jan. 2025",
        "Loitz, den",
        "",
        "abbreviated month, winter time",
    ),
    ("Pasewalk, 10/07/2024", "2024-07-10T00:00:00+02:00", "10/07/2024", "Pasewalk,", "", "slashes"),
    (
        "Anklam, 10.Juli 2024",
        "2024-07-10T00:00:00+02:00",
        "10.Juli 2024",
        "Anklam,",
        "",
        "no space after the day's dot",
    ),
    ("Demmin, 10 Juli 2024", "2024-07-10T00:00:00+02:00", "10 Juli 2024", "Demmin,", "", "no dot"),
    (
        "Barth, 10. JULI 2024",
        "2024-07-10T00:00:00+02:00",
        "10. JULI 2024",
        "Barth,",
        "",
        "month in capitals",
    ),
    (
        "Ueckermünde, den 29.02.2024",
        "2024-02-29T00:00:00+01:00",
        "29.02.2024",
        "Ueckermünde, den",
        "",
        "leap day after a place",
    ),
    (
        "Torgelow, Mittwoch, den 10. Juli 2024",
        "2024-07-10T00:00:00+02:00",
        "Mittwoch, den 10. Juli 2024",
        "Torgelow,",
        "",
        "place, then a fitting weekday (A4)",
    ),
    (
        "Stralsund – 10.07.2024 – 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 – 14:30 Uhr",
        "Stralsund –",
        "",
        "place and dash",
    ),
    (
        "Grimmen, 10.07.2024, 9 Uhr",
        "2024-07-10T09:00:00+02:00",
        "10.07.2024, 9 Uhr",
        "Grimmen,",
        "",
        "place, full hour",
    ),
    (
        "Zingst, 10. Juli 2024 um 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10. Juli 2024 um 14:30 Uhr",
        "Zingst,",
        "",
        "place, month name, um",
    ),
    (
        "Prerow, 10. Juli 2024, 14 Uhr",
        "2024-07-10T14:00:00+02:00",
        "10. Juli 2024, 14 Uhr",
        "Prerow,",
        "",
        "place, month name, comma, full hour",
    ),
    (
        "Ort und Datum : Nordhafen, 10. Juli 2024",
        "2024-07-10T00:00:00+02:00",
        "10. Juli 2024",
        "Ort und Datum : Nordhafen,",
        "",
        "label with a space before the colon, then a place (B10)",
    ),
    # --- a label before the date (B) ----------------------------------------------------------
    (
        "Pressemitteilung vom 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Pressemitteilung vom",
        "",
        "Pressemitteilung vom (B1)",
    ),
    (
        "Meldung vom 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Meldung vom",
        "",
        "Meldung vom",
    ),
    (
        "Pressemeldung vom: 10.07.2024 - 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 - 14:30 Uhr",
        "Pressemeldung vom:",
        "",
        "Pressemeldung vom: with a dash time (B2)",
    ),
    (
        "Stand: 10.07.2024, 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 Uhr",
        "Stand:",
        "",
        "Stand: (B3)",
    ),
    (
        "Stand: 10.07.2024 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 14:30 Uhr",
        "Stand:",
        "",
        "Stand: without the comma (B5)",
    ),
    (
        "Stand: 10.07.2024, gegen 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, gegen 14:30 Uhr",
        "Stand:",
        "",
        "gegen before the time",
    ),
    (
        "Veröffentlicht am 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Veröffentlicht am",
        "",
        "Veröffentlicht am",
    ),
    ("Datum: 10.07.2024", "2024-07-10T00:00:00+02:00", "10.07.2024", "Datum:", "", "Datum:"),
    (
        "Datum: Mi., 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "Mi., 10.07.2024",
        "Datum:",
        "",
        "Datum: with a short weekday (ALLRIS)",
    ),
    (
        "Artikel vom 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Artikel vom",
        "",
        "Artikel vom (B6)",
    ),
    (
        "Sperrfrist: 10.07.2024, 09:55 Uhr",
        "2024-07-10T09:55:00+02:00",
        "10.07.2024, 09:55 Uhr",
        "Sperrfrist:",
        "",
        "embargo label with date and time (B11)",
    ),
    (
        "PresseInformation des Ministeriums für Beispielwesen vom 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "PresseInformation des Ministeriums für Beispielwesen vom",
        "",
        "label of a body (B7)",
    ),
    (
        "Meldung vom 10.07.2024 - 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 - 14:30 Uhr",
        "Meldung vom",
        "",
        "Meldung vom with a dash time",
    ),
    ("Stand: 2024-07-10", "2024-07-10T00:00:00+02:00", "2024-07-10", "Stand:", "", "label, ISO"),
    (
        "Stand: 2024-07-10, 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "2024-07-10, 14:30 Uhr",
        "Stand:",
        "",
        "label, ISO with a time",
    ),
    (
        "Medieninformation: 123/2024 Verantwortlich: Erika Muster Stand: 10.07.2024, 14:30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 Uhr",
        "Medieninformation: 123/2024 Verantwortlich: Erika Muster Stand:",
        "",
        "header fields run together on one line (B3')",
    ),
    # --- a release number or letterhead before the date (D) -----------------------------------
    (
        "Nr. 12/2024 – 10. Juli 2024",
        "2024-07-10T00:00:00+02:00",
        "10. Juli 2024",
        "Nr. 12/2024 –",
        "",
        "release number, dash",
    ),
    (
        "Pressestelle - Pressemitteilung Nr.: 123/24 Stralsund, den 10. Juli 2024",
        "2024-07-10T00:00:00+02:00",
        "10. Juli 2024",
        "Pressestelle - Pressemitteilung Nr.: 123/24 Stralsund, den",
        "",
        "letterhead with number and place (D1)",
    ),
    (
        "Medieninformation 0710/2024 – 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Medieninformation 0710/2024 –",
        "",
        "a number that encodes the date, then the date (trap 1)",
    ),
    (
        "PM 12 / 2024 – 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "PM 12 / 2024 –",
        "",
        "PM number with spaced slash",
    ),
    (
        "Nr. 123|24 – 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Nr. 123|24 –",
        "",
        "number with a pipe",
    ),
    (
        "Drucksache 12/3456 – 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Drucksache 12/3456 –",
        "",
        "Drucksache number",
    ),
    (
        "Nr. 2024-15, 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Nr. 2024-15,",
        "",
        "year-number label is no date",
    ),
    # --- something after the date (E, F) ------------------------------------------------------
    (
        "10.07.2024 | Presseinfo Nr. 12",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "",
        "| Presseinfo Nr. 12",
        "bar and a release number after (E1)",
    ),
    (
        "10.07.2024, 14:30 Uhr — Erstveröffentlichung",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 Uhr",
        "",
        "— Erstveröffentlichung",
        "em dash note",
    ),
    (
        "10.07.2024, 14:30 – Polizeiinspektion Anklam",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30",
        "",
        "– Polizeiinspektion Anklam",
        "time without Uhr, then an office",
    ),
    ("10. Juli 2024:", "2024-07-10T00:00:00+02:00", "10. Juli 2024", "", ":", "colon after (F6)"),
    ("10.07.2024 /", "2024-07-10T00:00:00+02:00", "10.07.2024", "", "/", "slash after"),
    (
        "10.07.2024 - Landrat besucht Jobcenter",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "",
        "- Landrat besucht Jobcenter",
        "the title on the date line (F1)",
    ),
    (
        "10.07.2024 | 14:30 Uhr | Polizeiinspektion Anklam",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 | 14:30 Uhr",
        "",
        "| Polizeiinspektion Anklam",
        "bars around the time (E2)",
    ),
    (
        "10.07.2024, 14:30 Uhr (aktualisiert)",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 Uhr",
        "",
        "(aktualisiert)",
        "note in brackets",
    ),
    (
        "Rathaus Umschau vom 10.07.2024 (Ausgabe 131)",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Rathaus Umschau vom",
        "(Ausgabe 131)",
        "issue number in brackets (B8)",
    ),
    (
        "Pressemitteilung vom 10.07.2024 (Nr. 12/2024)",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Pressemitteilung vom",
        "(Nr. 12/2024)",
        "label before, number in brackets after",
    ),
    (
        "10.07.2024, 14:30 Uhr:",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 Uhr",
        "",
        ":",
        "colon after the time",
    ),
    (
        "Stralsund, den 10.07.2024 –",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Stralsund, den",
        "–",
        "a dangling dash",
    ),
    (
        "Stralsund, 10.07.2024 - Bergen, 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Stralsund,",
        "- Bergen, 10.07.2024",
        "the same date twice, apart: one instant (trap 8)",
    ),
    (
        "10.07.2024 | PM der Polizeiinspektion Anklam",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "",
        "| PM der Polizeiinspektion Anklam",
        "PM (Pressemitteilung) starting a note",
    ),
    # --- a time after the date ----------------------------------------------------------------
    (
        "10.07.2024 – 14:30",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 – 14:30",
        "",
        "",
        "en dash time without Uhr (A6)",
    ),
    (
        "10.07.2024 - 14.30",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 - 14.30",
        "",
        "",
        "dot time after a dash",
    ),
    (
        "Stralsund, 10.07.2024 14:30",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 14:30",
        "Stralsund,",
        "",
        "space before the time (A5)",
    ),
    (
        "Anklam, 10.07.2024 - 14 Uhr",
        "2024-07-10T14:00:00+02:00",
        "10.07.2024 - 14 Uhr",
        "Anklam,",
        "",
        "dash and full hour",
    ),
    (
        "Anklam, 10.07.2024, 14:30:15",
        "2024-07-10T14:30:15+02:00",
        "10.07.2024, 14:30:15",
        "Anklam,",
        "",
        "seconds",
    ),
    (
        "Stralsund, 10.07.2024 - 14.30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 - 14.30 Uhr",
        "Stralsund,",
        "",
        "dash, dot time, Uhr",
    ),
    (
        "Stralsund, 10.07.2024, 0:00 Uhr",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024, 0:00 Uhr",
        "Stralsund,",
        "",
        "explicit midnight",
    ),
    (
        "Stralsund, 10.07.2024, 23:59 Uhr",
        "2024-07-10T23:59:00+02:00",
        "10.07.2024, 23:59 Uhr",
        "Stralsund,",
        "",
        "last minute",
    ),
    (
        "Bergen, 10.07.2024 | 14:30",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024 | 14:30",
        "Bergen,",
        "",
        "bar before the time",
    ),
    # --- 12-hour markers of a CMS ---------------------------------------------------------------
    (
        "10.07.2024, 14:30 PM Uhr",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 PM Uhr",
        "",
        "",
        "PM on a 24-hour time",
    ),
    (
        "10.07.2024, 02:30 PM",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 02:30 PM",
        "",
        "",
        "02:30 PM is 14:30",
    ),
    (
        "Stand: 10.07.2024, 2:30 PM",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 2:30 PM",
        "Stand:",
        "",
        "label and PM",
    ),
    (
        "Bergen, 10.07.2024, 12:30 AM",
        "2024-07-10T00:30:00+02:00",
        "10.07.2024, 12:30 AM",
        "Bergen,",
        "",
        "12:30 AM is half past midnight",
    ),
    (
        "Bergen, 10.07.2024, 12:00 PM",
        "2024-07-10T12:00:00+02:00",
        "10.07.2024, 12:00 PM",
        "Bergen,",
        "",
        "12:00 PM is noon",
    ),
    (
        "Bergen, 10.07.2024, 02:30 p.m.",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 02:30 p.m.",
        "Bergen,",
        "",
        "p.m. with dots",
    ),
    # --- weekdays ----------------------------------------------------------------------------
    (
        "Mittwoch, 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "Mittwoch, 10.07.2024",
        "",
        "",
        "fitting weekday before",
    ),
    (
        "Stralsund, 10.07.2024, Mittwoch",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024, Mittwoch",
        "Stralsund,",
        "",
        "fitting weekday after",
    ),
    (
        "Stralsund, 10.07.2024, 14:30 Uhr, Mittwoch",
        "2024-07-10T14:30:00+02:00",
        "10.07.2024, 14:30 Uhr, Mittwoch",
        "Stralsund,",
        "",
        "fitting weekday after the time",
    ),
    (
        "Stralsund, Mi., 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "Mi., 10.07.2024",
        "Stralsund,",
        "",
        "place, short weekday",
    ),
    (
        "Datum: Mi, 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "Mi, 10.07.2024",
        "Datum:",
        "",
        "short weekday without dot",
    ),
    (
        "Mittwoch: 10.07.2024",
        "2024-07-10T00:00:00+02:00",
        "10.07.2024",
        "Mittwoch:",
        "",
        "fitting weekday apart by a colon",
    ),
    # --- two-digit years: the century closest to today -----------------------------------------
    (
        "Pressemitteilung vom 10.07.99",
        "1999-07-10T00:00:00+02:00",
        "10.07.99",
        "Pressemitteilung vom",
        "",
        "99 is 1999",
    ),
    (
        "Pressemitteilung vom 10.07.24",
        "2024-07-10T00:00:00+02:00",
        "10.07.24",
        "Pressemitteilung vom",
        "",
        "24 is 2024 (B1, Mühldorf)",
    ),
    (
        "Stralsund, 10.07.05, 14:30 Uhr",
        "2005-07-10T14:30:00+02:00",
        "10.07.05, 14:30 Uhr",
        "Stralsund,",
        "",
        "05 with a time",
    ),
    # --- daylight saving -----------------------------------------------------------------------
    (
        "Stand: 27.10.2024, 02:30 Uhr",
        "2024-10-27T02:30:00+02:00",
        "27.10.2024, 02:30 Uhr",
        "Stand:",
        "",
        "fold: the first 02:30, summer time",
    ),
    (
        "Stand: 27.10.2024 - 02.30",
        "2024-10-27T02:30:00+02:00",
        "27.10.2024 - 02.30",
        "Stand:",
        "",
        "fold, dash dot time",
    ),
    (
        "Stralsund, 27.10.2024, 03:00 Uhr",
        "2024-10-27T03:00:00+01:00",
        "27.10.2024, 03:00 Uhr",
        "Stralsund,",
        "",
        "after the fold: winter time",
    ),
    (
        "Stralsund, 31.03.2024, 01:59 Uhr",
        "2024-03-31T01:59:00+01:00",
        "31.03.2024, 01:59 Uhr",
        "Stralsund,",
        "",
        "just before the gap",
    ),
    (
        "Stralsund, 31.03.2024, 03:00 Uhr",
        "2024-03-31T03:00:00+02:00",
        "31.03.2024, 03:00 Uhr",
        "Stralsund,",
        "",
        "just after the gap",
    ),
    # --- a line that is only a date: parse_date_line's rules ---------------------------------
    ("  10.07.2024  ", "2024-07-10T00:00:00+02:00", "10.07.2024", "", "", "spaces around"),
    ("10.07.99", "1999-07-10T00:00:00+02:00", "10.07.99", "", "", "two-digit year alone"),
    ("2024-07-10", "2024-07-10T00:00:00+02:00", "2024-07-10", "", "", "ISO alone"),
    (
        "vom 10.07.2024 um 14.30 Uhr",
        "2024-07-10T14:30:00+02:00",
        "vom 10.07.2024 um 14.30 Uhr",
        "",
        "",
        "vom and um belong to the date",
    ),
]

# (text, fragment of the error message, note)
REFUSED: list[Any] = [
    # --- the typos: every digit must be read ------------------------------------------
    ("10.07.2030, 18;00 Uhr", "cannot read ', 18;00 Uhr'", "semicolon in the time"),
    ("10.07.2030, 18 00 Uhr", "cannot read ', 18 00 Uhr'", "space in the time"),
    ("10.07.2030, 10,30 Uhr", "cannot read ', 10,30 Uhr'", "comma in the time"),
    ("10.07.2030, 10.45h", "cannot read ', 10.45h'", "decimal hours"),
    ("10.07.20 30", "cannot read '30'", "year split by a space"),
    ("Stand: 10.07.2030, 18;00 Uhr", "cannot read", "semicolon typo after a label"),
    ("Stralsund, 10.07.2030 18 00 Uhr", "cannot read '18 00 Uhr'", "space typo after a place"),
    ("10.07.2030, 1430 Uhr", "cannot read", "time without separator"),
    ("10.07.2030, 14:3 Uhr", "cannot read", "one-digit minute"),
    ("10.07.2030, 14::30 Uhr", "cannot read", "double colon"),
    ("10.07.2030 – 14.30 h", "cannot read 'h'", "h after a dot time"),
    ("10.07.2030, 14.30", "cannot read ', 14.30'", "dot time after a comma needs Uhr"),
    ("10.07.2030 - 14", "cannot read '- 14'", "a bare hour after a dash"),
    ("10.07.2030; 14:30 Uhr", "cannot read", "semicolon before the time"),
    ("Stand 10.07.2030/14:30", "cannot read '/14:30'", "slash before the time"),
    ("Stralsund, 10.07.2030 - 14.30.", "cannot read", "dot after a dash time, with a place"),
    ("10.07.2030, 14:30 AM", "no morning time", "AM on an afternoon time"),
    ("10.07.2030, 12:30 am Rathaus", "reads as a sentence", "German am is no a.m."),
    # --- no complete date ---------------------------------------------------------------------
    ("Pressemitteilung", "no complete date", "a label alone"),
    ("Stralsund, Juli 2024", "no complete date", "month and year only"),
    ("Stralsund, 2024", "no complete date", "a year only"),
    ("Stand: 16 Uhr", "no complete date", "a time only (trap 14)"),
    ("Stralsund, 10. Jully 2024", "no complete date", "misspelt month"),
    ("K10.07.2024", "no complete date", "date glued to a letter"),
    # --- two different complete dates ---------------------------------------------------------
    ("Stralsund, 10.07.2024 - Bergen, 11.07.2024", "names two dates", "two places, two days"),
    (
        "Stralsund, 10.07.2024 – Sitzung am 12. Juli 2024",
        "names two dates",
        "an event date after (trap 7)",
    ),
    ("Stralsund, 10.07.2024 bis 12.07.2024", "names two dates", "a range after a place"),
    (
        "Landrat eröffnet Jobcenter am 11. Juli 2024 - PM vom 10.07.2024",
        "names two dates",
        "title date and release date (trap 7, F2)",
    ),
    (
        "https://www.beispiel.de/druck 10.07.2024 14:30:15 Uhr 11.07.2024 09:12:01 Uhr",
        "names two dates",
        "print timestamps (trap 19)",
    ),
    (
        "10.07.2024, 14:30 Uhr – 10.07.2024, 15:00 Uhr",
        "names two dates",
        "one day, two times",
    ),
    ("10.07.2024 – Rostock, 11.07.2024", "names two dates", "second date after a note"),
    # --- numbers that look like dates ---------------------------------------------------------
    ("Nr. 12/24", "'12/24' is read as a number", "month/year-like release number"),
    ("227/06", "'227/06' is read as a number", "bare number"),
    ("2024-15", "'2024-15' is read as a number", "year-number"),
    ("Medieninformation 1007/2024", "is read as a number", "number equal to the date (trap 1)"),
    ("Nr.: 001/12", "'001/12' is read as a number", "zero-padded number (trap 3)"),
    ("Stand: 07/2024", "'07/2024' is read as a number", "month/year after a label"),
    ("Pressemitteilung Nr. 03/ Januar 2010", "no complete date", "number, month, year (trap 2)"),
    ("Medieninformation 0710/2024 10.07.2024", "number right before", "number glued by a space"),
    ("Nr. 12/24 10.07.2024", "number right before", "release number, then date"),
    ("Ausgabe 131 10.07.2024", "number right before", "issue number, then date"),
    ("POL-HH: 240429-4", "too long", "date-code id alone (trap 4)"),
    ("06.11.202020", "too long", "glued year (trap 6)"),
    ("Stand 22042020", "too long", "undelimited date (trap 5)"),
    ("10.07.202415 Neuinfektionen im Kreis", "too long", "glued title with digits (trap 6)"),
    # --- a date without a year ----------------------------------------------------------------
    ("10. Juli", "has no year", "day and month alone"),
    ("Stralsund, 10. Juli", "has no year", "place, no year"),
    ("Stralsund, 10. Juli 24", "has no year", "two-digit year apart from a month name"),
    ("Pressemitteilung des Kreises vom 10.07.", "has no year", "label, no year (trap 13)"),
    ("Stralsund, 30.06. bis 10.07.2024", "a date without a year apart", "range start (trap 9)"),
    ("Stralsund, 10.07.2024 – Sitzung am 12.07.", "a date without a year apart", "event date"),
    ("Stralsund, 8. bis 10. Juli 2024", "has a day '8. bis' before", "day range after a place"),
    # --- relative words -----------------------------------------------------------------------
    ("heute", "relative", "heute alone"),
    ("Stralsund, heute", "relative ('heute')", "place and heute"),
    ("heute, 10.07.2024", "relative day ('heute')", "heute before a date"),
    ("Stand heute 10.07.2024", "relative day ('heute')", "Stand heute"),
    ("gestern, 10.07.2024", "relative day ('gestern')", "gestern"),
    # --- dates that are no dates --------------------------------------------------------------
    ("31.02.2024", "not a real date", "31 February"),
    ("Stralsund, 31.02.2024", "not a real date", "31 February after a place"),
    ("Stralsund, 31.04.2024", "not a real date", "31 April"),
    ("Stralsund, 29.02.2023", "not a real date", "no leap year"),
    ("Stralsund, 00.07.2024", "not a day", "day 0"),
    ("Stralsund, 10.13.2024", "not a month", "month 13"),
    ("Stralsund, 32. Juli 2024", "not a real date", "32 July"),
    ("Stralsund, 10.07.0024", "out of range", "year 24 written with four digits"),
    ("Stralsund, 10.07.202", "four digits", "three-digit year"),
    ("Stralsund, 10.07.2024, 25:00 Uhr", "not an hour", "hour 25"),
    ("Stralsund, 10.07.2024, 24:00 Uhr", "not an hour", "hour 24"),
    ("Stralsund, 10.07.2024, 14:60 Uhr", "not a minute", "minute 60"),
    # --- weekdays that contradict the date ----------------------------------------------------
    ("Dienstag, 10.07.2024", "is a Mittwoch, not a Dienstag", "wrong weekday before"),
    ("Stralsund, 10.07.2024, Dienstag", "is a Mittwoch, not a Dienstag", "wrong weekday after"),
    ("Stralsund, Dienstag, den 10. Juli 2024", "not a Dienstag", "place, wrong weekday"),
    ("Greifswald, 10.07.2024, 14:30 Uhr, Dienstag", "not a Dienstag", "after the time"),
    ("Am Dienstag, 10.07.2024", "not a Dienstag", "am and a wrong weekday"),
    ("Dienstag 10.07.2024", "not a Dienstag", "wrong weekday without comma"),
    ("Dienstag: 10.07.2024", "", "wrong weekday before a colon"),
    ("Stralsund, 10.07.2024 (Dienstag)", "", "wrong weekday in brackets"),
    ("Dienstag | 10.07.2024", "", "wrong weekday before a bar"),
    # --- daylight saving gap ------------------------------------------------------------------
    ("Stralsund, 31.03.2024, 02:30 Uhr", "does not exist", "gap after a place"),
    ("Stand: 31.03.2024 - 02.30", "does not exist", "gap, dash dot time"),
    # --- running text and glued forms ---------------------------------------------------------
    ("10.07.2024Landrat besucht Jobcenter", "reads as a sentence", "date glued to a title"),
    (
        "Ab dem 2. September 2024 bietet die Stadt einen neuen Service für alle an.",
        "reads as a sentence",
        "running text with a date",
    ),
    (
        "Am 10.07.2024 eröffnet der Landrat das neue Jobcenter in Bergen.",
        "reads as a sentence",
        "running text starting with a date",
    ),
    (
        "Rathaus Umschau Mittwoch, 10. Juli 2024 Ausgabe 131",
        "reads as a sentence",
        "issue number after the date without separator (B9)",
    ),
    (
        "Sperrfrist: 9.55 Uhr Presse-Information Nr. 35 Stralsund, 10.07.2024",
        "a time apart from its date: '9.55'",
        "embargo time and date apart (trap 11)",
    ),
    (
        "Stand: 10.07.2024, 14:30 Uhr – aktualisiert 15:10 Uhr",
        "a time apart from its date: '15:10'",
        "a second time",
    ),
    ("Zeit: 31.12.2024/01.01.2025", "cannot read '/01.01.2025'", "date range with a slash"),
    # --- known wrong readings (see the module docstring) --------------------------------------
    ("10.07.2030 - 14.30.", "", "dash time with a full stop"),
    ("1-0.07.2030, 18:00 Uhr", "", "a dash typed into the day"),
    ("10.07.2024 – 31.02.2024", "", "a range ending on an impossible date"),
    ("12 – 10.07.2024", "", "a bare number before the date, reversed range"),
    ("12. bis 10. Juli 2024", "", "a day range ending before it starts"),
    ("10.07.2030 – Stand:14:30", "", "a time glued to a label"),
    ("10.07.2030 – ca.14:30", "", "a time glued to ca."),
    ("10.07.2030, .14:30 – Polizeiinspektion Anklam", "", "a stray dot before the time"),
]


def _ids(rows: list[Any]) -> list[str]:
    return [(row.values if hasattr(row, "values") else row)[-1] for row in rows]


def _values(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row.values) if hasattr(row, "values") else row for row in rows]


def test_tables_have_no_duplicates() -> None:
    texts = [row[0] for row in _values(ACCEPTED) + _values(REFUSED)]
    assert len(texts) == len(set(texts))
    notes = _ids(ACCEPTED) + _ids(REFUSED)
    assert len(notes) == len(set(notes))


def test_tables_are_big_enough() -> None:
    # issue 10: at least 80 rows, accepted and refused.
    assert len(ACCEPTED) >= 40 and len(REFUSED) >= 40
    assert len(ACCEPTED) + len(REFUSED) >= 80


@pytest.mark.parametrize(
    ("text", "expected", "date_text", "before", "after", "note"), ACCEPTED, ids=_ids(ACCEPTED)
)
def test_find_date_line_reads(
    text: str, expected: str, date_text: str, before: str, after: str, note: str
) -> None:
    found = find_date_line(text)
    assert found.value.isoformat() == expected, note
    assert found.value.utcoffset() is not None
    assert found.has_time == _names_time(date_text)
    assert found.date_text == date_text
    assert text[found.start : found.end] == date_text
    assert found.before == before
    assert found.after == after


def _names_time(date_text: str) -> bool:
    """Whether a date text names a time (Uhr, a clock with a colon, a dot time after a dash)."""
    return re.search(r"(?i:uhr)|\d:\d{2}|[-–—|]\s*\d{1,2}\.\d{2}\b", date_text) is not None


@pytest.mark.parametrize(("text", "fragment", "note"), REFUSED, ids=_ids(REFUSED))
def test_find_date_line_refuses(text: str, fragment: str, note: str) -> None:
    with pytest.raises(ValueError) as info:
        find_date_line(text)
    message = str(info.value)
    assert fragment in message, note
    # the message quotes the line and says what to write or check
    assert " ".join(text.split())[:12] in message or text.strip()[:8] in message


def test_date_line_span_of_a_bare_date() -> None:
    found = find_date_line("  10.07.2024, 14:30 Uhr \n")
    assert isinstance(found, DateLine)
    assert (found.start, found.end) == (2, 23)
    assert found.has_time
    assert found.before == found.after == ""


def test_has_time_is_false_for_a_date_alone() -> None:
    assert not find_date_line("Stralsund, den 10.07.2024").has_time
    assert find_date_line("Stralsund, den 10.07.2024, 0:00 Uhr").has_time


def test_what_names_the_line_in_messages() -> None:
    with pytest.raises(ValueError, match="^the Aktualisiert line 'Nr. 12/24'"):
        find_date_line("Nr. 12/24", what="Aktualisiert line")


def test_find_date_line_is_public() -> None:
    assert feedpub.find_date_line is find_date_line
    assert feedpub.DateLine is DateLine
    assert {"find_date_line", "DateLine"} <= set(feedpub.__all__)
