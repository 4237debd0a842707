"""A release's date line as offices write it: the one complete date in it, and its time.

Offices print the date with words around it: a place (``Stralsund, den 10. Juli 2024``), a
label (``Pressemitteilung vom 10.07.2024``), a release number (``Nr. 12/2024 – 10. Juli
2024``), a note or the title after it (``10.07.2024, 14:30 Uhr – Polizeiinspektion Anklam``).
:func:`find_date_line` finds the date and the time written with it and ignores the rest, but
only where nothing around the date could be part of it: a wrong date is worse than a
refusal. The rules (also in the README, "Dates"):

* The date is complete (day, month, year) in a form :func:`~feedpub.dates.parse_date` reads:
  ``10.07.2024``, ``10.07.24``, ``10/07/2024``, ``10. Juli 2024``, ``10. Jul. 2024``, ISO
  ``2024-07-10``, with a weekday before it (``Mittwoch, den``) or after it, which must fit.
* The time follows the date: ``, 14:30 Uhr``, `` um 14 Uhr``, `` - 14:30``, `` – 14.30``
  (dots only after a dash or with ``Uhr``); a ``PM``/``AM`` marker of a CMS is read
  (``02:30 PM`` is 14:30, ``14:30 PM Uhr`` 14:30).
* Every digit next to the date and time belongs to them: a digit, ``Uhr`` or another time
  right after them (``10.07.2030, 18;00 Uhr``, ``10.07.20 30``, ``10,30 Uhr``, ``10.45h``)
  makes the line an error, and so does a digit right before the date with only a space
  between (``Nr. 12 10.07.2024``). Numbers further away, behind a word or a dash, are labels
  (``Nr. 53``, ``123/24``, ``2024-15``) and never read as a day, month or year.
* Errors: no complete date; two different complete dates; a second date without a year or a
  bare day before the date (``8. bis 10. Juli 2024`` with a place before it); a time that is
  not with the date; a relative word before the date; an impossible date (``31.02.2024``).

The line that is only a date keeps the rules of :func:`~feedpub.dates.parse_date_line`
(ranges mean their start). This module knows nothing of files: it raises ValueError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from feedpub.blocks import CLOSING
from feedpub.dates import (
    WEEKDAY_NAMES,
    GermanParserInfo,
    ParsedDate,
    UnreadableDate,
    parse_date_line,
)
from feedpub.dateutil_de import INFO, RELATIVE_WORD, spellings

_WEEKDAY = rf"(?:{spellings(GermanParserInfo.WEEKDAYS, shortest=3)}|(?:Mo|Di|Mi|Do|Fr|Sa|So)\.?)"
_MONTH = rf"(?:{spellings(GermanParserInfo.MONTHS)})"
# A complete date. Not inside a number or word on the left ("1.10.07.2024", "K10.07.2024").
_DATE = (
    r"(?<![\w.,:/+-])(?:"
    r"\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})(?![\d])"
    r"|\d{1,2}/\d{1,2}/\d{4}(?![\d/])"
    rf"|\d{{1,2}}\.?\s*(?i:{_MONTH})\.?\s+\d{{4}}(?!\d)"
    r"|\d{4}-\d{2}-\d{2}(?![\d-])"
    r")"
)
_AMPM = r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![\w]))?"
_UHR = r"\s*(?i:uhr)\b"
# The time after the date: after a comma, a space, a dash or a bar (and "um"), "14:30" with or
# without "Uhr", "14.30 Uhr", "14 Uhr"; "14.30" without "Uhr" only after a dash (after a comma
# it could be a year-less date: "10.07.2024, 12.07.").
_TIME = (
    r"(?:(?:\s*,\s*|\s*[-–—]\s*|\s*\|\s*|\s+)(?:(?i:um|ab|gegen)\s+)?"
    r"(?:(?P<h1>\d{1,2}):(?P<m1>\d{2})(?::(?P<s1>\d{2}))?(?![\d:])" + _AMPM + rf"(?:{_UHR})?"
    r"|(?P<h2>\d{1,2})\.(?P<m2>\d{2})(?![\d.])"
    + _AMPM.replace("ampm", "ampm2")
    + _UHR
    + r"|(?P<h3>\d{1,2})(?![\d.:])"
    + _AMPM.replace("ampm", "ampm3")
    + _UHR
    + r")"
    r"|\s*[-–—]\s*(?P<h4>\d{1,2})\.(?P<m4>\d{2})(?![\d.:])" + _AMPM.replace("ampm", "ampm4") + r")"
)
_WEEKDAY_BEFORE = rf"(?:(?<!\w)(?i:{_WEEKDAY}),?\s+(?:(?i:de[nm])\s+)?)"
_WEEKDAY_AFTER = rf"(?:\s*,?\s*(?P<after_weekday>(?i:{_WEEKDAY}))(?!\w))"
_WEEKDAY_ENDS = re.compile(rf"(?<!\w)(?P<name>(?i:{_WEEKDAY}))[\s:|(),–—-]*\Z")
_WEEKDAY_STARTS = re.compile(rf"[\s:|(),–—-]*(?P<name>(?i:{_WEEKDAY}))(?!\w)")
_ZONE = re.compile(
    rf"(?P<weekday>{_WEEKDAY_BEFORE})?(?P<date>{_DATE})(?P<time>{_TIME})?{_WEEKDAY_AFTER}?"
)
# What is a date or a time even without a year: refused next to the date (see module doc).
_YEARLESS = re.compile(rf"(?<![\w.,:/+-])\d{{1,2}}\.(?:\d{{1,2}}\.|\s*(?i:{_MONTH})\b)(?!\d)")
# A time anywhere outside the date, also glued to a word ("Stand:14:30", "ca.14:30").
_LOOSE_TIME = re.compile(r"(?<!\d)\d{1,2}[:.]\d{2}(?!\d)|(?i:\buhr\b)")
# A day right before the date: "8. bis 10. Juli 2024", "12 – 14.07.2024" (a range's start),
# unless a number label stands before it ("Nr. 12 – 10.07.2024").
_DAY_BEFORE = re.compile(
    r"(?<![\w.,:/|+-])(?<!Nr\. )(?<!Nr\.: )(?<!Nr\.:)(?<!Nummer )(?<!Nr )"
    r"\d{1,2}(?:\.\s*(?:(?:-|–|—|bis|zum|und)\s*)*|\s*(?:(?:-|–|—|bis|und)\s*)+)\Z",
    re.IGNORECASE,
)
# Release numbers and file numbers that look a little like dates: "12/24", "227/06", "2024-15".
_NUMBER_LABEL = re.compile(r"(?<![\w/.-])(?:\d+/\d+|\d{4}-\d{1,3})(?![\w/.-])")
# The last word before a date (its punctuation aside): see _is_label_word.
_LAST_WORD = re.compile(r"(?P<word>[^\W\d_]+)[\s,:;|/()–—-]*\Z")
_PUBLISHED_WORDS = frozenset(
    "veröffentlicht erstellt erschienen publiziert eingestellt herausgegeben verfasst "
    "geschrieben".split()
)
# What may not follow a date and its time: it would be a time we cannot read ("10.45h").
_UNIT_AFTER = re.compile(r"(?i:uhr|h|std)\b")
# Between the date and something after it that is no part of it.
_PUNCT = " ,;:|/–—-"
# What a note or title after the date starts with (after spaces).
_SEPARATORS = ",;:|/–—-("
#: A note after a comma or slash ("10.07.2024, Polizeiinspektion Anklam") is at most this long.
NOTE_MAX = 60
#: Room for a title after a dash or colon (parse.TITLE_MAX and its separator).
TITLE_ROOM = 310


@dataclass(frozen=True, slots=True)
class DateLine:
    """What :func:`find_date_line` read: ``text[start:end]`` is the date (and its time)."""

    value: datetime
    has_time: bool
    start: int
    end: int
    text: str

    @property
    def date_text(self) -> str:
        """The exact date text that was read."""
        return self.text[self.start : self.end]

    @property
    def before(self) -> str:
        """What was ignored before the date (a place, a label), stripped."""
        return self.text[: self.start].strip()

    @property
    def after(self) -> str:
        """What was ignored after the date and its time, stripped."""
        return self.text[self.end :].strip()


def find_date_line(text: str, *, what: str = "date line") -> DateLine:
    """The one complete date in a date line, its time, and the span it was read from.

    A line that is only a date is read as :func:`~feedpub.dates.parse_date_line` reads it.
    Otherwise see the module's rules. Raises ValueError with a message that says what to
    write; ``what`` names the line in it (``date line``, ``date``).
    """
    try:
        whole = parse_date_line(text, what=what)
    except ValueError as exc:
        whole_error = exc
    else:
        start = len(text) - len(text.lstrip())
        return DateLine(whole.value, whole.has_time, start, len(text.rstrip()), text)
    zones = list(_ZONE.finditer(text))
    if not zones:
        raise _no_date(text, whole_error, what)
    read = [_read_zone(text, zone, what) for zone in zones]
    first_zone, first = zones[0], read[0]
    for zone, other in zip(zones[1:], read[1:], strict=True):
        if other.value != first.value or other.has_time != first.has_time:
            raise ValueError(
                f"the {what} {_shown(text)!r} names two dates, {first_zone[0]!r} and "
                f"{zone[0]!r}; keep the publication date only"
            )
    _check_surroundings(text, zones, what)
    _check_weekdays(text, first_zone, first, what)
    return DateLine(first.value, first.has_time, first_zone.start(), first_zone.end(), text)


def _check_weekdays(text: str, zone: re.Match[str], read: ParsedDate, what: str) -> None:
    """A weekday set off from the date only by punctuation ("Dienstag: 10.07.2024",
    "10.07.2024 (Dienstag)") belongs to it and must fit."""
    before = _WEEKDAY_ENDS.search(text, 0, zone.start())
    after = _WEEKDAY_STARTS.match(text, zone.end())
    for found in (before, after):
        if found is None:
            continue
        weekday = INFO.weekday(found["name"].rstrip("."))
        if weekday is not None and weekday != read.value.weekday():
            raise ValueError(
                f"the {what} {_shown(text)!r}: {read.value:%d.%m.%Y} is a "
                f"{WEEKDAY_NAMES[read.value.weekday()]}, not a {WEEKDAY_NAMES[weekday]}"
            )


def _read_zone(text: str, zone: re.Match[str], what: str) -> ParsedDate:
    """Read one date with its weekday and time, strictly."""
    core = (zone["weekday"] or "") + zone["date"]
    try:
        if zone["time"]:
            hour, minute, second = _clock(zone)
            core += f", {hour}:{minute}" + (f":{second}" if second else "") + " Uhr"
        if zone["after_weekday"]:
            core += ", " + zone["after_weekday"]
        return parse_date_line(core, what=what)
    except ValueError as exc:
        raise ValueError(f"the {what} {_shown(text)!r}: {exc}") from None


def _clock(zone: re.Match[str]) -> tuple[int, str, str | None]:
    """Hour, minute text and second text of a zone's time; AM/PM applied."""
    hour_text = zone["h1"] or zone["h2"] or zone["h3"] or zone["h4"]
    minute = zone["m1"] or zone["m2"] or zone["m4"] or "00"
    hour = int(hour_text)
    marker = zone["ampm"] or zone["ampm2"] or zone["ampm3"] or zone["ampm4"] or ""
    marker = marker.replace(".", "").lower()
    if marker == "pm" and hour < 12:
        hour += 12
    elif marker == "am" and hour == 12:
        hour = 0
    elif marker == "am" and hour > 12:
        raise ValueError(f"{zone['time'].strip()!r} is no morning time; write 14:30 Uhr")
    return hour, minute, zone["s1"]


