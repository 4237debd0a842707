"""The correction stamp of a release: its ``Aktualisiert:`` line, where it may stand, its date.

``Aktualisiert: 12.07.2024, 10:00 Uhr`` (also ``Aktualisiert am 12. Juli 2024``, ``Zuletzt
aktualisiert: 12.07.2024``) directly below the date line, as a block of its own below the
title, or beside the author line (README, "Release files", "Corrections"). Its date follows
the rules of the date line. Split from :mod:`feedpub.parse`, which reads the rest of a release.
"""

from __future__ import annotations

import re
from pathlib import Path

from feedpub.blocks import Block, is_author_line
from feedpub.dateline import DateLine
from feedpub.dates import GermanParserInfo, ParsedDate, format_date_line, parse_date_line
from feedpub.dateutil_de import RELATIVE_DAYS
from feedpub.release import ReleaseError

#: How a release is written with its correction stamp (``Aktualisiert: 12.07.2024, 10:00 Uhr``).
UPDATED_LABEL = "Aktualisiert:"
#: A longer date text is no stamp (as long as the longest date alone, see parse.DATE_LINE_MAX).
STAMP_DATE_MAX = 60
#: A stamp is found by :func:`updated_text`: (line number, line, date text).
Stamp = tuple[int, str, str]

# The correction stamp: "Aktualisiert: 12.07.2024, 10:00 Uhr", "Aktualisiert am 12. Juli 2024",
# "Zuletzt aktualisiert: 12.07.2024"; the group is the date text. "\b": "Aktualisierte
# Fassung" is no stamp.
_UPDATED = re.compile(r"(?:zuletzt\s+)?aktualisiert(?:\s+am)?\b\s*:?\s*(.*)", re.IGNORECASE)
# The words a date text may contain (dateutil's German tables, the filler words they skip and
# the relative days, which are then refused). Only a stamp whose date text is made of these
# and of digits is one: "Aktualisiert: Sperrung der K 12 verlängert" stays a title and
# "Aktualisiert am 12.07.2024: Die Telefonnummer lautet …" a paragraph.
_DATE_WORDS = (
    frozenset(
        name.lower()
        for table in (GermanParserInfo.MONTHS, GermanParserInfo.WEEKDAYS)
        for names in table
        for name in names
    )
    | {"am", "den", "dem", "um", "vom", "bis", "zum", "uhr", "t", "h", "std", "min"}
    | set(RELATIVE_DAYS)
)
_WORD = re.compile(r"[^\W\d_]+")


def stamp_below_date(blocks: list[Block]) -> list[Stamp]:
    """Take an ``Aktualisiert:`` line directly below the date line, where the websites print it
    (blank lines between or not: copying from a web page varies them), out of ``blocks``.

    Returns the stamps found so far: (line number, line, date text)."""
    if not blocks:
        return []
    number, line, _ = blocks[0][0]
    stamp = updated_text(line)
    if stamp is None:
        return []
    blocks[0] = blocks[0][1:]
    if not blocks[0]:
        del blocks[0]
    return [(number, line, stamp)]


def updated_text(line: str) -> str | None:
    """The date text of an ``Aktualisiert:`` line, or None when ``line`` is not one.

    The line is the keyword and a date text of date words and digits only (see _DATE_WORDS),
    at most as long as a date line; a line with ``©`` is a caption. Impossible dates
    ("31.02.2024", "Juli 2024") still make a stamp, so that they become an error, not text.
    """
    match = _UPDATED.fullmatch(line)
    if match is None or "©" in line:
        return None
    text = match[1]
    if len(text) > STAMP_DATE_MAX:
        return None
    if any(word.lower() not in _DATE_WORDS for word in _WORD.findall(text)):
        return None
    return text


def take_updated_lines(blocks: list[Block], stamps: list[Stamp]) -> list[Block]:
    """``blocks`` without the ``Aktualisiert:`` lines below the title, which go to ``stamps``.

    A stamp there is a block of its own (blank lines around it) or a line directly above or
    below an ``Autor/in:`` line, where offices add it at the end. Anywhere else, e.g. as a line
    inside a hard-wrapped paragraph, the words are text: a sentence may run over such a line.
    """
    kept: list[Block] = []
    for block in blocks:
        if len(block) == 1:
            number, line, _ = block[0]
            stamp = updated_text(line)
            if stamp is not None:
                stamps.append((number, line, stamp))
                continue
            kept.append(block)
            continue
        is_author = [is_author_line(line) for _, line, _ in block]
        if not any(is_author):
            kept.append(block)
            continue
        lines: Block = []
        for index, entry in enumerate(block):
            beside_author = (index > 0 and is_author[index - 1]) or (
                index + 1 < len(block) and is_author[index + 1]
            )
            stamp = updated_text(entry[1]) if beside_author else None
            if stamp is not None:
                stamps.append((entry[0], entry[1], stamp))
            else:
                lines.append(entry)
        kept.append(lines)
    return kept


def read_updated(stamps: list[Stamp], published: DateLine, source: Path) -> ParsedDate | None:
    """The release's correction time from its ``Aktualisiert:`` line, if it has one.

    The date follows the rules of the date line (no ``heute``, no year-less dates) for the same
    reason: a rebuild next year must read the same day. It may not be before the publication;
    when either names only a day, days are compared (a date-only stamp on the day of a release
    published at 14:30 is fine: the feeds then use the publication time, see
    :func:`~feedpub.release.effective_updated`).
    """
    if not stamps:
        return None
    first_no, _, _ = stamps[0]
    if len(stamps) > 1:
        number, line, _ = stamps[1]
        raise ReleaseError(
            source,
            number,
            f"expected one Aktualisiert: line, got a second one {_clip(line)!r} (the first is "
            f"line {first_no}); keep the latest correction only",
        )
    _, line, text = stamps[0]
    try:
        updated = parse_date_line(text, what="date")
    except ValueError as exc:
        raise ReleaseError(
            source, first_no, f"cannot read the date of {_clip(line)!r}: {exc}"
        ) from None
    if updated.has_time and published.has_time:
        early = updated.value < published.value
    else:
        early = updated.value.date() < published.value.date()
    if early:
        shown = format_date_line(updated.value, with_time=updated.has_time)
        date_line = format_date_line(published.value, with_time=published.has_time)
        raise ReleaseError(
            source,
            first_no,
            f"expected the correction on or after the publication ({date_line}), got {shown} "
            f"in {_clip(line)!r}; check both dates",
        )
    return updated


def updated_before_date(line: str) -> str:
    """The message for a stamp where the date line should be."""
    return (
        f"expected the date line, got the correction stamp {_clip(line)!r}; it goes directly "
        "below the date line"
    )


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
