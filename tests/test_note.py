"""The ``Korrektur:`` note (feedpub.note, read by feedpub.parse): where it may stand, what is
text, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.note import NOTE_MAX, note_text
from feedpub.parse import format_release, parse_text
from feedpub.release import ReleaseError

TAG = "tag:presse.example.de,2024-01-01:"
SOURCE = Path("releases/Jobcenter/x.txt")
NOTE = "Die Sprechstunde ist am Dienstag, nicht am Montag."


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_text(text, source=SOURCE, department="Jobcenter", tag_prefix=TAG)


NOTE_CASES = [
    # (text after the date line "10.07.2024", correction, title, teaser, paragraphs, note)
    (f"\nKorrektur: {NOTE}\n\nTitel\n\nText.", NOTE, "Titel", None, ("Text.",),
     "directly below the date line"),
    (f"\n\nKorrektur: {NOTE}\n\nTitel\n\nText.", NOTE, "Titel", None, ("Text.",),
     "own block below the date line"),
    (f"\nAktualisiert: 12.07.2024\nKorrektur: {NOTE}\n\nTitel\n\nText.", NOTE, "Titel", None,
     ("Text.",), "below the Aktualisiert line"),
    (f"\nKorrektur: {NOTE}\nAktualisiert: 12.07.2024\n\nTitel\n\nText.", NOTE, "Titel", None,
     ("Text.",), "above the Aktualisiert line"),
    (f"\nKorrektur: {NOTE}\nTitel\n\nText.", NOTE, "Titel", None, ("Text.",),
     "glued to the title: one line"),
    (f"\nKorrektur: {NOTE}\n\nTitel\n\nUntertitel\n\nText.", NOTE, "Titel", "Untertitel",
     ("Text.",), "teaser stays a teaser"),
    (f"\n\nTitel\n\nKorrektur: {NOTE}\n\nText.", NOTE, "Titel", None, ("Text.",),
     "own block below the title, not a teaser"),
    ("\n\nTitel\n\nText.\n\nKorrektur: Anders als zunächst gemeldet\nist die Außenstelle "
     "geöffnet.\n\nAutor/in: A", "Anders als zunächst gemeldet ist die Außenstelle geöffnet.",
     "Titel", None, ("Text.",), "a paragraph of two lines, joined"),
    (f"\n\nTitel\n\nText.\n\nAutor/in: A\n\nKORREKTUR : {NOTE}", NOTE, "Titel", None,
     ("Text.",), "last block, capitals, space before the colon"),
    (f" - Titel auf der Datumszeile\n\nKorrektur: {NOTE}\n\nText.", NOTE,
     "Titel auf der Datumszeile", None, ("Text.",), "below a title on the date line"),
    # Not a note: text, a title or a caption.
    ("\n\nKorrektur der Fahrpläne\n\nText.", None, "Korrektur der Fahrpläne", None,
     ("Text.",), "no colon: a title"),
    ("\n\nKorrektur: Sperrung der K 12 verlängert\n\nDie Sperrung dauert an.", None,
     "Korrektur: Sperrung der K 12 verlängert", None, ("Die Sperrung dauert an.",),
     "a title: a paragraph follows, not a title"),
    ("\n\nTitel\n\nDer Text nennt eine\nKorrektur: mitten im Absatz.", None, "Titel", None,
     ("Der Text nennt eine Korrektur: mitten im Absatz.",), "a line inside a paragraph"),
    ("\n\nTitel\n\nText.\n\nDie Korrektur: folgt.", None, "Titel", None,
     ("Text.", "Die Korrektur: folgt."), "not at the start of its block"),
]  # fmt: skip


def test_note_case_table_has_no_duplicates() -> None:
    assert len({case[-1] for case in NOTE_CASES}) == len(NOTE_CASES)


@pytest.mark.parametrize(
    ("after_date", "correction", "title", "teaser", "paragraphs", "note"), NOTE_CASES
)
def test_correction_note(
    after_date: str,
    correction: str | None,
    title: str,
    teaser: str | None,
    paragraphs: tuple[str, ...],
    note: str,
) -> None:
    release = parse(f"Seiteninhalt\n10.07.2024{after_date}\n")
    assert release.correction == correction
    assert (release.title, release.teaser, release.paragraphs) == (title, teaser, paragraphs)


def test_a_caption_block_that_starts_with_korrektur_stays_captions() -> None:
    release = parse("10.07.2024\n\nTitel\n\nKorrektur: Bild vom Fest © Landkreis\n\nText.\n")
    assert release.correction is None
    assert [c.text for c in release.captions] == ["Korrektur: Bild vom Fest"]


BAD_NOTES = [
    # (text, line, message fragment)
    ("10.07.2024\nKorrektur:\n\nTitel\n\nText.\n", 2,
     "expected what was corrected after 'Korrektur:', got nothing; write what was wrong and "
     "what is right, e.g. 'Korrektur: Die Sprechstunde ist am Dienstag, nicht am Montag.'"),
    ("10.07.2024\n\nTitel\n\nText.\n\nKorrektur:   \n", 7, "got nothing"),
    (f"10.07.2024\nKorrektur: {NOTE}\n\nTitel\n\nText.\n\nKorrektur: Noch eine.\n", 8,
     "expected one Korrektur: line, got a second one (the first is line 2); say everything "
     "that was corrected in one Korrektur: line"),
    (f"10.07.2024\n\nTitel\n\nKorrektur: {'x' * (NOTE_MAX + 1)}\n\nText.\n", 5,
     f"expected a Korrektur: note of at most {NOTE_MAX} characters, got {NOTE_MAX + 1}"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_NOTES)
def test_bad_note(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ReleaseError) as info:
        parse(text)
    assert info.value.line == line
    assert fragment in info.value.reason


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("Korrektur: X", "X"),
        ("korrektur:X", "X"),
        ("Korrektur :  X  ", "X"),
        ("Korrektur:", ""),
        ("Korrektur X", None),
        ("Korrekturen: X", None),
        ("Die Korrektur: X", None),
    ],
)
def test_note_text(line: str, text: str | None) -> None:
    assert note_text(line) == text


def test_format_release_writes_the_note_below_the_stamp() -> None:
    release = parse(
        f"10.07.2024\n\nTitel\n\nText.\n\nKorrektur: {NOTE}\n\nAktualisiert: 12.07.2024\n"
    )
    assert format_release(release).startswith(
        f"Seiteninhalt\n10.07.2024\nAktualisiert: 12.07.2024\nKorrektur: {NOTE}\n\nTitel\n"
    )
    assert parse(format_release(release)) == release
