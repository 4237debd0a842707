"""Property tests for feedpub.parse (Hypothesis, as dateutil's ``tests/property/``).

(a) Any text, and any bytes through ``decode``, gives a Release or a ReleaseError, nothing else;
    a Release from bytes keeps every promise of the Release docstring.
(b) Release → ``format_release`` → ``parse_text`` gives the same Release, for every Release the
    seed layout can represent. What it cannot represent is excluded from the strategies below,
    each exclusion with its reason; everything else is the parser's job.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedpub.blocks import CAPTION_MAX, TEASER_MAX
from feedpub.dates import parse_date_line
from feedpub.decode import decode
from feedpub.parse import TITLE_MAX, format_release, parse_text
from feedpub.release import Caption, Release, ReleaseError, make_id, slugify

BERLIN = ZoneInfo("Europe/Berlin")
SOURCE = Path("releases/Amt für Bau und Planung/2024-07-10-bebauungsplan.txt")
DEPARTMENT = "Amt für Bau und Planung"
TAG = "tag:presse.example.de,2024-01-01:"

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- (a) anything in, Release or ReleaseError out ---------------------------------------------

# Lines that steer the parser into its branches; mixed with arbitrary text.
LAYOUT_LINES = [
    "",
    " ",
    "Seiteninhalt",
    "10.07.2024",
    "10.07.2024, 14:30 Uhr",
    "Mittwoch, 10. Juli 2024",
    "31.02.2024",
    "31.03.2024, 02:30 Uhr",
    "heute",
    "8. Juli",
    "14:30 Uhr",
    "Titel der Meldung",
    "Teaser ohne Punkt",
    "Ein Absatz endet mit einem Punkt.",
    "Bild © Landkreis",
    "© Landkreis",
    "Bild ohne Credit",
    "Autor/in: Petra Schulz und Jens Albrecht",
    "Autorin: Presse- und Öffentlichkeitsarbeit, A & B",
    "Aktualisiert: 12.07.2024, 10:00 Uhr",
    "Aktualisiert am 09.07.2024",
    "Zuletzt aktualisiert: 31.02.2024",
    "Aktualisiert: heute",
    "Aktualisiert: Sperrung verlängert",
    "Korrektur: Die Sprechstunde ist am Dienstag.",
    "Korrektur:",
    "korrektur : Sperrung verlängert",
    "- Punkt",
    "• Punkt",
    "  Fortsetzung",
    "<html>",
    "\f",
    "\u00a0",
]
any_line = st.one_of(st.sampled_from(LAYOUT_LINES), st.text(max_size=40))
# Half of the examples start like a release, so that they get past the date line and title.
layout_text = st.tuples(
    st.sampled_from(["", "Seiteninhalt\n10.07.2024\n\nTitel\n\n", "10.07.2024\nTitel\n"]),
    st.lists(any_line, max_size=25),
    st.sampled_from(["\n", "\n\n"]),
).map(lambda t: t[0] + t[2].join(t[1]))
any_text = st.one_of(st.text(), layout_text)
any_bytes = st.one_of(
    st.binary(),
    st.tuples(layout_text, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])).map(
        lambda pair: pair[0].encode(pair[1], "replace")
    ),
    st.tuples(layout_text, st.binary(max_size=8), st.integers(0, 2000)).map(
        lambda t: t[0].encode()[: t[2]] + t[1] + t[0].encode()[t[2] :]
    ),
)

# XML 1.0 Char, minus the discouraged C1 controls and DEL.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _strings(release: Release) -> list[str]:
    texts = [release.title, release.teaser or "", *release.paragraphs, *release.authors]
    return texts + [c.text for c in release.captions] + [c.credit or "" for c in release.captions]


def assert_clean(release: Release) -> None:
    """The promises of the Release docstring, for a Release made from bytes."""
    assert release.title
    assert release.published.utcoffset() is not None
    for text in _strings(release):
        assert text == text.strip()
        assert unicodedata.is_normalized("NFC", text)
        assert not _NOT_XML.search(text)
        assert "\u00ad" not in text and "\ufeff" not in text and "  " not in text
        if "\n" in text:
            assert all(line.startswith("- ") for line in text.split("\n"))
    assert len(set(release.captions)) == len(release.captions)
    assert len(set(release.authors)) == len(release.authors)


@SETTINGS
@given(any_text)
def test_any_text_gives_release_or_release_error(text: str) -> None:
    try:
        release = parse_text(text, source=SOURCE, department=DEPARTMENT, tag_prefix=TAG)
    except ReleaseError as err:
        assert err.path == SOURCE
        assert err.line is None or 1 <= err.line <= text.count("\n") + 1
        assert str(err).startswith(f"{SOURCE}:")
    else:
        assert release.title


@SETTINGS
@given(any_bytes)
def test_any_bytes_give_release_or_release_error(data: bytes) -> None:
    try:
        text, notices = decode(data, SOURCE)
        release = parse_text(text, source=SOURCE, department=DEPARTMENT, tag_prefix=TAG)
    except ReleaseError as err:
        assert err.path == SOURCE
        breaks = sum(
            data.count(b) for b in (b"\n", b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
        )
        assert err.line is None or 1 <= err.line <= breaks + 1
    else:
        assert_clean(release)
        assert all(n.line is not None and n.line >= 1 for n in notices)


@SETTINGS
@given(any_bytes)
def test_decoded_text_is_a_fixed_point_of_decode(data: bytes) -> None:
    try:
        text, _ = decode(data, SOURCE)
    except ReleaseError:
        return
    assert decode(text.encode(), SOURCE) == (text, [])


# --- (b) Release → text → the same Release ----------------------------------------------------

# Characters a clean line may contain: no controls (Cc), format characters such as the soft
# hyphen, BOM and zero-width space (Cf), line or paragraph separators, surrogates, private use
# or unassigned code points; decode removes or replaces all of them, so a Release never holds
# them. "©" is the caption marker and is added only where a caption needs it.
_LINE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"),
    blacklist_characters="©",
)
# A few characters the layout gives a meaning to, so that examples hit them often.
_MEANINGFUL = [*"-•*–·▪.:…“”\"'»«)(|,;/&ÄÖÜäöüß ", "und", "Autor/in:", "Aktualisiert am "]


def _clean(text: str) -> str:
    # What decode + the parser do to a line: NFC, every kind of space is one " ", stripped.
    return " ".join(unicodedata.normalize("NFC", text).split())


# Limit: UTF-8 is tried first, so Windows-1252 text whose bytes are also UTF-8 ("Ã¤" is the
# UTF-8 of "ä") reads as UTF-8, and "Ã", "Â" or "â" before a byte of 0x80-0xBF ("â€ž") is taken
# for mixed encodings. German text has neither, so Windows-1252 releases are drawn from the
# printable Windows-1252 characters without those three.
_CP1252 = sorted(
    {bytes([b]).decode("cp1252", "ignore") for b in range(0x20, 0x100)}
    - {"", "\x7f", "\xad", "©", "Â", "Ã", "â"}
)
#: alphabet name → (characters, tokens with a meaning in the layout)
ALPHABETS = {
    "unicode": (_LINE_CHARS, st.sampled_from(_MEANINGFUL)),
    "cp1252": (
        st.sampled_from(_CP1252),
        st.sampled_from([t for t in _MEANINGFUL if set(t) <= set(_CP1252)]),
    ),
}


def _line(max_size: int, alphabet: str) -> st.SearchStrategy[str]:
    chars, meaningful = ALPHABETS[alphabet]
    return (
        st.lists(
            st.one_of(st.text(chars, min_size=1, max_size=12), meaningful),
            min_size=1,
            max_size=max(2, max_size // 10),
        )
        .map("".join)
        .map(_clean)
        .filter(lambda s: 0 < len(s) <= max_size)
    )


_AUTHOR_LINE = re.compile(
    r"^(?:Autor/in|Autor\*in|Autor:in|AutorIn|Autorin|Autor|Autoren|Autorinnen|"
    r"Verfasser/in|Verfasser|Verfasserin)\s*:",
    re.IGNORECASE,
)
_BULLET_LINE = re.compile(r"^[-•*–·▪]\s")
# Limit: a line that starts with the correction stamp's words may be read as the stamp (when
# the rest is date words and digits, and the line stands where a stamp may), so drawn texts
# never start with them; the parser's own table tests cover such lines that stay text.
_UPDATED_LINE = re.compile(r"^(?:zuletzt\s+)?aktualisiert\b", re.IGNORECASE)
# Limit: the same for the correction note (a line starting "Korrektur:" where a note may
# stand is one); tests/test_note.py covers such lines that stay text.
_NOTE_LINE = re.compile(r"^korrektur\s*:", re.IGNORECASE)


def _plain(text: str) -> bool:
    """Not an author line, a list item or a correction stamp: those start with their markers."""
    return (
        not _AUTHOR_LINE.match(text)
        and not _BULLET_LINE.match(text)
        and not _UPDATED_LINE.match(text)
        and not _NOTE_LINE.match(text)
    )


# Limit: a teaser is told from a paragraph by its end, so a teaser that ends a sentence
# (".", ":" or "…", also before closing quotes or brackets) is read as the first paragraph.
_SENTENCE_END = re.compile(r"[.:…][“”\"'»«›‹)\]]*$")
# Limit: the separators between a caption and its "©" (" -–|,;/:" and "(...)") are not part of
# the caption, so a caption text cannot start or end with one.
_CAPTION_EDGE = " -–|,;/:("
# Limit: authors are split at "," ";" "&" and " und ", so a name cannot contain them.
_AUTHOR_SEPARATOR = re.compile(r"[,;&]|(?:^|\s)und(?:\s|$)")
# Every drawn caption line ("text © credit") is short enough to be read as a caption.
assert CAPTION_MAX >= 150 + len(" © ") + 100


def _title(s: str) -> bool:
    """Limit: a title that is itself a date line reads as the date line typed twice."""
    if not _plain(s):
        return False
    try:
        parse_date_line(s)
    except ValueError:
        return True
    return False


def _caption_text(s: str) -> bool:
    return _plain(s) and s[0] not in _CAPTION_EDGE and s[-1] not in _CAPTION_EDGE


@dataclass(frozen=True)
class _Parts:
    """Strategies for the strings of a Release, all drawn from one alphabet."""

    titles: st.SearchStrategy[str]
    teasers: st.SearchStrategy[str]
    paragraphs: st.SearchStrategy[str]
    captions: st.SearchStrategy[tuple[Caption, ...]]
    authors: st.SearchStrategy[tuple[str, ...]]


@functools.cache
def _parts(alphabet: str) -> _Parts:
    # Limit: a paragraph is one line ending in "." (the layout keeps no line breaks inside a
    # paragraph: hard-wrapped lines are joined). A list is one paragraph of "- " items ("•"
    # and the other markers are written as "- ").
    plain_paragraphs = _line(600, alphabet).map(lambda s: s + ".").filter(_plain)
    lists = st.lists(_line(80, alphabet), min_size=1, max_size=5).map(
        lambda items: "\n".join(f"- {item}" for item in items)
    )
    captions = st.builds(
        Caption,
        text=_line(150, alphabet).filter(_caption_text),
        credit=st.one_of(st.none(), _line(100, alphabet)),
    )
    return _Parts(
        titles=_line(TITLE_MAX, alphabet).filter(_title),
        teasers=_line(TEASER_MAX, alphabet).filter(
            lambda s: _plain(s) and not _SENTENCE_END.search(s)
        ),
        paragraphs=st.one_of(plain_paragraphs, lists),
        # Limit: caption lines are recognised by "©", so a block of captions needs at least
        # one credit; duplicates are collapsed by design.
        captions=st.lists(captions, max_size=4, unique=True)
        .filter(lambda cs: not cs or any(c.credit is not None for c in cs))
        .map(tuple),
        authors=st.lists(
            _line(60, alphabet).filter(lambda s: not _AUTHOR_SEPARATOR.search(s)),
            max_size=3,
            unique=True,
        ).map(tuple),
    )


@st.composite
def published(draw: st.DrawFn, day: date | None = None) -> tuple[datetime, bool]:
    """An aware Europe/Berlin datetime at minute precision that exists, and has_time; on
    ``day`` when given (for the ``Aktualisiert:`` line, which follows the same rules).

    Limit: the date line is local time without an offset, so a time in the repeated hour of
    the last Sunday in October is read as its first occurrence (summer time, fold=0); times in
    the spring-forward gap do not exist and are errors. Without a time it is 00:00.
    """
    has_time = draw(st.booleans())
    if day is None:
        day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
    if not has_time:
        return datetime(day.year, day.month, day.day, tzinfo=BERLIN), False
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    value = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
    if value.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) != value.replace(tzinfo=None):
        value += timedelta(hours=1)  # in a gap (all are one hour): an hour later exists
    return value, True


@st.composite
def corrections(draw: st.DrawFn, when: datetime, has_time: bool) -> tuple[datetime | None, bool]:
    """``updated`` and ``updated_has_time`` of a release published at ``when``: none, or a
    correction on the day of publication or later (the parser refuses an earlier one; when
    both have a time, not before the publication's time either)."""
    if draw(st.booleans()):
        return None, True
    last = date(2199, 12, 31)
    days = draw(st.integers(0, min(4000, (last - when.date()).days)))
    day = when.date() + timedelta(days=days)
    updated, updated_has_time = draw(published(day))
    if updated_has_time and has_time and updated < when:
        updated = when  # the same minute: a correction right after publishing
    return updated, updated_has_time


@st.composite
def releases(draw: st.DrawFn, alphabet: str = "unicode") -> Release:
    """A Release the seed layout can represent, its strings drawn from ``ALPHABETS[alphabet]``."""
    parts = _parts(alphabet)
    when, has_time = draw(published())
    updated, updated_has_time = draw(corrections(when, has_time))
    # Any one line of text (the rest of the Korrektur: line).
    correction = draw(st.one_of(st.none(), _line(300, alphabet)))
    title = draw(parts.titles)
    if _SENTENCE_END.search(title):
        # Limit: a Korrektur: line in the head is a note only when a title follows it, and
        # a block that ends a sentence reads as a paragraph (then the line is the title).
        correction = None
    teaser = draw(st.one_of(st.none(), parts.teasers))
    # Limit: a teaser that repeats the title is dropped when read (the title printed twice).
    if teaser is not None and teaser.casefold() == title.casefold():
        teaser = None
    # Limit: a release needs a teaser or a paragraph (else it is a ReleaseError).
    body = tuple(draw(st.lists(parts.paragraphs, min_size=0 if teaser else 1, max_size=5)))
    slug, stem = slugify(DEPARTMENT), slugify(SOURCE.stem)
    return Release(
        source=SOURCE,
        department=DEPARTMENT,
        slug=slug,
        stem=stem,
        id=make_id(TAG, slug, stem),
        published=when,
        has_time=has_time,
        title=title,
        teaser=teaser,
        captions=draw(parts.captions),
        paragraphs=body,
        authors=draw(parts.authors),
        updated=updated,
        updated_has_time=updated_has_time,
        correction=correction,
    )


def _not_utf8_in_cp1252(release: Release) -> bool:
    """Limit: UTF-8 is tried first (the issue's rule), so Windows-1252 text whose bytes also
    happen to be valid UTF-8 ("Ä¡" is C4 A1, which is "ġ" in UTF-8) reads as UTF-8. German
    text almost never has such pairs; the round trip holds for every other text."""
    data = format_release(release).encode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return data.isascii()


@SETTINGS
@given(releases())
def test_format_then_parse_gives_the_same_release(release: Release) -> None:
    text = format_release(release)
    again = parse_text(text, source=SOURCE, department=DEPARTMENT, tag_prefix=TAG)
    assert again == release
    # Aware datetimes with the same tzinfo compare without their offset: check it too.
    assert again.published.utcoffset() == release.published.utcoffset()
    if release.updated is not None:
        assert again.updated is not None
        assert again.updated.utcoffset() == release.updated.utcoffset()


@SETTINGS
@given(
    st.one_of(
        st.tuples(releases(), st.sampled_from(["utf-8", "utf-8-sig"])),
        st.tuples(releases("cp1252").filter(_not_utf8_in_cp1252), st.just("cp1252")),
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_format_then_bytes_then_parse_gives_the_same_release(
    release_and_encoding: tuple[Release, str], newline: str
) -> None:
    release, encoding = release_and_encoding
    data = format_release(release).replace("\n", newline).encode(encoding)
    decoded, notices = decode(data, SOURCE)
    again = parse_text(decoded, source=SOURCE, department=DEPARTMENT, tag_prefix=TAG)
    assert (again, notices) == (release, [])


# --- character references in the author line -------------------------------------------------

# Written as text by offices that copy from web pages; each is part of a name, never a separator.
_REFERENCES = [
    "&gt;",
    "&lt;",
    "&amp;",
    "&quot;",
    "&uuml;",
    "&nbsp;",
    "&#8211;",
    "&#x2013;",
    "&#39;",
]
_NAME_WORDS = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzäöüßÄÖÜ.-", min_size=1, max_size=12
).filter(lambda word: word.lower() != "und" and not word.endswith("-"))


@SETTINGS
@given(releases().filter(lambda r: r.correction is not None), st.sampled_from(["end", "title"]))
def test_a_note_as_a_block_below_the_title_reads_as_in_the_head(
    release: Release, where: str
) -> None:
    """The ``Korrektur:`` note is the same note in each place it may stand: written by
    format_release below the date line, moved to a block of its own at the end or right below
    the title (where the teaser would stand)."""
    head_line = f"\nKorrektur: {release.correction}"
    text = format_release(release)
    assert head_line + "\n" in text
    text = text.replace(head_line, "", 1)
    block = f"Korrektur: {release.correction}\n\n"
    if where == "end":
        text += "\n" + block
    else:
        text = text.replace(f"\n\n{release.title}\n\n", f"\n\n{release.title}\n\n{block}", 1)
    again = parse_text(text, source=SOURCE, department=DEPARTMENT, tag_prefix=TAG)
    assert again == release


@st.composite
def _names_with_references(draw: st.DrawFn) -> str:
    """A name of words and character references, each reference glued to its neighbours or not."""
    pieces = draw(
        st.lists(st.one_of(_NAME_WORDS, st.sampled_from(_REFERENCES)), min_size=1, max_size=5)
    )
    name = pieces[0]
    for piece in pieces[1:]:
        name += draw(st.sampled_from(["", " "])) + piece
    return name


@given(
    st.lists(_names_with_references(), min_size=1, max_size=4, unique=True),
    st.sampled_from([", ", "; ", ",", ";"]),
)
def test_character_references_in_author_names_separate_nothing(
    names: list[str], separator: str
) -> None:
    text = f"10.07.2024\n\nTitel\n\nText.\n\nAutor/in: {separator.join(names)}\n"
    release = parse_text(text, source=SOURCE, department=DEPARTMENT, tag_prefix=TAG)
    assert release.authors == tuple(names)
