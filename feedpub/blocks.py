"""The blocks of a release text (runs of non-blank lines) and what each one below the title is.

A block of short lines with ``©`` is captions; a line starting with ``-``, ``•`` and the like
is a list item (an indented line continues it); ``Autor/in:`` lines (and ``Verantwortlich:``,
``Text:``, ``Redaktion:`` where an author line stands) name the authors; everything else is
paragraphs, one per block, hard-wrapped lines joined. :mod:`feedpub.parse` finds the date line,
the title and the teaser and hands the rest to :func:`read_body`. Pure text in, values out.
"""

from __future__ import annotations

import re
from html.entities import html5
from typing import NamedTuple

from feedpub.release import Caption

#: A teaser is one short line; longer lines are body paragraphs.
TEASER_MAX = 200
#: Caption lines are short; a long line that mentions © is a paragraph.
CAPTION_MAX = 400

#: One non-blank line of a release text: (line number, stripped text, indented).
Line = tuple[int, str, bool]
#: A run of non-blank lines.
Block = list[Line]

_AUTHOR = re.compile(
    r"^(?:Autor/in|Autor\*in|Autor:in|AutorIn|Autorin|Autor|Autoren|Autorinnen|"
    r"Verfasser/in|Verfasser|Verfasserin)\s*:\s*(.*)$",
    re.IGNORECASE,
)
# Lines that name the authors or the responsible office under other labels. Only where an author
# line stands (see _may_name_authors): a body line may well start with "Text:".
_AUTHOR_MORE = re.compile(
    r"(?:Verantwortlich|Text|Redaktion|Text und Fotos?|Text/Fotos?)\s*:\s*(\S.{0,150})",
    re.IGNORECASE,
)
# Authors are listed with "," or ";" (always split) or joined with "und"/"&" (split only when
# the parts look like names of the same kind, see _split_authors).
_AUTHOR_LIST = re.compile(r"\s*[,;]\s*")
_AUTHOR_AND = re.compile(r"\s*&\s*|\s+und\s+")
# A character reference typed as text, as offices paste it from web pages ("A &gt; B",
# "&amp;", "&#8211;"): a release is plain text, so it is published as those characters, and
# its "&" and ";" are part of the name, never separators. Only references that HTML defines
# count ("Müller &Co; Weber" still splits).
_CHAR_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BULLET = re.compile(r"^[-•*–·▪]\s+(.*)$")
# A teaser is a subheading: a line that ends a sentence (also inside quotes) is body text.
_SENTENCE_END = (".", ":", "…")
#: Closing quotes and brackets after a sentence's end ("… bereit.“").
CLOSING = "“”\"'»«›‹)]"
# What stands between a caption and its ``©`` credit: "Text – © Credit", "Text | © Credit".
_CAPTION_SEPARATORS = " -–|,;/:"


class Body(NamedTuple):
    """What the blocks below the title and teaser hold, in order, repeats left out."""

    captions: tuple[Caption, ...]
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]


def split_blocks(raw_lines: list[str], *, start: int) -> list[Block]:
    """Runs of non-blank lines after line ``start`` (1-based): (number, stripped text, indented).

    Bullet continuation lines are recognised by their indent, so it is kept."""
    blocks: list[Block] = []
    current: Block = []
    for number in range(start + 1, len(raw_lines) + 1):
        raw = raw_lines[number - 1]
        line = raw.strip()
        if line:
            current.append((number, line, raw[0].isspace()))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def read_body(blocks: list[Block]) -> Body:
    """The captions, paragraphs (a list is one paragraph of ``- `` lines) and authors of the
    blocks below the title and teaser."""
    captions: list[Caption] = []
    paragraphs: list[str] = []
    authors: list[str] = []
    for position, block in enumerate(blocks):
        body_lines: Block = []
        for entry in block:
            author = _AUTHOR.match(entry[1])
            if author is None and _may_name_authors(position, len(blocks), block):
                author = _AUTHOR_MORE.fullmatch(entry[1])
            if author:
                authors.extend(_split_authors(author[1]))
            else:
                body_lines.append(entry)
        if not body_lines:
            continue
        if is_caption_block(body_lines):
            _add_captions(captions, body_lines)
        else:
            paragraphs.extend(_paragraphs(body_lines))
    return Body(tuple(dict.fromkeys(captions)), tuple(paragraphs), tuple(dict.fromkeys(authors)))


