"""What a build has to do, decided from the folder listing and the ledger before any release
is read: which URL each file may take (:func:`unique_urls`), whether nothing changed at all
(:func:`quiet`, the cron run's fast path), and else which releases are unchanged, which must
be read and how many published ones are gone (:func:`make_plan`).

Everything here is pure except :func:`quiet`, which reads the few files the ledger does not
know as published (bad files and embargoed releases, to see whether their time has come).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from feedpub.discover import ReleaseFile
from feedpub.layout import RESERVED_STEM, department_page_path, name_too_long
from feedpub.release import Release, ReleaseError, effective_updated, location, make_id
from feedpub.state import UNREAD, Cache, FileRow, State, bad_key

if TYPE_CHECKING:
    from feedpub.config import Config
    from feedpub.release import Notice


def unique_urls(
    candidates: Sequence[ReleaseFile], owners: Container[str] = ()
) -> dict[str, ReleaseError]:
    """The files that would share a URL and id with an earlier file, with their error, by
    relative path. ``owners`` are the relative paths of the files published before (the
    ledger's): they come first, so a newcomer never takes a published URL, id or department
    URL name; the newcomer is the error.

    Ids and URLs come from the path alone (department slug and file name slug), so this is
    decided before any file is read: two department folders with the same slug
    (``Jobcenter`` and ``jobcenter``) or two files with the same slug (``A b.txt`` and
    ``a-b.txt``, or the same name in two year folders) make the later one an error. So does a
    file named ``index``: its page would be the department's page; and one whose URL names
    are too long for the output's file names (see :data:`feedpub.layout.MAX_STEM`).
    """
    errors: dict[str, ReleaseError] = {}
    owner_of: dict[str, str] = {}
    first: dict[tuple[str, str], ReleaseFile] = {}
    if owners:
        candidates = sorted(candidates, key=lambda c: c.relative not in owners)  # stable
    for candidate in candidates:
        if not candidate.slug or not candidate.stem:
            continue  # the parser reports these
        reason = _url_problem(candidate, owner_of, first)
        if reason is not None:
            errors[candidate.relative] = ReleaseError(candidate.source, 1, reason)
    return errors


def _url_problem(
    candidate: ReleaseFile, owner_of: dict[str, str], first: dict[tuple[str, str], ReleaseFile]
) -> str | None:
    """Why ``candidate`` cannot have its URL (given the files before it), or None."""
    slug, stem = candidate.slug, candidate.stem
    too_long = name_too_long(slug, stem)
    if too_long is not None:
        return too_long
    if stem == RESERVED_STEM:
        return (
            f"the URL name {stem!r} belongs to the department's page "
            f"{department_page_path(slug)}; rename the file"
        )
    owner = owner_of.setdefault(slug, candidate.department)
    if owner != candidate.department:
        return (
            f"department folder {candidate.department!r} has the same URL name {slug!r} "
            f"as {owner!r}; rename one of the folders"
        )
    other = first.setdefault((slug, stem), candidate)
    if other is not candidate:
        # Quoted: the particulars of a message (see feedpub.messages).
        return f"same URL and id '{slug}/{stem}' as '{location(other.source, None)}'; rename one"
    return None


def cached_stem(cache: Cache | None, found: ReleaseFile) -> str | None:
    """The URL name of an unchanged file's name, as the cache remembers it."""
    row = None if cache is None else cache.files.get(found.relative)
    if row is None or row.signature != found.signature:
        return None
    return row.stem


class Quiet:
    """A build with nothing to do: what it reports (the files the ledger does not know as
    published: bad ones and releases held back)."""

    __slots__ = ("releases", "errors", "notices", "held_back")

    def __init__(self, releases: int) -> None:
        self.releases = releases
        self.errors: list[ReleaseError] = []
        self.notices: list[Notice] = []
        self.held_back = 0


def unpublished(found: list[ReleaseFile], cache: Cache) -> list[ReleaseFile] | None:
    """The files the cache does not list as published and unchanged, or None when a
    published release changed or is gone (then there is work)."""
    listed = 0
    unknown: list[ReleaseFile] = []
    for each in found:
        row = cache.files.get(each.relative)
        if row is not None:
            listed += 1
            if row.signature == each.signature:
                continue
            if row.signature != UNREAD:
                return None  # a published release changed
        unknown.append(each)
    if listed != len(cache.files):
        return None  # a published release is gone
    return unknown


def quiet(
    found: list[ReleaseFile],
    unknown: list[ReleaseFile],
    duplicates: dict[str, ReleaseError],
    cache: Cache,
    config: Config,
    now: datetime,
) -> Quiet | None:
    """Whether the output of the last build is still right, given the files ``unknown``
    that it did not publish (see :func:`unpublished`) and the URL errors of every file
    (:func:`unique_urls`, needed only when a file is new: else pass ``{}``).

    Bad files are reported on every run, releases held back may have come due: the files
    the cache knows as bad by their bytes, with the same signature, are reported without
    reading them; the others are read. A file that is new and bad by its bytes means work
    (the work remembers it, so that the next run need not read it: 50,000 empty files from
    a sync tool cost every run seconds), as does one that is good and due.
    """
    result = Quiet(len(found) - len(unknown))
    for each in unknown:
        error = duplicates.get(each.relative) or known_error(cache.bad, each)
        if error is not None:
            result.errors.append(error)
        elif not _probe(each, cache, config, now, result):
            return None
    return result


def _probe(found: ReleaseFile, cache: Cache, config: Config, now: datetime, result: Quiet) -> bool:
    """Read a file the cache does not know as published: False when that means work (it is
    new and due, gone, or new and bad by its bytes); else its error or that it waits for its
    time is added to ``result``."""
    from feedpub.parse import read_release

    path = Path(found.folder, found.name)
    try:
        release, _ = read_release(path, department=found.department, tag_prefix=config.tag_prefix)
    except FileNotFoundError:
        return False
    except ReleaseError as exc:
        if exc.from_bytes:
            return False  # bad by its bytes and new: remembered by a build with work
        result.errors.append(exc)
        return True
    if goes_public(release) <= now or config.drafts:
        return False  # new, fixed, or its time has come (or a preview's draft)
    if found.relative not in cache.files:
        result.held_back += 1
    else:  # a published release whose new version waits for its time: kept
        result.notices.append(waiting(path, release))
    return True


def known_error(bad: dict[str, tuple[int | None, str]], file: ReleaseFile) -> ReleaseError | None:
    """The error of a file that the cache knows as bad by its bytes and that has the same
    signature as then, or None (see :attr:`feedpub.state.Cache.bad`)."""
    if not bad:
        return None
    entry = bad.get(bad_key(file.relative, file.signature))
    if entry is None:
        return None
    # A str, not a Path: see ReleaseError. The same string as str(Path(folder, name)): a
    # release's folder is a subfolder, as scandir named it.
    return ReleaseError(f"{file.folder}/{file.name}", *entry, from_bytes=True)


def goes_public(release: Release) -> datetime:
    """When this version of a release may be shown: its date, or a stated correction time
    that lies later (a correction announced for a set time) — the time readers see as its
    ``updated`` (:func:`effective_updated`)."""
    return effective_updated(release)


def waiting(path: Path, release: Release) -> Notice:
    """The notice about a published release whose new version waits for its time."""
    from feedpub.release import Notice

    when = goes_public(release).strftime("%d.%m.%Y %H:%M")
    return Notice(path, None, f"dated {when}: the feeds keep the published version until then")


class Plan(NamedTuple):
    """What a build with work does with each listed file."""

    #: Published and unchanged (same signature): not read; the ledger says all they need.
    unchanged: list[ReleaseFile]
    #: New, changed, bad, or not known: read.
    to_read: list[ReleaseFile]
    #: Published releases whose files are gone (not counting the departments whose folder
    #: cannot be listed: theirs are kept).
    gone: int


def make_plan(
    candidates: list[ReleaseFile],
    cached: dict[str, FileRow],
    duplicates: dict[str, ReleaseError],
    blocked: set[str],
    state: State,
    tag_prefix: str,
) -> Plan:
    """Split the listed files into unchanged (``cached`` has their signature; not when the
    cache and the history disagree: then everything is read) and to read, and count the
    published releases that are gone."""
    unchanged: list[ReleaseFile] = []
    to_read: list[ReleaseFile] = []
    for candidate in candidates:
        row = cached.get(candidate.relative)
        if (
            row is not None
            and row.signature == candidate.signature
            and candidate.relative not in duplicates
        ):
            unchanged.append(candidate)
        else:
            to_read.append(candidate)
    if any(make_id(tag_prefix, c.slug, c.stem) not in state.seen for c in unchanged):
        unchanged, to_read = [], candidates  # cache and state disagree: read everything
    return Plan(unchanged, to_read, _gone(candidates, blocked, state))


def _gone(candidates: list[ReleaseFile], blocked: set[str], state: State) -> int:
    if state.tag_prefix is None:
        return 0
    present = {make_id(state.tag_prefix, c.slug, c.stem) for c in candidates}
    start = len(state.tag_prefix)
    return sum(
        1
        for release_id in state.seen
        if release_id not in present and release_id[start:].split("/")[0] not in blocked
    )
