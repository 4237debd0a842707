"""A release's decoded text → :class:`~feedpub.release.Release` (and back to text).

The layout is that of the district websites the press offices copy from (see README,
"Release files"): page label, date line (and an ``Aktualisiert:`` line after a correction),
title, teaser, caption lines with ``©``, body paragraphs, ``Autor/in:``. This module finds the
head (date line, correction stamp, title, teaser); :mod:`feedpub.blocks` reads the blocks below
it. Everything that is not a release becomes a :class:`ReleaseError` that names the line. The
bytes are made text by :mod:`feedpub.decode`; no folders are read here: :mod:`feedpub.discover`
finds the files.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from feedpub.blocks import (
    Block,
    ends_sentence,
    is_author_line,
    is_caption_block,
    is_list_item,
    is_teaser,
    read_body,
    split_blocks,
)
from feedpub.dateline import DateLine, event_word, find_date_line
from feedpub.dates import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    format_date_line,
    parse_date_line,
)
from feedpub.dateutil_de import RELATIVE_DAYS
from feedpub.decode import read_text
from feedpub.note import NOTE_LABEL, read_note, take_body_notes, take_head_note
from feedpub.release import (
    Notice,
    Release,
    ReleaseError,
    department_slug,
    make_id,
    slugify,
)
from feedpub.stamp import (
    UPDATED_LABEL,
    read_updated,
    stamp_below_date,
    take_updated_lines,
    updated_before_date,
    updated_text,
)

#: A title longer than this is a body paragraph: the release has no title.
TITLE_MAX = 300
#: A longer line is text, never a date alone (the longest real ones have about 40 characters).
DATE_LINE_MAX = 60
#: A date line with words around its date (a place, a label, the title) may be this long.
LABELLED_DATE_LINE_MAX = TITLE_MAX + 100
#: The page label the district websites print above the date; used when writing a release.
PAGE_LABEL = "Seiteninhalt"

_MULTI_SPACE = re.compile(r" {2,}")
# A date line is short and has a digit or one of these words. A first line without any of
# them is the page label ("Seiteninhalt") and is not handed to the (slow) date parser at all;
# a first line with one of them was meant as the date, so its error is reported on that line.
_DATEISH = re.compile(
    r"\d|\b(?:"
    + "|".join(RELATIVE_DAYS)
    + "|"
    + "|".join(WEEKDAY_NAMES + MONTH_NAMES + ("Sonnabend",))
    + r")\b",
    re.IGNORECASE,
)
# Something like a complete date (see _looks_like_date); find_date_line decides.
_DATE_IN_LINE = re.compile(
    r"\d{1,2}\.\s*(?:\d{1,2}\.\s*\d{2}|[^\W\d_]{3,}\.?\s+\d{4})|\d{4}-\d{2}-\d{2}"
)


def parse_text(text: str, *, source: Path, department: str, tag_prefix: str) -> Release:
    """Parse decoded release text (see :func:`feedpub.decode.decode`) into a Release.

    ``source`` is the path shown in messages; its stem names the release. Raises
    ReleaseError naming the line for anything that is not a release.
    """
    department, slug, stem = _names(source, department)
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    raw_lines = text.split("\n")
    head = _head(raw_lines, source)
    date_lineno, parsed = _find_date_line(head, source)
    above = [line for number, line in head if number < date_lineno]
    blocks = split_blocks(raw_lines, start=date_lineno)
    stamps = stamp_below_date(blocks)
    notes = take_head_note(blocks, _title_follows)
    if notes and not stamps:
        stamps = stamp_below_date(blocks)  # the note first, then the stamp
    title, rest = _title(parsed, date_lineno, blocks, source, above)
    rest = take_updated_lines(rest, stamps)
    rest = take_body_notes(rest, notes)
    updated = read_updated(stamps, parsed, source)
    correction = read_note(notes, source)
    teaser, rest = _teaser(rest, title.text)
    body = read_body(rest)
    if teaser is None and not body.paragraphs:
        raise ReleaseError(
            source,
            title.line,
            f"expected a teaser or a paragraph after the title {_clip(title.text)!r}, got none",
        )
    return Release(
        source=source,
        department=department,
        slug=slug,
        stem=stem,
        id=make_id(tag_prefix, slug, stem),
        published=parsed.value,
        has_time=parsed.has_time,
        title=title.text,
        teaser=teaser,
        captions=body.captions,
        paragraphs=body.paragraphs,
        authors=body.authors,
        updated=updated.value if updated else None,
        updated_has_time=updated.has_time if updated else True,
        correction=correction,
        date_text=parsed.date_text,
        date_ignored=_ignored(parsed, title.on_date_line),
    )


def _names(source: Path, department: str) -> tuple[str, str, str]:
    """The department (NFC), its URL slug and the release's stem; an error when either has no
    letter or digit for a URL."""
    department = unicodedata.normalize("NFC", department)
    slug = department_slug(department)
    if not slug:
        raise ReleaseError(
            source, 1, f"department folder {department!r} has no letters or digits for a URL"
        )
    stem = slugify(unicodedata.normalize("NFC", source.stem))
    if not stem:
        raise ReleaseError(
            source, 1, f"file name {source.name!r} has no letters or digits for a URL"
        )
    return department, slug, stem


def _head(raw_lines: list[str], source: Path) -> list[tuple[int, str]]:
    """The first three non-blank lines (number, text): page label and date line, or the date
    line and the next (or a header block, see _header_date_line); an empty file is an error."""
    head: list[tuple[int, str]] = []
    for number, raw in enumerate(raw_lines, 1):
        line = raw.strip()
        if line:
            head.append((number, line))
            if len(head) == 3:
                break
    if not head:
        raise ReleaseError(
            source,
            1,
            "expected a date line such as 10.07.2024, then a title; got an empty file",
            from_bytes=True,
        )
    return head


class _Title(NamedTuple):
    text: str
    #: Its (first) line number.
    line: int
    #: Whether it stands on the date line (``10.07.2024 - Titel``).
    on_date_line: bool


def _title(
    date_line: DateLine, date_lineno: int, blocks: list[Block], source: Path, above: list[str]
) -> tuple[_Title, list[Block]]:
    """The title, from the date line, the line above it (see _title_above) or the first block
    after it, and the blocks after it."""
    line_title = _title_on_date_line(date_line, blocks)
    if line_title is not None:
        return _Title(line_title, date_lineno, True), blocks
    if _title_above(above, blocks):
        return _Title(above[0], date_lineno - 1, False), blocks
    if not blocks:
        raise ReleaseError(
            source, date_lineno, "expected a title after the date line, got the end of the file"
        )
    title_block = blocks[0]
    title = _Title(" ".join(text for _, text, _ in title_block), title_block[0][0], False)
    not_title = _not_a_title(title_block, title.text)
    if not_title:
        raise ReleaseError(
            source, title.line, f"expected the title after the date line, got {not_title}"
        )
    return title, blocks[1:]


def _teaser(blocks: list[Block], title: str) -> tuple[str | None, list[Block]]:
    """The teaser, if the first block is one, and the blocks after it."""
    if blocks and _same_text(blocks[0], title):
        blocks = blocks[1:]  # the title printed again (as some pages do): not a teaser
    if blocks and is_teaser(blocks[0]):
        return blocks[0][0][1], blocks[1:]
    return None, blocks


def _ignored(date_line: DateLine, title_on_date_line: bool) -> tuple[str, ...]:
    """What the date line held besides its date (and the title read from it)."""
    after = "" if title_on_date_line else date_line.after
    return tuple(part for part in (date_line.before, after) if part)


# A title on the date line follows its date after a dash or a colon: "10.07.2024 - Titel".
_LINE_TITLE = re.compile(r"\A\s*(?:[-–—:]|\|)\s+(?P<title>.*[^\W\d_].*)\Z")


def _title_on_date_line(date_line: DateLine, blocks: list[Block]) -> str | None:
    """The title when the date line carries it (``10.07.2024 - Landrat besucht Jobcenter``).

    Only when what follows the date line cannot be a title: a paragraph that ends a sentence,
    captions, a list, an author line or nothing. A release whose title stands on its own line
    is therefore never misread, whatever note its date line carries; a page that prints
    ``<date> - <title>`` and then a one-line teaser is read with the teaser as its title (the
    README says to put the title on a line of its own there).
    """
    match = _LINE_TITLE.match(date_line.text[date_line.end :])
    if match is None or len(match["title"]) > TITLE_MAX:
        return None
    if blocks:
        block = blocks[0]
        text = " ".join(line for _, line, _ in block)
        could_be_title = _not_a_title(block, text) is None and not ends_sentence(text)
        if could_be_title or updated_text(block[0][1]) is not None:
            return None
    return match["title"].strip()


# A page label, not a title: "Seiteninhalt", "Pressemitteilung", "Medieninformation: 123/2024".
_LABEL_START = re.compile(
    r"(?:Seiteninhalt|Inhalt|Presse|Pressemitteilung|Pressemeldung|Pressemitteilungen|"
    r"Presseinformation|Presseinfo|Medieninformation|Meldung|Polizeimeldung|Aktuelles|"
    r"Nachrichten|Mitteilung|PM)\b",
    re.IGNORECASE,
)


def _title_follows(blocks: list[Block]) -> bool:
    """Whether ``blocks`` start with a title (after an ``Aktualisiert:`` line): not captions,
    a list, an author line or a date line, and no sentence. A ``Korrektur:`` line in the
    head is a note only then; else it is the title."""
    rest = blocks[:2]
    stamp_below_date(rest)
    if not rest:
        return False
    text = " ".join(line for _, line, _ in rest[0])
    return _not_a_title(rest[0], text) is None and not ends_sentence(text)


def _title_above(above: list[str], blocks: list[Block]) -> bool:
    """Whether the one line above the date line is the title (``Landrat besucht Jobcenter`` /
    ``Pressemitteilung vom 10.07.2024`` / the text): when it reads as a title (three words or
    more, no page label, no sentence) and what follows the date line cannot be a title (a
    paragraph that ends a sentence, captions, a list). A release whose title stands below its
    date line is never misread: its title can be one."""
    if len(above) != 1 or not blocks:
        return False
    line = above[0]
    if (
        len(line) > TITLE_MAX
        or len(_WORDS.findall(line)) < 3
        or _LABEL_START.match(line)
        or ends_sentence(line)
    ):
        return False
    block = blocks[0]
    text = " ".join(entry for _, entry, _ in block)
    return not (_not_a_title(block, text) is None and not ends_sentence(text))


_WORDS = re.compile(r"[^\W\d_]{2,}")


def _same_text(block: Block, title: str) -> bool:
    text = " ".join(line for _, line, _ in block)
    return text.casefold() == title.casefold()


def _read_date_line(line: str) -> DateLine:
    """``line`` read as a date line (:func:`feedpub.dateline.find_date_line`), refused when it
    reads as a sentence about an event (``Anmeldung bis 10.07.2024``, ``Konzert am
    10.07.2024``: a title or teaser, see :func:`feedpub.dateline.event_word`)."""
    date_line = find_date_line(line)
    word = event_word(date_line)
    if word is not None:
        raise ValueError(
            f"the date line {_clip(line)!r} reads as a sentence with a date in it "
            f"({word!r} before the date), not as the publication date; write it as 10.07.2024 "
            "or Pressemitteilung vom 10.07.2024"
        )
    return date_line


def _find_date_line(numbered: list[tuple[int, str]], source: Path) -> tuple[int, DateLine]:
    """Line number and reading of the date line among the first (up to) three non-blank lines
    (number, text): the first line, or the second when the first is the page label, or the
    third of a header block (see _header_date_line). Errors point at the line a human would
    fix."""
    first_no, first = numbered[0]
    if updated_text(first) is not None:
        raise ReleaseError(source, first_no, updated_before_date(first))
    first_error: ValueError | None = None
    if _may_be_date_line(first) or len(numbered) < 2:
        try:
            return first_no, _read_date_line(first)
        except ValueError as exc:
            first_error = exc
    if len(numbered) < 2:
        assert first_error is not None
        raise ReleaseError(source, first_no, str(first_error)) from None
    second_no, second = numbered[1]
    if first_error is None and updated_text(second) is not None:
        raise ReleaseError(source, second_no, updated_before_date(second))
    try:
        if len(second) > LABELLED_DATE_LINE_MAX:
            raise ValueError(f"{_clip(second)!r} is too long for a date line")
        return second_no, _read_date_line(second)
    except ValueError as second_error:
        header = _header_date_line(numbered)
        if header is not None:
            return numbered[2][0], header
        # A first line that looks like a date was meant as the date; else it is the label.
        if first_error is not None:
            raise ReleaseError(source, first_no, str(first_error)) from None
        if updated_text(second) is not None:
            raise ReleaseError(source, second_no, updated_before_date(second)) from None
        if _looks_like_date(second):
            raise ReleaseError(source, second_no, str(second_error)) from None
        raise ReleaseError(
            source,
            second_no,
            f"expected a date line such as 10.07.2024 after the page label {_clip(first)!r}, "
            f"got {_clip(second)!r}",
        ) from None


def _header_date_line(numbered: list[tuple[int, str]]) -> DateLine | None:
    """The date line of a header block: two short label lines directly above it, with no
    blank line between (``Medieninformation: 123/2024`` / ``Verantwortlich: Erika Muster`` /
    ``Stand: 10.07.2024, 14:30 Uhr``, as police directorates print it). None when there is no
    such block or its third line is no date line."""
    if len(numbered) < 3 or numbered[2][0] != numbered[0][0] + 2:
        return None
    if not all(_is_label_line(line) for _, line in numbered[:2]):
        return None
    third = numbered[2][1]
    if updated_text(third) is not None or len(third) > LABELLED_DATE_LINE_MAX:
        return None
    try:
        return _read_date_line(third)
    except ValueError:
        return None


def _is_label_line(line: str) -> bool:
    """A short line above the date line that is no date, no sentence and no stamp."""
    return (
        len(line) <= DATE_LINE_MAX
        and _DATE_IN_LINE.search(line) is None
        and not ends_sentence(line)
        and not line.endswith(("!", "?"))
        and updated_text(line) is None
    )


def _is_date_line(line: str) -> bool:
    try:
        parse_date_line(line)
    except ValueError:
        return False
    return True


def _looks_like_date(line: str) -> bool:
    """A short line with a digit or a date word: meant as a date (its error is reported)."""
    return len(line) <= DATE_LINE_MAX and _DATEISH.search(line) is not None


def _may_be_date_line(line: str) -> bool:
    """A line that may be the date line: one that looks like a date, or a longer one with
    something like a complete date in it (``Pressestelle – Nr. 123/24 Stralsund, den 10. Juli
    2024``)."""
    if _looks_like_date(line):
        return True
    return len(line) <= LABELLED_DATE_LINE_MAX and _DATE_IN_LINE.search(line) is not None


def _not_a_title(block: Block, title: str) -> str | None:
    """Why the first block after the date line is no title (for the message), or None."""
    if len(title) > TITLE_MAX:
        return f"{len(title)} characters (at most {TITLE_MAX}): {_clip(title)!r}"
    if is_caption_block(block):
        return f"a caption line with ©: {_clip(title)!r}"
    first = block[0][1]
    if _looks_like_date(title) and _is_date_line(title):
        return f"a second date line {_clip(title)!r}; remove one of them"
    if is_author_line(first):
        return f"the author line {_clip(first)!r}"
    if is_list_item(first):
        return f"a list item {_clip(first)!r}"
    return None


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_release(path: Path, *, department: str, tag_prefix: str) -> tuple[Release, list[Notice]]:
    """Read, decode (see :func:`~feedpub.decode.read_text`) and parse one release file.

    FileNotFoundError passes through: a file deleted while a build runs is simply gone."""
    text, notices = read_text(path)
    release = parse_text(text, source=path, department=department, tag_prefix=tag_prefix)
    return release, notices


def format_release(release: Release) -> str:
    """Write a Release in the seed layout; :func:`parse_text` reads it back unchanged.

    Used by the round-trip tests and as the reference for the documented format.
    """
    head = f"{PAGE_LABEL}\n{format_date_line(release.published, with_time=release.has_time)}"
    if release.updated is not None:
        stamp = format_date_line(release.updated, with_time=release.updated_has_time)
        head += f"\n{UPDATED_LABEL} {stamp}"
    if release.correction is not None:
        head += f"\n{NOTE_LABEL} {release.correction}"
    parts = [head, release.title]
    if release.teaser is not None:
        parts.append(release.teaser)
    if release.captions:
        parts.append(
            "\n".join(
                f"{c.text} © {c.credit}" if c.credit is not None else c.text
                for c in release.captions
            )
        )
    parts.extend(release.paragraphs)
    if release.authors:
        parts.append("Autor/in: " + ", ".join(release.authors))
    return "\n\n".join(parts) + "\n"
