"""The data model: one press release, and the one error and the one warning type of the project.

Names only, no parsing or rendering logic: every other module imports from here, this module
imports from none of them.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Caption:
    """An image caption as the release prints it under a picture."""

    #: The caption text, without the credit ("" when the line was only a credit).
    text: str
    #: Who holds the rights (the part after ``©``), or None when the office gave none.
    credit: str | None = None


#: A picture file as discovery lists it beside its release: (file name, number, problem). A
#: tuple, not an ImageFile: a build whose input did not change looks at 10,000 of them and
#: needs no Path for any (:func:`image_files` makes them when a release is read).
Picture = tuple[str, int, str | None]


@dataclass(frozen=True, slots=True)
class ImageFile:
    """An image file found beside a release (see :mod:`feedpub.discover` for the naming
    rules), before it is read: where it is and which caption it belongs to."""

    #: The file, as found under the releases folder.
    path: Path
    #: Its position among the release's pictures, from its name: 1 for ``<name>.jpg`` and
    #: ``<name>-1.jpg``, n for ``<name>-n.jpg``. Picture n goes with the n-th caption.
    number: int
    #: Why it cannot be published (a broken symlink, another file with the same number), or
    #: None. Such a file is a warning, never an error of its release.
    problem: str | None = None


def image_files(folder: Path, pictures: tuple[Picture, ...]) -> tuple[ImageFile, ...]:
    """The ImageFiles of a release in ``folder`` from discovery's tuples."""
    return tuple(ImageFile(folder / name, number, problem) for name, number, problem in pictures)


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """A picture of a release, read and checked: what pages and feeds need to show it.

    ``media_type``, ``width`` and ``height`` come from the file's own bytes (magic bytes and
    headers), never from its name; ``length`` is its size in bytes (RSS ``enclosure``).
    """

    #: The file under the releases folder (copied into the output as ``name``).
    source: Path
    #: Its position among the release's pictures (see :class:`ImageFile`).
    number: int
    #: The published file name, beside the release page (see :func:`feedpub.layout.image_name`).
    name: str
    #: ``image/jpeg``, ``image/png`` or ``image/webp``.
    media_type: str
    length: int
    #: Pixels as a browser shows the picture (a JPEG's EXIF rotation applied).
    width: int
    height: int
    #: The text alternative: the caption's text, or a description made from the title.
    alt: str
    #: The text of the caption with this number ("" when that line was only a credit), or
    #: None when the release has no caption for it.
    caption: str | None = None
    #: The rights holder from that caption (the part after ``©``), or None.
    credit: str | None = None
    #: A digest of the file's size and first bytes: a replaced picture is an edit of its
    #: release (see :func:`feedpub.images.read_image` for why not of every byte).
    fingerprint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """One press release, parsed and normalised.

    Invariants: ``published`` and ``updated`` are timezone-aware (Europe/Berlin); ``updated``
    is never on an earlier day than ``published`` (see :func:`effective_updated` for the time
    readers see); every string is NFC, free of XML-illegal characters and stripped; ``title``
    is never empty; tuples keep source order.
    """

    #: The file the release came from (as found under the releases folder).
    source: Path
    #: The folder name below ``releases/``, exactly as written (umlauts and spaces included).
    department: str
    #: ASCII form of ``department`` used in URLs and ids, e.g. ``amt-fuer-bau-und-planung``.
    slug: str
    #: ASCII form of the file name stem used in URLs and ids.
    stem: str
    #: The stable entry id (see :func:`make_id` for the rule).
    id: str
    #: When the release was published, Europe/Berlin; 00:00 local when no time was given.
    published: datetime
    #: False when the date line named only a day (then ``published`` is 00:00 local).
    has_time: bool
    title: str
    #: The short subheading under the title, if the release has one.
    teaser: str | None = None
    captions: tuple[Caption, ...] = ()
    #: Body paragraphs. A bulleted list is one paragraph whose lines all start with ``"- "``.
    paragraphs: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    #: When the release was last corrected, Europe/Berlin: from an ``Aktualisiert:`` line, or
    #: set by the build from its state when it saw the content change. None = never corrected.
    updated: datetime | None = None
    #: False when the ``Aktualisiert:`` line named only a day (then ``updated`` is 00:00 local).
    updated_has_time: bool = True
    #: The correction note of its ``Korrektur:`` line (what was wrong, what is right), or
    #: None. Part of the content; each new note is published as a correction notice of its
    #: own (see :mod:`feedpub.corrections`).
    correction: str | None = None
    #: Pictures found beside the release file, by ``number`` (set by the build, not the
    #: parser: the text alone knows none).
    images: tuple[Image, ...] = ()
    #: The exact text of the date line that was read as the date and its time ("" when not
    #: known, e.g. a release kept from an earlier build). Not part of the content.
    date_text: str = field(default="", compare=False)
    #: What the date line held besides its date, ignored (a place, a label, a note), in
    #: order. Not part of the content.
    date_ignored: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionNotice(Release):
    """A correction notice (see :mod:`feedpub.corrections`): an entry of its own that says a
    release was corrected, in the feeds like a release. ``title`` is ``Korrektur: <title of
    the release>``, ``paragraphs`` the note alone, ``published`` the correction time, and
    ``slug``/``stem`` those of the release, whose page its link leads to."""

    #: The id of the corrected release.
    corrects: str


