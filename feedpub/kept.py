"""The releases a build does not read but publishes as before, each kind as a
:class:`feedpub.reading.Part`: the unchanged ones (known from the ledger), published files
that discovery refuses now (a symlink that broke or leads out of ``releases/``), and the
releases of a department whose folder cannot be listed. Nothing published is lost because
a file cannot be read this time.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

from feedpub.config import Config
from feedpub.departments import Entry, Selection
from feedpub.discover import ReleaseFile, unreadable_folders
from feedpub.reading import Context, Part
from feedpub.release import ReleaseError, department_slug, make_id
from feedpub.state import UNREAD, FileRow, State


def keep_unchanged(
    unchanged: list[ReleaseFile], cached: dict[str, FileRow], state: State, config: Config
) -> Part:
    """The published releases whose files did not change: sorted into the feeds and
    archives by the publication time the ledger knows, their pages and pictures kept as
    the manifest lists them."""
    part = Part(Selection(config.max_entries), trusted=True)
    for candidate in unchanged:
        row = cached[candidate.relative]
        release_id = make_id(config.tag_prefix, candidate.slug, candidate.stem)
        stub = candidate.entry(release_id, datetime.fromisoformat(row.published), candidate.images)
        part.selection.add(stub)
        part.entries.append(stub)
        part.touched.add(candidate.slug)
        part.cached[candidate.relative] = row
        part.seen[release_id] = state.seen[release_id]
        part.kept.append((candidate.slug, candidate.stem))
    part.releases = len(unchanged)
    return part


def keep_refused(refused: list[ReleaseError], releases_dir: Path, context: Context) -> Part:
    """A published release file that discovery refuses now (a symlink that broke, or that
    points out of the releases folder) is kept as a bad file is: its last good version in
    the feeds, its place in the archives, its page and pictures, its history."""
    part = Part(Selection(context.config.max_entries))
    state, tag_prefix = context.state, context.config.tag_prefix
    for error in refused:
        try:
            relative = Path(error.path).relative_to(releases_dir).as_posix()
        except ValueError:
            continue
        relative = unicodedata.normalize("NFC", relative)
        row = context.cached.get(relative)
        if row is None or not row.published or "/" not in relative:
            continue  # not a published release file
        stub = unlisted(releases_dir, relative, row, tag_prefix)
        kept: Entry = state.releases.get(stub.id) or stub
        part.keep(kept, stub.slug, stub.stem)
        part.touched.add(stub.slug)
        part.cached[relative] = FileRow(UNREAD, row.published)
        if stub.id in state.seen:
            part.seen[stub.id] = state.seen[stub.id]
    return part


def keep_unreadable(
    blocked: set[str], candidates: list[ReleaseFile], releases_dir: Path, context: Context
) -> Part:
    """A department with a folder that cannot be listed (``blocked``, by URL name) keeps
    everything it published: its files stay, its releases in the last feeds stay in them
    (all of the department's, as the history does not say which folder each came from), and
    their history and cache entries stay for the day the folder can be read again."""
    config, state = context.config, context.state
    part = Part(Selection(config.max_entries), touched=set(blocked), kept_folders=sorted(blocked))
    if not blocked:
        return part
    present = {make_id(config.tag_prefix, c.slug, c.stem) for c in candidates}
    for release_id in sorted(state.releases):
        release = state.releases[release_id]
        if release.slug in blocked and release_id not in present:
            part.selection.add(release)
            part.entries.append(release)
    prefix = len(config.tag_prefix)
    for release_id, history in state.seen.items():
        if release_id not in present and release_id[prefix:].split("/")[0] in blocked:
            part.seen[release_id] = history
    listed = {c.relative for c in candidates}
    for relative, row in context.cached.items():
        department = unicodedata.normalize("NFC", relative.split("/")[0])
        if relative in listed or department_slug(department) not in blocked:
            continue
        part.cached[relative] = FileRow(UNREAD, row.published)
        if row.published:
            stub = unlisted(releases_dir, relative, row, config.tag_prefix)
            if stub.id not in state.releases:  # in an archive only: it stays there
                part.selection.add(stub)  # counted; older than what the live feeds show
                part.entries.append(stub)
    return part


def unlisted(releases_dir: Path, relative: str, row: FileRow, tag_prefix: str) -> ReleaseFile:
    """The entry of a published release whose file is not listed this time (its folder
    cannot be listed, or discovery refuses it now), from what the ledger knows of it."""
    folder, _, name = relative.rpartition("/")
    department = unicodedata.normalize("NFC", relative.split("/")[0])
    named = ReleaseFile(str(releases_dir / folder), name, relative, department).named(row.stem)
    release_id = make_id(tag_prefix, named.slug, named.stem)
    return named.entry(release_id, datetime.fromisoformat(row.published))


def blocked_departments(refused: list[ReleaseError], releases_dir: Path) -> set[str]:
    """The URL names of the departments with a folder that cannot be listed."""
    blocked: set[str] = set()
    for folder in unreadable_folders(refused):
        try:
            department = folder.relative_to(releases_dir).parts[0]
        except (ValueError, IndexError):
            continue
        blocked.add(department_slug(unicodedata.normalize("NFC", department)))
    return blocked
