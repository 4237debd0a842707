"""Runs the steps: find → parse → group → render → publish. The CLI and the tests call this.

Error policy: a bad release (:class:`ReleaseError`) is recorded and skipped, one file at a
time, and the build goes on; every feed is written from the good releases. Nothing published
is lost: a release that was in the feeds and turns bad keeps its last good version in them
(see :mod:`feedpub.state`) and its page stays as it was, until the file is fixed or deleted.
Any other exception is a bug and propagates.
"""

from __future__ import annotations

import contextlib
import functools
import os
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from feedpub import __version__
from feedpub.config import Config
from feedpub.departments import Department, Entry, Selection, Stub
from feedpub.discover import (
    Candidate,
    Found,
    find_files,
    find_releases,
    to_candidate,
    unreadable_folders,
)
from feedpub.layout import (
    ATOM,
    INDEX,
    JSON,
    JSON_OPML,
    OPML,
    RESERVED_STEM,
    RSS,
    Urls,
    archive_path,
    department_page_path,
    feed_path,
    image_owner,
    image_path,
    page_path,
)
from feedpub.publish import FileWriter, Lock, PublishedFiles, Publisher, SourceError
from feedpub.release import (
    Picture,
    Release,
    ReleaseError,
    department_slug,
    effective_updated,
    image_files,
    make_id,
)
from feedpub.state import (
    CACHE_NAME,
    STATE_NAME,
    UNREAD,
    Cache,
    CacheEntry,
    Seen,
    State,
    content_hash,
    dump_cache,
    dump_state,
    file_signature,
    fingerprint,
    load_cache,
    load_state,
    state_signature,
)
from feedpub.websub import PENDING_NAME, Outcome, Timing, announce, expect, feed_urls

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from feedpub.archive import ArchiveDoc
    from feedpub.feeds import FeedInfo, Fragments
    from feedpub.parse import Notice

# feedgen, lxml, dateutil and the parser are imported where they are used: a build that finds
# nothing changed needs none of them, and importing them costs more than the rest of it.

#: ``updated`` of a feed that has no entries (all its releases are bad): fixed, not now().
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))


@dataclass
class Report:
    """What a run did. ``errors`` are the skipped files; ``notices`` warnings about kept ones."""

    #: Releases published (read this time or known unchanged).
    releases: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Files rewritten, and those of them that are new.
    written: list[str] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    #: True when sizes and mtimes showed that nothing changed: nothing was rendered.
    fast: bool = False
    #: Release files read this time (the rest were known unchanged).
    read: int = 0
    #: Releases dated in the future (embargo), not published yet.
    held_back: int = 0
    #: The state file was missing or unreadable although the folder was published before.
    state_lost: bool = False
    #: What the WebSub hub was told, or None (no hub configured, or nothing to tell).
    websub: Outcome | None = None


@dataclass(frozen=True, slots=True)
class Scanned:
    """One candidate file and what became of it."""

    candidate: Candidate
    result: Release | ReleaseError
    notices: tuple[Notice, ...] = ()


def scan(releases_dir: Path, config: Config) -> tuple[Iterator[Scanned], list[ReleaseError]]:
    """Parse every release under ``releases_dir`` lazily, in path order.

    Returns the per-file results as an iterator (so 50,000 releases are never all in memory)
    and the entries that discovery refused.
    """
    candidates, refused = find_releases(releases_dir)
    return _parse_all(candidates, unique_urls(candidates), config), refused