def entry_updated(release: Release) -> datetime:
    """An entry's Atom ``updated`` and JSON Feed ``date_modified``: its publication, also after
    an edit (README, "Output layout", "Updated"). Tiny Tiny RSS and feed-extractor date an
    entry by ``updated``, so a moved ``updated`` made a corrected release of 2025 today's
    news there and hid its publication date (issue 13); the news of a correction is its
    correction notice, an entry of its own. Readers that update an entry in place compare
    its content, not ``updated``. Pages keep the correction time (:func:`effective_updated`).
    """
    return release.published


def effective_updated(release: Release) -> datetime:
    """When the release last changed, as feeds (Atom ``updated``) and pages show it.

    The one place of this rule: the correction time when there is one, but never earlier than
    the publication. A date-only ``Aktualisiert: 10.07.2024`` on a release published at 14:30
    that day means 00:00, before the publication, and an entry must never read as changed
    before it appeared. Feeds and release pages both call this, so they cannot disagree.
    """
    if release.updated is None:
        return release.published
    return max(release.published, release.updated)


class ReleaseError(Exception):
    """A release file that cannot be published: which file, which line, and why.

    ``line`` is 1-based, or None when the fault belongs to the whole file (e.g. it is too big).
    ``str()`` gives the compiler-style ``path:line: reason`` that editors and cron mails show.
    ``from_bytes``: the reason follows from the file's bytes alone (empty, binary, not text,
    too big) and quotes none of its text, so a build may remember it for a file it knows to
    be unchanged instead of reading it again (see :class:`feedpub.state.Cache`).
    """

    def __init__(
        self, path: Path | str, line: int | None, reason: str, *, from_bytes: bool = False
    ) -> None:
        super().__init__(path, line, reason)
        # A str stays a str until a Path is asked for: a build that reports 50,000 remembered
        # errors needs none (a Path costs more than the rest of such an error).
        self._path = path
        self.line = line
        self.reason = reason
        self.from_bytes = from_bytes

    @property
    def path(self) -> Path:
        if isinstance(self._path, str):
            self._path = Path(self._path)
        return self._path

    def __str__(self) -> str:
        return f"{location(self._path, self.line)}: {self.reason}"


def location(path: Path | str, line: int | None) -> str:
    """``path:line``, or just ``path`` for a fault of the whole folder: the form editors and
    compilers use, so a message can be clicked. Bytes of the path that are not UTF-8 (an old
    Latin-1 mount point above ``releases/``) are shown as ``\xe4``, as for file names."""
    shown = str(path)
    if not shown.isascii():
        shown = os.fsencode(shown).decode("utf-8", "backslashreplace")
    return f"{shown}:{line}" if line is not None else shown


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning about a release that was still published (e.g. control characters removed)."""

    path: Path
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{location(self.path, self.line)}: warning: {self.reason}"


#: Characters XML 1.0 cannot carry, or that only mean trouble in a feed: C0 and C1 controls
#: except tab and line ends, and the non-characters U+FFFE and U+FFFF. One definition for
#: release texts (removed with a warning) and configuration texts (refused).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


# German transliteration first, so that "Straße" becomes "strasse" and not "strae"; then the
# letters that have no accent to drop (NFKD leaves "ø" and "ł" whole) in the same German way.
_TRANSLITERATE = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
    | {"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "œ": "oe", "Œ": "Oe", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """ASCII, lower-case, hyphenated form of a folder or file name; stable across releases.

    German letters are transliterated (``ä`` → ``ae``, ``ß`` → ``ss``), other accents dropped
    (``é`` → ``e``), everything else that is not a letter or digit (dashes, quotes, other
    scripts) becomes one ``-``. Returns "" when nothing is left; callers turn that into an error.
    """
    text = unicodedata.normalize("NFC", name).translate(_TRANSLITERATE)
    if not text.isascii():
        # Drop only the accents: anything else non-ASCII must still separate words
        # ("Ämter—Übersicht" is "aemter-uebersicht"; encoding to ASCII ignoring errors gave
        # "aemteruebersicht").
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def make_id(tag_prefix: str, slug: str, stem: str) -> str:
    """The entry id of a release: ``<tag_prefix><department slug>/<stem slug>``.

    Why this rule: feed readers de-duplicate by id, so an id must survive every edit a press
    office makes to a release (title fixed, body corrected, even the date corrected). The
    department folder and the file name are the only things an edit does not touch, so the id
    is built from them alone, never from content or from the release's own date. The prefix is
    an RFC 4151 ``tag:`` URI head with the site's domain and one fixed date of the site, e.g.
    ``tag:presse.example.de,2024-01-01:`` (config keys ``tag_authority`` and ``tag_date``).
    Renaming or moving a file therefore publishes a new entry; that is documented.
    """
    return f"{tag_prefix}{slug}/{stem}"


@lru_cache(maxsize=256)
def department_slug(name: str) -> str:
    """:func:`slugify` for department folder names, cached: a build meets the same dozen
    folder names thousands of times."""
    return slugify(name)
