"""Property tests for feedpub.dateline.find_date_line (Hypothesis; style of test_dates_prop.py).

(a) ``<words> <date> <note>`` gives exactly that date, its time and its span.
(b) Two different complete dates on one line are an error.
(c) A valid date line with one character inserted, deleted or replaced is read as the same
    instant or refused, never as another instant, unless the change itself makes another
    complete, valid date (the rule is in :func:`test_one_typo_never_gives_another_instant`).

Words are drawn from letters only (German ones included), never a word the date grammar knows:
weekday and month names and their abbreviations (a weekday next to the date belongs to it),
relative days (``heute``), ``Uhr``/``h``/``std``, ``am``/``um``/``vom``/``den`` (a line that is
only ``vom <date>`` is read whole, so the span would include them; labels with them come from
``LABELS``), and words starting with ``AM``/``PM`` (read as a 12-hour marker after the date; a
known false refusal, see tests/test_dateline.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from feedpub.dateline import find_date_line
from feedpub.dates import BERLIN, two_digit_year

SETTINGS = settings(max_examples=300, deadline=None)

# Our own spellings, not the module's tables.
MONTHS = [
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
]
MONTHS_SHORT = ["Jan.", "Feb.", "Mrz.", "Apr.", "Mai", "Jun.", "Jul.", "Aug.", "Sept."]
MONTHS_SHORT += ["Okt.", "Nov.", "Dez."]
WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
WEEKDAYS_SHORT = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]

FORBIDDEN = {
    *(w.lower() for w in WEEKDAYS + MONTHS),
    *(w.lower().rstrip(".") for w in WEEKDAYS_SHORT + MONTHS_SHORT),
    *"sonnabend jän jänner febr mär maerz sep apr jun jul".split(),
    *"heute gestern morgen vorgestern übermorgen uhr h std min sek".split(),
    *"am pm um ab gegen vom den dem bis zum t".split(),
}
LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ"
words = st.text(LETTERS, min_size=2, max_size=12).filter(
    lambda w: w.lower() not in FORBIDDEN and w[:2] not in ("AM", "PM")
)
LABELS = [
    "Pressemitteilung vom",
    "Meldung vom",
    "Pressemeldung vom:",
    "Stand:",
    "Veröffentlicht am",
    "Datum:",
    "Sperrfrist:",
]
# A prefix: words with the punctuation labels carry, dashes and bars between them.
prefix_tokens = st.one_of(
    words,
    st.builds(lambda w, p: w + p, words, st.sampled_from([",", ":", "."])),
    st.sampled_from(["–", "-", "|"]),
)
prefixes = st.builds(
    lambda tokens, label: " ".join([*tokens, *([label] if label else [])]),
    st.lists(prefix_tokens, max_size=5),
    st.sampled_from(["", "", *LABELS]),
)
# A note after the date: set apart by one of these, at most 4 words (a note after a comma or
# slash is at most 60 characters).
SEPARATORS = [" – ", " - ", " — ", " | ", ": ", ", ", " / "]
suffixes = st.one_of(
    st.just(""),
    st.builds(
        lambda sep, ws: sep + " ".join(ws),
        st.sampled_from(SEPARATORS),
        st.lists(words, min_size=1, max_size=4),
    ),
    st.builds(lambda ws: " (" + " ".join(ws) + ")", st.lists(words, min_size=1, max_size=3)),
)

FIRST, LAST = date(1990, 1, 1), date(2099, 12, 31)


def _date_styles(d: date) -> list[str]:
    styles = [
        f"{d:%d.%m.%Y}",
        f"{d.day}.{d.month}.{d.year}",
        f"{d.day}. {MONTHS[d.month - 1]} {d.year}",
        f"{d.day}. {MONTHS_SHORT[d.month - 1]} {d.year}",
        f"{d:%d/%m/%Y}",
        f"{d:%Y-%m-%d}",
        f"{WEEKDAYS[d.weekday()]}, {d:%d.%m.%Y}",
        f"{WEEKDAYS_SHORT[d.weekday()]}, {d:%d.%m.%Y}",
        f"{WEEKDAYS[d.weekday()]}, den {d.day}. {MONTHS[d.month - 1]} {d.year}",
    ]
    if two_digit_year(d.year % 100) == d.year:
        styles.append(f"{d:%d.%m.%y}")
    return styles


def _time_styles(hour: int, minute: int) -> list[str]:
    h12 = hour % 12 or 12
    styles = [
        f", {hour:02d}:{minute:02d} Uhr",
        f", {hour}.{minute:02d} Uhr",
        f" - {hour:02d}:{minute:02d} Uhr",
        f" – {hour:02d}:{minute:02d}",
        f" - {hour:02d}.{minute:02d}",
        f" um {hour}:{minute:02d} Uhr",
        f" {hour:02d}:{minute:02d} Uhr",
        f", {hour:02d}:{minute:02d}",
        f", {h12:02d}:{minute:02d} {'PM' if hour >= 12 else 'AM'}",
    ]
    if minute == 0:
        styles.append(f", {hour} Uhr")
    return styles


@dataclass(frozen=True)
class Line:
    prefix: str
    core: str
    suffix: str
    #: The instant the line names, ISO with its offset (fold 0: the first of a doubled hour).
    expected: str
    has_time: bool

    @property
    def text(self) -> str:
        return self.prefix + self.core + self.suffix


def _exists(local: datetime) -> bool:
    """False for a wall time that daylight saving skips (through UTC: astimezone to the same
    zone returns the datetime itself)."""
    back = local.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None)
    return back == local.replace(tzinfo=None)


@st.composite
def cores(draw: st.DrawFn) -> tuple[str, str, bool]:
    """A date (and maybe a time) as offices write it; its ISO instant; whether timed."""
    day = draw(st.dates(FIRST, LAST))
    text = draw(st.sampled_from(_date_styles(day)))
    if not draw(st.booleans()):
        return text, datetime(day.year, day.month, day.day, tzinfo=BERLIN).isoformat(), False
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
    assume(_exists(local))
    return text + draw(st.sampled_from(_time_styles(hour, minute))), local.isoformat(), True


@st.composite
def lines(draw: st.DrawFn) -> Line:
    prefix = draw(prefixes)
    core, expected, has_time = draw(cores())
    suffix = draw(suffixes)
    if suffix.startswith(": ") and has_time and not core.endswith(("Uhr", "M")):
        suffix = " –" + suffix[1:]  # "14:30: note" is no time; with "Uhr" it is fine
    return Line(prefix + " " if prefix else "", core, suffix, expected, has_time)


# --- (a) words around a date ----------------------------------------------------------------


@SETTINGS
@given(lines())
@example(Line("Greifswald, den ", "10.07.2024", "", "2024-07-10T00:00:00+02:00", False))
@example(Line("Stand: ", "27.10.2024 - 02.30", " | Anklam", "2024-10-27T02:30:00+02:00", True))
@example(Line("", "10.07.99", " – Erstmeldung", "1999-07-10T00:00:00+02:00", False))
def test_words_around_a_date_give_that_date(line: Line) -> None:
    found = find_date_line(line.text)
    assert found.value.isoformat() == line.expected, line.text
    assert found.has_time == line.has_time, line.text
    assert found.date_text == line.core, line.text
    assert found.before == line.prefix.strip(), line.text
    assert found.after == line.suffix.strip(), line.text


# --- (b) two different complete dates ---------------------------------------------------------


@settings(SETTINGS, max_examples=200)
@given(
    lines(),
    cores(),
    st.sampled_from(SEPARATORS),
    st.lists(words, min_size=1, max_size=3),
    suffixes,
)
@example(
    Line("Stralsund, ", "10.07.2024", "", "2024-07-10T00:00:00+02:00", False),
    ("11.07.2024", "2024-07-11T00:00:00+02:00", False),
    " - ",
    ["Bergen,"],
    "",
)
def test_two_different_dates_are_an_error(
    first: Line, second: tuple[str, str, bool], sep: str, middle: list[str], suffix: str
) -> None:
    """A word stands between the two dates: ``10.07.2024 – 12.07.2024`` alone is a range and
    read as its start (parse_date_line's rule for a line that is only a date)."""
    other, other_expected, _ = second
    assume(other_expected[:10] != first.expected[:10])
    text = first.prefix + first.core + sep + " ".join(middle) + " " + other + suffix
    try:
        found = find_date_line(text)
    except ValueError as exc:
        assert "two dates" in str(exc), text
    else:
        raise AssertionError(f"{text!r} read as {found.value.isoformat()}")


# --- (c) one typo -------------------------------------------------------------------------------

TYPO_CHARACTERS = "0123456789.:,;- " + "aAhHpPmMuUrJlx"


@dataclass(frozen=True)
class Typo:
    kind: str  # "insert", "delete", "replace"
    position: int
    character: str

    def apply(self, text: str) -> str:
        if self.kind == "insert":
            return text[: self.position] + self.character + text[self.position :]
        if self.kind == "delete":
            return text[: self.position] + text[self.position + 1 :]
        return text[: self.position] + self.character + text[self.position + 1 :]

    def touches(self, start: int, end: int) -> bool:
        """Whether the typo falls in ``[start, end)`` (an insertion also at either edge)."""
        if self.kind == "insert":
            return start <= self.position <= end
        return start <= self.position < end


@st.composite
def typos(draw: st.DrawFn, line: Line) -> Typo:
    """A typo anywhere in the line, most often in or next to the date and time."""
    kind = draw(st.sampled_from(["insert", "delete", "replace"]))
    length = len(line.text)
    top = length if kind == "insert" else length - 1
    core_start = len(line.prefix)
    near_core = st.integers(max(core_start - 1, 0), min(core_start + len(line.core), top))
    position = draw(near_core | near_core | near_core | st.integers(0, top))
    return Typo(kind, position, draw(st.sampled_from(TYPO_CHARACTERS)))


_MONTH_WORD = re.compile(
    r"(?i)(jan|jän|feb|mär|mrz|mae|apr|mai|jun|jul|aug|sep|okt|nov|dez)[a-zä]*"
)
_MONTH_NUMBERS = dict(
    zip("jan feb mär apr mai jun jul aug sep okt nov dez".split(), range(1, 13), strict=True)
)
_MONTH_NUMBERS.update({"jän": 1, "mrz": 3, "mae": 3})


def _digits_read_as(core: str, value: datetime) -> bool:
    """Whether ``value`` is a reading of the digit groups of ``core`` in their order.

    Day, month (or a month name), year (four digits, or its last two), then hour, minute,
    second; ISO order for a core starting with a four-digit year; ``PM``/``AM`` after the
    time shift the hour. Independent of the module: this is what a reader sees in the text.
    """
    groups = re.findall(r"\d+", core)
    month_word = _MONTH_WORD.search(core)
    if month_word:
        month_no = _MONTH_NUMBERS[month_word[1].lower()]
        date_part, rest = [groups[0], str(month_no), *groups[1:2]], groups[2:]
    elif re.match(r"\s*\d{4}-", core):
        date_part, rest = [*reversed(groups[:3])], groups[3:]
    else:
        date_part, rest = groups[:3], groups[3:]
    if len(date_part) < 3:
        return False
    day, month, year = date_part
    year_ok = int(year) == (value.year if len(year) == 4 else value.year % 100)
    if not (year_ok and (int(day), int(month)) == (value.day, value.month)):
        return False
    if len(rest) > 3:
        return False
    hour, minute, second = [*map(int, rest), 0, 0, 0][:3]
    if re.search(r"\d\s*[Pp]\.?[Mm]", core) and hour < 12:
        hour += 12
    elif re.search(r"\d\s*[Aa]\.?[Mm]", core) and hour == 12:
        hour = 0
    return (hour, minute, second) == (value.hour, value.minute, value.second)


_RANGE = re.compile(r"(\d+)(\s*(?:[-–—]|bis)\s*)(\d+)")


def _range_read_as(core: str, value: datetime) -> bool:
    """Whether ``core`` is a range (``1-8:00 Uhr``) of two valid ends in order, read as its
    start: the documented rule of parse_date_line."""
    for match in _RANGE.finditer(core):
        start = core[: match.start()] + match[1] + core[match.end() :]
        end = core[: match.start()] + match[3] + core[match.end() :]
        try:
            last = find_date_line(end).value
        except ValueError:
            continue
        if _digits_read_as(start, value) and last >= value:
            return True
    return False


@settings(SETTINGS, max_examples=400)
@given(st.data(), lines())
@example(None, Line("", "10.07.2030, 18:00 Uhr", "", "2030-07-10T18:00:00+02:00", True))
def test_one_typo_never_gives_another_instant(data: st.DataObject | None, line: Line) -> None:
    """A typo is read as the same instant, or refused, or, when it falls in the date and time
    (``core``, an insertion also at its edges), read as the date the changed core says:

    * every digit group of the changed core is read, in order, as day, month (or the month
      name), year, hour, minute, second (:func:`_digits_read_as`), so ``10.07.2030, 18:00 Uhr``
      → ``10.07.2031, 18:00 Uhr`` or ``… 19:00 Uhr`` are fine, but ``18;00`` read as 00:00 or
      ``10.07.20 30`` read as 2020 are not (a digit left over or read as something else);
    * or the changed core is a range of two valid ends in order, read as its start
      (``14:00 Uhr`` → ``1-4:00 Uhr`` is 01:00, the documented rule for ranges).

    A typo in the words around the date may never change the instant; one right beside the
    date may join it (``– 1.1.2000`` → ``–11.1.2000``) when every digit of the text read is read.
    """
    original = find_date_line(line.text)
    assert original.value.isoformat() == line.expected, line.text
    if data is None:  # the @example: the "18;00 Uhr"
        typo = Typo("replace", 13, ";")
    else:
        typo = data.draw(typos(line))
    changed = typo.apply(line.text)
    try:
        found = find_date_line(changed)
    except ValueError:
        return
    if found.value.isoformat() == line.expected:
        return
    core_start = len(line.prefix)
    if typo.touches(core_start, core_start + len(line.core)):
        shifted = Typo(typo.kind, typo.position - core_start, typo.character)
        core = shifted.apply(line.core)
        if _digits_read_as(core, found.value) or _range_read_as(core, found.value):
            return
    # A character right beside the date replaced by a digit joins it ("– 1.1.2000" →
    # "–11.1.2000"): another complete, valid date that the change itself made, read from
    # exactly the digits of the text read.
    if typo.touches(core_start - 1, core_start + len(line.core) + 1) and _digits_read_as(
        found.date_text, found.value
    ):
        return
    raise AssertionError(
        f"{line.text!r} with a typo ({typo.kind} {typo.character!r} at {typo.position}): "
        f"{changed!r} read as {found.value.isoformat()}, was {line.expected}"
    )
