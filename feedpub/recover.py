"""What was published, read back from the published documents when the ledger lost it.

The ledger (:mod:`feedpub.ledger`) is the build's memory; the published feeds are the public's.
When the ledger is gone (deleted, or damaged and moved aside) but ``feeds/`` holds a published
combined Atom feed, the ids, publication times and correction times of every published
release are read back from the combined feed and its RFC 5005 archive documents (which
together show every published release exactly once). A build then knows what it published as
if its ledger were there, except for the content hashes, and so:

- a ``releases/`` that is empty or not mounted after the ledger was lost is refused like any
  mass removal (:class:`feedpub.build.MassRemoval`), instead of unpublishing everything;
- an unchanged release keeps the correction time readers saw, instead of falling back to
  its publication time: the Atom ``updated`` of feeds of older versions, else the
  ``article:modified_time`` of its page (the feeds' ``updated`` is the publication since
  issue 13, see :func:`feedpub.release.entry_updated`);
- a date-only release keeps the time of day its entries show (see :mod:`feedpub.daytime`);
- a published release that is bad at that moment keeps its place in the archives.

Only feedpub's own output is read (the documents it wrote, in the layout of
:mod:`feedpub.layout`); anything that is not such a document adds nothing. Reading only.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedpub.discover import ReleaseFile
from feedpub.layout import ATOM
from feedpub.release import make_id
from feedpub.state import RECOVERED, UNREAD, FileRow, Seen, State

#: The combined archive documents: ``archive/YYYY-MM/atom.xml``.
_ARCHIVE = "archive"
_PERIOD = re.compile(r"\d{4}-\d{2}")
_ENTRY = re.compile(rb"<entry>(.*?)</entry>", re.DOTALL)
_FIELD = {
    name: re.compile(rb"<" + name + rb">([^<]*)</" + name + rb">")
    for name in (b"id", b"published", b"updated")
}


@dataclass(frozen=True, slots=True)
class Recovered:
    """One published release as the published documents show it."""

    published: datetime
    #: Its Atom ``updated`` when that is later than ``published`` (a correction), else None.
    updated: datetime | None


def recover_history(
    out_dir: Path, state: State, tag_prefix: str
) -> tuple[State, dict[str, Recovered]]:
    """``state`` itself when the ledger had a history; else the history read back from the
    published documents (content hashes unknown: :data:`RECOVERED`), and what the documents
    showed of each release. Call after the id guard, which made sure ``tag_prefix`` is the
    published one."""
    if state.found or state.seen or not (out_dir / ATOM).is_file():
        return state, {}  # a history, or nothing published (or feeds/ started afresh)
    entries = published_entries(out_dir, tag_prefix)
    if not entries:
        return state, {}
    # The publication time the feeds show is the first publication: a date-only release keeps
    # the time of day it was stamped with (see feedpub.daytime).
    seen = {
        entry_id: Seen(
            RECOVERED,
            entry.updated or page_modified(out_dir, entry_id[len(tag_prefix) :], entry.published),
            entry.published,
        )
        for entry_id, entry in entries.items()
    }
    return State(False, tag_prefix, seen, {}), entries


def recovered_files(
    candidates: list[ReleaseFile], recovered: dict[str, Recovered], tag_prefix: str
) -> dict[str, FileRow]:
    """What the lost ledger knew of each published release file, as far as the published
    feeds tell: its publication time and URL name (never its signature: it is read)."""
    files: dict[str, FileRow] = {}
    for candidate in candidates:
        entry = recovered.get(make_id(tag_prefix, candidate.slug, candidate.stem))
        if entry is not None:
            files[candidate.relative] = FileRow(UNREAD, entry.published.isoformat(), candidate.stem)
    return files


#: The correction time in a release page's head (``release.html``), ISO 8601.
_MODIFIED = re.compile(rb'<meta property="article:modified_time" content="([^"<>]+)">')
#: How much of a page is read: its head (the meta element comes before the text).
_HEAD = 8192


def page_modified(out_dir: Path, name: str, published: datetime) -> datetime | None:
    """The correction time a release's published page shows (``name``: ``<slug>/<stem>``,
    the end of its id), when later than ``published``; None when there is none, or no page
    (``link_template``, a template without the element, a page that cannot be read)."""
    if any(part.startswith(".") for part in name.split("/")):
        return None  # no page of feedpub's (ids are read from files: nothing outside out_dir)
    try:
        with open(out_dir / f"{name}.html", "rb") as page:
            head = page.read(_HEAD)
    except OSError:
        return None
    when = modified_time(head)
    return when if when is not None and when > published else None


def modified_time(page: bytes) -> datetime | None:
    """The ``article:modified_time`` a release page shows in its head (the correction time,
    else its publication), or None."""
    found = _MODIFIED.search(page, 0, _HEAD)
    if found is None:
        return None
    try:
        when = datetime.fromisoformat(html.unescape(found.group(1).decode("utf-8", "replace")))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def published_entries(out_dir: Path, tag_prefix: str) -> dict[str, Recovered]:
    """Every release entry (id starting with ``tag_prefix``) in the combined Atom feed and
    its archive documents under ``out_dir``, by id. Documents that cannot be read or are not
    feedpub's add nothing; an id seen twice keeps its first (the live feed's) reading."""
    found: dict[str, Recovered] = {}
    for path in _documents(out_dir):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for entry_id, recovered in _entries(data, tag_prefix):
            found.setdefault(entry_id, recovered)
    return found


def _documents(out_dir: Path) -> list[Path]:
    """The combined live Atom feed, then the combined archive documents, newest first."""
    documents = [out_dir / ATOM]
    try:
        periods = [e.name for e in os.scandir(out_dir / _ARCHIVE) if _PERIOD.fullmatch(e.name)]
    except OSError:
        periods = []
    documents.extend(out_dir / _ARCHIVE / period / ATOM for period in sorted(periods)[::-1])
    return documents


def _is_release(entry_id: str, tag_prefix: str) -> bool:
    """A release's id is ``<tag_prefix><department>/<name>`` (see :func:`make_id`); other
    entries (such as a correction notice) have longer ones."""
    if not entry_id.startswith(tag_prefix):
        return False
    department, _, name = entry_id[len(tag_prefix) :].partition("/")
    return bool(department and name) and "/" not in name


def _entries(data: bytes, tag_prefix: str) -> list[tuple[str, Recovered]]:
    entries: list[tuple[str, Recovered]] = []
    for match in _ENTRY.finditer(data):
        fields = {}
        for name, pattern in _FIELD.items():
            found = pattern.search(match.group(1))
            text = None if found is None else found.group(1).decode("utf-8", "replace")
            fields[name] = None if text is None else html.unescape(text)
        entry_id, published, updated = fields[b"id"], fields[b"published"], fields[b"updated"]
        if entry_id is None or published is None or not _is_release(entry_id, tag_prefix):
            continue
        try:
            when = datetime.fromisoformat(published)
            changed = None if updated is None else datetime.fromisoformat(updated)
        except ValueError:
            continue
        if when.tzinfo is None:
            continue
        later = changed if changed is not None and changed.tzinfo and changed > when else None
        entries.append((entry_id, Recovered(when, later)))
    return entries
