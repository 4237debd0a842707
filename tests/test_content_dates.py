"""Dates in running text → ``<time datetime="…">`` (feedpub.textdates.find_dates, content.py).

One table of paragraphs and the HTML they give, one of texts that only look like dates (they
stay plain, escaped text), the daylight-saving cases, and the HTML of whole releases. All
rows are read as if published on ``REF``, Thursday 20.06.2024 (the issue's example: a
"12. Juli" in that release is 2024-07-12). The rule for year-less dates and how dates are
found are in tests/test_textdates.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html

from feedpub import content
from feedpub.config import make_config
from feedpub.content import body_html, html_datetime, linkify, mark_dates, paragraph_html
from feedpub.dates import BERLIN
from feedpub.layout import Urls
from feedpub.release import Caption, Release
from feedpub.textdates import find_dates

REF = date(2024, 6, 20)

URLS = Urls(make_config({"base_url": "https://presse.example.de/feeds/"}, None))


def t(datetime_value: str, text: str) -> str:
    """The HTML a found date becomes."""
    return f'<time datetime="{datetime_value}">{text}</time>'


#: (id, paragraph, expected HTML of linkify(paragraph, REF))
MARK_CASES: list[tuple[str, str, str]] = [
    # --- the forms ------------------------------------------------------------------
    (
        "weekday, den, day, month, year, um, hour",
        "am Montag, den 8. Juli 2024 um 10 Uhr",
        "am " + t("2024-07-08T10:00+02:00", "Montag, den 8. Juli 2024 um 10 Uhr"),
    ),
    ("numeric", "10.07.2024", t("2024-07-10", "10.07.2024")),
    (
        "time before the date",
        "ab 14:30 Uhr am 3. Juli",
        "ab " + t("2024-07-03T14:30+02:00", "14:30 Uhr am 3. Juli"),
    ),
    (
        "time before a year-less date of the recent past, winter time",
        "ab 14:30 Uhr am 3. März",
        "ab " + t("2024-03-03T14:30+01:00", "14:30 Uhr am 3. März"),
    ),
    (
        "day range",
        "vom 8. bis 10. Juli 2024",
        "vom " + t("2024-07-08", "8.") + " bis " + t("2024-07-10", "10. Juli 2024"),
    ),
    ("year-less date", "am 12. Juli", "am " + t("2024-07-12", "12. Juli")),
    (
        "weekday, numeric, hour",
        "Mittwoch, 10.07.2024, 9 Uhr",
        t("2024-07-10T09:00+02:00", "Mittwoch, 10.07.2024, 9 Uhr"),
    ),
    # --- numeric dates ----------------------------------------------------------------------
    (
        "numeric at a sentence end",
        "Frist: 10.07.2024.",
        "Frist: " + t("2024-07-10", "10.07.2024") + ".",
    ),
    ("two-digit year", "am 10.07.24", "am " + t("2024-07-10", "10.07.24")),
    ("one-digit day and month", "am 1.7.2024", "am " + t("2024-07-01", "1.7.2024")),
    (
        "year-less numeric",
        "bis zum 10.07. anmelden",
        "bis zum " + t("2024-07-10", "10.07.") + " anmelden",
    ),
    ("ISO date", "Stichtag 2024-07-10", "Stichtag " + t("2024-07-10", "2024-07-10")),
    (
        "ISO date and time",
        "ab 2024-07-10T14:30",
        "ab " + t("2024-07-10T14:30+02:00", "2024-07-10T14:30"),
    ),
    ("in parentheses", "(10.07.2024)", "(" + t("2024-07-10", "10.07.2024") + ")"),
    ("in German quotes", "„8. Juli“", "„" + t("2024-07-08", "8. Juli") + "“"),
    # --- month names ------------------------------------------------------------------------
    (
        "month name",
        "am 8. Juli 2024 im Rathaus",
        "am " + t("2024-07-08", "8. Juli 2024") + " im Rathaus",
    ),
    (
        "sentence dot after a month name stays out",
        "am 8. Juli.",
        "am " + t("2024-07-08", "8. Juli") + ".",
    ),
    (
        "abbreviated month keeps its dot",
        "am 10. Dez. 2024",
        "am " + t("2024-12-10", "10. Dez. 2024"),
    ),
    ("Sept.", "ab 1. Sept. 2024", "ab " + t("2024-09-01", "1. Sept. 2024")),
    ("Mrz.", "am 4. Mrz. 2025", "am " + t("2025-03-04", "4. Mrz. 2025")),
    ("Maerz", "am 4. Maerz 2025", "am " + t("2025-03-04", "4. Maerz 2025")),
    ("Jänner", "am 7. Jänner 2025", "am " + t("2025-01-07", "7. Jänner 2025")),
    ("no space after the day", "am 8.Juli 2024", "am " + t("2024-07-08", "8.Juli 2024")),
    (
        "NBSP between day and month",
        "am 8.\u00a0Juli 2024",
        "am " + t("2024-07-08", "8.\u00a0Juli 2024"),
    ),
    ("historic date", "am 8. Mai 1945", "am " + t("1945-05-08", "8. Mai 1945")),
    ("month in capitals", "MITTWOCH, 10. JULI 2024", t("2024-07-10", "MITTWOCH, 10. JULI 2024")),
    ("day without its dot, with year", "am 10 Juli 2024", "am " + t("2024-07-10", "10 Juli 2024")),
    (
        "a two-digit number after a month name is no year",
        "am 10. Juli 24 Gäste",
        "am " + t("2024-07-10", "10. Juli") + " 24 Gäste",
    ),
    # --- weekdays ---------------------------------------------------------------------------
    ("abbreviated weekday", "Mi., 10.07.2024", t("2024-07-10", "Mi., 10.07.2024")),
    ("Sonnabend", "Sonnabend, 6. Juli 2024", t("2024-07-06", "Sonnabend, 6. Juli 2024")),
    ("weekday, dem", "Mittwoch, dem 10. Juli", t("2024-07-10", "Mittwoch, dem 10. Juli")),
    ("weekday without comma", "Montag 8. Juli", t("2024-07-08", "Montag 8. Juli")),
    (
        "two year-less dates with weekdays",
        "am Montag, 8. Juli, und Dienstag, 9. Juli",
        "am "
        + t("2024-07-08", "Montag, 8. Juli")
        + ", und "
        + t("2024-07-09", "Dienstag, 9. Juli"),
    ),
    # --- times ------------------------------------------------------------------------------
    (
        "time with dot",
        "am 10.07.2024 um 14.30 Uhr",
        "am " + t("2024-07-10T14:30+02:00", "10.07.2024 um 14.30 Uhr"),
    ),
    ("time without Uhr", "10.07.2024, 14:30", t("2024-07-10T14:30+02:00", "10.07.2024, 14:30")),
    ("UHR in capitals", "10.07.2024, 14 UHR", t("2024-07-10T14:00+02:00", "10.07.2024, 14 UHR")),
    (
        "time with seconds",
        "10.07.2024, 14:30:15 Uhr",
        t("2024-07-10T14:30:15+02:00", "10.07.2024, 14:30:15 Uhr"),
    ),
    (
        "date line style",
        "10.07.2024 - 09.15 Uhr",
        t("2024-07-10T09:15+02:00", "10.07.2024 - 09.15 Uhr"),
    ),
    (
        "winter time",
        "am 5. Dezember 2024, 18 Uhr",
        "am " + t("2024-12-05T18:00+01:00", "5. Dezember 2024, 18 Uhr"),
    ),
    (
        "gegen",
        "am 8. Juli gegen 10 Uhr",
        "am " + t("2024-07-08T10:00+02:00", "8. Juli gegen 10 Uhr"),
    ),
    (
        "time range",
        "am 10.07.2024 von 10 bis 12 Uhr",
        "am "
        + t("2024-07-10T10:00+02:00", "10.07.2024 von 10")
        + " bis "
        + t("2024-07-10T12:00+02:00", "12 Uhr"),
    ),
    (
        "time range with colons and weekday",
        "am Samstag, 11. Oktober 2025, von 10:00 bis 14:00 Uhr geöffnet",
        "am "
        + t("2025-10-11T10:00+02:00", "Samstag, 11. Oktober 2025, von 10:00")
        + " bis "
        + t("2025-10-11T14:00+02:00", "14:00 Uhr")
        + " geöffnet",
    ),
    (
        "time range with a dash",
        "10.07.2024, 9.30–11 Uhr",
        t("2024-07-10T09:30+02:00", "10.07.2024, 9.30")
        + "–"
        + t("2024-07-10T11:00+02:00", "11 Uhr"),
    ),
    (
        "time range before the date",
        "von 9 bis 12 Uhr am 3. Juli",
        "von "
        + t("2024-07-03T09:00+02:00", "9")
        + " bis "
        + t("2024-07-03T12:00+02:00", "12 Uhr am 3. Juli"),
    ),
    # Every digit of a date and its time is read, or the date stays text (issue 10).
    ("a time that is no time leaves it text", "am 10.07.2024 um 25 Uhr", "am 10.07.2024 um 25 Uhr"),
    ("a semicolon in the time", "am 10.07.2030, 18;00 Uhr", "am 10.07.2030, 18;00 Uhr"),
    ("a space in the time", "am 10.07.2030, 18 00 Uhr", "am 10.07.2030, 18 00 Uhr"),
    ("a comma in the time", "am 10.07.2030, 10,30 Uhr", "am 10.07.2030, 10,30 Uhr"),
    ("decimal hours", "am 10.07.2030, 10.45h", "am 10.07.2030, 10.45h"),
    ("a year typed apart", "am 10.07.20 30 kommt", "am 10.07.20 30 kommt"),
    (
        "a time range that ends before it starts leaves the date",
        "am 10.07.2024 von 14 bis 12 Uhr",
        "am " + t("2024-07-10", "10.07.2024") + " von 14 bis 12 Uhr",
    ),
    # --- ranges of days ---------------------------------------------------------------------
    (
        "numeric range, year-less start",
        "30.06. bis 02.07.2024",
        t("2024-06-30", "30.06.") + " bis " + t("2024-07-02", "02.07.2024"),
    ),
    (
        "numeric day range with a hyphen",
        "8.-10.07.2024",
        t("2024-07-08", "8.") + "-" + t("2024-07-10", "10.07.2024"),
    ),
    (
        "named range across months",
        "vom 30. Juni bis 2. Juli 2024",
        "vom " + t("2024-06-30", "30. Juni") + " bis " + t("2024-07-02", "2. Juli 2024"),
    ),
    (
        "range across New Year takes the start's year from the end",
        "vom 28.12. bis 2.1.2025",
        "vom " + t("2024-12-28", "28.12.") + " bis " + t("2025-01-02", "2.1.2025"),
    ),
    (
        "year-less range across New Year",
        "vom 1. November bis zum 31. Januar",
        "vom " + t("2024-11-01", "1. November") + " bis zum " + t("2025-01-31", "31. Januar"),
    ),
    (
        "range with weekdays",
        "Montag, 8. bis Mittwoch, 10. Juli 2024",
        t("2024-07-08", "Montag, 8.") + " bis " + t("2024-07-10", "Mittwoch, 10. Juli 2024"),
    ),
    (
        "bis einschließlich",
        "vom 20. Juni bis einschließlich 22. Juli 2024",
        "vom "
        + t("2024-06-20", "20. Juni")
        + " bis einschließlich "
        + t("2024-07-22", "22. Juli 2024"),
    ),
    (
        "en dash range",
        "10.07.2024 – 12.07.2024",
        t("2024-07-10", "10.07.2024") + " – " + t("2024-07-12", "12.07.2024"),
    ),
    (
        "ISO range",
        "2024-07-10 bis 2024-07-12",
        t("2024-07-10", "2024-07-10") + " bis " + t("2024-07-12", "2024-07-12"),
    ),
    (
        "a range that runs backwards keeps only its real end",
        "vom 10. bis 8. Juli 2024",
        "vom 10. bis " + t("2024-07-08", "8. Juli 2024"),
    ),
    (
        "a range whose start's weekday is wrong keeps its end",
        "Dienstag, 8. bis Mittwoch, 10. Juli 2024",
        "Dienstag, 8. bis " + t("2024-07-10", "Mittwoch, 10. Juli 2024"),
    ),
    # --- escaping and links -----------------------------------------------------------------
    (
        "escaping around a date",
        "A & B <am 10.07.2024> & C",
        "A &amp; B &lt;am " + t("2024-07-10", "10.07.2024") + "&gt; &amp; C",
    ),
    (
        "ampersand right before and after",
        "&10.07.2024&",
        "&amp;" + t("2024-07-10", "10.07.2024") + "&amp;",
    ),
    (
        "no date inside a link",
        "Programm: https://x.de/2024-07-10/10.07.2024 ab 10.07.2024",
        'Programm: <a href="https://x.de/2024-07-10/10.07.2024">'
        "https://x.de/2024-07-10/10.07.2024</a> ab " + t("2024-07-10", "10.07.2024"),
    ),
    (
        "date right before a link",
        "Am 10.07.2024: www.kreis.example/termine",
        "Am "
        + t("2024-07-10", "10.07.2024")
        + ': <a href="https://www.kreis.example/termine">www.kreis.example/termine</a>',
    ),
    (
        "no date inside an e-mail address",
        "an 10.07.2024@kreis.example",
        'an <a href="mailto:10.07.2024@kreis.example">10.07.2024@kreis.example</a>',
    ),
]
assert len({c[0] for c in MARK_CASES}) == len(MARK_CASES), "duplicate case id"
assert len({c[1] for c in MARK_CASES}) == len(MARK_CASES), "duplicate case text"

#: (id, text that names no day and stays plain text)
PLAIN_CASES: list[tuple[str, str]] = [
    ("impossible date", "am 31.02.2024"),
    ("impossible date with month name", "am 31. Februar 2024"),
    ("29 February of a common year", "am 29.02.2025"),
    ("month 13", "am 10.13.2024"),
    ("day 32", "am 32.07.2024"),
    ("day 0", "am 0. Juli 2024"),
    ("month alone", "im Juli"),
    ("month and year", "bis Ende Juni 2025"),
    ("year alone", "im Jahr 2023"),
    ("school year", "zum Schuljahr 2027/2028"),
    ("weekday alone", "jeden Montag"),
    ("weekday contradicts the date", "Dienstag, 8. Juli 2024"),
    ("weekday contradicts a year-less date", "am Dienstag, 8. Juli"),
    ("relative day", "heute und morgen"),
    ("time alone", "jeden Donnerstag von 14:00 bis 16:00 Uhr"),
    ("hour alone", "um 10 Uhr"),
    ("version number", "Version 1.2.3"),
    ("version number that could be a date", "Version 2.10.24"),
    ("dotted quad", "Server 192.168.1.10"),
    ("long version", "Windows 10.0.19045"),
    ("four numbers", "1.2.3.4"),
    ("three-digit year", "am 10.07.202"),
    ("one-digit year", "am 10.07.4"),
    ("digits without dots", "am 20240710"),
    ("section sign", "nach § 12.3."),
    ("section sign without space", "nach §12.3.2024"),
    ("Nr.", "Beschluss Nr. 1.2."),
    ("Kapitel", "siehe Kapitel 3.2."),
    ("Abs.", "Abs. 1.2."),
    ("telephone number", "Tel. 0123 12.10.24"),
    ("telephone number with slash", "Telefon 0171/12.10.24"),
    ("telephone number with hyphen", "Arbeitgeberservice 01234 567-410"),
    ("thousands", "rund 1.650 Anträge und 180.000 Liter"),
    ("decimal comma", "kostet 12,80 Euro"),
    ("ordinal", "der 3. Platz"),
    ("number before a month name", "10 Mai-Bäume"),
    ("day without its dot and without year", "am 10 Juli"),
    ("ordinal before a word that starts like a month", "die 3. Junioren und 5. Mais"),
    ("club", "der 1. FC Köln"),
    ("score", "2:1 am Sonntag"),
    ("a time zone is no German local time", "2024-07-10T14:30+02:00"),
    ("inside a word", "K12.3.2024"),
    ("after a dot", "Az.12.10.24"),
]
assert len({c[0] for c in PLAIN_CASES}) == len(PLAIN_CASES), "duplicate case id"


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in MARK_CASES], ids=[c[0] for c in MARK_CASES]
)
def test_dates_are_marked(text: str, expected: str) -> None:
    result = linkify(text, REF)
    assert result == expected
    # Well-formed, and it reads exactly as the text does.
    fragment = lxml_html.fragment_fromstring(result, create_parent="p")
    assert fragment.text_content() == text


@pytest.mark.parametrize(("text",), [c[1:] for c in PLAIN_CASES], ids=[c[0] for c in PLAIN_CASES])
def test_what_is_no_date_stays_plain_text(text: str) -> None:
    assert find_dates(text, reference=REF) == []
    assert mark_dates(text, REF) == escape(text, quote=False)
    assert "<time" not in linkify(text, REF)


#: (id, text, expected HTML of mark_dates(text, REF)): the nights the clocks change.
DST_CASES: list[tuple[str, str, str]] = [
    (
        # The same rule as the date line: a wall time that happens twice is its first
        # occurrence, summer time.
        "time that happens twice is the first one",
        "am 27.10.2024 um 02:30 Uhr",
        "am " + t("2024-10-27T02:30+02:00", "27.10.2024 um 02:30 Uhr"),
    ),
    (
        "the hour after the change back",
        "27.10.2024, 03:00 Uhr",
        t("2024-10-27T03:00+01:00", "27.10.2024, 03:00 Uhr"),
    ),
    (
        # 02:30 does not exist that night: the text is wrong about the time, not the day. The
        # day is marked, the time stays text (a datetime it cannot have is never invented).
        "time that does not exist leaves the day",
        "am 31.03.2024 um 02:30 Uhr",
        "am " + t("2024-03-31", "31.03.2024") + " um 02:30 Uhr",
    ),
    (
        "time that does not exist, written first",
        "02:30 Uhr am 31.03.2024",
        "02:30 Uhr am " + t("2024-03-31", "31.03.2024"),
    ),
    (
        "a time range into the gap keeps the day only",
        "31.03.2024, 01:30 bis 02:30 Uhr",
        t("2024-03-31", "31.03.2024") + ", 01:30 bis 02:30 Uhr",
    ),
    (
        "last minute before the gap",
        "31.03.2024, 01:59 Uhr",
        t("2024-03-31T01:59+01:00", "31.03.2024, 01:59 Uhr"),
    ),
    (
        "first minute after the gap",
        "31.03.2024, 03:00 Uhr",
        t("2024-03-31T03:00+02:00", "31.03.2024, 03:00 Uhr"),
    ),
    ("the night of the change, no time", "am 31.03.2024", "am " + t("2024-03-31", "31.03.2024")),
]
assert len({c[0] for c in DST_CASES}) == len(DST_CASES), "duplicate case id"


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in DST_CASES], ids=[c[0] for c in DST_CASES]
)
def test_daylight_saving(text: str, expected: str) -> None:
    assert mark_dates(text, REF) == expected


@pytest.mark.parametrize(
    ("value", "has_time", "expected"),
    [
        (datetime(2024, 7, 8, tzinfo=BERLIN), False, "2024-07-08"),
        (datetime(2024, 7, 8, 10, tzinfo=BERLIN), True, "2024-07-08T10:00+02:00"),
        (datetime(2024, 12, 8, 10, 5, tzinfo=BERLIN), True, "2024-12-08T10:05+01:00"),
        (datetime(2024, 7, 8, 10, 0, 15, tzinfo=BERLIN), True, "2024-07-08T10:00:15+02:00"),
        (datetime(2024, 7, 8, 8, tzinfo=ZoneInfo("UTC")), True, "2024-07-08T10:00+02:00"),
    ],
)
def test_html_datetime(value: datetime, has_time: bool, expected: str) -> None:
    assert html_datetime(value, has_time=has_time) == expected


def make_release(**fields: object) -> Release:
    values: dict[str, object] = {
        "source": Path("releases/Jobcenter/2024-06-20-jobmesse.txt"),
        "department": "Jobcenter",
        "slug": "jobcenter",
        "stem": "2024-06-20-jobmesse",
        "id": "tag:presse.example.de,2024-01-01:jobcenter/2024-06-20-jobmesse",
        "published": datetime(2024, 6, 20, 9, 30, tzinfo=BERLIN),
        "has_time": True,
        "title": "Jobmesse am 12. Juli",
    }
    values.update(fields)
    return Release(**values)  # type: ignore[arg-type]


def test_body_html_marks_teaser_paragraphs_and_lists_not_captions() -> None:
    release = make_release(
        teaser="Anmeldung bis 5. Juli",
        captions=(Caption("Die Messe am 12. Juli 2023", "Landkreis"),),
        paragraphs=(
            "Die Messe ist am 12. Juli von 10 bis 16 Uhr & mehr: https://x.de/12.07.",
            "- Aufbau: 11. Juli\n- Abbau: 13.07.2024, 18 Uhr",
        ),
    )
    assert body_html(release, URLS) == "\n".join(
        [
            "<p><strong>Anmeldung bis " + t("2024-07-05", "5&#46; Juli") + "</strong></p>",
            "<figure><figcaption><p>Die Messe am 12. Juli 2023 © Landkreis</p></figcaption>"
            "</figure>",
            "<p>Die Messe ist am "
            + t("2024-07-12T10:00+02:00", "12&#46; Juli von 10")
            + " bis "
            + t("2024-07-12T16:00+02:00", "16 Uhr")
            + ' &amp; mehr: <a href="https://x.de/12.07">https://x.de/12.07</a>.</p>',
            "<ul><li>Aufbau: "
            + t("2024-07-11", "11&#46; Juli")
            + "</li><li>Abbau: "
            + t("2024-07-13T18:00+02:00", "13.07.2024, 18 Uhr")
            + "</li></ul>",
        ]
    )


def test_year_less_dates_follow_the_publication_not_today() -> None:
    """A December release's "10. Januar" is next January, however late it is rebuilt (the
    day's dot is a character reference in body_html, for plain-text readers)."""
    december = make_release(
        published=datetime(2024, 12, 15, tzinfo=BERLIN), paragraphs=("Ab 10. Januar neu.",)
    )
    assert t("2025-01-10", "10&#46; Januar") in body_html(december, URLS)
    june = make_release(paragraphs=("Ab 10. Januar neu.",))  # published 20.06.2024
    assert t("2025-01-10", "10&#46; Januar") in body_html(june, URLS)
    march = make_release(
        published=datetime(2025, 3, 1, tzinfo=BERLIN), paragraphs=("Seit 10. Januar neu.",)
    )
    assert t("2025-01-10", "10&#46; Januar") in body_html(march, URLS)