class _Named(Protocol):
    """What :func:`unique_urls` needs of a file."""

    @property
    def path(self) -> Path: ...
    @property
    def department(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def stem(self) -> str: ...


def unique_urls(candidates: Sequence[_Named]) -> dict[Path, ReleaseError]:
    """The files that would share a URL and id with an earlier file, with their error.

    Ids and URLs come from the path alone (department slug and file name slug), so this is
    decided before any file is read: two department folders with the same slug
    (``Jobcenter`` and ``jobcenter``) or two files with the same slug (``A b.txt`` and
    ``a-b.txt``, or the same name in two year folders) make the later one an error. So does a
    file named ``index``: its page would be the department's page.
    """
    errors: dict[Path, ReleaseError] = {}
    owner_of: dict[str, str] = {}
    first: dict[tuple[str, str], _Named] = {}
    for candidate in candidates:
        slug, stem = candidate.slug, candidate.stem
        if not slug or not stem:
            continue  # the parser reports these
        if stem == RESERVED_STEM:
            errors[candidate.path] = ReleaseError(
                candidate.path,
                1,
                f"the URL name {stem!r} belongs to the department's page "
                f"{department_page_path(slug)}; rename the file",
            )
            continue
        owner = owner_of.setdefault(slug, candidate.department)
        if owner != candidate.department:
            errors[candidate.path] = ReleaseError(
                candidate.path,
                1,
                f"department folder {candidate.department!r} has the same URL name {slug!r} "
                f"as {owner!r}; rename one of the folders",
            )
            continue
        other = first.setdefault((slug, stem), candidate)
        if other is not candidate:
            errors[candidate.path] = ReleaseError(
                candidate.path, 1, f"same URL and id {slug}/{stem} as {other.path}; rename one"
            )
    return errors


class _Known:
    """A listed file whose URL names the cache remembers: no Path and no slugify for the
    10,000 files a no-change build looks at (the Path is made only for a message)."""

    __slots__ = ("found", "slug", "stem")

    def __init__(self, found: Found, stem: str) -> None:
        self.found, self.slug, self.stem = found, department_slug(found.department), stem

    @property
    def path(self) -> Path:
        return Path(self.found.folder, self.found.name)

    @property
    def department(self) -> str:
        return self.found.department


def _parse_all(
    candidates: list[Candidate], refused: dict[Path, ReleaseError], config: Config
) -> Iterator[Scanned]:
    from feedpub.images import with_images
    from feedpub.parse import read_release

    tag_prefix = config.tag_prefix
    for candidate in candidates:
        error = refused.get(candidate.path)
        if error is not None:
            yield Scanned(candidate, error)
            continue
        try:
            release, notices = read_release(
                candidate.path, department=candidate.department, tag_prefix=tag_prefix
            )
        except FileNotFoundError:
            continue  # deleted after the folder was listed (a press officer tidying up)
        except ReleaseError as exc:
            yield Scanned(candidate, exc)
            continue
        pictures = image_files(candidate.path.parent, candidate.images)
        release, warnings = with_images(release, pictures)
        yield Scanned(candidate, release, (*notices, *warnings))


def release_record(release: Release, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a good release."""
    folder = relative.rpartition("/")[0] + "/"
    return {
        "path": relative,
        "department": release.department,
        "slug": release.slug,
        "id": release.id,
        "published": release.published.isoformat(),
        "date_only": not release.has_time,
        # As the Aktualisiert: line states it (00:00 for a date-only one), or None.
        "updated": release.updated.isoformat() if release.updated else None,
        "title": release.title,
        "teaser": release.teaser,
        "authors": list(release.authors),
        "captions": [{"text": c.text, "credit": c.credit} for c in release.captions],
        "paragraphs": list(release.paragraphs),
        "images": [
            {
                "path": folder + unicodedata.normalize("NFC", image.source.name),
                "number": image.number,
                "name": image.name,
                "type": image.media_type,
                "length": image.length,
                "width": image.width,
                "height": image.height,
                "alt": image.alt,
                "credit": image.credit,
            }
            for image in release.images
        ],
    }


def error_record(error: ReleaseError, relative: str) -> dict[str, Any]:
    """The JSON object ``feedpub check --json`` prints for a bad file."""
    return {"path": relative, "line": error.line, "error": error.reason}


_T = TypeVar("_T")

#: Below this many releases to read, a second process costs more than it saves.
PARALLEL_MIN = 2000
#: Bump when the output changes for the same input and config: the next build is a full one.
OUTPUT_FORMAT = 3
_BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True, slots=True)
class _Context:
    """What every process of a build needs to know (it pickles)."""

    config: Config
    out_dir: Path
    #: The clock: releases dated later are held back; an edit seen now is updated now.
    now: datetime
    duplicates: dict[Path, ReleaseError]
    state: State
    #: The cache entries of the last build (empty when there is no usable cache).
    cached: dict[str, CacheEntry]


@dataclass
class _Part:
    """What one process did with its share of the releases (pages are staged already)."""

    selection: Selection
    releases: int = 0
    held_back: int = 0
    errors: list[ReleaseError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: Slugs of departments that have files, good or bad.
    touched: set[str] = field(default_factory=set)
    #: Files of earlier builds to keep (pages of releases that turned bad).
    kept: list[str] = field(default_factory=list)
    #: (slug, stem) of those releases: their published pictures are kept too.
    kept_pictures: list[tuple[str, str]] = field(default_factory=list)
    pages: PublishedFiles = field(default_factory=PublishedFiles)
    #: The next cache's entries and history of the releases this part read.
    cached: dict[str, CacheEntry] = field(default_factory=dict)
    seen: dict[str, Seen] = field(default_factory=dict)
    #: Every release this part publishes, for the archives: light stubs of the good ones
    #: (re-read only if an archive document that shows them must be rendered), last good
    #: versions of the kept ones.
    entries: list[Entry] = field(default_factory=list)


def build(
    releases_dir: Path,
    out_dir: Path,
    config: Config,
    *,
    jobs: int | None = None,
    now: datetime | None = None,
    wait: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
    websub: Timing | None = None,
) -> Report:
    """Build every feed, page, the index and the OPML file into ``out_dir``.

    ``now`` is the clock (tests inject it; it never appears in the output): releases dated
    later are held back until a build after their time. ``wait`` seconds to wait for another
    build's lock. ``jobs`` is the number of processes for reading releases and writing pages:
    None uses two when the machine has two cores and there are at least PARALLEL_MIN releases
    to read; the output is the same bytes either way. ``progress(n, total)`` is called as
    releases are read (n more of total). With ``config.websub_hub``, the hub is then told
    which feeds changed (and what earlier builds could not tell it), under the lock, within
    ``websub``'s time budget; a failing hub is in ``report.websub`` and fails nothing.
    Raises :class:`feedpub.publish.LockHeld` when another build runs on ``out_dir``,
    :class:`IdsWouldChange`, and FileNotFoundError when ``releases_dir`` is missing. Any
    OSError while writing leaves what was published as it was.
    """
    now = (now or datetime.now(_BERLIN)).astimezone(_BERLIN).replace(microsecond=0)
    report = Report()
    found, refused = find_files(releases_dir)
    report.errors.extend(refused)
    with Lock(out_dir, wait):
        fingerprint_now = fingerprint(config, __version__, OUTPUT_FORMAT)
        cache = load_cache(out_dir, fingerprint_now)
        if cache is not None and _nothing_to_do(out_dir, found, cache, config, now, report):
            report.fast = True
            _announce(out_dir, config, [], websub, report)
            return report
        del report.errors[len(refused) :]  # the work below reports every file again
        report.releases = report.held_back = 0
        report.notices.clear()
        candidates = [to_candidate(each, _cached_stem(cache, each)) for each in found]
        del found  # memory: 50,000 listed files are tens of MB; the candidates say it all
        duplicates = unique_urls(candidates)
        _build(
            candidates,
            refused,
            releases_dir,
            out_dir,
            config,
            now,
            jobs,
            progress,
            report,
            cache,
            duplicates,
            fingerprint_now,
        )
        _announce(out_dir, config, report.written, websub, report)
    return report


def _announce(
    out_dir: Path, config: Config, written: list[str], timing: Timing | None, report: Report
) -> None:
    """WebSub: tell the hub about the feeds among ``written`` and those pending from earlier
    builds (see :mod:`feedpub.websub`). Nothing pending and nothing written costs one
    failing ``open``."""
    if config.websub_hub is not None:
        changed = feed_urls(config.base_url, written)
        report.websub = announce(
            out_dir, config.websub_hub, config.base_url, changed, timing=timing
        )


def _nothing_to_do(
    out_dir: Path,
    found: list[Found],
    cache: Cache,
    config: Config,
    now: datetime,
    report: Report,
) -> bool:
    """Whether the output of the last build is still right, deciding from sizes and mtimes.

    Files the cache does not list as published are read: bad files (their errors are
    reported on every run) and releases held back (their time may have come). Anything
    else that differs, or a file that is gone, means work.
    """
    if state_signature(out_dir) != cache.state:
        return False  # the state file was lost or replaced: the work path says so
    listed = 0
    unknown: list[Found] = []
    for each in found:
        entry = cache.files.get(each.relative)
        if entry is not None:
            listed += 1
            if entry[0] == each.signature:
                continue
            if entry[0] != UNREAD:
                return False  # a published release changed
        unknown.append(each)
    if listed != len(cache.files):
        return False  # a published release is gone
    report.releases = len(found) - len(unknown)
    if not unknown:
        return True
    # Unknown files may share a URL with another file: that needs every file's URL name.
    named: list[_Named] = []
    for each in found:
        entry = cache.files.get(each.relative)
        if entry is not None and entry[0] == each.signature and len(entry) > 2:
            named.append(_Known(each, entry[2]))
        else:
            named.append(to_candidate(each))
    duplicates = unique_urls(named)
    from feedpub.parse import read_release

    for each in unknown:
        candidate = to_candidate(each)
        error = duplicates.get(candidate.path)
        if error is None:
            try:
                release, _ = read_release(
                    candidate.path, department=candidate.department, tag_prefix=config.tag_prefix
                )
            except FileNotFoundError:
                return False
            except ReleaseError as exc:
                error = exc
            else:
                if _goes_public(release) <= now:
                    return False  # new, fixed, or its time has come
                if each.relative not in cache.files:
                    report.held_back += 1
                else:  # a published release whose new version waits for its time: kept
                    report.notices.append(_waiting(candidate.path, release))
                continue
        report.errors.append(error)
    return True


def _cached_stem(cache: Cache | None, found: Found) -> str | None:
    """The URL name of an unchanged file's name, as the cache remembers it."""
    entry = None if cache is None else cache.files.get(found.relative)
    if entry is None or len(entry) < 3 or entry[0] != found.signature:
        return None
    return str(entry[2])


def _goes_public(release: Release) -> datetime:
    """When this version of a release may be shown: its date, or a stated correction time
    that lies later (a correction announced for a set time) — the time readers see as its
    ``updated`` (:func:`effective_updated`)."""
    return effective_updated(release)


def _waiting(path: Path, release: Release) -> Notice:
    from feedpub.parse import Notice

    when = _goes_public(release).strftime("%d.%m.%Y %H:%M")
    return Notice(path, None, f"dated {when}: the feeds keep the published version until then")


def _build(
    candidates: list[Candidate],
    refused: list[ReleaseError],
    releases_dir: Path,
    out_dir: Path,
    config: Config,
    now: datetime,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    report: Report,
    cache: Cache | None,
    duplicates: dict[Path, ReleaseError],
    fingerprint_now: str,
) -> None:
    """The build that has work to do: read what changed, stage pages and feeds, publish."""
    state = load_state(out_dir)
    if state.tag_prefix is not None and state.tag_prefix != config.tag_prefix:
        raise IdsWouldChange(out_dir, state.tag_prefix, config.tag_prefix)
    # A usable cache means the last build finished: no temporaries of a killed one to find.
    publisher = Publisher(out_dir, clean=cache is None)
    report.state_lost = not state.found and bool(publisher.previous)
    # From here on the output may change: without a cache, a build killed half-way is
    # followed by a full one.
    publisher.remove_hidden(CACHE_NAME)
    cached = cache.files if cache is not None and state.found else {}
    stubs, to_read = _split(candidates, cached, duplicates, state, config.tag_prefix)
    report.read = len(to_read)
    advance = None if progress is None else functools.partial(_advance, progress, len(to_read))
    context = _Context(config, out_dir, now, duplicates, state, cached)
    try:
        if jobs is None:
            jobs = 2 if len(to_read) >= PARALLEL_MIN and _cores() >= 2 else 1
        if jobs > 1 and len(to_read) > 1 and _can_fork():
            half = len(to_read) // 2
            parts = _in_two_processes(to_read[:half], to_read[half:], context, advance)
        else:
            parts = [_publish_releases(to_read, context, advance)]
        selection = Selection(config.max_entries)
        touched: set[str] = set()
        next_cache: dict[str, CacheEntry] = {}
        seen: dict[str, Seen] = {}
        everything: list[Entry] = []
        pictures = _published_pictures(publisher.previous)
        for candidate in stubs:
            entry = cached[candidate.relative]
            release_id = make_id(config.tag_prefix, candidate.slug, candidate.stem)
            stub = Stub(
                candidate.path,
                candidate.department,
                candidate.slug,
                candidate.stem,
                release_id,
                datetime.fromisoformat(entry[1]),
                candidate.images,
            )
            selection.add(stub)
            everything.append(stub)
            touched.add(candidate.slug)
            next_cache[candidate.relative] = entry
            seen[release_id] = state.seen[release_id]
            if config.link_template is None:
                publisher.keep(page_path(candidate.slug, candidate.stem), check=False)
            for relative in pictures.get((candidate.slug, candidate.stem), ()):
                publisher.keep(relative, check=False)
        report.releases += len(stubs)
        for part in parts:
            report.releases += part.releases
            report.held_back += part.held_back
            report.errors.extend(part.errors)
            report.notices.extend(part.notices)
            selection.merge(part.selection)
            touched |= part.touched
            publisher.absorb(part.pages)
            next_cache.update(part.cached)
            seen.update(part.seen)
            everything.extend(part.entries)
            for relative in part.kept:
                publisher.keep(relative)
            for key in part.kept_pictures:
                for relative in pictures.get(key, ()):
                    publisher.keep(relative)
        report.errors.sort(key=lambda e: str(e.path))
        touched |= _keep_unreadable(
            refused,
            releases_dir,
            candidates,
            state,
            cache,
            config,
            selection,
            publisher,
            next_cache,
            seen,
            everything,
        )
        feeds = _materialize(selection, config.tag_prefix, seen, report, state.releases)
        urls = Urls(config)
        doc_keys, newest = _publish_archives(
            everything, feeds, seen, cache, selection, config, urls, publisher, report
        )
        _publish_feeds(
            selection,
            feeds,
            touched,
            config,
            urls,
            publisher,
            newest,
            seen,
            cache.docs if cache is not None else {},
            doc_keys,
        )
        shown = {release.id: release for releases in feeds.values() for release in releases}
        # Memory: what the state and cache are encoded from is all that is needed now; the
        # space of the rest is reused for encoding them (50,000 releases: tens of MB).
        everything.clear()
        stubs.clear()
        to_read.clear()
        parts.clear()
        state_file = publisher.stage_last(
            STATE_NAME, dump_state(config.tag_prefix, seen, shown.values())
        )
        cache = Cache(fingerprint_now, next_cache, file_signature(state_file), doc_keys)
        publisher.stage_last(CACHE_NAME, dump_cache(cache))
        if config.websub_hub is not None:
            # Pending before the feeds are in place: a build killed before the hub is told
            # leaves them for the next one (see feedpub.websub).
            expect(out_dir, config.base_url, feed_urls(config.base_url, publisher.written))
        else:
            publisher.remove_hidden(PENDING_NAME)  # no hub any more: nothing left to tell
        publisher.commit()
    except BaseException:
        publisher.abort()
        raise
    report.written = publisher.written
    report.created = publisher.created
    report.unchanged = publisher.unchanged
    report.removed = publisher.removed


class IdsWouldChange(Exception):
    """The config would give every entry a new id: readers would show everything twice."""

    def __init__(self, out_dir: Path, before: str, now: str) -> None:
        super().__init__(out_dir, before, now)
        self.out_dir, self.before, self.now = out_dir, before, now

    def __str__(self) -> str:
        return (
            f"{self.out_dir} was published with ids {self.before}…, this configuration gives "
            f"{self.now}…; every reader would show every release again. Run feedpub where "
            "feedpub.toml is (or pass --config); to change the ids on purpose, delete "
            f"{self.out_dir / STATE_NAME} first"
        )


def _keep_unreadable(
    refused: list[ReleaseError],
    releases_dir: Path,
    candidates: list[Candidate],
    state: State,
    cache: Cache | None,
    config: Config,
    selection: Selection,
    publisher: Publisher,
    next_cache: dict[str, CacheEntry],
    seen: dict[str, Seen],
    everything: list[Entry],
) -> set[str]:
    """A department with a folder that cannot be listed keeps everything it published: its
    files stay, its releases in the last feeds stay in them (all of the department's, as the
    state does not say which folder each came from), and their history and cache entries
    stay for the day the folder can be read again. Returns those departments."""
    blocked: set[str] = set()
    for folder in unreadable_folders(refused):
        try:
            department = folder.relative_to(releases_dir).parts[0]
        except (ValueError, IndexError):
            continue
        blocked.add(department_slug(unicodedata.normalize("NFC", department)))
    if not blocked:
        return blocked
    present = {make_id(config.tag_prefix, c.slug, c.stem) for c in candidates}
    for slug in sorted(blocked):
        publisher.keep_folder(slug)
    for release_id in sorted(state.releases):
        release = state.releases[release_id]
        if release.slug in blocked and release_id not in present:
            selection.add(release)
            everything.append(release)
    prefix = len(config.tag_prefix)
    for release_id, history in state.seen.items():
        if release_id not in present and release_id[prefix:].split("/")[0] in blocked:
            seen.setdefault(release_id, history)
    if cache is not None:
        listed = {c.relative for c in candidates}
        for relative, entry in cache.files.items():
            if relative not in listed and department_slug(relative.split("/")[0]) in blocked:
                next_cache[relative] = (UNREAD, entry[1])
    return blocked


def _advance(progress: Callable[[int, int], None], total: int, count: int) -> None:
    progress(count, total)


def _split(
    candidates: list[Candidate],
    cached: dict[str, CacheEntry],
    duplicates: dict[Path, ReleaseError],
    state: State,
    tag_prefix: str,
) -> tuple[list[Candidate], list[Candidate]]:
    """The unchanged published releases (not read again) and the files to read."""
    stubs: list[Candidate] = []
    to_read: list[Candidate] = []
    for candidate in candidates:
        entry = cached.get(candidate.relative)
        if (
            entry is not None
            and entry[0] == candidate.signature
            and candidate.path not in duplicates
        ):
            stubs.append(candidate)
        else:
            to_read.append(candidate)
    if any(make_id(tag_prefix, c.slug, c.stem) not in state.seen for c in stubs):
        return [], candidates  # cache and state disagree: read everything
    return stubs, to_read


def _materialize(
    selection: Selection,
    tag_prefix: str,
    seen: dict[str, Seen],
    report: Report,
    known: dict[str, Release],
) -> dict[str | None, list[Release]]:
    """The releases each feed shows, in feed order. An unchanged release that a feed shows
    is taken from ``known`` (the state's record of what the feeds showed: the same file, so
    the same release) or else read again (a few hundred at most, never all of them)."""
    feeds: dict[str | None, list[Release]] = {}
    read: dict[str, Release | None] = {}
    for slug in [None, *selection.slugs()]:
        releases: list[Release] = []
        for entry in selection.newest(slug):
            if isinstance(entry, Release):
                releases.append(entry)
                continue
            if entry.id not in read:
                record = known.get(entry.id)
                read[entry.id] = (
                    replace(record, source=entry.source)
                    if record is not None
                    else _read_unchanged(entry, tag_prefix, seen, report)
                )
            release = read[entry.id]
            if release is not None:
                releases.append(release)
        feeds[slug] = releases
    return feeds


def _read_unchanged(
    stub: Stub, tag_prefix: str, seen: dict[str, Seen], report: Report | None
) -> Release | None:
    from feedpub.images import with_images
    from feedpub.parse import read_release

    try:
        release, _ = read_release(stub.source, department=stub.department, tag_prefix=tag_prefix)
    except FileNotFoundError:
        return None  # deleted a moment ago: the next build removes it everywhere
    except ReleaseError as exc:
        if report is not None:
            report.errors.append(exc)  # changed a moment ago: the next build sees it
        return None
    # Warned about when it was first read.
    release, _ = with_images(release, image_files(stub.source.parent, stub.images))
    return _with_history(release, seen.get(release.id))


def _published_pictures(previous: set[str]) -> dict[tuple[str, str], list[str]]:
    """The pictures the last build published (its manifest), by (slug, stem) of their
    release: a release that is not read this time (unchanged, or turned bad) keeps them."""
    pictures: dict[tuple[str, str], list[str]] = {}
    for relative in previous:
        if relative.endswith((".jpg", ".png", ".webp")):
            slug, _, name = relative.rpartition("/")
            stem = image_owner(name)
            if stem is not None and slug and "/" not in slug:
                pictures.setdefault((slug, stem), []).append(relative)
    return pictures


def _with_history(release: Release, history: Seen | None) -> Release:
    """The release with the correction time its history gives (a stated one wins)."""
    if release.updated is None and history is not None and history.updated is not None:
        return replace(release, updated=history.updated, updated_has_time=True)
    return release


def _publish_releases(
    candidates: list[Candidate],
    context: _Context,
    progress: Callable[[int], None] | None = None,
    step: int = 1,
) -> _Part:
    """Read releases, stage each good one's page and select it for the feeds; for a bad one
    (or one whose new version waits for its time) keep what was published: its page, and its
    last good version in the feeds."""
    part = _Part(Selection(context.config.max_entries))
    try:
        _read_and_stage(candidates, context, part, progress, step)
    except BaseException:
        # Nobody else knows this part's temporaries: remove them (a full disk must leave
        # the output folder as it was).
        for temporary, _ in part.pages.pending:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    return part


def _read_and_stage(
    candidates: list[Candidate],
    context: _Context,
    part: _Part,
    progress: Callable[[int], None] | None,
    step: int,
) -> None:
    from feedpub.pages import render_release_page
    from feedpub.parse import Notice

    config, state = context.config, context.state
    urls = Urls(config)
    pages = FileWriter(context.out_dir, part.pages)
    for index, item in enumerate(_parse_all(candidates, context.duplicates, config)):
        if progress is not None and index % 100 == 99:
            progress(100 * step)
        candidate = item.candidate
        slug = candidate.slug
        part.touched.add(slug)
        release_id = make_id(config.tag_prefix, slug, candidate.stem)
        waiting = isinstance(item.result, Release) and _goes_public(item.result) > context.now
        if isinstance(item.result, ReleaseError) or waiting:
            if isinstance(item.result, ReleaseError):
                part.errors.append(item.result)
                if candidate.path in context.duplicates:
                    continue  # its URL and id belong to another file, published as such
            history = state.seen.get(release_id)
            if history is None:
                if waiting:
                    part.held_back += 1  # embargo: no trace of it anywhere until its time
                continue
            # Published before: keep that version (its page and pictures, its history, its
            # entry).
            part.kept.append(page_path(slug, candidate.stem))
            part.kept_pictures.append((slug, candidate.stem))
            previous = context.cached.get(candidate.relative)
            published = str(previous[1]) if previous is not None and len(previous) > 1 else ""
            part.cached[candidate.relative] = (UNREAD, published)
            part.seen[release_id] = history
            last_good = state.releases.get(release_id)
            if isinstance(item.result, Release):
                part.notices.append(_waiting(candidate.path, item.result))
            if last_good is None and published:
                # Not in a live feed, so in an archive document: it stays there as it is.
                part.entries.append(
                    Stub(
                        candidate.path,
                        candidate.department,
                        slug,
                        candidate.stem,
                        release_id,
                        datetime.fromisoformat(published),
                    )
                )
            if last_good is not None:
                part.selection.add(last_good)
                part.entries.append(last_good)
                if not waiting:
                    part.notices.append(
                        Notice(
                            candidate.path,
                            None,
                            "the feeds keep showing its last good version until it is fixed",
                        )
                    )
            continue
        assert isinstance(item.result, Release)
        digest = content_hash(item.result)
        history = state.seen.get(release_id)
        if history is None or not state.found:
            history = Seen(digest, None)
        elif history.hash != digest:
            history = Seen(digest, context.now)  # an edit: readers see it as updated now
        release = _with_history(item.result, history)
        part.seen[release_id] = history
        part.cached[candidate.relative] = (
            candidate.signature,
            release.published.isoformat(),
            candidate.stem,
        )
        part.releases += 1
        part.notices.extend(item.notices)
        part.selection.add(release)
        part.entries.append(_stub(release, candidate.images))
        if config.link_template is None:
            title = config.department(release.department, release.slug).title
            page = render_release_page(release, title or release.department, urls)
            pages.write(page_path(release.slug, release.stem), page)
        for image in release.images:  # also with link_template: the feeds link them here
            try:
                pages.copy(image_path(release.slug, image.name), image.source)
            except SourceError as exc:  # unreadable since it was looked at a moment ago
                reason = f"picture not copied: cannot read: {exc.error.strerror or exc.error}"
                part.notices.append(Notice(image.source, None, reason))
    if progress is not None:
        progress(step * (len(candidates) % 100))


def _in_two_processes(
    first: list[Candidate],
    second: list[Candidate],
    context: _Context,
    progress: Callable[[int], None] | None,
) -> list[_Part]:
    """Run :func:`_publish_releases` on ``second`` in a forked process while this one does
    ``first``; the parts come back in path order, so the result does not depend on timing.

    Parsing and page rendering are pure Python and scale with cores; a fork shares
    everything already loaded, so the second process starts in milliseconds. Progress is
    counted twice for this process's releases (both halves run at about the same pace).
    """
    mine, theirs = _fork_pair(
        functools.partial(_publish_releases, first, context, progress, step=2),
        functools.partial(_publish_releases, second, context),
    )
    return [mine, theirs]


def _fork_pair(mine: Callable[[], _T], theirs: Callable[[], _T]) -> tuple[_T, _T]:
    """Run ``theirs`` in a forked process while this one runs ``mine``; both results.

    The child's result comes back pickled through a pipe. A failing child is a RuntimeError
    with its traceback (an OSError, a disk or permission problem, arrives as itself); a
    failing parent terminates the child, which holds the inherited lock.
    """
    import multiprocessing

    context_ = multiprocessing.get_context("fork")
    receiver, sender = context_.Pipe(duplex=False)
    child = context_.Process(target=_child, args=(receiver, sender, theirs))
    child.start()
    sender.close()
    try:
        result = mine()
        try:
            ok, payload = receiver.recv()
        except EOFError:
            ok, payload = False, (None, "it ended before sending a result")
    except BaseException:
        # Our half failed: the child must not outlive us (it holds the inherited lock).
        child.terminate()
        raise
    finally:
        receiver.close()
        child.join()
    if not ok:
        error, text = payload
        if isinstance(error, OSError):
            raise error  # a disk or permission problem: reported like one in this process
        raise RuntimeError(f"feedpub's second build process failed: {text}")
    return result, payload


def _child(receiver: Connection, sender: Connection, work: Callable[[], Any]) -> None:
    # Close our copy of the read end at once: if the parent dies, nobody reads the pipe any
    # more, send() fails and this process ends, releasing the lock it inherited. Without this
    # it would wait on a full pipe for ever and every later cron run would find the lock held.
    receiver.close()
    try:
        result: tuple[bool, Any] = (True, work())
    except BaseException as exc:  # noqa: BLE001 - goes back to the parent, which raises
        shipped = exc if isinstance(exc, OSError) else None
        result = (False, (shipped, traceback.format_exc()))
    try:
        sender.send(result)
    except OSError:
        pass  # the parent is gone; its next run repairs what this one could not finish
    finally:
        sender.close()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _publish_feeds(
    selection: Selection,
    feeds: dict[str | None, list[Release]],
    touched: set[str],
    config: Config,
    urls: Urls,
    publisher: Publisher,
    newest_archive: dict[str | None, str],
    seen: dict[str, Seen],
    old_keys: dict[str, str],
    keys: dict[str, str],
) -> None:
    """Department feeds and pages, the feed of all, index.html, feeds.opml and
    feeds-json.opml. ``newest_archive``: the period of each feed's newest archive document,
    which its live feed links. ``old_keys``/``keys``: the last build's and this build's keys
    of each feed (see :func:`_feed_key`), by its Atom path."""
    from feedpub.feeds import render_entries
    from feedpub.overview import render_department_page, render_index
    from feedpub.pages import render_opml

    departments = [_department(selection, slug, config) for slug in selection.slugs()]
    # A feed (its Atom, RSS and JSON documents, and its department's page) is rendered only
    # when its key changed: after one release changed, its department's and the combined
    # feed, not all of them.
    todo: list[Department | None] = []
    for department in [None, *departments]:
        slug = None if department is None else department.slug
        count = selection.count(slug)
        key = keys[feed_path(slug, ATOM)] = _feed_key(
            feeds[slug], seen, newest_archive.get(slug), count
        )
        files = {feed_path(slug, name) for name in (ATOM, RSS, JSON)}
        if slug is not None:
            files.add(department_page_path(slug))
        if old_keys.get(feed_path(slug, ATOM)) == key and files <= publisher.previous:
            for relative in files:
                publisher.keep(relative, check=False)
        else:
            todo.append(department)
    items: dict[str, dict[str, Any]] = {}  # JSON Feed items, shared by the two feeds of each
    # Every entry rendered once, for its department's feed and the combined one alike.
    shown = {
        release.id: release
        for department in todo
        for release in feeds[None if department is None else department.slug]
    }
    fragments = render_entries(list(shown.values()), urls, _feed_info(config, None))
    for department in todo:
        slug = None if department is None else department.slug
        releases = feeds[slug]
        _write_feed(publisher, releases, config, urls, department, newest_archive, items, fragments)
        if department is not None:
            page = render_department_page(config.title, department, releases, urls)
            publisher.write(department_page_path(department.slug), page)
    for slug in sorted(touched - set(selection.slugs())):
        # Every release of this department is bad (and none was published): keep its feeds.
        publisher.keep(feed_path(slug, ATOM))
        publisher.keep(feed_path(slug, RSS))
        publisher.keep(feed_path(slug, JSON))
        publisher.keep(department_page_path(slug))
    index = render_index(config.title, config.description, departments, feeds[None], urls)
    publisher.write(INDEX, index)
    # The JSON Feeds in an OPML list of their own, with the same outlines: one list with both
    # formats would subscribe an importing reader to every feed twice, and readers without
    # JSON Feed (Thunderbird, newsboat) to feeds they cannot read (README, "Output layout").
    for feed_name, opml_name in ((ATOM, OPML), (JSON, JSON_OPML)):
        opml = render_opml(
            config.title, config.publisher, config.email, departments, urls, feed_name=feed_name
        )
        publisher.write(opml_name, opml)


def _department(selection: Selection, slug: str, config: Config) -> Department:
    name = selection.name(slug)
    settings = config.department(name, slug)
    title = settings.title or name
    return Department(
        name=name,
        slug=slug,
        title=title,
        description=settings.description or f"Pressemitteilungen: {title}",
        count=selection.count(slug),
    )


def _write_feed(
    publisher: Publisher,
    releases: list[Release],
    config: Config,
    urls: Urls,
    department: Department | None,
    newest_archive: dict[str | None, str],
    items: dict[str, dict[str, Any]],
    fragments: Fragments,
) -> None:
    from feedpub.feeds import History, render_document
    from feedpub.jsonfeed import render_json_feed

    slug = department.slug if department else None
    period = newest_archive.get(slug)
    history = History(prev_archive=None if period is None else urls.archive(slug, period))
    info = _feed_info(config, department)
    atom, rss = render_document(info, releases, fragments, urls, history)
    publisher.write(feed_path(slug, ATOM), atom)
    publisher.write(feed_path(slug, RSS), rss)
    publisher.write(feed_path(slug, JSON), render_json_feed(info, releases, urls, items))


def _feed_info(config: Config, department: Department | None) -> FeedInfo:
    """A feed's own fields; its archive documents share them (RFC 5005: one logical feed)."""
    from feedpub.feeds import FeedInfo

    if department is None:
        title, subtitle, feed_id = config.title, config.description, f"{config.tag_prefix}feed"
    else:
        title = f"{department.title} – {config.title}"
        subtitle = department.description
        feed_id = f"{config.tag_prefix}feed/{department.slug}"
    return FeedInfo(
        slug=None if department is None else department.slug,
        id=feed_id,
        title=title,
        subtitle=subtitle,
        publisher=config.publisher,
        email=config.email,
        empty_updated=EMPTY_FEED_UPDATED,
        hub=config.websub_hub,
    )


def _publish_archives(
    everything: list[Entry],
    feeds: dict[str | None, list[Release]],
    seen: dict[str, Seen],
    cache: Cache | None,
    selection: Selection,
    config: Config,
    urls: Urls,
    publisher: Publisher,
    report: Report,
) -> tuple[dict[str, str], dict[str | None, str]]:
    """Stage the RFC 5005 archive documents that changed (see :mod:`feedpub.archive`).

    A document is rendered only when its key (its releases' ids, content hashes and
    correction times, and its neighbours) differs from the last build's, so a cron run after
    one new release renders the live feeds and the newest archive documents, not 10,000
    entries. Each release shown by a document that is rendered is read once and rendered
    once per format, for its department's document and the combined one alike. Returns the
    documents' keys (for the cache) and each feed's newest archive period.
    """
    from feedpub.archive import plan

    live = {slug: {release.id for release in releases} for slug, releases in feeds.items()}
    chains = plan(everything, live)
    old_keys = cache.docs if cache is not None else {}
    keys: dict[str, str] = {}
    newest: dict[str | None, str] = {}
    todo: dict[str, list[ArchiveDoc]] = {}
    for slug, chain in chains.items():
        newest[slug] = chain[-1].period
        for doc in chain:
            atom_path = archive_path(slug, doc.period, ATOM)
            rss_path = archive_path(slug, doc.period, RSS)
            key = keys[atom_path] = _doc_key(doc, seen)
            if old_keys.get(atom_path) == key and {atom_path, rss_path} <= publisher.previous:
                publisher.keep(atom_path, check=False)
                publisher.keep(rss_path, check=False)
            else:
                todo.setdefault(doc.period, []).append(doc)
    departments = {slug: _department(selection, slug, config) for slug in selection.slugs()}
    periods = sorted(todo)
    work = functools.partial(
        _render_archives,
        todo=todo,
        departments=departments,
        seen=seen,
        config=config,
        urls=urls,
        out_dir=publisher.out_dir,
    )
    size = sum(len(doc.entries) for docs in todo.values() for doc in docs)
    if size >= PARALLEL_MIN and _cores() >= 2 and _can_fork():
        # Months alternately, so both halves get old and new (small and big) months.
        mine, theirs = _fork_pair(
            functools.partial(work, periods[0::2]), functools.partial(work, periods[1::2])
        )
        publisher.absorb(mine)
        publisher.absorb(theirs)
    else:
        publisher.absorb(work(periods))
    return keys, newest


def _render_archives(
    periods: list[str],
    *,
    todo: dict[str, list[ArchiveDoc]],
    departments: dict[str, Department],
    seen: dict[str, Seen],
    config: Config,
    urls: Urls,
    out_dir: Path,
) -> PublishedFiles:
    """Render and stage the archive documents of ``periods`` (in this process or a forked
    one): each month's releases are read once and rendered once per format, for the
    department documents and the combined one alike."""
    from feedpub.feeds import History, render_document, render_entries

    record = PublishedFiles()
    writer = FileWriter(out_dir, record)
    try:
        for period in periods:
            shown: dict[str, Release] = {}
            kept: dict[str, tuple[Release, tuple[bytes, bytes]]] = {}
            for doc in todo[period]:
                for entry in doc.entries:
                    if entry.id in shown or entry.id in kept:
                        continue
                    release = (
                        entry
                        if isinstance(entry, Release)
                        else _read_unchanged(entry, config.tag_prefix, seen, None)
                    )
                    if release is not None:
                        shown[entry.id] = release
                        continue
                    # Bad now: its last good version is the one in the published document.
                    old = _published_fragment(out_dir, doc, entry.id)
                    if old is not None:
                        kept[entry.id] = (_placeholder(entry, seen), old)
            fragments = render_entries(list(shown.values()), urls, _feed_info(config, None))
            for release, fragment in kept.values():
                shown[release.id] = release
                fragments[release.id] = fragment
            for doc in todo[period]:
                department = None if doc.slug is None else departments.get(doc.slug)
                if doc.slug is not None and department is None:
                    continue  # pragma: no cover - a department with archived releases is known
                history = History(
                    current=(urls.feed(doc.slug, ATOM), urls.feed(doc.slug, RSS)),
                    self_urls=urls.archive(doc.slug, period),
                    prev_archive=None if doc.prev is None else urls.archive(doc.slug, doc.prev),
                    next_archive=None if doc.next is None else urls.archive(doc.slug, doc.next),
                )
                releases = [shown[e.id] for e in doc.entries if e.id in shown]
                info = _feed_info(config, department)
                atom, rss = render_document(info, releases, fragments, urls, history)
                writer.write(archive_path(doc.slug, period, ATOM), atom)
                writer.write(archive_path(doc.slug, period, RSS), rss)
    except BaseException:
        for temporary, _ in record.pending:  # nobody else knows them (see _publish_releases)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    return record


def _published_fragment(
    out_dir: Path, doc: ArchiveDoc, entry_id: str
) -> tuple[bytes, bytes] | None:
    """An entry as the published archive document of its month shows it (the department's
    or the combined one), or None."""
    from feedpub.feeds import cut_fragment

    for slug in dict.fromkeys((doc.slug, None)):
        try:
            atom = (out_dir / archive_path(slug, doc.period, ATOM)).read_bytes()
            rss = (out_dir / archive_path(slug, doc.period, RSS)).read_bytes()
        except OSError:
            continue
        fragment = cut_fragment(atom, rss, entry_id)
        if fragment is not None:
            return fragment
    return None


def _placeholder(entry: Entry, seen: dict[str, Seen]) -> Release:
    """A stand-in for a release that only its published fragment shows: enough to order it
    and to date the document (``updated``)."""
    history = seen.get(entry.id)
    return Release(
        source=Path(entry.slug),
        department=entry.department,
        slug=entry.slug,
        stem=entry.id.rsplit("/", 1)[-1],
        id=entry.id,
        published=entry.published,
        has_time=True,
        title=entry.id,
        updated=None if history is None else history.updated,
    )


def _feed_key(
    releases: list[Release], seen: dict[str, Seen], newest_archive: str | None, count: int
) -> str:
    """What a live feed's documents and its department's page depend on besides the
    configuration: its releases (id, content, correction time), its newest archive
    document and its number of releases."""
    import hashlib

    parts = [newest_archive or "", str(count)]
    for release in releases:
        history = seen.get(release.id)
        parts.append(
            f"{release.id} {history.hash if history else ''} {history and history.updated}"
        )
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def _doc_key(doc: ArchiveDoc, seen: dict[str, Seen]) -> str:
    """What an archive document's bytes depend on besides the configuration (a new one
    means a full build anyway): its neighbours and each release's id, content and
    correction time."""
    import hashlib

    parts = [doc.prev or "", doc.next or ""]
    for entry in doc.entries:
        history = seen.get(entry.id)
        parts.append(f"{entry.id} {history.hash if history else ''} {history and history.updated}")
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def _stub(release: Release, pictures: tuple[Picture, ...]) -> Stub:
    return Stub(
        release.source,
        release.department,
        release.slug,
        release.stem,
        release.id,
        release.published,
        pictures,
    )
