"""Property tests for dates in running text (feedpub.textdates.find_dates, content.py's <time>).

(a) Any text: marking never changes what a reader sees. Without its ``<time>`` and ``<a>``
    tags, ``linkify(text, day)`` is exactly ``escape(text)``; the HTML is well-formed XML,
    no ``<time>`` sits inside an ``<a>`` or another ``<time>``, every ``datetime`` is a valid
    HTML value, and find_dates' spans are in order and do not overlap.
(b) A date written in a sentence, in every style the date line accepts, is found whole and
    means what parse_date says (a repeated wall time: its first occurrence).
(c) A year-less date is found in the year that puts it between 120 days before the
    publication and a year after that.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import escape

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedpub.content import DateBudget, linkify
from feedpub.dates import BERLIN, MONTH_NAMES, parse_date
from feedpub.textdates import RECENT_PAST, find_dates, year_for
from tests.property.test_dates_prop import DATE_STYLES, NOW, TIMED_STYLES, berlin_times, spaces

SETTINGS = settings(max_examples=200, deadline=None)

# --- (a) any text ------------------------------------------------------------------------------

PIECES = [
    "10.07.2024",
    "10.07.",
    "1.7.24",
    "31.02.2024",
    "8.",
    "8",
    "10",
    "12",
    "24",
    "2024",
    "1945",
    "1.2.3",
    "2.400",
    "Juli",
    "Jul.",
    "März",
    "JULI",
    "Montag,",
    "Dienstag",
    "Mo.",
    "den",
    "dem",
    "am",
    "um",
    "ab",
    "von",
    "bis",
    "zum",
    "Uhr",
    "14:30",
    "9.30",
    "02:30",
    "2024-07-10",
    "T14:30",
    "-",
    "–",
    ".",
    ",",
    ":",
    "/",
    "§",
    "Nr.",
    "Tel.",
    "&",
    "<",
    ">",
    '"',
    "'",
    "&amp;",
    "„",
    "“",
    "(",
    ")",
    "\u00a0",
    "\u202f",
    "https://x.de/10.07.2024",
    "www.kreis.example",
    "a@b.de",
    "10.07.2024@kreis.example",
    "heute",
]
# No control characters and no surrogates: release text never has them (parse.py removes
# what XML cannot carry), and the check below parses the result as XML.
characters = st.characters(blacklist_categories=("Cc", "Cs"))
texts = st.one_of(
    st.text(characters, max_size=60),
    st.lists(st.sampled_from(PIECES) | st.text(characters, max_size=4), max_size=14).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=14).map("".join),
)
references = st.dates(date(1950, 1, 1), date(2150, 12, 31))
TAGS = re.compile(r'<time datetime="[^"]*">|</time>|<a href="[^"]*">|</a>')
HTML_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?[+-]\d{2}:\d{2})?")


@SETTINGS
@given(texts, references)
@example("am Montag, den 8. Juli 2024 um 10 Uhr & <mehr>", date(2024, 6, 20))
@example("https://x.de/10.07.2024 10.07.2024", date(2024, 6, 20))
@example("Mo., 10.07.2024, 10 bis 12 Uhr am 3. März", date(2024, 6, 20))
def test_marking_changes_no_visible_text(text: str, reference: date) -> None:
    result = linkify(text, reference)
    # Stripping the tags gives back exactly the escaped text.
    assert TAGS.sub("", result) == escape(text, quote=False)
    root = etree.fromstring(f"<p>{result}</p>")  # well-formed XML, or this raises
    assert "".join(root.itertext()) == text
    assert root.xpath("//a//time | //time//a | //time//time") == []
    for value in root.xpath("//time/@datetime"):
        assert HTML_DATETIME.fullmatch(value), value
        assert datetime.fromisoformat(value).year >= 1900
    found = find_dates(text, reference=reference)
    ends = [0]
    for day in found:
        assert ends[-1] <= day.start < day.end <= len(text)
        assert day.value.tzinfo is BERLIN
        ends.append(day.end)


@SETTINGS
@given(texts, references, st.integers(0, 4))
@example("10.07.2024 bis 12.07.2024, 1.2. 1.2. 1.2.", date(2024, 6, 20), 2)
def test_the_date_cap_changes_no_visible_text_and_marks_the_first(
    text: str, reference: date, cap: int
) -> None:
    """With a budget of ``cap`` dates (what is left of a release's MAX_MARKED_DATES), the
    first ``cap`` dates are marked, in order, and the text stays exactly the same."""
    budget = DateBudget(cap)
    result = linkify(text, reference, budget)
    assert TAGS.sub("", result) == escape(text, quote=False)
    marked = re.findall(r'<time datetime="([^"]*)">', result)
    unlimited = re.findall(r'<time datetime="([^"]*)">', linkify(text, reference))
    assert marked == unlimited[:cap]
    assert budget.left == cap - len(marked)


# --- (b) dates in sentences --------------------------------------------------------------------

STYLES = {f"timed {k}": (v, True) for k, v in TIMED_STYLES.items()} | {
    f"date {k}": (v, False) for k, v in DATE_STYLES.items()
}


@SETTINGS
@given(berlin_times, st.sampled_from(sorted(STYLES)), spaces, references)
@example(datetime(2024, 10, 27, 0, 30, tzinfo=BERLIN), "timed weekday", " ", date(2024, 1, 1))
def test_a_date_in_a_sentence_is_found_whole(
    local: datetime, style: str, sp: str, reference: date
) -> None:
    write, has_time = STYLES[style]
    written = write(local, sp)
    sentence = f"Die Sitzung beginnt am{sp}{written} im Rathaus & endet später."
    found = find_dates(sentence, reference=reference)
    assert len(found) == 1, (written, found)
    start = len("Die Sitzung beginnt am") + len(sp)
    assert (found[0].start, found[0].end) == (start, start + len(written)), written
    assert found[0].value == parse_date(written, now=NOW), written
    assert found[0].has_time is has_time, written


# --- (c) year-less dates -----------------------------------------------------------------------


@SETTINGS
@given(references.filter(lambda d: d.year < 2150), st.integers(-RECENT_PAST.days, 244))
@example(date(2024, 12, 15), 26)  # a December release's "10. Januar"
@example(date(2024, 3, 1), -1)  # 29 February, the day before
def test_year_less_dates_are_recent_or_next(reference: date, offset: int) -> None:
    target = reference + timedelta(days=offset)
    assert year_for(target.month, target.day, reference) == target.year
    text = f"am {target.day}. {MONTH_NAMES[target.month - 1]} und am {target:%d.%m.}"
    assert [f.value.date() for f in find_dates(text, reference=reference)] == [target, target]
