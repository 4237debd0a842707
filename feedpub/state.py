"""What earlier builds knew, as values: the history (:class:`State`: per published release
the hash of its content and when a build first saw that content, the correction time readers
see as Atom ``updated``; the id prefix the feeds were published with; the last good version of
every release the feeds show) and the cache (:class:`Cache`: size, mtime and ctime of every
published release file, its publication time and URL name, the fingerprint of configuration
and feedpub version, the archive documents' keys, and the files bad by their bytes, by a
digest). They are kept in the ledger (:mod:`feedpub.ledger`, read and written by
:mod:`feedpub.bookkeeping`); losing them loses the correction times, nothing else.

Neither ever holds a release that is not published (an embargoed or a bad new release):
``feeds/`` is public, and nothing in it may reveal a release before its time. (The cache
knows files that are bad by their bytes only by a digest of their path and signature, with
reasons that quote nothing of a file: see :attr:`Cache.bad`.) Also here: the content hash,
and the reader of the JSON ``state.json`` that builds before the ledger wrote (for the
import of an old output folder). Reading and encoding only: publish writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from feedpub.corrections import NoticeRecord
from feedpub.release import Caption, Image, Release

STATE_NAME = ".feedpub/state.json"
_VERSION = 2
_BERLIN = ZoneInfo("Europe/Berlin")

#: "size/mtime_ns/ctime_ns" of a release file: equal means "not touched since". A string,
#: because 10,000 of them are loaded and compared on every cron run.
Signature = str
#: The signature recorded for a published release whose file is bad now: never equal to a
#: real one, so the file is read (and its error reported) on every build until it is fixed.
UNREAD: Signature = "unread"


class FileRow(NamedTuple):
    """What the ledger knows of one published release file (a row of its ``files`` table).

    A named tuple: 50,000 of them are loaded on every cron run, and a tuple costs the least
    to make and to hold."""

    #: The file's signature when it was last read (see :data:`Signature`), or :data:`UNREAD`.
    signature: Signature
    #: The release's publication time (ISO 8601), "" when not known.
    published: str
    #: The URL name of its file name (so that a build needs no slugify for unchanged
    #: files), or None when not known.
    stem: str | None = None


#: The content hash of a release whose history was read back from the published documents
#: (see :mod:`feedpub.recover`): never equal to a real one. Its first reading adopts the
#: content as the published one and keeps the correction time the documents showed.
RECOVERED = "recovered"


@dataclass(frozen=True, slots=True)
class Seen:
    """The history of one published release."""

    #: :func:`content_hash` of the content last published.
    hash: str
    #: When a build first saw content other than the first published, or None (never edited).
    updated: datetime | None
    #: When a build first published it, or None (published before feedpub kept it): the time
    #: of day a date-only release is stamped with (see :mod:`feedpub.daytime`).
    first: datetime | None = None


@dataclass(frozen=True, slots=True)
class State:
    """What the previous builds recorded (see the module docstring)."""

    #: Whether a usable state file was there (else every time falls back; said once).
    found: bool
    #: The start of every entry id it published, or None when unknown.
    tag_prefix: str | None
    #: The history of every published release, by id.
    seen: dict[str, Seen]
    #: The releases the feeds showed, by id: their last good versions.
    releases: dict[str, Release]
    #: The correction notices published, by the id of their release (see
    #: :mod:`feedpub.corrections`).
    notices: dict[str, list[NoticeRecord]] = field(default_factory=dict)


EMPTY = State(False, None, {}, {})


def load_state(out_dir: Path) -> State:
    """What the previous builds recorded; :data:`EMPTY` when there is nothing usable.

    A missing, unreadable or foreign state file is not an error: the build goes on with
    what the release files say (and the caller says so once).
    """
    try:
        data = json.loads((out_dir / STATE_NAME).read_text("utf-8"))
        if data.get("version") != _VERSION:
            return EMPTY
        prefix = data.get("tag_prefix")
        seen = {
            key: Seen(str(value[0]), _datetime(value[1]) if value[1] else None)
            for key, value in data["seen"].items()
        }
        releases = (from_record(record) for record in data["releases"])
        return State(
            True,
            prefix if isinstance(prefix, str) else None,
            seen,
            {release.id: release for release in releases},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        return EMPTY  # RecursionError: JSON nested too deep to decode


def content_hash(release: Release) -> str:
    """A digest of everything a release publishes except its path (which makes its id).

    Re-saving a file in another encoding or with other line ends changes nothing here; any
    change a reader could see does. The stated ``Aktualisiert:`` time is part of it, and so
    are the pictures (a replaced, added or removed picture is an edit); a release without
    pictures hashes as it did before pictures existed, so upgrading feedpub edits nothing.
    """
    record = to_record(release)
    for key in ("source", "department", "slug", "stem", "id"):
        del record[key]
    for image in record.get("images", ()):
        del image["source"]  # like the release's own path: a renamed file is no edit
    text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    import hashlib  # only builds that read releases need it

    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class Cache:
    """What the last complete build saw of the release files (see the module docstring)."""

    #: :func:`fingerprint` of the configuration and feedpub version it built with.
    fingerprint: str
    #: Per release file (relative path): its signature and publication time (ISO 8601).
    files: dict[str, FileRow]
    #: The key of every archive document it wrote (by its Atom path): see build.
    docs: dict[str, str] = field(default_factory=dict)
    #: The files it found bad by their bytes alone (empty, binary, too big: see
    #: :attr:`feedpub.release.ReleaseError.from_bytes`), by :func:`bad_key`: the error's line
    #: and reason. A build reports them from here while their signature stays, without
    #: reading them. Keyed by a digest, as the cache must not name a file that is not
    #: published; the reasons quote nothing of a file's text.
    bad: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    #: The files it held back (embargo: dated later, never published), by :func:`bad_key`,
    #: and the earliest moment (POSIX seconds) one of them may be published: until then a
    #: build counts them without reading them. Only digests and one time, never a name or a
    #: date of a release (nothing in the ledger may reveal a release before its time).
    held: frozenset[str] = frozenset()
    next_due: int | None = None


def bad_key(relative: str, signature: Signature) -> str:
    """The key of a bad file in :attr:`Cache.bad`: a digest of its path and signature, so
    the cache names no file, and a guessed name cannot be confirmed without its mtime and
    ctime to the nanosecond."""
    import hashlib  # only builds that meet files the cache does not know as published

    text = f"{relative}\0{signature}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=8).hexdigest()


def fingerprint(*parts: object) -> str:
    """The things besides the release files that every output depends on (the configuration,
    feedpub's version), as text: when it changes, everything is rebuilt. Kept as text, not
    hashed: a few hundred bytes, and no hashlib import on the fast path."""
    return "\x1f".join(repr(part) for part in parts)


def _datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime in state")
    return value.astimezone(_BERLIN)


def to_record(release: Release) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": release.source.as_posix(),
        "department": release.department,
        "slug": release.slug,
        "stem": release.stem,
        "id": release.id,
        "published": release.published.isoformat(),
        "has_time": release.has_time,
        "updated": None if release.updated is None else release.updated.isoformat(),
        "updated_has_time": release.updated_has_time,
        "title": release.title,
        "teaser": release.teaser,
        "captions": [[c.text, c.credit] for c in release.captions],
        "paragraphs": list(release.paragraphs),
        "authors": list(release.authors),
    }
    if release.correction is not None:  # only then, as for images: old hashes stay
        record["correction"] = release.correction
    if release.images:  # only then: older records (and their hashes) have no such key
        record["images"] = [_image_record(image) for image in release.images]
    return record


def _image_record(image: Image) -> dict[str, Any]:
    return {
        "source": image.source.as_posix(),
        "number": image.number,
        "name": image.name,
        "type": image.media_type,
        "length": image.length,
        "width": image.width,
        "height": image.height,
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
        "fingerprint": image.fingerprint,
    }


def _from_image_record(record: dict[str, Any]) -> Image:
    caption, credit = record["caption"], record["credit"]
    return Image(
        source=Path(record["source"]),
        number=int(record["number"]),
        name=str(record["name"]),
        media_type=str(record["type"]),
        length=int(record["length"]),
        width=int(record["width"]),
        height=int(record["height"]),
        alt=str(record["alt"]),
        caption=None if caption is None else str(caption),
        credit=None if credit is None else str(credit),
        fingerprint=str(record["fingerprint"]),
    )


def from_record(record: dict[str, Any]) -> Release:
    updated = record["updated"]
    return Release(
        source=Path(record["source"]),
        department=str(record["department"]),
        slug=str(record["slug"]),
        stem=str(record["stem"]),
        id=str(record["id"]),
        published=_datetime(record["published"]),
        has_time=bool(record["has_time"]),
        updated=None if updated is None else _datetime(updated),
        updated_has_time=bool(record["updated_has_time"]),
        title=str(record["title"]),
        teaser=None if record["teaser"] is None else str(record["teaser"]),
        captions=tuple(
            Caption(str(t), None if c is None else str(c)) for t, c in record["captions"]
        ),
        paragraphs=tuple(str(p) for p in record["paragraphs"]),
        authors=tuple(str(a) for a in record["authors"]),
        correction=None if record.get("correction") is None else str(record["correction"]),
        images=tuple(_from_image_record(image) for image in record.get("images", ())),
    )
