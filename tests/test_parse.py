"""Tests for feedpub.parse: one file per layout variation, one per kind of bad file.

Good files live in ``tests/data/parse/`` and bad ones in ``tests/data/bad/``; both are small and
committed byte for byte (several are Windows-1252, CR-only, NFD or carry control characters on
purpose: ``test_data_files_are_what_their_names_say`` guards that no editor "fixes" them).
All good files but a few say the same release, so the table lists what differs from ``BASE``.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedpub.decode import MAX_BYTES, decode
from feedpub.parse import format_release, parse_text, read_release
from feedpub.release import Caption, Notice, Release, ReleaseError

DATA = Path(__file__).parent / "data"
GOOD = DATA / "parse"
BAD = DATA / "bad"
SEEDS = Path(__file__).parents[2] / "shared" / "seeds"
RELEASES = Path(__file__).parents[1] / "releases"
BERLIN = ZoneInfo("Europe/Berlin")
TAG = "tag:presse.example.de,2024-01-01:"
DEPARTMENT = "Kreisvolkshochschule"

P1 = (
    "Ab dem 2. September 2024 bietet die Kreisvolkshochschule Musterland mehr als 300 Kurse "
    "an. Die Anmeldung ist ab sofort möglich."
)
P2 = "„Wir freuen uns über das große Interesse“, sagt Leiterin Claudia Neumann."
PROGRAMMHEFT = Caption("Das neue Programmheft der Kreisvolkshochschule", "Landkreis Musterland")
KURSRAUM = Caption("Kursraum in Nordheim", "Jana Wolff")


@dataclasses.dataclass(frozen=True)
class Expected:
    """What a good file must parse to; ``notices`` are (line, reason) pairs."""

    title: str = "Kreisvolkshochschule startet Herbstprogramm"
    teaser: str | None = "Mehr als 300 Kurse in zwölf Orten"
    captions: tuple[Caption, ...] = (PROGRAMMHEFT,)
    paragraphs: tuple[str, ...] = (P1, P2)
    authors: tuple[str, ...] = ("Claudia Neumann",)
    published: datetime = datetime(2024, 8, 14, tzinfo=BERLIN)
    has_time: bool = False
    updated: datetime | None = None
    updated_has_time: bool = True
    notices: tuple[tuple[int, str], ...] = ()


BASE = Expected()


def differs(**changes: Any) -> Expected:
    return dataclasses.replace(BASE, **changes)


GOOD_CASES: dict[str, Expected] = {
    # Encodings and line ends: all say exactly BASE.
    "basic.txt": BASE,
    "bom.txt": BASE,
    "cp1252.txt": differs(paragraphs=(P1, P2, "Kursgebühr: 45 € – ermäßigt 30 €.")),
    "crlf.txt": BASE,
    "cr-only.txt": BASE,
    "unicode-line-breaks.txt": BASE,
    "no-final-newline.txt": BASE,
    # Characters that normalise away.
    "nbsp.txt": BASE,
    "soft-hyphen.txt": BASE,
    "nfd.txt": BASE,
    "trailing-whitespace.txt": BASE,
    "blank-lines.txt": BASE,
    "hard-wrapped.txt": BASE,
    "control-chars.txt": differs(
        notices=(
            (4, "removed 1 control character(s) (U+0007)"),
            (10, "removed 1 control character(s) (U+000B)"),
            (11, "removed 1 control character(s) (U+000C)"),
        )
    ),
    # Parts that may be missing.
    "no-page-label.txt": BASE,
    "no-teaser.txt": differs(teaser=None),
    "no-captions.txt": differs(captions=()),
    "no-teaser-no-captions.txt": differs(teaser=None, captions=()),
    "no-author.txt": differs(authors=()),
    "teaser-only.txt": differs(captions=(), paragraphs=()),
    # Date lines.
    "time-in-date-line.txt": differs(
        published=datetime(2024, 8, 14, 14, 30, tzinfo=BERLIN), has_time=True
    ),
    "date-with-weekday.txt": BASE,
    # Correction stamps ("Aktualisiert:"), in each place the README allows.
    "updated-below-date.txt": differs(updated=datetime(2024, 8, 16, 10, 0, tzinfo=BERLIN)),
    "updated-own-block.txt": differs(
        updated=datetime(2024, 8, 16, tzinfo=BERLIN), updated_has_time=False
    ),
    "updated-beside-author.txt": differs(updated=datetime(2024, 8, 16, 9, 0, tzinfo=BERLIN)),
    "updated-last-block.txt": differs(
        updated=datetime(2024, 8, 16, tzinfo=BERLIN), updated_has_time=False
    ),
    # A date-only stamp on the publication day is fine, though 00:00 is before 14:30.
    "updated-same-day.txt": differs(
        published=datetime(2024, 8, 14, 14, 30, tzinfo=BERLIN),
        has_time=True,
        updated=datetime(2024, 8, 14, tzinfo=BERLIN),
        updated_has_time=False,
    ),
    # Captions.
    "caption-without-credit.txt": differs(
        captions=(PROGRAMMHEFT, Caption("Kursraum in Nordheim", None))
    ),
    "caption-credit-own-line.txt": differs(captions=(KURSRAUM,)),
    "several-captions.txt": differs(
        captions=(
            PROGRAMMHEFT,
            KURSRAUM,
            Caption("Dozentin im Gespräch", "Foto Meyer, Musterstadt"),
            Caption("Blick in die Bibliothek", "Landkreis Musterland"),
        )
    ),
    "duplicate-captions.txt": differs(captions=(PROGRAMMHEFT, KURSRAUM)),
    # Authors.
    "authors-und.txt": differs(authors=("Petra Schulz", "Jens Albrecht")),
    "authors-comma.txt": differs(authors=("Dr. Miriam Köhler", "Tobias Brandt")),
    "authors-organisation.txt": differs(
        authors=("Presse- und Öffentlichkeitsarbeit", "Amt für Bau und Planung")
    ),
    # Lists.
    "bullets-dash.txt": differs(
        paragraphs=(P1, "Die Kurse im Überblick:", "- Sprachen\n- Digitales\n- Gesundheit", P2)
    ),
    "bullets-dot.txt": differs(
        paragraphs=(
            P1,
            "Neu im Programm sind:",
            "- Sprachen und Integration\n- Digitales für Einsteiger, auch für Seniorinnen\n"
            "- Gesundheit",
            P2,
        )
    ),
}

# What makes each encoding/whitespace file special, so that an editor or a git setting that
# "repairs" a file on save makes this test fail instead of quietly testing nothing.
RAW_CHECKS: dict[str, Callable[[bytes], bool]] = {
    "bom.txt": lambda b: b.startswith(b"\xef\xbb\xbf"),
    "cp1252.txt": lambda b: b"\x80" in b and b"\x84" in b and not _is_utf8(b),
    "crlf.txt": lambda b: b.count(b"\r\n") == b.count(b"\n") > 5,
    "cr-only.txt": lambda b: b"\n" not in b and b.count(b"\r") > 5,
    "unicode-line-breaks.txt": lambda b: "\u2028".encode() in b and "\u2029".encode() in b,
    "no-final-newline.txt": lambda b: not b.endswith((b"\n", b"\r")),
    "nbsp.txt": lambda b: "\u00a0".encode() in b and "\u202f".encode() in b,
    "soft-hyphen.txt": lambda b: "\u00ad".encode() in b and "\u200b".encode() in b,
    "nfd.txt": lambda b: "u\u0308".encode() in b and "ü".encode() not in b,
    "trailing-whitespace.txt": lambda b: b" \t \n" in b and b"  " in b,
    "blank-lines.txt": lambda b: b"\n\n\n \n\t\n" in b and b.startswith(b"\n"),
    "control-chars.txt": lambda b: all(c in b for c in (b"\x07", b"\x0b", b"\x0c")),
}


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# XML 1.0 Char production, minus the discouraged C1 controls and DEL (feeds must not carry them).
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def assert_clean(release: Release) -> None:
    """The invariants the Release docstring promises."""
    assert release.title
    assert release.published.tzinfo is not None
    assert release.published.utcoffset() is not None
    texts = [release.title, release.teaser or "", *release.paragraphs, *release.authors]
    texts += [c.text for c in release.captions] + [c.credit or "" for c in release.captions]
    for text in texts:
        assert text == text.strip(), text
        assert unicodedata.is_normalized("NFC", text), text
        assert not _NOT_XML.search(text), text
        assert "\u00ad" not in text and "\u00a0" not in text and "  " not in text, text
    for text in texts:
        if "\n" in text:  # only lists span lines, one "- " item per line
            assert all(line.startswith("- ") for line in text.split("\n")), text


def read(path: Path, department: str = DEPARTMENT) -> tuple[Release, list[Notice]]:
    return read_release(path, department=department, tag_prefix=TAG)


# --- good files -------------------------------------------------------------------------------


def test_every_data_file_has_a_table_row() -> None:
    assert sorted(p.name for p in GOOD.iterdir()) == sorted(GOOD_CASES)
    assert sorted(p.name for p in BAD.iterdir()) == sorted(case[0] for case in BAD_CASES)
    assert set(RAW_CHECKS) <= set(GOOD_CASES)


@pytest.mark.parametrize("name", sorted(RAW_CHECKS))
def test_data_files_are_what_their_names_say(name: str) -> None:
    assert RAW_CHECKS[name]((GOOD / name).read_bytes())


@pytest.mark.parametrize("name", sorted(GOOD_CASES))
def test_variation(name: str) -> None:
    path = GOOD / name
    release, notices = read(path)
    got = Expected(
        title=release.title,
        teaser=release.teaser,
        captions=release.captions,
        paragraphs=release.paragraphs,
        authors=release.authors,
        published=release.published,
        has_time=release.has_time,
        updated=release.updated,
        updated_has_time=release.updated_has_time,
        notices=tuple((n.line or 0, n.reason) for n in notices),
    )
    assert got == GOOD_CASES[name]
    assert release.published.utcoffset() == GOOD_CASES[name].published.utcoffset()
    assert all(n.path == path for n in notices)
    assert release.source == path
    assert release.id == f"{TAG}kreisvolkshochschule/{path.stem}"  # the names are slugs already
    assert_clean(release)


@pytest.mark.parametrize("name", sorted(GOOD_CASES))
def test_format_release_reads_back_unchanged(name: str) -> None:
    release, _ = read(GOOD / name)
    text = format_release(release)
    again = parse_text(text, source=release.source, department=DEPARTMENT, tag_prefix=TAG)
    assert again == release
    assert format_release(again) == text


def test_notice_str_reads_like_a_compiler_warning() -> None:
    path = GOOD / "control-chars.txt"
    _, notices = read(path)
    assert str(notices[0]) == f"{path}:4: warning: removed 1 control character(s) (U+0007)"
    assert str(Notice(path, None, "x")) == f"{path}: warning: x"


def test_long_body(tmp_path: Path) -> None:
    # ~600 KiB: thousands of paragraphs and list items.
    paragraphs = [
        f"Absatz {i}: Die Kreisvolkshochschule bietet Kurs Nummer {i} an." for i in range(9000)
    ]
    paragraphs.insert(4000, "\n".join(f"- Punkt {i}" for i in range(500)))
    text = "\n\n".join(["Seiteninhalt\n14.08.2024", "Titel", "Teaser", *paragraphs]) + "\n"
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    assert 500 * 1024 < path.stat().st_size <= MAX_BYTES
    release, notices = read(path)
    assert len(release.paragraphs) == 9001
    assert release.paragraphs[0] == paragraphs[0]
    assert release.paragraphs[4000].count("\n- ") == 499
    assert release.paragraphs[-1] == paragraphs[-1]
    assert notices == []


# --- department, stem and id ------------------------------------------------------------------

ID_CASES = [
    # (department folder, file name, slug, stem)
    ("Straßenverkehrsamt", "2025-07-09-führerscheinumtausch.txt", "strassenverkehrsamt",
     "2025-07-09-fuehrerscheinumtausch"),
    ("Amt für Bau und Planung", "2024-11-27-digitaler-bauantrag.txt",
     "amt-fuer-bau-und-planung", "2024-11-27-digitaler-bauantrag"),
    ("Kreisvolkshochschule", "Herbst Programm (neu).txt", "kreisvolkshochschule",
     "herbst-programm-neu"),
    # Folder and file names in NFD (as macOS writes them) give the same slug, and an NFC name.
    (unicodedata.normalize("NFD", "Straßenverkehrsamt"),
     unicodedata.normalize("NFD", "Führerschein.txt"), "strassenverkehrsamt", "fuehrerschein"),
]  # fmt: skip


@pytest.mark.parametrize(("department", "name", "slug", "stem"), ID_CASES)
def test_slug_stem_and_id(department: str, name: str, slug: str, stem: str) -> None:
    text = (GOOD / "basic.txt").read_text(encoding="utf-8")
    source = Path("releases", department, name)
    release = parse_text(text, source=source, department=department, tag_prefix=TAG)
    assert (release.slug, release.stem) == (slug, stem)
    assert release.id == f"{TAG}{slug}/{stem}"
    assert release.department == unicodedata.normalize("NFC", department)


@pytest.mark.parametrize(
    ("department", "name", "fragment"),
    [
        ("---", "x.txt", "department folder '---' has no letters or digits"),
        ("Jobcenter", "___.txt", "file name '___.txt' has no letters or digits"),
    ],
)
def test_names_without_letters_are_errors(department: str, name: str, fragment: str) -> None:
    source = Path("releases", department, name)
    with pytest.raises(ReleaseError) as info:
        parse_text(
            "14.08.2024\n\nTitel\n\nText.\n", source=source, department=department, tag_prefix=TAG
        )
    assert info.value.line == 1
    assert fragment in info.value.reason
    assert str(info.value).startswith(f"{source}:1: ")


# --- smaller rules, straight on parse_text ----------------------------------------------------


def parse(body: str, date: str = "14.08.2024") -> Release:
    text = f"Seiteninhalt\n{date}\n\nTitel\n\n{body}\n"
    return parse_text(
        text, source=Path("releases/Jobcenter/x.txt"), department="Jobcenter", tag_prefix=TAG
    )


def test_author_line_directly_under_the_title_instead_of_a_teaser() -> None:
    release = parse("Verantwortlich: Petra Schulz\n\nText.")
    assert (release.teaser, release.authors, release.paragraphs) == (
        None,
        ("Petra Schulz",),
        ("Text.",),
    )


def test_a_teaser_that_repeats_the_title_is_dropped() -> None:
    release = parse_whole("14.08.2024\n\nNeue Kurse\n\nNEUE KURSE\n\nText.\n")
    assert (release.title, release.teaser, release.paragraphs) == ("Neue Kurse", None, ("Text.",))


@pytest.mark.parametrize(
    "line",
    [
        "Anmeldung bis 10.07.2024",
        "Konzert am 10.07.2024",
        "Sperrung der B 96 am 12.07.2024",
        "Die Stadt lädt ein ab 10.07.2024",
    ],
)
def test_a_sentence_with_an_event_date_is_no_date_line(line: str) -> None:
    """A file without its date line whose second line names an event's date: that date is no
    publication date (the first line, a title, would be taken as the page label)."""
    with pytest.raises(ReleaseError) as info:
        parse_whole(f"Neue Kurse im Herbst\n{line}\n\nTitel\n\nText.\n")
    assert info.value.line == 2
    assert "reads as a sentence with a date in it" in info.value.reason


@pytest.mark.parametrize(
    "line",
    [
        "Veröffentlicht am 10.07.2024",
        "Pressemitteilung vom 10.07.2024",
        "Musterstadt, den 10.07.2024",
    ],
)
def test_labels_before_the_date_are_no_sentence(line: str) -> None:
    release = parse_whole(f"Seiteninhalt\n{line}\n\nTitel\n\nText.\n")
    assert release.published.date().isoformat() == "2024-07-10"


def test_a_header_block_above_the_date_line() -> None:
    release = parse_whole(
        "Medieninformation: 123/2024\nVerantwortlich: Erika Muster\n"
        "Stand: 10.07.2024, 14:30 Uhr\n\nTitel der Meldung\n\nText.\n"
    )
    assert release.published.isoformat() == "2024-07-10T14:30:00+02:00"
    assert (release.title, release.date_ignored) == ("Titel der Meldung", ("Stand:",))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # A blank line between: no header block; the first line is reported.
        ("Nr. 1/24\nVerantwortlich: E. Muster\n\n10.07.2024\n\nTitel\n\nText.\n", 1),
        # A header line with a full stop is a sentence, not a label.
        ("Nr. 1/24\nEs gilt das gesprochene Wort.\n10.07.2024\n\nTitel\n\nText.\n", 1),
    ],
)
def test_only_a_header_block_of_labels_may_stand_above_the_date_line(text: str, line: int) -> None:
    with pytest.raises(ReleaseError) as info:
        parse_whole(text)
    assert info.value.line == line


TITLE_ABOVE_CASES = [
    # (text, title, first paragraph, note)
    ("Landrat besucht das Jobcenter\nPressemitteilung vom 14.08.2024\n\nAm Montag war er da.\n",
     "Landrat besucht das Jobcenter", "Am Montag war er da.", "title above, then the text"),
    ("Landrat besucht das Jobcenter\n14.08.2024\n\nFoto © Landkreis\n\nText.\n",
     "Landrat besucht das Jobcenter", "Text.", "title above, then captions"),
    ("Sommerfest am 20. Juli 2024\n14.08.2024\n\nDer Landkreis lädt ein.\n",
     "Sommerfest am 20. Juli 2024", "Der Landkreis lädt ein.",
     "a title with an event date above the date line: the event date is no date line"),
    # What follows the date line can be a title: the line above is the page label.
    ("Aus dem Landkreis Musterland\n14.08.2024\n\nUnfall auf der B 96\n\nText.\n",
     "Unfall auf der B 96", "Text.", "a label above, the title below"),
    ("Pressemitteilung des Landkreises\n14.08.2024\n\nEr war da.\n\nText.\n",
     "Er war da.", "Text.", "a page label never becomes the title"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "title", "paragraph", "note"),
    TITLE_ABOVE_CASES,
    ids=[case[-1] for case in TITLE_ABOVE_CASES],
)
def test_title_above_the_date_line(text: str, title: str, paragraph: str, note: str) -> None:
    release = parse_whole(text)
    assert (release.title, release.paragraphs[0]) == (title, paragraph), note
    assert release.published.date().isoformat() == "2024-08-14"


LINE_TITLE_CASES = [
    # (text after "Seiteninhalt\n", title, teaser, first paragraph, note)
    ("14.08.2024 - Landrat besucht Jobcenter\n\nAm Montag war der Landrat zu Gast.\n",
     "Landrat besucht Jobcenter", None, "Am Montag war der Landrat zu Gast.",
     "title on the date line, then the body"),
    ("14.08.2024 – Landrat besucht Jobcenter\n\nLandrat besucht Jobcenter\n\nText.\n",
     "Landrat besucht Jobcenter", None, "Text.", "and printed again below: one title"),
    ("14.08.2024: Neue Kurse im Herbst\n\nFoto der Kurse © Landkreis\n\nText.\n",
     "Neue Kurse im Herbst", None, "Text.", "a colon, then captions"),
    ("14.08.2024 - Polizeiinspektion Anklam\n\nUnfall auf der B 96\n\nText.\n",
     "Unfall auf der B 96", None, "Text.", "a note on the date line, the title below"),
    ("14.08.2024 - Polizeiinspektion Anklam\n\nUnfall auf der B 96\n\nZwei Verletzte\n\nText.\n",
     "Unfall auf der B 96", "Zwei Verletzte", "Text.", "a note, title and teaser below"),
    ("14.08.2024, 10:00 Uhr | Presseinfo Nr. 12\n\nUnfall auf der B 96\n\nText.\n",
     "Unfall auf der B 96", None, "Text.", "a note after a bar"),
    ("Musterstadt, den 14. August 2024\n\nUnfall auf der B 96\n\nText.\n",
     "Unfall auf der B 96", None, "Text.", "a place before the date"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "title", "teaser", "paragraph", "note"),
    LINE_TITLE_CASES,
    ids=[case[-1] for case in LINE_TITLE_CASES],
)
def test_title_on_the_date_line(
    text: str, title: str, teaser: str | None, paragraph: str, note: str
) -> None:
    release = parse_whole("Seiteninhalt\n" + text)
    assert (release.title, release.teaser, release.paragraphs[0]) == (title, teaser, paragraph)
    assert release.published == datetime(2024, 8, 14, tzinfo=ZoneInfo("Europe/Berlin")).replace(
        hour=release.published.hour
    ), note


@pytest.mark.parametrize("name", sorted(path.name for path in (DATA / "parse").glob("*.txt")))
def test_a_note_on_the_date_line_never_changes_a_normal_release(name: str) -> None:
    """Every release with its title on a line of its own reads the same with a note after
    its date ("– Pressestelle"): the note is never taken as its title."""
    release, _ = read(DATA / "parse" / name)
    text = format_release(release)
    lines = text.split("\n")
    lines[1] += " – Pressestelle des Landkreises"
    again = parse_text(
        "\n".join(lines), source=release.source, department=DEPARTMENT, tag_prefix=TAG
    )
    assert again == release
    assert again.date_ignored == ("– Pressestelle des Landkreises",)


TEASER_CASES = [
    # (the single line after the title, is it the teaser?)
    ("Mehr als 300 Kurse in zwölf Orten", True),
    ("Was ändert sich für Eltern?", True),
    ("Die Anmeldung ist ab sofort möglich.", False),
    ("Die Sprechzeiten im Überblick:", False),
    ("Er sagt: „Wir sind bereit.“", False),
    ("Und dann…", False),
    ("x" * 200, True),
    ("x" * 201, False),
]


@pytest.mark.parametrize(("line", "is_teaser"), TEASER_CASES)
def test_teaser_or_paragraph(line: str, is_teaser: bool) -> None:
    release = parse(f"{line}\n\nText.")
    if is_teaser:
        assert (release.teaser, release.paragraphs) == (line, ("Text.",))
    else:
        assert (release.teaser, release.paragraphs) == (None, (line, "Text."))


def parse_whole(text: str) -> Release:
    return parse_text(
        text, source=Path("releases/Jobcenter/x.txt"), department="Jobcenter", tag_prefix=TAG
    )


JUL_12 = datetime(2024, 7, 12, tzinfo=BERLIN)
JUL_12_10 = datetime(2024, 7, 12, 10, 0, tzinfo=BERLIN)

STAMP_CASES = [
    # (text after "10.07.2024", updated, updated_has_time, title, paragraphs, note)
    ("\nAktualisiert: 12.07.2024, 10:00 Uhr\n\nTitel\n\nText.", JUL_12_10, True, "Titel",
     ("Text.",), "below the date line"),
    ("\n\nAktualisiert am 12. Juli 2024\n\nTitel\n\nText.", JUL_12, False, "Titel",
     ("Text.",), "own block below the date line"),
    ("\nZuletzt aktualisiert 12.07.2024\nTitel\n\nText.", JUL_12, False, "Titel", ("Text.",),
     "no colon, glued to the title"),
    ("\nAKTUALISIERT AM: Fr., 12.07.2024, 10 Uhr\n\nTitel\n\nText.", JUL_12_10, True, "Titel",
     ("Text.",), "capitals, weekday, 10 Uhr"),
    ("\n\nTitel\n\nAktualisiert: 12.07.2024\n\nText.", JUL_12, False, "Titel", ("Text.",),
     "own block below the title: not the teaser"),
    ("\n\nTitel\n\nText.\nAutor/in: A\nAktualisiert: 12.07.2024", JUL_12, False, "Titel",
     ("Text.",), "below the author line, in the paragraph's block"),
    ("\n\nTitel\n\nText.\n\naktualisiert: 12.07.2024, 10:00 Uhr\nAutor/in: A", JUL_12_10, True,
     "Titel", ("Text.",), "above the author line"),
    ("\n\nTitel\n\nText.\n\nAutor/in: A\n\nAktualisiert: 2024-07-12", JUL_12, False, "Titel",
     ("Text.",), "last block, ISO date"),
    # Not a stamp: the words after "Aktualisiert" are not a date, or the line is not on its own.
    ("\n\nAktualisiert: Sperrung der K 12 bis Freitag verlängert\n\nText.", None, True,
     "Aktualisiert: Sperrung der K 12 bis Freitag verlängert", ("Text.",), "a title"),
    ("\n\nTitel\n\nText.\n\nAktualisiert am 12.07.2024: Die Telefonnummer lautet 0123 4567.",
     None, True, "Titel", ("Text.", "Aktualisiert am 12.07.2024: Die Telefonnummer lautet 0123 "
     "4567."), "a correction note"),
    ("\n\nTitel\n\nDie Liste wurde\nzuletzt aktualisiert am 12. Juli 2024\nund gilt ab sofort.",
     None, True, "Titel", ("Die Liste wurde zuletzt aktualisiert am 12. Juli 2024 und gilt ab "
     "sofort.",), "a line inside a paragraph"),
    ("\n\nTitel\n\nText.\n\nAktualisierte Fassung vom 12.07.2024", None, True, "Titel",
     ("Text.", "Aktualisierte Fassung vom 12.07.2024"), "another word"),
]  # fmt: skip


def test_stamp_case_table_has_no_duplicates() -> None:
    assert len({case[-1] for case in STAMP_CASES}) == len(STAMP_CASES)


@pytest.mark.parametrize(
    ("after_date", "updated", "updated_has_time", "title", "paragraphs", "note"), STAMP_CASES
)
def test_correction_stamp(
    after_date: str,
    updated: datetime | None,
    updated_has_time: bool,
    title: str,
    paragraphs: tuple[str, ...],
    note: str,
) -> None:
    release = parse_whole(f"Seiteninhalt\n10.07.2024{after_date}\n")
    assert (release.updated, release.updated_has_time) == (updated, updated_has_time)
    assert (release.title, release.teaser, release.paragraphs) == (title, None, paragraphs)
    if release.updated is not None and updated is not None:
        assert release.updated.utcoffset() == updated.utcoffset()


def test_format_release_writes_the_stamp_below_the_date_line() -> None:
    release = parse_whole("10.07.2024\n\nTitel\n\nText.\n\nAutor/in: A\nAktualisiert am 12.7.24\n")
    assert format_release(release).startswith(
        "Seiteninhalt\n10.07.2024\nAktualisiert: 12.07.2024\n\nTitel\n"
    )


def test_title_over_two_lines_is_joined() -> None:
    text = "14.08.2024\n\nKreisvolkshochschule startet\nHerbstprogramm\n\nText.\n"
    release = parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix=TAG)
    assert release.title == "Kreisvolkshochschule startet Herbstprogramm"


def test_bom_before_the_date_line() -> None:
    text, _ = decode(b"\xef\xbb\xbf10.07.2024\r\nTitel\r\n\r\nText.", Path("x.txt"))
    release = parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix=TAG)
    assert release.published == datetime(2024, 7, 10, tzinfo=BERLIN)


def test_long_line_with_copyright_sign_is_a_paragraph() -> None:
    long = "Alle Bilder © Landkreis Musterland. " + "Weiterer Text. " * 30
    release = parse(f"Teaser\n\n{long.strip()}")
    assert release.captions == ()
    assert release.paragraphs == (long.strip(),)


# --- bad files --------------------------------------------------------------------------------

BAD_CASES = [
    # (file, expected line, reason fragment)
    ("empty.txt", 1, "got an empty file"),
    ("whitespace-only.txt", 1, "got an empty file"),
    ("no-date-line.txt", 3, "expected a date line such as 10.07.2024 after the page label "
     "'Seiteninhalt', got 'Kreisvolkshochschule startet Herbstprogramm'"),
    ("no-date-no-label.txt", 3, "expected a date line such as 10.07.2024 after the page label"),
    ("bad-date.txt", 2, "'31.02.2024' is not a real date"),
    ("month-13.txt", 2, "13 is not a month"),
    ("relative-date.txt", 2, "'heute' is relative"),
    ("relative-date-no-label.txt", 1, "'heute' is relative"),
    ("yearless-date.txt", 2, "'14. August' has no year"),
    ("time-only-date.txt", 2, "has a time but no day"),
    ("weekday-mismatch.txt", 2, "is a Mittwoch, not a Dienstag"),
    ("dst-gap.txt", 2, "02:30 does not exist on 31.03.2024"),
    ("no-title.txt", 2, "expected a title after the date line, got the end of the file"),
    ("title-only.txt", 4, "expected a teaser or a paragraph after the title"),
    ("title-and-captions-only.txt", 4, "expected a teaser or a paragraph after the title"),
    ("caption-as-title.txt", 4, "expected the title after the date line, got a caption line"),
    ("author-as-title.txt", 4, "expected the title after the date line, got the author line"),
    ("title-too-long.txt", 4, "got 383 characters (at most 300)"),
    ("binary.txt", 3, "got NUL bytes"),
    ("nul-bytes.txt", 10, "got NUL bytes"),
    ("utf16.txt", 1, "(or UTF-16)"),
    ("html-page.txt", 1, "got an HTML page"),
    ("undecodable.txt", 10, "got byte 0x81, which is neither"),
    ("mixed-encoding.txt", 10, "got mixed UTF-8 and Windows-1252: byte 0xfc"),
    ("controls-only.txt", 1, "got 160 control characters"),
    ("updated-bad-date.txt", 3, "cannot read the date of 'Aktualisiert: 31.08.2024, 25:00 Uhr': "
     "'31.08.2024, 25:00 Uhr': 25 is not an hour"),
    ("updated-relative.txt", 3, "the date 'gestern' is relative"),
    ("updated-yearless.txt", 15, "the date '16. August' has no year"),
    ("updated-before-published.txt", 3, "expected the correction on or after the publication "
     "(14.08.2024), got 13.08.2024, 18:00 Uhr"),
    ("updated-before-published-time.txt", 3, "expected the correction on or after the "
     "publication (14.08.2024, 14:30 Uhr), got 14.08.2024, 09:15 Uhr"),
    ("updated-twice.txt", 16, "expected one Aktualisiert: line, got a second one "
     "'Aktualisiert: 16.08.2024, 11:00 Uhr' (the first is line 3)"),
    ("updated-above-date.txt", 2, "expected the date line, got the correction stamp"),
]  # fmt: skip


def test_bad_case_table_has_no_duplicates() -> None:
    assert len({case[0] for case in BAD_CASES}) == len(BAD_CASES)


@pytest.mark.parametrize(("name", "line", "fragment"), BAD_CASES)
def test_bad_file(name: str, line: int, fragment: str) -> None:
    path = BAD / name
    with pytest.raises(ReleaseError) as info:
        read(path)
    err = info.value
    assert (err.line, err.path) == (line, path)
    assert fragment in err.reason
    assert str(err) == f"{path}:{line}: {err.reason}"


def test_page_label_with_digits_still_finds_the_date() -> None:
    text = "Pressemitteilung 12/2024\n10.07.2024\n\nTitel\n\nText.\n"
    release = parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix=TAG)
    assert release.published == datetime(2024, 7, 10, tzinfo=BERLIN)


# --- real files -------------------------------------------------------------------------------


def _seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


@pytest.mark.parametrize("path", _seed_files() or [None], ids=lambda p: p.name if p else "none")
def test_seed_files_parse(path: Path | None) -> None:
    if path is None:
        pytest.skip(f"no seed files: {SEEDS} is absent (it exists on the team's machines)")
    release, notices = read(path, department="Jobcenter")
    assert notices == []
    assert_clean(release)
    assert release.paragraphs
    if path.name == "000_52dd709dd469c873.txt":
        # Duplicate caption collapsed; the © credit split off; one author.
        assert release.published == datetime(2024, 7, 10, tzinfo=BERLIN)
        assert not release.has_time
        assert release.title == (
            "Staatssekretärin Leonie Gebers besuchte Eigenbetrieb Jobcenter Vorpommern-Rügen"
        )
        assert release.teaser == "Konstruktiver Austausch zu aktuellen Themen"
        assert release.captions == (Caption(release.title, "Landkreis Vorpommern-Rügen"),)
        assert len(release.paragraphs) == 4
        assert release.paragraphs[0].startswith("Am Montag, den 8. Juli 2024, besuchte")
        assert release.authors == ("Landkreis Vorpommern-Rügen",)


@pytest.mark.parametrize(
    "path", sorted(RELEASES.glob("*/*.txt")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_sample_releases_parse_cleanly(path: Path) -> None:
    release, notices = read(path, department=path.parent.name)
    assert notices == []
    assert_clean(release)
    again = parse_text(
        format_release(release), source=path, department=path.parent.name, tag_prefix=TAG
    )
    assert again == release


def test_a_file_deleted_before_reading_is_not_a_release_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_release(tmp_path / "gone.txt", department="Jobcenter", tag_prefix=TAG)


@pytest.mark.parametrize("second", ["10.07.2024", "Mittwoch, 10. Juli 2024", "11.07.2024, 9 Uhr"])
def test_a_date_line_typed_twice_is_an_error_not_a_title(second: str) -> None:
    text = f"Seiteninhalt\n10.07.2024\n\n{second}\n\nTitel\n\nText.\n"
    with pytest.raises(ReleaseError) as info:
        parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix=TAG)
    assert info.value.line == 4
    assert "second date line" in info.value.reason


def test_a_title_that_starts_with_a_date_is_still_a_title() -> None:
    text = "10.07.2024\n\n10.07.2024: Tag der offenen Tür im Kreishaus\n\nText.\n"
    release = parse_text(text, source=Path("x.txt"), department="Jobcenter", tag_prefix=TAG)
    assert release.title == "10.07.2024: Tag der offenen Tür im Kreishaus"
