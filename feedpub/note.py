"""The correction note of a release: its ``Korrektur:`` line (README, "Release files",
"Corrections").

``Korrektur: Die Sprechstunde ist am Dienstag, nicht am Montag.`` says what was wrong and
what is right. It may stand in two places, like the ``Aktualisiert:`` stamp:

* in the head: directly below the date line, or directly below the ``Aktualisiert:`` line
  that stands there (blank lines between or not), and then only when something follows it
  (the title). There it is one line: a line glued to it is the title.
* below the title, as a block of its own (blank lines around it), anywhere in the text:
  there the whole block is the note, its lines joined (a note may run over several lines).

A ``Korrektur:`` line anywhere else (inside a paragraph, on the date line) is text. One note
per release; a note with no text is an error that says what to write. The note is not part
of the body. Split from :mod:`feedpub.parse`, which reads the rest of a release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from feedpub.blocks import Block, is_caption_block
from feedpub.release import ReleaseError

#: How a release is written with its correction note.
NOTE_LABEL = "Korrektur:"
#: A note is longer than a caption and shorter than a page: at most this many characters.
NOTE_MAX = 1000
#: A note found by :func:`take_head_note` / :func:`take_body_notes`: (line number, text).
Note = tuple[int, str]

# "Korrektur: …", any case, the colon required (a title "Korrektur der Fahrpläne" is no
# note), spaces before it allowed.
_NOTE = re.compile(r"korrektur\s*:\s*(.*)", re.IGNORECASE | re.DOTALL)


def note_text(line: str) -> str | None:
    """The text of a ``Korrektur:`` line ("" when it has none), or None for another line."""
    match = _NOTE.fullmatch(line)
    return None if match is None else match[1].strip()


def take_head_note(blocks: list[Block], title_follows: Callable[[list[Block]], bool]) -> list[Note]:
    """Take a ``Korrektur:`` line from the start of ``blocks`` (what follows the date line and
    its ``Aktualisiert:`` line) when a title follows it (``title_follows`` of the blocks
    after it); returns the notes found (0 or 1). Else the line is the title (``Korrektur:
    Sperrung verlängert`` above a paragraph)."""
    if not blocks:
        return []
    number, line, _ = blocks[0][0]
    text = note_text(line)
    if text is None:
        return []
    after = ([blocks[0][1:]] if len(blocks[0]) > 1 else []) + blocks[1:]
    if not title_follows(after):
        return []
    blocks[0] = blocks[0][1:]
    if not blocks[0]:
        del blocks[0]
    return [(number, text)]


def take_body_notes(blocks: list[Block], notes: list[Note]) -> list[Block]:
    """``blocks`` (below the title) without the blocks that are ``Korrektur:`` notes, which go
    to ``notes``: a block whose first line starts with ``Korrektur:`` (captions excepted)."""
    kept: list[Block] = []
    for block in blocks:
        text = note_text(block[0][1])
        if text is None or is_caption_block(block):
            kept.append(block)
            continue
        rest = " ".join(line for _, line, _ in block[1:])
        notes.append((block[0][0], f"{text} {rest}".strip()))
    return kept


def read_note(notes: list[Note], source: Path) -> str | None:
    """The release's correction note, or None; an error for a second or an empty one."""
    if not notes:
        return None
    first_no, text = notes[0]
    if len(notes) > 1:
        raise ReleaseError(
            source,
            notes[1][0],
            f"expected one Korrektur: line, got a second one (the first is line {first_no}); "
            "say everything that was corrected in one Korrektur: line",
        )
    if not text:
        raise ReleaseError(
            source,
            first_no,
            "expected what was corrected after 'Korrektur:', got nothing; write what was wrong "
            "and what is right, e.g. 'Korrektur: Die Sprechstunde ist am Dienstag, nicht am "
            "Montag.'",
        )
    if len(text) > NOTE_MAX:
        raise ReleaseError(
            source,
            first_no,
            f"expected a Korrektur: note of at most {NOTE_MAX} characters, got {len(text)}; "
            "say briefly what was wrong and what is right",
        )
    return text