def _check_surroundings(text: str, zones: list[re.Match[str]], what: str) -> None:
    """Refuse what around the dates could be part of a date or time (see module doc)."""
    for zone in zones:
        _check_before(text, text[: zone.start()], what)
        _check_after(text, text[zone.end() :], what)
    for _, part in _outside(text, zones):
        for pattern, kind in ((_YEARLESS, "a date without a year"), (_LOOSE_TIME, "a time")):
            found = pattern.search(part)
            if found:
                raise ValueError(
                    f"the {what} {_shown(text)!r} has {kind} apart from its date: "
                    f"{found[0]!r}; write one date with its time, e.g. 10.07.2024, 14:30 Uhr"
                )


def _outside(text: str, zones: list[re.Match[str]]) -> list[tuple[int, str]]:
    parts, position = [], 0
    for zone in zones:
        parts.append((position, text[position : zone.start()]))
        position = zone.end()
    parts.append((position, text[position:]))
    return parts


def _check_before(text: str, before: str, what: str) -> None:
    day = _DAY_BEFORE.search(before)
    if day:
        raise ValueError(
            f"the {what} {_shown(text)!r} has a day {day[0].strip()!r} before its date (a "
            "range?); write the publication date alone, e.g. 10.07.2024"
        )
    if before.rstrip()[-1:].isdigit() and before[-1:].isspace():
        raise ValueError(
            f"the {what} {_shown(text)!r} has a number right before its date; separate it with "
            "a word or a dash, or remove it"
        )
    relative = RELATIVE_WORD.search(before)
    if relative:
        raise ValueError(
            f"the {what} {_shown(text)!r} has a relative day ({relative[0]!r}) before its "
            "date; write only the date, e.g. 10.07.2024"
        )