def is_author_line(line: str) -> bool:
    """An ``Autor/in:`` line (or one of its spellings)."""
    return _AUTHOR.match(line) is not None


def is_list_item(line: str) -> bool:
    return _BULLET.match(line) is not None


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence (also inside quotes or brackets)."""
    return text.rstrip(CLOSING).endswith(_SENTENCE_END)


def _may_name_authors(position: int, count: int, block: Block) -> bool:
    """Where ``Verantwortlich:``, ``Text:`` and ``Redaktion:`` lines name authors: a line of its
    own directly under the title (where a teaser would stand), or in the last block."""
    return (position == 0 and len(block) == 1) or position == count - 1


def is_caption_block(block: Block) -> bool:
    """Short lines, at least one with a ``©`` credit."""
    credited = False
    for _, text, _ in block:
        if len(text) > CAPTION_MAX:
            return False
        credited = credited or "©" in text
    return credited


def is_teaser(block: Block) -> bool:
    """One short line that ends no sentence and is no caption, author line or list item."""
    if len(block) != 1:
        return False
    text = block[0][1]
    return (
        len(text) <= TEASER_MAX
        and not ends_sentence(text)
        and "©" not in text
        and not _AUTHOR.match(text)
        and not _AUTHOR_MORE.fullmatch(text)
        and not _BULLET.match(text)
    )


def _caption(line: str) -> Caption:
    """``Text © Credit``, ``Text – © Credit``, ``Text (© Credit)`` or a line without credit."""
    text, sep, credit = line.rpartition("©")
    if not sep:
        return Caption(line, None)
    text = text.strip(_CAPTION_SEPARATORS)
    credit = credit.strip()
    if text.endswith("(") and credit.endswith(")"):
        text = text[:-1].strip(_CAPTION_SEPARATORS)
        credit = credit[:-1].strip()
    return Caption(text, credit or None)


def _add_captions(captions: list[Caption], block: Block) -> None:
    """Append a caption block's captions. A line that is only a credit (``© Landkreis``, as
    websites print it under the caption) belongs to the credit-less caption right above it."""
    previous: Caption | None = None  # the caption this block appended last
    for _, line, _ in block:
        caption = _caption(line)
        if not caption.text and previous is not None and previous.credit is None:
            previous = captions[-1] = Caption(previous.text, caption.credit)
        elif caption.text or caption.credit:
            captions.append(caption)
            previous = caption


def _split_authors(text: str) -> list[str]:
    """``A, B`` and ``A; B`` are always two authors. ``A und B`` / ``A & B`` are two only when
    both sides are names of one kind (one word each, or several words each) and the left one
    does not end in a hyphen: so "Amt für Bau und Planung" and "Presse- und
    Öffentlichkeitsarbeit" stay one author, "Petra Schulz und Jens Albrecht" become two."""
    authors: list[str] = []
    for item in _split_outside_references(_AUTHOR_LIST, text):
        parts = _split_outside_references(_AUTHOR_AND, item)
        if len(parts) > 1 and (
            any(part.endswith("-") or not part for part in parts)
            or len({" " in part for part in parts}) > 1
        ):
            parts = [item]
        authors.extend(part for part in parts if part)
    return authors


def _split_outside_references(separator: re.Pattern[str], text: str) -> list[str]:
    """``separator.split(text)``, except where a separator touches a character reference."""
    references = [
        match.span()
        for match in _CHAR_REF.finditer(text)
        if match[0][1] == "#" or match[0][1:] in html5
    ]
    if not references:
        return separator.split(text)
    parts: list[str] = []
    start = 0
    for match in separator.finditer(text):
        if any(left < match.end() and match.start() < right for left, right in references):
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return parts


def _paragraphs(block: Block) -> list[str]:
    """A block's lines → paragraphs: text lines are joined, bullet runs become one list."""
    out: list[str] = []
    text: list[str] = []
    items: list[str] = []
    for _, line, indented in block:
        bullet = _BULLET.match(line)
        if bullet:
            if text:
                out.append(" ".join(text))
                text = []
            items.append(bullet[1])
        elif items and indented:
            items[-1] += " " + line
        else:
            if items:
                out.append("\n".join(f"- {item}" for item in items))
                items = []
            text.append(line)
    if text:
        out.append(" ".join(text))
    if items:
        out.append("\n".join(f"- {item}" for item in items))
    return out