def test_without_a_reference_nothing_is_marked() -> None:
    assert paragraph_html("am 10.07.2024") == "<p>am 10.07.2024</p>"
    assert linkify("am 10.07.2024") == "am 10.07.2024"


def test_every_datetime_is_a_valid_html_time() -> None:
    """HTML's "valid date string" or "valid global date and time string" (with offset)."""
    valid = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2})?")
    html = "".join(linkify(c[1], REF) for c in MARK_CASES + DST_CASES)
    values = re.findall(r'<time datetime="([^"]*)">', html)
    assert len(values) > 60
    for value in values:
        assert valid.fullmatch(value), value
        datetime.fromisoformat(value)


def test_a_release_marks_at_most_max_marked_dates_in_teaser_and_text_together() -> None:
    """README, "Dates in the text": the first MAX_MARKED_DATES dates of a release (teaser,
    paragraphs, list items, text between links, counted together in reading order) become
    <time> elements, the rest stay plain text; what a reader sees does not change."""
    limit = content.MAX_MARKED_DATES
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(limit + 50)]
    texts = [f"{day:%d.%m.%Y}" for day in days]
    teaser = f"Termine am {texts[0]}, {texts[1]} und {texts[2]}"
    items = "\n".join(f"- am {text}" for text in texts[3:8])
    link = f"Am {texts[8]} siehe https://example.de/termine und am {texts[9]} im Rathaus."
    rest = texts[10:]
    chunks = [", ".join(rest[i : i + 40]) for i in range(0, len(rest), 40)]
    paragraphs = (items, link, *(f"Termine: {chunk}." for chunk in chunks))
    release = make_release(teaser=teaser, paragraphs=paragraphs)
    html = body_html(release, URLS)
    marked = re.findall(r'<time datetime="([^"]*)">([^<]*)</time>', html)
    assert len(marked) == limit
    # The first ones in reading order, each what it says; the rest are there as text.
    expected = [(day.isoformat(), text) for day, text in zip(days, texts, strict=True)]
    assert marked == expected[:limit]
    tail = html[html.rindex("</time>") :]
    assert all(text in tail for text in texts[limit:])
    plain = re.sub(r"</?(time|a)\b[^>]*>", "", html)
    assert plain == re.sub(r"</?(time|a)\b[^>]*>", "", body_html(release, URLS))
    for text in (teaser, *paragraphs[1:]):
        assert escape(text, quote=False) in plain


def test_the_date_budget_is_per_release_and_per_call_elsewhere() -> None:
    """Each release (each body_html) starts with the full budget; a text marked on its own
    (linkify, mark_dates, paragraph_html without a budget) has one of its own."""
    limit = content.MAX_MARKED_DATES
    many = ", ".join(f"{date(2024, 1, 1) + timedelta(days=i):%d.%m.%Y}" for i in range(limit + 5))
    release = make_release(paragraphs=(many,))
    assert body_html(release, URLS).count("<time") == limit
    assert body_html(release, URLS).count("<time") == limit  # nothing carried over
    assert mark_dates(many, REF).count("<time") == limit
    assert linkify(many, REF).count("<time") == limit
    assert paragraph_html(many, REF).count("<time") == limit
    budget = content.DateBudget(3)
    assert linkify(many, REF, budget).count("<time") == 3
    assert budget.left == 0
    assert linkify(many, REF, budget) == escape(many, quote=False)
    assert len(find_dates(many, reference=REF, limit=7)) == 7
    assert find_dates(many, reference=REF, limit=0) == []