def event_word(date_line: DateLine) -> str | None:
    """The lower-case word before the date that makes the line read as a sentence about an
    event ("Anmeldung bis 10.07.2024", "Konzert am 10.07.2024"), or None for a label ("vom",
    "den", "Veröffentlicht am") or capitalised words (a place, a label).

    :func:`find_date_line` reads such lines (they are date lines if the office says so); the
    parser refuses them where a line may be a title or teaser instead of the date line.
    """
    before = date_line.text[: date_line.start]
    word = _LAST_WORD.search(before)
    if word and word["word"].islower() and not _is_label_word(before, word):
        return word["word"]
    return None


def _is_label_word(before: str, word: re.Match[str]) -> bool:
    """Whether the lower-case word right before a date belongs to a label ("vom", "den", and
    "am" after "veröffentlicht"), not to a sentence ("bis", "ab", "Konzert am")."""
    if word["word"] in ("vom", "den", "dem"):
        return True
    if word["word"] != "am":
        return False
    if not before[: word.start()].strip():
        return True  # "am 10.07.2024"
    previous = _LAST_WORD.search(before, 0, word.start())
    return previous is not None and previous["word"].lower() in _PUBLISHED_WORDS


def _check_after(text: str, after: str, what: str) -> None:
    rest = after.lstrip(_PUNCT)
    if rest[:1].isdigit() or _UNIT_AFTER.match(rest):
        raise ValueError(
            f"the {what} {_shown(text)!r}: cannot read {after.strip()[:20]!r} after the date; "
            "write the time as 14:30 Uhr, or separate a note with a word"
        )
    _check_note(text, after, what)


def _check_note(text: str, after: str, what: str) -> None:
    """What follows the date must be set apart and short, or a title after a dash or colon:
    running text with a date in it ("Ab dem 2. September 2024 bietet …") is no date line."""
    note = after.strip()
    if not note:
        return
    words = note.split()
    if (
        note[0] not in _SEPARATORS
        or (note[0] in ",;/(" and len(note) > NOTE_MAX)
        or len(note) > TITLE_ROOM
        or (len(words) > 8 and note.rstrip(CLOSING).endswith((".", "!", "…")))
    ):
        raise ValueError(
            f"the {what} {_shown(text)!r} reads as a sentence, not as a date line: after its "
            "date comes running text; put the date on a line of its own, e.g. 10.07.2024, "
            "or set a note apart with a dash: 10.07.2024 – Polizeiinspektion Anklam"
        )


def _no_date(text: str, whole_error: ValueError, what: str) -> ValueError:
    """The error for a line without any complete date."""
    shown = _shown(text)
    relative = RELATIVE_WORD.search(text)
    yearless = _YEARLESS.search(text)
    number = _NUMBER_LABEL.search(text)
    if relative and _shown(relative[0]) != shown:
        return ValueError(
            f"the {what} {shown!r} is relative ({relative[0]!r}) and would change meaning "
            "tomorrow; write the full date, e.g. 10.07.2024"
        )
    if yearless and _shown(yearless[0]) != shown:
        return ValueError(
            f"the {what} {shown!r} has no year ({yearless[0]!r}); write the full date, "
            "e.g. 10.07.2024"
        )
    if number:
        return ValueError(
            f"the {what} {shown!r} has no complete date (day, month and year): {number[0]!r} "
            "is read as a number, not a date; write the date as 10.07.2024 or 10. Juli 2024"
        )
    if relative or yearless or not isinstance(whole_error, UnreadableDate):
        # "2024", "10.07.2", "heute", "14:30 Uhr": the date line's own messages say it best
        return whole_error
    return ValueError(
        f"the {what} {shown!r} has no complete date (day, month and year); write it as "
        "10.07.2024 or 10. Juli 2024"
    )


def _shown(text: str) -> str:
    return " ".join(text.split())
